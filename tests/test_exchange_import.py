# ruff: noqa: E501  (XML fixtures read better on one line)
"""REFI-QDA import: round trips, the variants real programs write, and hostile files."""

from __future__ import annotations

import hashlib
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coding.codebook import load_codebook
from coding.errors import ExchangeError
from coding.exchange import export_qdpx, import_qdc, import_qdpx
from coding.exchange.guids import code_guid
from coding.ingest import parse_text, store_document
from coding.model import IngestReport
from coding.project import init_project, open_project
from coding.store import CodingRow

DATA = Path(__file__).parent / "data" / "exchange"
BOOK = load_codebook()
NS = 'xmlns="urn:QDA-XML:project:1.0"'
U1 = "11111111-1111-1111-1111-111111111111"


def _qde(body: str, origin: str = "test") -> str:
    return f'<?xml version="1.0" encoding="utf-8"?>\n<Project {NS} name="t" origin="{origin}">{body}</Project>'


def _qdpx(path: Path, project: str, sources: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", project.encode("utf-8"))
        for name, data in sources.items():
            archive.writestr(name, data)
    return path


def _store_text(store, doc_id: str, text: str) -> list[tuple[str, int, int]]:
    """Store a transcript through the ingest path; return its units (id, start, end)."""
    doc = parse_text(text, Path(doc_id), hashlib.sha256(text.encode()).hexdigest(), doc_id=doc_id)
    store_document(store, doc, None, IngestReport())
    return [(f"{doc_id}#{t.turn}", t.start, t.end) for t in doc.turns]


def _codings(store) -> set[tuple]:
    frame = store.codings()
    return {(r.doc_id, int(r.start), int(r.end), r.code_id, r.coder) for r in frame.itertuples()}


CHARS = st.sampled_from(list("合作我们协会好的 ab1，。🙂😀𠀀𠀁𪚥é") + ["e\u0301"])
LINE = st.builds(
    lambda who, words: who + "".join(words),
    st.sampled_from(["问：", "答："]),
    st.lists(CHARS, min_size=1, max_size=12),
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    docs=st.lists(
        st.tuples(st.lists(LINE, min_size=1, max_size=5), st.booleans()), min_size=1, max_size=3
    ),
    data=st.data(),
)
def test_round_trip_keeps_documents_texts_and_codings(docs, data):
    codes = sorted(BOOK.codes)
    with tempfile.TemporaryDirectory() as tmp:
        first, second = Path(tmp) / "a", Path(tmp) / "b"
        init_project(first)
        init_project(second)
        with open_project(first) as store:
            for i, (lines, crlf) in enumerate(docs):
                units = _store_text(store, f"doc{i}", ("\r\n" if crlf else "\n").join(lines))
                rows = []
                for unit_id, start, end in units:
                    if end - start < 1:
                        continue
                    a = data.draw(st.integers(start, end - 1))
                    b = data.draw(st.integers(a + 1, end))
                    rows.append(
                        CodingRow(unit_id, data.draw(st.sampled_from(codes)), "positive", a, b)
                    )
                coder = data.draw(st.sampled_from(["王助理", "Li Na"]))
                store.register_coder(coder, "human", None, None)
                store.save_codings(coder, [u[0] for u in units], rows)
            export_qdpx(store, BOOK, Path(tmp) / "p.qdpx")
            texts = {d: store.document_text(d)[1] for d in store.document_ids()}
            before = _codings(store)
        with open_project(second) as store:
            summary = import_qdpx(store, BOOK, Path(tmp) / "p.qdpx", root=second)
            assert {d: store.document_text(d)[1] for d in store.document_ids()} == texts
            assert _codings(store) == before
            assert set(store.codings()["stance"]) <= {"positive"}
        assert summary.codes_by_guid == summary.counts["codes"]
        assert not [d for d in summary.dropped if d["kind"] in ("Coding", "PlainTextSelection")]


def test_nvivo_windows_counting_utf16_and_crlf_is_recognised(store, tmp_path):
    text = "问：你们合作吗？🙂\r\n答：我们跟协会𠀀合作\r\n问：后来呢？\r\n答：后来好了😀"

    def u16(cp: int) -> int:  # how NVivo for Windows counts: UTF-16 units over the CRLF text
        return len(text[:cp].encode("utf-16-le")) // 2

    lines, pos = [], 0
    for line in text.split("\r\n"):
        lines.append((pos, pos + len(line)))
        pos += len(line) + 2
    selections = "".join(
        f'<PlainTextSelection guid="{i:08d}-0000-0000-0000-000000000000" startPosition="{u16(a)}" endPosition="{u16(b)}">'
        f'<Coding guid="{i:08d}-1111-0000-0000-000000000000" creatingUser="{U1}"><CodeRef targetGUID="{code_guid("CA.MH")}"/></Coding></PlainTextSelection>'
        for i, (a, b) in enumerate(lines)
    )
    project = _qde(
        f'<Users><User guid="{U1}" name="Ana"/></Users><CodeBook><Codes><Code guid="{code_guid("CA.MH")}" name="x" isCodable="true"/></Codes></CodeBook>'
        f'<Sources><TextSource guid="22222222-2222-2222-2222-222222222222" name="nv.txt" plainTextPath="internal://nv.txt">{selections}</TextSource></Sources>',
        "NVivo for Windows 12.6",
    )
    # NVivo for Windows writes Sources/ capitalised and a BOM
    path = _qdpx(
        tmp_path / "nv.qdpx", project, {"Sources/nv.txt": "\ufeff".encode() + text.encode("utf-8")}
    )
    summary = import_qdpx(store, BOOK, path)
    assert summary.readings == {"nv": "UTF-16 units, CRLF as two"}
    evidence = set(store.codings()["evidence"])
    assert evidence == {"你们合作吗？🙂", "我们跟协会𠀀合作", "后来呢？", "后来好了😀"}


def _variants_project() -> str:
    other = "33333333-3333-3333-3333-33333333333"
    return _qde(
        f'<Users><User guid="{U1}" name="rules@abc"/></Users>'
        "<CodeBook><Codes>"
        f'<Code guid="{other}1" name="A" isCodable="true"><Code guid="{other}2" name="Other" isCodable="true"/></Code>'
        f'<Code guid="{other}3" name="B" isCodable="true"><Code guid="{other}4" name="Other" isCodable="true"/></Code>'
        "</Codes></CodeBook>"
        '<Sources><TextSource guid="44444444-4444-4444-4444-444444444444" name="s" plainTextPath="s.txt">'
        # two selections sharing one GUID, coded with the two codes named "Other"
        f'<PlainTextSelection guid="55555555-5555-5555-5555-555555555555" startPosition="2" endPosition="6" creatingUser="{U1}">'
        f'<Coding guid="66666666-6666-6666-6666-666666666661"><CodeRef targetGUID="{other}2"/></Coding></PlainTextSelection>'
        f'<PlainTextSelection guid="55555555-5555-5555-5555-555555555555" startPosition="9" endPosition="13" creatingUser="{U1}">'
        f'<Coding guid="66666666-6666-6666-6666-666666666662"><CodeRef targetGUID="{other}4"/></Coding></PlainTextSelection>'
        "</TextSource>"
        '<PDFSource guid="77777777-7777-7777-7777-777777777777" name="scan.pdf"/></Sources>'
        '<Notes><Note guid="88888888-8888-8888-8888-888888888888" name="memo"><PlainTextContent>m</PlainTextContent></Note></Notes>'
        f'<Sets/><Sets><Set guid="99999999-9999-9999-9999-999999999999" name="s"><MemberCode targetGUID="{other}1"/></Set></Sets>'
    )


def test_variants_are_read_and_everything_is_accounted_for(project, tmp_path):
    path = _qdpx(
        tmp_path / "v.qdpx",
        _variants_project(),
        {"sources/s.txt": "问：我们合作\n答：协会很好".encode()},
    )
    with open_project(project) as store:
        dry = import_qdpx(store, BOOK, path, dry_run=True, root=project)
        assert store.document_ids() == []  # a dry run writes nothing
        summary = import_qdpx(store, BOOK, path, root=project)
        codings = store.codings()
    assert dry.as_json() | {"dry_run": False} == summary.as_json()
    # the two "Other" codes stay two codes, told apart by GUID and path
    assert codings["code_id"].nunique() == 2
    assert set(codings["coder"]) == {"rules-abc (imported)"}  # a machine's name is not taken
    dropped = {(d["kind"], d["reason"]) for d in summary.dropped}
    assert ("PDFSource", "clusterqda codes text only") in dropped
    assert ("Note", "clusterqda keeps no notes") in dropped
    assert summary.in_file["sets"] == 1 and ("Set", "clusterqda keeps no sets") in dropped
    for kind, element in (
        ("sources", "TextSource"),
        ("selections", "PlainTextSelection"),
        ("codings", "Coding"),
    ):
        lost = sum(d["kind"] == element for d in summary.dropped)
        assert summary.in_file[kind] == summary.counts[kind] + lost, kind
    book = load_codebook(summary.codebook_path)  # the file's own codes, loadable
    assert set(codings["code_id"]) <= set(book.codes)


def test_reimport_into_the_same_project_keeps_its_documents(sample_project, tmp_path):
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(sample_project, root)

    def given(store) -> set[tuple]:  # sheets give whole units, without spans
        return set(store.codings()[["unit_id", "code_id", "coder"]].itertuples(index=False))

    with open_project(root) as store:
        units = len(store.units())
        before = given(store)
        summary = import_qdpx(store, BOOK, root / "reports" / "demo.qdpx", root=root)
        assert len(store.units()) == units  # the project's documents are kept, not replaced
        after = given(store)
    people = {c for c in summary.coders if "(imported)" not in c}
    assert people and {c for c in before if c[2] in people} == {c for c in after if c[2] in people}


def test_bare_qde_with_its_sources_folder(store, tmp_path):
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "s.txt").write_text("问：好\n答：合作", encoding="utf-8")
    (tmp_path / "project.qde").write_text(_variants_project(), encoding="utf-8")
    summary = import_qdpx(store, BOOK, tmp_path / "project.qde")
    assert summary.counts["sources"] == 1


