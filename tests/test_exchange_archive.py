"""The project.qde inflated ahead by a thread reads as the zip's own stream does."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coding.exchange import archive as archive_module
from coding.exchange.archive import ProjectArchive


def _qdpx(path: Path, data: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", data)
    return path


def _read_all(handle, sizes: list[int]) -> bytes:
    out = []
    k = 0
    while True:
        chunk = handle.read(sizes[k % len(sizes)])
        k += 1
        if not chunk:
            return b"".join(out)
        out.append(chunk)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.binary(max_size=3000),
    block=st.integers(1, 700),
    sizes=st.lists(st.integers(1, 900), min_size=1, max_size=5),
)
def test_inflated_ahead_reads_the_same_bytes(tmp_path, monkeypatch, data, block, sizes):
    monkeypatch.setattr(archive_module, "AHEAD_BLOCK", block)
    path = _qdpx(tmp_path / "p.qdpx", data)
    with ProjectArchive(path) as archive:
        with archive.open_qde() as plain:
            expected = _read_all(plain, sizes)
        with archive.open_qde(ahead=True) as ahead:
            assert _read_all(ahead, sizes) == expected == data
            assert ahead.read(10) == b""
        with archive.open_qde(ahead=True) as ahead:
            assert ahead.read() == data


def test_inflated_ahead_raises_a_corrupt_member_as_the_plain_read_does(tmp_path, monkeypatch):
    monkeypatch.setattr(archive_module, "AHEAD_BLOCK", 1000)
    data = bytes(range(256)) * 40
    path = _qdpx(tmp_path / "p.qdpx", data)
    raw = bytearray(path.read_bytes())
    raw[raw.rfind(b"PK\x01\x02") + 16] ^= 0xFF  # the CRC the central directory declares
    path.write_bytes(bytes(raw))
    with ProjectArchive(path, guard=False) as archive:
        for ahead in (False, True):
            with archive.open_qde(ahead=ahead) as handle, pytest.raises(zipfile.BadZipFile):
                while handle.read(300):
                    pass


def test_inflated_ahead_closes_early_without_waiting(tmp_path, monkeypatch):
    monkeypatch.setattr(archive_module, "AHEAD_BLOCK", 10)
    path = _qdpx(tmp_path / "p.qdpx", b"x" * 10_000)
    with ProjectArchive(path) as archive:
        handle = archive.open_qde(ahead=True)
        assert handle.read(5) == b"xxxxx"
        handle.close()  # the thread is blocked on a full queue: it stops
        assert handle.closed
