"""Ingesting into the project store: metadata, re-ingest, transactions, bad input."""

import shutil

import pytest

from coding.errors import (
    DuplicateDocumentError,
    FrontMatterError,
    InputError,
    ManifestError,
    SegmenterError,
)
from coding.ingest import ingest
from coding.ingest.manifest import read_manifest
from tests.conftest import BAD, DATA, GOOD


def count(store, table):
    return store.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_folder_ingest_stores_every_format(store):
    report = ingest(store, [GOOD], manifest=GOOD / "manifest.csv")
    docs = store.documents().set_index("doc_id")
    assert len(report.added) == 13
    assert docs.loc["gbk", "encoding"] == "gb18030"
    assert docs.loc["big5", "encoding"] == "big5"
    assert docs.loc["docx", "encoding"] == "docx"
    assert docs.loc["bomcrlf", "encoding"] == "utf-8-sig"
    assert count(store, "units") == report.units


def test_unit_text_is_a_slice_of_the_normalised_document(store):
    ingest(store, [GOOD], manifest=GOOD / "manifest.csv")
    for doc_id, group in store.units().groupby("doc_id"):
        _, text = store.document_text(doc_id)
        for unit in group.itertuples():
            assert text[unit.start : unit.end] == unit.text


def test_original_text_is_kept_for_quotations(store):
    ingest(store, [GOOD / "big5_traditional.txt"])
    original, text = store.document_text("big5")
    assert "開發燈具" in original and "開發燈具" in text
    view = store.conn.execute("SELECT match_text FROM units WHERE unit_id = 'big5#2'").fetchone()[0]
    assert view == "不少，我们跟本地厂商合作开发灯具。"


def test_manifest_supplies_metadata_and_front_matter_wins(store):
    report = ingest(store, [GOOD], manifest=GOOD / "manifest.csv")
    docs = store.documents().set_index("doc_id")
    village = docs.loc["village-01"]
    assert village["cluster"] == "大沥铝型材"
    assert village["metadata"]["role"] == "ACT.TOWNCORP"
    assert docs.loc["qa-full", "cluster"] == "测试集群"
    assert any("manifest says '另一个集群'" in w for w in report.warnings)


def test_default_cluster_only_fills_gaps(store):
    ingest(store, [GOOD / "no_frontmatter.txt", GOOD / "gbk.txt"], cluster="默认集群")
    docs = store.documents().set_index("doc_id")
    assert docs.loc["no_frontmatter", "cluster"] == "默认集群"
    assert docs.loc["gbk", "cluster"] == "测试集群"


def test_reingest_unchanged_does_nothing(store):
    ingest(store, [GOOD])
    before = store.conn.execute("SELECT group_concat(ingested_at) FROM documents").fetchone()
    again = ingest(store, [GOOD])
    assert again.added == again.replaced == again.updated == []
    assert len(again.unchanged) == 13
    after = store.conn.execute("SELECT group_concat(ingested_at) FROM documents").fetchone()
    assert before == after


def test_changed_file_replaces_its_units_and_tokens(store, tmp_path):
    from coding.segment import segment_project

    path = tmp_path / "t.txt"
    path.write_text("---\nid: t\n---\n问：一\n答：二\n问：三\n答：四\n", encoding="utf-8")
    ingest(store, [path], segment=False)
    segment_project(store, engine="jieba")
    assert count(store, "tokens") == 4
    path.write_text("---\nid: t\n---\n问：一\n答：改了\n", encoding="utf-8")
    report = ingest(store, [path], segment=False)
    assert report.replaced == ["t"]
    assert store.units()["text"].tolist() == ["一", "改了"]
    assert count(store, "tokens") == 0


def test_metadata_only_change_keeps_units(store, tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("问：一\n答：二\n", encoding="utf-8")
    ingest(store, [path])
    report = ingest(store, [path], cluster="新集群")
    assert report.updated == ["t"]
    assert store.documents()["cluster"].tolist() == ["新集群"]
    assert count(store, "units") == 2


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("empty.txt", InputError),
        ("binary.txt", InputError),
        ("undecodable.txt", InputError),
        ("bad_yaml.txt", FrontMatterError),
        ("unclosed.txt", FrontMatterError),
        ("corrupt.docx", InputError),
        ("frontmatter_only.txt", InputError),
    ],
)
def test_one_bad_file_stores_nothing(store, tmp_path, name, error):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for good in ("gbk.txt", "qa_fullwidth.txt", "word.docx"):
        shutil.copy(GOOD / good, folder / good)
    shutil.copy(BAD / name, folder / ("zz_" + name))  # read last, after good files
    with pytest.raises(error) as info:
        ingest(store, [folder], workers=1)
    assert str(info.value).startswith(str(folder / ("zz_" + name)))
    assert count(store, "documents") == 0
    assert count(store, "units") == 0