@pytest.mark.parametrize(
    "body, reason",
    [
        ('plainTextPath="internal://../../etc/passwd"', "leaves the project folder"),
        ('plainTextPath="file:///etc/passwd"', "external file"),
        ('plainTextPath="internal://missing.txt"', "not in the archive"),
    ],
)
def test_source_paths_never_leave_the_archive(store, tmp_path, body, reason):
    project = _qde(f'<Sources><TextSource guid="{U1}" name="x" {body}/></Sources>')
    summary = import_qdpx(store, BOOK, _qdpx(tmp_path / "p.qdpx", project, {"sources/x.txt": b"x"}))
    assert summary.counts["sources"] == 0
    assert reason in summary.dropped[0]["reason"]


def test_entities_and_dtds_are_refused(store, tmp_path):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f'<Project {NS} name="&b;"/>'
    )
    with pytest.raises(ExchangeError, match="DTD"):
        import_qdpx(store, BOOK, _qdpx(tmp_path / "b.qdpx", bomb, {}))
    external = f'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]><Project {NS} name="&x;"/>'
    with pytest.raises(ExchangeError, match="DTD"):
        import_qdpx(store, BOOK, _qdpx(tmp_path / "x.qdpx", external, {}))


def test_zip_bomb_and_broken_files_are_refused(store, tmp_path):
    bomb = _qdpx(tmp_path / "z.qdpx", _qde(""), {"sources/big.txt": b"0" * 5_000_000})
    with pytest.raises(ExchangeError, match="zip bomb"):
        import_qdpx(store, BOOK, bomb)
    (tmp_path / "bad.qde").write_bytes(b"<Project")
    with pytest.raises(ExchangeError, match="not well-formed"):
        import_qdpx(store, BOOK, tmp_path / "bad.qde")
    (tmp_path / "cb.qde").write_text('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"/>')
    with pytest.raises(ExchangeError, match="not a REFI-QDA project"):
        import_qdpx(store, BOOK, tmp_path / "cb.qde")


