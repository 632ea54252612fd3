"""Two coders' imported codings stored as shared rows: each coder reads its own, in order."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coding.agree import project_agreement
from coding.codebook import load_codebook
from coding.exchange import export_qdpx, import_qdpx, project_import
from coding.exchange.import_rows import shared_rows
from coding.project import init_project, open_project

BOOK = load_codebook()

ROW = st.tuples(
    st.integers(1, 3),
    st.sampled_from(["A", "B"]),
    st.sampled_from(["", None, "positive", "negative"]),
    st.integers(0, 3),
    st.integers(3, 5),
)


def _own(rows: list[tuple], coder: int) -> list[tuple]:
    """Return one coder's codings as a shared row's reader sees them (stance '' is none)."""
    out = []
    for unit, code, stance, start, end, who, also, also_stance in rows:
        if who == coder:
            out.append((unit, code, stance or None, start, end))
        elif also == coder:
            out.append((unit, code, also_stance or stance or None, start, end))
    return out


@settings(max_examples=300, deadline=None)
@given(first=st.lists(ROW, max_size=12), second=st.lists(ROW, max_size=12), data=st.data())
def test_shared_rows_keep_each_coders_codings_and_order(first, second, data):
    if data.draw(st.booleans()):  # mostly the same codings, as our exports' two coders
        second = [r for r in first if data.draw(st.booleans())] + second[:2]
    rows = shared_rows(first, second, 1, 2)
    assert _own(rows, 1) == [(u, c, s or None, a, b) for u, c, s, a, b in first]
    assert _own(rows, 2) == [(u, c, s or None, a, b) for u, c, s, a, b in second]
    assert all(also in (0, 1, 2) and also != who for *_, who, also, _ in rows)
    if not {r[:2] + r[3:] for r in first} & {r[:2] + r[3:] for r in second}:
        assert rows == [r + (1, 0, "") for r in first] + [r + (2, 0, "") for r in second]


def test_shared_rows_share_what_both_gave():
    a = [(1, "A", "", 0, 2), (1, "B", "positive", 0, 2), (2, "A", "negative", 1, 3)]
    b = [(1, "A", "", 0, 2), (1, "C", "", 0, 2), (2, "A", "", 1, 3), (1, "B", "mixed", 0, 2)]
    assert shared_rows(a, b, 7, 8) == [
        (1, "A", "", 0, 2, 7, 8, ""),
        (1, "B", "positive", 0, 2, 7, 0, ""),
        (1, "C", "", 0, 2, 8, 0, ""),  # b's own, held until its next shared coding
        (2, "A", "", 1, 3, 8, 7, "negative"),  # only the first states a stance
        (1, "B", "mixed", 0, 2, 8, 0, ""),  # after a's coding of B: not shared
    ]


def _per_coder(store) -> list[tuple]:
    return store.conn.execute(
        'SELECT coder, unit_id, code_id, stance, start, "end", evidence FROM codings'
        " ORDER BY coder, coding_id"
    ).fetchall()


def _unshared(ctx, unit_ids, rows_by):
    for coder, rows in rows_by.items():
        ctx.pending.append((coder, unit_ids, rows))
        ctx.pending_rows += len(rows)


def _two_coders(sample_project: Path, tmp_path: Path) -> Path:
    """Return an export of the demo project's rules and hybrid coders, as the benchmark's."""
    root = tmp_path / "src"
    shutil.copytree(sample_project, root)
    with open_project(root) as store:
        keep = [c for c in store.coders() if c.startswith(("rules", "hybrid"))]
        assert len(keep) == 2
        for coder in store.coders():
            if coder not in keep:
                store.conn.execute(
                    "DELETE FROM coding_data WHERE coder IN"
                    " (SELECT rowid FROM coders WHERE coder = ?)",
                    (coder,),
                )
                store.conn.execute(
                    "UPDATE coding_data SET also = NULL, also_stance = NULL,"
                    " also_probability = NULL WHERE also IN"
                    " (SELECT rowid FROM coders WHERE coder = ?)",
                    (coder,),
                )
                store.conn.execute("DELETE FROM coded_units WHERE coder = ?", (coder,))
        store.conn.commit()
        export_qdpx(store, BOOK, tmp_path / "two.qdpx")
    return tmp_path / "two.qdpx"


@pytest.mark.parametrize("workers", [1, 2])
def test_two_coders_import_as_shared_rows_read_as_before(
    sample_project, tmp_path, monkeypatch, workers
):
    qdpx = _two_coders(sample_project, tmp_path)
    read = {}
    for name in ("shared", "unshared", "again"):
        init_project(tmp_path / name)
        with monkeypatch.context() as m:
            if name == "unshared":  # every coding a row of its own, as imports stored them
                m.setattr(project_import, "_pend", _unshared)
            with open_project(tmp_path / name) as store:
                import_qdpx(store, BOOK, qdpx, workers=workers)
                if name == "again":  # each person's codings replaced, shared rows and all
                    import_qdpx(store, BOOK, qdpx, workers=workers)
                also = store.conn.execute("SELECT count(also) FROM coding_data").fetchone()[0]
                read[name] = (
                    _per_coder(store),
                    sorted(store.conn.execute("SELECT unit_id, coder FROM coded_units")),
                    project_agreement(store, BOOK, bootstrap=0)[0].to_csv(),
                    also > 0,
                )
                export_qdpx(store, BOOK, tmp_path / f"{name}.qdpx")
    assert read["shared"][:3] == read["unshared"][:3]
    assert read["shared"][3] and not read["unshared"][3]
    assert sorted(read["again"][0]) == sorted(read["shared"][0])
    assert read["again"][1:3] == read["shared"][1:3]
    with open_project(tmp_path / "unshared") as store:  # what each export brings back
        for name in ("shared", "again"):
            init_project(tmp_path / f"back_{name}")
            with open_project(tmp_path / f"back_{name}") as back:
                import_qdpx(back, BOOK, tmp_path / f"{name}.qdpx", workers=workers)
                assert _per_coder(back) == _per_coder(store)