def test_ingest_writes_through_a_rollback_journal_and_leaves_wal(store):
    # each new page is written once (no log to copy into the database at the commit)
    modes = []

    def progress(done, total):
        modes.append(store.conn.execute("PRAGMA journal_mode").fetchone()[0])

    ingest(store, [GOOD], workers=1, progress=progress)
    assert set(modes) == {"delete"}
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("chunk_bytes, window_bytes", [(None, None), (1, 1), (10**9, 1)])
def test_parallel_ingest_matches_serial(project, tmp_path, monkeypatch, chunk_bytes, window_bytes):
    import coding.ingest.run as ingest_module
    from coding.project import open_project

    monkeypatch.setattr(ingest_module, "PARALLEL_MIN_FILES", 2)
    if chunk_bytes:  # one file a task, or tasks of many; the fewest tasks in flight
        monkeypatch.setattr(ingest_module, "CHUNK_BYTES", chunk_bytes)
        monkeypatch.setattr(ingest_module, "WINDOW_BYTES", window_bytes)
    with open_project(project) as store:
        ingest(store, [GOOD], workers=2)
        parallel = store.units()
    serial_project = tmp_path / "serial"
    from coding.project import init_project

    init_project(serial_project)
    with open_project(serial_project) as store:
        ingest(store, [GOOD], workers=1)
        serial = store.units()
    assert parallel.equals(serial)


def test_tasks_keep_file_order_within_their_limits(tmp_path, monkeypatch):
    import coding.ingest.run as ingest_module

    monkeypatch.setattr(ingest_module, "CHUNK_BYTES", 100)
    sizes = [10, 50, 30, 200, 5, 5, 5, 5, 5, 90, 20]
    jobs = []
    for i, size in enumerate(sizes):
        (path := tmp_path / f"{i:02d}.txt").write_bytes(b"x" * size)
        jobs.append((path, None, None, None))
    chunks = ingest_module._chunks(jobs, sizes, workers=1)  # at most 11 // 4 = 2 files a task
    assert [job for chunk, _ in chunks for job in chunk] == jobs
    for chunk, size in chunks:
        assert size == sum(job[0].stat().st_size for job in chunk)
        assert len(chunk) <= 2 and (size <= 100 or len(chunk) == 1)


def test_a_parsed_document_travels_without_its_turns_and_gets_them_back():
    from coding.ingest import parse_document
    from coding.ingest.run import _init_worker, _parse_job

    _init_worker(None, frozenset())
    job = (GOOD / "qa_fullwidth.txt", None, None, None)
    parsed, doc = _parse_job(job), parse_document(*job)
    assert parsed.doc.turns == [] and parsed.whole() == doc


def test_duplicate_ids_are_refused(store):
    with pytest.raises(DuplicateDocumentError, match="document id 'same' is also used by"):
        ingest(store, [DATA / "ingest" / "dup"])
    assert count(store, "documents") == 0


def test_missing_path(store, tmp_path):
    with pytest.raises(InputError, match="no such file or folder"):
        ingest(store, [tmp_path / "nowhere"])


def test_folder_without_transcripts(store, tmp_path):
    (tmp_path / "notes.csv").write_text("a,b\n", encoding="utf-8")
    with pytest.raises(InputError, match="no .txt, .md or .docx transcripts found"):
        ingest(store, [tmp_path])


def test_manifest_row_naming_a_missing_file():
    with pytest.raises(ManifestError) as info:
        read_manifest(DATA / "ingest" / "manifest" / "missing_file.csv")
    assert info.value.line == 3
    assert "names 'missing.txt', which does not exist" in str(info.value)


def test_manifest_without_file_column_lists_its_columns():
    with pytest.raises(ManifestError, match="its columns are: 文件名, 编号"):
        read_manifest(DATA / "ingest" / "manifest" / "no_file_column.csv")


def test_ingest_cuts_new_units_like_segment_does(project, tmp_path):
    from coding.project import init_project, open_project
    from coding.segment import segment_project

    with open_project(project) as store:
        report = ingest(store, [GOOD], engine="jieba")
        assert report.segmented == report.units == count(store, "units")
        fused = store.tokens(report.dict_version)
        assert segment_project(store, engine="jieba").units == 0
        again = ingest(store, [GOOD], engine="jieba")
        assert again.segmented == 0  # unchanged files are not cut again
    init_project(tmp_path / "two")
    with open_project(tmp_path / "two") as store:
        ingest(store, [GOOD], segment=False)
        assert count(store, "tokens") == 0
        separate = segment_project(store, engine="jieba")
        assert store.tokens(separate.dict_version) == fused


def _cut_whole(dictionary, sample, send):
    send.send((True, [[text] for text in sample]))  # unlike any engine's tokens