def test_codebook_import_round_trips_our_ids(tmp_path):
    from coding.exchange import export_qdc

    written, _ = import_qdc(export_qdc(BOOK, tmp_path / "ours.qdc"), tmp_path / "back.yaml")
    back = load_codebook(written)
    assert set(BOOK.codes) <= set(back.codes)
    assert all(back.codes[c].label.startswith(c) for c in BOOK.codes)


def test_codebook_import_with_other_schema_location_and_member_codes(tmp_path):
    qdc = tmp_path / "c.qdc"
    qdc.write_text(
        '<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:QDA-XML:codebook:1.0 Codebook.xsd">'
        f'<Codes><Code guid="{{{U1}}}" name="合作" isCodable="true"><Description>d</Description></Code></Codes>'
        f'<Sets><Set guid="22222222-2222-2222-2222-222222222222" name="s"><MemberCode guid="{U1}"/></Set></Sets></CodeBook>',
        encoding="utf-8",
    )
    written, tree = import_qdc(qdc, tmp_path / "c.yaml")
    assert tree.sets == 1
    assert [c.label for c in load_codebook(written).codes.values()] == ["合作"]


def _imported(path: Path, root: Path, workers: int) -> tuple[dict, list[tuple]]:
    """Import into a fresh project; return the summary and every coding as stored."""
    init_project(root)
    with open_project(root) as store:
        summary = import_qdpx(store, BOOK, path, workers=workers).as_json()
        rows = store.conn.execute(
            'SELECT coding_id, unit_id, code_id, coder, stance, start, "end", evidence'
            " FROM codings ORDER BY coding_id"
        ).fetchall()
        rows += store.conn.execute(
            "SELECT doc_id, text, metadata FROM documents ORDER BY rowid"
        ).fetchall()
    return summary, rows


@pytest.mark.parametrize("behind", [False, True])
def test_reading_in_a_second_process_imports_the_same(
    sample_project, tmp_path, monkeypatch, behind
):
    from coding.exchange import qde_ahead

    # the reader parses every source (the importer behind) or none: the same import
    monkeypatch.setattr(qde_ahead, "_importer_behind", lambda out: behind)
    variants = _qdpx(
        tmp_path / "v.qdpx",
        _variants_project(),
        {"sources/s.txt": "问：我们合作\n答：协会很好".encode()},
    )
    for n, path in enumerate((sample_project / "reports" / "demo.qdpx", variants)):
        one = _imported(path, tmp_path / f"one{n}", workers=1)
        two = _imported(path, tmp_path / f"two{n}", workers=2)
        assert one == two
        assert one[0]["codings"] > 0


@pytest.mark.parametrize("workers", [1, 2])
def test_an_import_leaves_every_index_of_the_codings(sample_project, tmp_path, workers):
    from coding.store.codinglayout import INDEXES

    init_project(tmp_path / "p")
    with open_project(tmp_path / "p") as store:
        import_qdpx(store, BOOK, sample_project / "reports" / "demo.qdpx", workers=workers)
        made = store.conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'coding_data'"
        ).fetchall()
    assert sorted(sql for (sql,) in made) == sorted(INDEXES)


@pytest.mark.parametrize("workers", [1, 2])
def test_an_import_leaves_every_key_sound_and_the_check_on(sample_project, tmp_path, workers):
    import shutil

    root = tmp_path / "copy"  # into a project that has the documents, and into an empty one
    shutil.copytree(sample_project, root)
    init_project(tmp_path / "p")
    for into in (root, tmp_path / "p"):
        with open_project(into) as store:
            import_qdpx(store, BOOK, root / "reports" / "demo.qdpx", workers=workers)
            assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
            assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []
            assert store.conn.execute("SELECT count(*) FROM coded_units").fetchone()[0] > 0


def test_errors_from_the_reading_process_are_the_same(store, tmp_path):
    bomb = _qdpx(tmp_path / "z.qdpx", _qde(""), {"sources/big.txt": b"0" * 5_000_000})
    with pytest.raises(ExchangeError, match="zip bomb"):
        import_qdpx(store, BOOK, bomb, workers=2)
    (tmp_path / "bad.qde").write_bytes(b"<Project")
    with pytest.raises(ExchangeError, match="not well-formed") as caught:
        import_qdpx(store, BOOK, tmp_path / "bad.qde", workers=2)
    assert str(tmp_path / "bad.qde") in str(caught.value)
    dtd = f'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]><Project {NS} name="&x;"/>'
    with pytest.raises(ExchangeError, match="DTD"):
        import_qdpx(store, BOOK, _qdpx(tmp_path / "x.qdpx", dtd, {}), workers=2)
    assert store.document_ids() == []