def test_auto_engine_checks_rjieba_meanwhile_and_redoes_with_jieba(store, monkeypatch):
    import coding.ingest.enginecheck as enginecheck
    from coding.project import SAMPLE_CORPORA
    from coding.segment import get_segmenter, rjieba_available, user_dictionary

    if not rjieba_available():
        pytest.skip("rjieba is not installed (pip install -e '.[dev]' adds it)")
    # the checker process is forked, so it sees the patched module function
    monkeypatch.setattr(enginecheck, "_cut_with_jieba", _cut_whole)
    report = ingest(store, [SAMPLE_CORPORA], workers=2, engine="auto")
    assert report.engine == "jieba" and len(report.added) >= 16
    documents = store.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    assert documents == len(report.added)  # the rjieba attempt left nothing behind
    jieba = get_segmenter(user_dictionary(), "jieba")
    stored = store.tokens(report.dict_version)
    views = store.conn.execute("SELECT unit_id, COALESCE(match_text, text) FROM units")
    assert all(stored[u] == jieba.cut(v) for u, v in views)


def _no_jieba(dictionary, engine):
    raise SegmenterError("no jieba here")


def test_an_error_in_the_engine_check_is_raised_in_the_parent(monkeypatch):
    import coding.ingest.enginecheck as enginecheck
    from coding.segment import user_dictionary

    monkeypatch.setattr(enginecheck, "get_segmenter", _no_jieba)  # the forked check sees it
    check = enginecheck.EngineCheck(user_dictionary(), ["协会"])
    with check, pytest.raises(SegmenterError, match="no jieba here"):
        check.differs()


def test_auto_engine_keeps_rjieba_when_the_check_agrees(store):
    from coding.project import SAMPLE_CORPORA
    from coding.segment import rjieba_available

    if not rjieba_available():
        pytest.skip("rjieba is not installed (pip install -e '.[dev]' adds it)")
    assert ingest(store, [SAMPLE_CORPORA], workers=2, engine="auto").engine == "rjieba"


def test_files_are_collected_as_rglob_finds_and_sorts_them(tmp_path):
    from coding.ingest.read import SUPPORTED_SUFFIXES
    from coding.ingest.run import collect_files

    root = tmp_path / "corpus"
    names = ["a/b.txt", "a-b/c.md", "a.txt", "B.TXT", "z/y/x.docx", "x.", "n.doc", "README.md"]
    names += [".hidden.txt", ".h/in.txt", "d/.e/f.txt", "readme-too.txt", "m/Readme.TXT", "q.md"]
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("甲：你好\n", encoding="utf-8")
    (root / "link.txt").symlink_to(root / "q.md")  # the same file twice: kept once
    (root / "linked").symlink_to(root / "a", target_is_directory=True)  # not entered
    (root / "outside.txt").symlink_to(tmp_path / "missing.txt")  # broken: left out

    def rglob_files(path):
        return sorted(
            p
            for p in path.rglob("*")
            if p.is_file()
            and p.suffix.lower() in SUPPORTED_SUFFIXES
            and not any(part.startswith(".") for part in p.relative_to(path).parts)
            and not p.name.lower().startswith("readme")
        )

    expected = [p for p in rglob_files(root) if p.name != "q.md"]  # link.txt comes first
    assert collect_files([root]) == expected


def test_a_first_ingest_leaves_keys_checked_and_every_row_with_its_parent(store, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(GOOD, corpus)
    ingest(store, [corpus])  # into an empty project: keys unchecked meanwhile
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    changed = corpus / "qa_fullwidth.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n甲：再说一句。\n", "utf-8")
    report = ingest(store, [corpus])  # a replace deletes through the keys again
    assert len(report.replaced) == 1
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    orphans = "SELECT COUNT(*) FROM tokens WHERE unit_id NOT IN (SELECT unit_id FROM units)"
    assert store.conn.execute(orphans).fetchone()[0] == 0


def test_tasks_ahead_count_their_files_and_start_once(monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    import coding.ingest.run as ingest_module

    monkeypatch.setattr(ingest_module, "_parse_chunk", lambda jobs: list(jobs))
    monkeypatch.setattr(ingest_module, "WINDOW_BYTES", 10)
    calls: list[int] = []
    delivery = ingest_module._Delivery(lambda: calls.append(delivery.files))
    chunks = [([i] * (i % 3 + 1), 4) for i in range(9)]
    with ThreadPoolExecutor(1) as pool:  # its one thread counts, as the pool's does
        results = list(ingest_module._ahead(pool, chunks, 1, delivery))
    assert results == [chunk for chunk, _ in chunks]  # in order
    assert len(calls) == 1 and delivery.files == sum(len(chunk) for chunk, _ in chunks)