def _lie(path: Path, member: str, size: int, crc: int) -> None:
    """Make a member's headers (local and central) declare another size and CRC."""
    import struct

    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    struct.pack_into("<LLL", raw, info.header_offset + 14, crc, info.compress_size, size)
    entry = raw.index(b"PK\x01\x02")
    while raw[entry + 46 : entry + 46 + struct.unpack_from("<H", raw, entry + 28)[0]] != (
        member.encode()
    ):
        entry = raw.index(b"PK\x01\x02", entry + 4)
    struct.pack_into("<LLL", raw, entry + 16, crc, info.compress_size, size)
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("workers", [1, 2])
def test_members_that_lie_about_their_size_are_refused(store, tmp_path, workers):
    import random
    import zlib

    # a source declared 1 kB that holds 4 MB: packed larger than 1 kB could ever pack
    small = "问：我们合作\n答：协会很好\n".encode()
    random.seed(17)
    noise = bytes(random.getrandbits(8) for _ in range(200_000))
    bomb = _qdpx(tmp_path / "s.qdpx", _qde(""), {"sources/s.txt": small + noise})
    _lie(bomb, "sources/s.txt", len(small), zlib.crc32(small))
    with pytest.raises(ExchangeError, match="more than its zip headers declare"):
        import_qdpx(store, BOOK, bomb, workers=workers)
    # a project.qde declared shorter than it is (its packed size plausible): read only
    # to the declared size, whose bytes then fail the CRC
    body = "".join(f'<Users><User guid="{U1}" name="u{n}"/></Users>' for n in range(2000))
    qde = _qde(body).encode()
    short = _qdpx(tmp_path / "q.qdpx", qde.decode(), {})
    _lie(short, "project.qde", len(qde) * 9 // 10, zlib.crc32(qde))
    with pytest.raises(ExchangeError, match="corrupt|CRC"):
        import_qdpx(store, BOOK, short, workers=workers)


def test_reserved_names_are_those_of_coding_sheets(store):
    from coding.exchange.project_import import reserved_coder
    from coding.sheets.layout import CONSENSUS
    from coding.sheets.people import reserved_coder as sheets_reserved

    store.register_coder("rules@3", "rules", BOOK.hash, BOOK.version)
    store.register_coder("模型", "model", BOOK.hash, BOOK.version)
    store.register_coder("王芳", "human", BOOK.hash, BOOK.version)
    for name in (CONSENSUS, "consensus", "rules@3", "a@b", "模型", "王芳", "李明", "Consensus"):
        assert reserved_coder(store, name) == sheets_reserved(store, name), name


def test_an_import_loads_neither_sheets_nor_pandas(sample_project, tmp_path):
    import subprocess
    import sys

    code = (
        "import sys; from coding.codebook import load_codebook;"
        "from coding.project import init_project, open_project;"
        "from coding.exchange import import_qdpx;"
        f"init_project({str(tmp_path / 'p')!r});"
        f"s = open_project({str(tmp_path / 'p')!r}).__enter__();"
        f"import_qdpx(s, load_codebook(), {str(sample_project / 'reports' / 'demo.qdpx')!r}, workers=1);"
        "print(sorted(m for m in sys.modules if m.startswith(('pandas', 'coding.sheets'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_reader_sends_a_batch_early_once_it_holds_enough_selections(
    sample_project, monkeypatch
):
    import pickle

    from coding.exchange import qde_ahead

    sent: list[tuple] = []

    class Queue:
        def put(self, message: bytes) -> None:
            sent.append(pickle.loads(message))

    monkeypatch.setattr(qde_ahead, "BATCH_SOURCES", 10**6)
    monkeypatch.setattr(qde_ahead, "BATCH_SELECTIONS", 1_000)
    qde_ahead._work(str(sample_project / "reports" / "demo.qdpx"), Queue())  # type: ignore[arg-type]
    batches = [batch for kind, _, batch in sent if kind == "batch"]
    assert sent[-1][0] == "end"
    sizes = [sum(len(m) for _, _, _, m in batch if m is not None) for batch in batches]
    assert len(batches) > 1 and all(size >= 1_000 for size in sizes[:-1])


def test_imported_codings_check_their_stances_and_leave_the_check_on(store):
    import sqlite3

    units = _store_text(store, "d", "问：我们合作\n答：协会很好")
    store.register_coder("王芳", "human", BOOK.hash, BOOK.version)
    rowid = store.document_unit_rowids("d")[units[0][0]]
    with pytest.raises(ExchangeError, match="not a stance"):
        store.import_codings("王芳", [units[0][0]], [(rowid, "CA.BH", "maybe", 0, 2)], False)
    store.import_codings("王芳", [units[0][0]], [(rowid, "CA.BH", "mixed", 0, 2)], False)
    assert store.conn.execute("SELECT stance FROM coding_data").fetchall() == [("mixed",)]
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):  # the schema's CHECK holds again
        store.conn.execute(
            "INSERT INTO coding_data (unit, coder, code_id, stance, created) VALUES (?,1,'x','maybe',1)",
            (rowid,),
        )


def test_imported_codings_without_a_stance_store_null_given_none_or_empty(store):
    units = _store_text(store, "d", "问：我们合作\n答：协会很好")
    store.register_coder("王芳", "human", BOOK.hash, BOOK.version)
    rowid = store.document_unit_rowids("d")[units[0][0]]
    rows = [(rowid, "CA.BH", s, 0, k + 1) for k, s in enumerate([None, "", "mixed", ""])]
    store.import_codings("王芳", [units[0][0]], rows[:2], False)  # both ways in one batch
    store.import_codings("王芳", [units[0][0]], rows[2:], False)
    stored = store.conn.execute('SELECT stance, "end" FROM coding_data ORDER BY rowid').fetchall()
    assert stored == [(None, 1), (None, 2), ("mixed", 3), (None, 4)]


@pytest.mark.parametrize("queued", [0, 3, 4])
def test_the_reader_leaves_the_parsing_to_an_importer_unless_its_queue_is_full(
    sample_project, queued
):
    import pickle

    from coding.exchange import qde_ahead

    assert qde_ahead.QUEUE_BATCHES == 4

    sent: list[tuple] = []

    class Queue:
        def put(self, message: bytes) -> None:
            sent.append(pickle.loads(message))

        def qsize(self) -> int:
            return queued

    qde_ahead._work(str(sample_project / "reports" / "demo.qdpx"), Queue())  # type: ignore[arg-type]
    sources = [item for kind, _, batch in sent if kind == "batch" for item in batch]
    assert sources
    for _, (raw, _), parsed, mapped in sources:
        if queued == 4:  # the importer is behind: parsed here, the text inside the parse
            assert parsed is not None and raw is None and mapped.spans is not None
        else:  # it keeps up: the text goes as read, to be parsed and found there
            assert parsed is None and raw and mapped.spans is None


def _old_selections_xml(text: str, codings: list[tuple]) -> str:
    """The selections as exports wrote them before round 6: every one with its evidence."""
    from coding.exchange.guids import selection_and_coding_guids, user_guid
    from coding.exchange.xmlsafe import escape_text

    parts = []
    for _, coder, _, unit_id, code_id, stance, start, end, evidence in codings:
        user = user_guid(coder)
        selection, coding = selection_and_coding_guids(coder, unit_id, code_id, start, end)
        note = f"stance: {stance}\nevidence: " if stance else "evidence: "
        parts.append(
            f'<PlainTextSelection guid="{selection}" startPosition="{start}" '
            f'endPosition="{end}" creatingUser="{user}"><Description>'
            f"{escape_text(note + (evidence or text[start:end]))}</Description>"
            f'<Coding guid="{coding}" creatingUser="{user}">'
            f'<CodeRef targetGUID="{code_guid(code_id)}"/></Coding></PlainTextSelection>\n'
        )
    return "".join(parts)


@pytest.mark.parametrize("workers", [1, 2])
def test_old_files_with_every_evidence_import_as_new_ones(
    sample_project, tmp_path, monkeypatch, workers
):
    from coding.exchange import project_export

    # the same file name in two folders, as warnings name the file
    old, new = tmp_path / "old" / "p.qdpx", tmp_path / "new" / "p.qdpx"
    old.parent.mkdir()
    new.parent.mkdir()
    with open_project(sample_project) as store:
        export_qdpx(store, BOOK, new)
        monkeypatch.setattr(project_export, "selections_xml", _old_selections_xml)
        export_qdpx(store, BOOK, old)
    old_qde = zipfile.ZipFile(old).read("project.qde")
    new_qde = zipfile.ZipFile(new).read("project.qde")
    assert old_qde.count(b"\nevidence: ") > new_qde.count(b"\nevidence: ")
    assert len(new_qde) < len(old_qde)
    results = []
    for path in (old, new):
        summary, rows = _imported(path, path.parent / "project", workers)
        del summary["file"]
        results.append((summary, rows))
    assert results[0] == results[1]
    assert results[0][0]["codings"] > 0


UNITS = [(0, 10, "d#1", 11), (10, 20, "d#2", 12), (25, 30, "d#3", 13)]
SELECTION = st.tuples(
    st.integers(-1, 32),  # start
    st.integers(0, 32),  # span length
    st.lists(
        st.tuples(st.sampled_from(["G1", "G2", "G?"]), st.sampled_from([U1, "U2", None])),
        min_size=0,
        max_size=2,
    ),
    st.sampled_from(["positive", None]),
)


def _taken(store, selections: list[tuple], whole: bool, monkeypatch) -> tuple:
    """Run ``_take_selections`` over these selections; return everything it leaves."""
    from array import array

    from coding.exchange import import_rows
    from coding.exchange import project_import as pi
    from coding.exchange.qde_map import SEP, Mapped
    from coding.exchange.qde_read import QdeHead

    codings = [c for _, _, cs, _ in selections for c in cs]
    mapped = Mapped(
        "code points",
        SEP.join(f"s{k}" for k in range(len(selections))),
        SEP.join(f"n{k}" for k in range(len(selections))),
        array("q", [a for a, _, _, _ in selections]),
        array("q", [a + n for a, n, _, _ in selections]),
        [stance for _, _, _, stance in selections],
        array("l", [len(cs) for _, _, cs, _ in selections]),
        SEP.join(f"c{j}" for j in range(len(codings))),
        [code for code, _ in codings],
        [user for _, user in codings],
    )
    mapped.find(UNITS, 30)
    head = QdeHead(users={U1: "王助理", "U2": "rules@x"}, creating_user="U2")
    ctx = pi._Context(store, BOOK, pi.ImportSummary("f.qdpx", False), False)
    ctx.code_ids = {"G1": "CA_COOP", "G2": "CA_CONFLICT"}
    if not whole:
        monkeypatch.setattr(import_rows, "_whole_rows", lambda *a: None)
    doc = parse_text("问：好", Path("d"), "0", doc_id="d")
    pi._take_selections(ctx, head, doc, UNITS, mapped)
    monkeypatch.undo()
    s = ctx.summary
    return ctx.pending, ctx.coded, ctx.coders, s.counts, s.dropped, s.warnings


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(selections=st.lists(SELECTION, max_size=8), data=st.data())
def test_selections_taken_whole_give_the_rows_of_the_loop(store, monkeypatch, selections, data):
    if data.draw(st.booleans()):  # often the shape our exports write: all taken whole
        selections = [
            (a % 9, 1 + n % (10 - a % 9), cs[:1] or [("G1", U1)], s) for a, n, cs, s in selections
        ]
        selections = [(a, n, [(c.replace("?", "1"), u)], s) for a, n, [(c, u)], s in selections]
    loop = _taken(store, selections, False, monkeypatch)
    assert _taken(store, selections, True, monkeypatch) == loop


def test_a_source_taken_whole_is_not_walked(store, monkeypatch):
    from coding.exchange import import_rows

    found = []
    whole_rows = import_rows._whole_rows
    monkeypatch.setattr(
        import_rows, "_whole_rows", lambda *a: found.append(whole_rows(*a)) or found[-1]
    )
    selections = [(0, 5, [("G1", U1)], "positive"), (12, 3, [("G2", "U2")], None)]
    pending = _taken(store, selections, True, monkeypatch)[0]
    assert found and found[0] is not None
    assert found[0] == {
        "王助理": [(11, "CA_COOP", "positive", 0, 5)],
        "rules-x (imported)": [(12, "CA_CONFLICT", None, 12, 15)],
    }
    rowids = store.coder_rowids()
    a, b = rowids["王助理"], rowids["rules-x (imported)"]
    assert pending == [  # two coders: stored as shared rows, here none shared
        (
            ("王助理", "rules-x (imported)"),
            ["d#1", "d#2", "d#3"],
            [
                (11, "CA_COOP", "positive", 0, 5, a, 0, ""),
                (12, "CA_CONFLICT", None, 12, 15, b, 0, ""),
            ],
        )
    ]
