"""Rule coding of projects and tables: evidence, stance, incremental runs, bad tables."""

import pandas as pd
import pytest

from coding.autocode import TABLE_COLUMNS, RuleCoder, code_project, code_table, code_texts
from coding.codebook import load_codebook
from coding.errors import InputError
from coding.ingest import ingest
from coding.ingest.normalize import match_view
from coding.stance import polarity_counts
from tests.conftest import DATA, GOOD

BOOK = DATA / "codebooks" / "small.yaml"
TABLES = DATA / "tables"


@pytest.fixture(scope="module")
def book():
    return load_codebook(BOOK)


def test_coding_records_evidence_terms_rule_and_stance(book):
    text = "我们跟隔壁厂合作，设备借来借去，挺好的。"
    (coding,) = RuleCoder(book).code(text)
    assert coding.code_id == "CA.BH"
    assert text[coding.start : coding.end] == "隔壁厂合作，设备借来借去"
    assert coding.terms == ("隔壁", "合作", "借来借去")
    assert coding.rule_id == "CA.BH"
    assert coding.stance == "positive"


@pytest.mark.parametrize(
    ("text", "positive", "negative"),
    [
        ("这个协会我很支持", 1, 0),
        ("说实话不信任", 0, 1),
        ("那个平台没什么用", 0, 1),  # the longer cue wins over 有用
        ("银行靠不住", 0, 1),
        ("不支持", 0, 1),  # negation turns praise over
        ("挺好的，就是有点麻烦", 1, 1),
        ("一般般吧", 0, 0),
    ],
)
def test_stance_cues(text, positive, negative):
    assert polarity_counts(text) == (positive, negative)


def test_code_table_reads_gbk_and_keeps_text_as_data(book):
    table = code_table(TABLES / "answers_gbk.csv", "answer", "no", book)
    assert list(table.columns) == TABLE_COLUMNS
    by_id = table.groupby("id")["code_id"].apply(set).to_dict()
    assert by_id["1"] == {"CA.BH"}
    assert "2" not in by_id  # a wish: no government action, no cooperation
    assert by_id["3"] == {"EVAL.FAILURE"}
    assert by_id["5"] == {"ACT.GOV", "ACT.FIRM", "ACT.FIRM.LEAD"}  # Traditional, via the view
    row = table[(table["id"] == "5") & (table["code_id"] == "ACT.FIRM.LEAD")].iloc[0]
    assert row["evidence"] == "龍頭"  # evidence is quoted from the text as written
    assert set(table["stance"]) <= {"positive", "negative", "neutral", "mixed"}


def test_units_with_no_code_have_no_rows(book):
    frame = code_texts(book, ["a", "b"], ["今天天气不错", None])
    assert frame.empty and list(frame.columns) == TABLE_COLUMNS


@pytest.mark.parametrize(
    ("name", "kwargs", "message"),
    [
        (
            "answers_gbk.csv",
            {"text_col": "text"},
            "has no column 'text'; its columns are: no, answer",
        ),
        ("really_csv.xlsx", {}, "not an Excel workbook (it looks like a CSV file"),
        ("missing.csv", {}, "no such file"),
    ],
)
def test_bad_tables(book, name, kwargs, message):
    args = {"text_col": "answer", "id_col": "no", **kwargs}
    with pytest.raises(InputError) as info:
        code_table(TABLES / name, codebook=book, **args)
    assert message in str(info.value)


def test_empty_table(book, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("no,answer\n", encoding="utf-8")
    with pytest.raises(InputError, match="the table has no rows"):
        code_table(path, "answer", "no", book)


def test_xlsx_table(book, tmp_path):
    path = tmp_path / "t.xlsx"
    pd.DataFrame({"no": [1, 2], "answer": ["龙头企业带头", "天气"]}).to_excel(path, index=False)
    table = code_table(path, "answer", "no", book)
    assert set(table["id"]) == {"1"}  # xlsx numbers come back as the id text "1"
    assert {"ACT.FIRM", "ACT.FIRM.LEAD"} == set(table["code_id"])


def test_project_coding_is_incremental_and_offsets_index_the_document(store, book):
    ingest(store, [GOOD])
    first = code_project(store, book)
    assert first.units == store.conn.execute("SELECT COUNT(*) FROM units").fetchone()[0]
    assert first.codings > 0
    # the run leaves foreign keys unchecked (its own coded_units rows), then checked again
    assert store.conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
    assert code_project(store, book).units == 0
    codings = store.codings(book.coder)
    for row in codings.itertuples():
        _, text = store.document_text(row.doc_id)
        assert text[row.start : row.end] == row.evidence


def test_new_codebook_version_recodes_without_segmenting(store, book, tmp_path):
    ingest(store, [GOOD])
    code_project(store, book)
    tokens_before = store.conn.execute("SELECT COUNT(*) FROM tokens").fetchone()[0]
    edited = tmp_path / "edited.yaml"
    edited.write_text(BOOK.read_text(encoding="utf-8").replace('"0.1"', '"0.2"'), encoding="utf-8")
    new = load_codebook(edited)
    assert new.coder != book.coder
    report = code_project(store, new)
    assert report.units == store.conn.execute("SELECT COUNT(*) FROM units").fetchone()[0]
    assert store.conn.execute("SELECT COUNT(*) FROM tokens").fetchone()[0] == tokens_before


def test_match_view_is_used_for_traditional_text(book):
    codes = {c.code_id for c in RuleCoder(book).code(match_view("龍頭企業帶頭"))}
    assert "ACT.FIRM.LEAD" in codes


def test_parallel_coding_matches_serial(project, tmp_path, monkeypatch):
    import coding.autocode as autocode
    from coding.project import init_project, open_project

    shipped = load_codebook()
    with open_project(project) as store:
        ingest(store, [GOOD])
        code_project(store, shipped, workers=1)
        serial = store.codings(shipped.coder).drop(columns="created_at")
    monkeypatch.setattr(autocode, "PARALLEL_MIN_UNITS", 1)
    monkeypatch.setattr(autocode, "CODE_BATCH", 7)
    init_project(tmp_path / "two")
    with open_project(tmp_path / "two") as store:
        ingest(store, [GOOD])
        code_project(store, shipped, workers=2)
        parallel = store.codings(shipped.coder).drop(columns="created_at")
    assert len(serial) > 20
    assert parallel.equals(serial)


def test_speaker_rule_gives_the_speakers_own_actor_code():
    shipped = load_codebook()
    text = "我们每年都去外地看看，学点东西。"
    assert "ACT.ASSOC" not in {c.code_id for c in RuleCoder(shipped).code(text)}
    codings = RuleCoder(shipped).code(text, role="ACT.ASSOC")
    (speaker,) = [c for c in codings if c.code_id == "ACT.ASSOC"]
    assert speaker.rule_id == "speaker_rule" and speaker.terms == ("我们",)
    # the interviewer has no role; an unknown role is ignored
    assert "ACT.XX" not in {c.code_id for c in RuleCoder(shipped).code(text, role="ACT.XX")}


def test_project_codings_record_rule_text_once(store):
    shipped = load_codebook()
    ingest(store, [GOOD])
    code_project(store, shipped)
    codings = store.codings(shipped.coder)
    rules = dict(store.conn.execute("SELECT rule_id, rule FROM coder_rules").fetchall())
    assert rules["CA.BH"] == shipped.codes["CA.BH"].rule
    assert set(codings["rule"]) <= set(rules.values())


def test_code_table_with_role_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id,text,role\n1,我们每年都组织大家去看展。,ACT.ASSOC\n", encoding="utf-8")
    table = code_table(path, "text", "id", load_codebook(), role_col="role")
    assert "ACT.ASSOC" in set(table["code_id"])


def test_code_texts_cuts_tokens_for_token_distances(tmp_path):
    text = BOOK.read_text(encoding="utf-8").replace(
        "rule: 龙头|大厂|大企业", "rule: tnear(龙头, 带头, 1)"
    )
    edited = tmp_path / "tnear.yaml"
    edited.write_text(text, encoding="utf-8")
    book = load_codebook(edited)
    assert RuleCoder(book).needs_tokens and not RuleCoder(load_codebook()).needs_tokens
    # 龙头企业带头: one token (企业) between the two terms; the characters are two apart
    codes = code_texts(book, [1, 2], ["龙头企业带头。", "龙头企业今年没什么动作，后来才带头。"])
    lead = codes[codes["code_id"] == "ACT.FIRM.LEAD"]
    assert lead["id"].tolist() == [1]


def test_project_coding_decodes_cached_tokens_for_token_distances(store, tmp_path):
    text = BOOK.read_text(encoding="utf-8").replace(
        "rule: 龙头|大厂|大企业", "rule: tnear(我们, 的, 1)"
    )
    edited = tmp_path / "tnear.yaml"
    edited.write_text(text, encoding="utf-8")
    book = load_codebook(edited)
    from coding.project import SAMPLE_CORPORA

    ingest(store, [SAMPLE_CORPORA])
    code_project(store, book, workers=1)
    coded = set(store.codings(book.coder).query("code_id == 'ACT.FIRM.LEAD'")["unit_id"])
    coder = RuleCoder(book)
    units = store.units().set_index("unit_id")
    expected = set()
    for unit_id, tokens in store.newest_tokens().items():
        view = "".join(tokens)
        if any(c.code_id == "ACT.FIRM.LEAD" for c in coder.code(view, tokens)):
            expected.add(unit_id)
    assert coded == expected and len(coded) >= 3
    assert len(units) > len(coded)


def _codings(db, coder: str) -> list[tuple]:
    """A coder's codings as the readers see them, in the order they were written."""
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            'SELECT unit_id, code_id, stance, start, "end", evidence, rule_id, terms, probability'
            " FROM codings WHERE coder = ? ORDER BY coding_id",
            (coder,),
        ).fetchall()
    finally:
        conn.close()


def test_code_after_one_rule_edit_recodes_only_the_units_it_can_change(sample_project, tmp_path):
    import re
    import shutil
    import sqlite3

    from coding.project import open_project, project_codebook

    edited, full = tmp_path / "edited", tmp_path / "full"
    shutil.copytree(sample_project, edited)
    shutil.copytree(sample_project, full)
    before = load_codebook(project_codebook(sample_project))
    rule = before.codes["FORM.MARKET"].rule  # a plain OR of terms
    text = project_codebook(sample_project).read_text(encoding="utf-8")
    assert text.count(rule) == 1
    path = tmp_path / "codebook.yaml"
    path.write_text(text.replace(rule, "展会|" + rule), encoding="utf-8")
    book = load_codebook(path)
    with open_project(edited) as store:
        report = code_project(store, book, coder="rules")
    assert (report.reused_from, report.changed_rules) == (before.coder, 1)
    # the same codebook on a copy that has no earlier rules to keep: every unit coded
    db = full / "clusterqda.sqlite"
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DELETE FROM meta WHERE key LIKE 'rules:%'")
    conn.close()
    with open_project(full) as store:
        whole = code_project(store, book, coder="rules")
    assert not whole.reused_from and whole.recoded == whole.units == report.units
    assert _codings(edited / "clusterqda.sqlite", book.coder) == _codings(db, book.coder)
    # touched: the units holding a term of the new rule, and those the old rule coded
    terms = set(re.split(r"\|", "展会|" + rule))
    conn = sqlite3.connect(db)
    views = conn.execute("SELECT unit_id, COALESCE(match_text, text) FROM units").fetchall()
    conn.close()
    old = {u for u, code, *_ in _codings(db, before.coder) if code == "FORM.MARKET"}
    could = {u for u, view in views if any(t in view for t in terms)} | old
    assert report.recoded == len(could) < report.units / 4
    # the edit did change codings (展会 is in the sample turns), of the edited code only
    changed = set(_codings(db, book.coder)) ^ set(_codings(db, before.coder))
    assert changed and {c[1] for c in changed} == {"FORM.MARKET"}


def _pivot(store, coder: str):
    """The frequency table as pandas builds it from the same counts (the earlier code)."""
    import pandas as pd

    from coding.status import NO_CLUSTER

    rows = store.code_unit_counts(coder, NO_CLUSTER)
    if not rows:
        return pd.DataFrame(columns=["code_id", "total"])
    counts = pd.DataFrame(rows, columns=["code_id", "cluster", "units"]).pivot_table(
        index="code_id", columns="cluster", values="units", aggfunc="sum", fill_value=0
    )
    counts["total"] = counts.sum(axis=1)
    counts.columns.name = None
    return counts.reset_index()


def test_code_frequencies_are_pandas_pivot_without_pandas(sample_project, project):
    """`code` prints the table built without pandas: the same rows and columns as a pivot."""
    from coding.hybrid.coder import project_coder
    from coding.project import open_project, project_codebook
    from coding.status import code_frequencies

    with open_project(sample_project) as store:
        coder = project_coder(store, load_codebook(project_codebook(sample_project)))
        table = code_frequencies(store, coder)
        frame = _pivot(store, coder)
    assert table.rows
    assert table.columns == [str(c) for c in frame.columns]
    assert table.rows == [tuple(r) for r in frame.itertuples(index=False)]
    with open_project(project) as store:  # no codings at all
        empty = code_frequencies(store, "rules@none")
        assert (empty.columns, empty.rows) == (list(_pivot(store, "rules@none")), [])


def test_pool_workers_collect_cycles_between_batches():
    """A `code` worker runs no automatic collection, yet garbage in reference cycles made
    during a batch is gone once the batch is done (memory stays flat)."""
    import gc
    import weakref

    from coding.common.parallel import collect_between_batches, quiet_collector

    class Node:
        pass

    enabled, threshold = gc.isenabled(), gc.get_threshold()
    try:
        quiet_collector()
        assert not gc.isenabled()
        node = Node()
        node.self = node  # a cycle: reference counting alone never frees it
        gone = weakref.ref(node)
        del node
        assert gone() is not None
        collect_between_batches()
        assert gone() is None
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
        if enabled:
            gc.enable()


def test_parallel_bulk_run_builds_indexes_before_its_last_rows(project, monkeypatch):
    import coding.autocode as autocode
    from coding.project import open_project
    from coding.store import Store
    from coding.store.codinglayout import INDEX_NAMES

    monkeypatch.setattr(autocode, "PARALLEL_MIN_UNITS", 1)
    monkeypatch.setattr(autocode, "CODE_BATCH", 2)
    built_with: list[int] = []
    end_bulk = Store.end_bulk_codings
    to_code = Store.unit_rows_to_code
    read: list[int] = []
    handed: list[int] = []  # batches read when the build began

    def reading(self, *args, **kwargs):
        rows = to_code(self, *args, **kwargs)
        read.append(len(rows))
        return rows

    def spy(self):
        handed.append(len(read))
        rows = self.conn.execute("SELECT COUNT(*) FROM coding_data").fetchone()[0]
        if not self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'coding_data_unit'"
        ).fetchone():
            built_with.append(rows)
        end_bulk(self)

    monkeypatch.setattr(Store, "end_bulk_codings", spy)
    monkeypatch.setattr(Store, "unit_rows_to_code", reading)
    shipped = load_codebook()
    with open_project(project) as store:
        ingest(store, [GOOD])
        units = store.conn.execute("SELECT COUNT(*) FROM units").fetchone()[0]
        assert units > 6 * 2 + 2  # more than the window (3 batches a worker)
        code_project(store, shipped, workers=2)
        total = store.conn.execute("SELECT COUNT(*) FROM coding_data").fetchone()[0]
        names = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master")}
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # the indexes were built once, with a batch a worker still to hand out (and the last
        # window in flight), before the last rows went in, and kept up
        assert len(built_with) == 1 and 0 < built_with[0] < total
        assert handed == [-(-units // 2) - 2] and read[handed[0] - 1] == 2
        assert set(INDEX_NAMES) <= names
        unit_rows = store.conn.execute(
            "SELECT COUNT(*) FROM coding_data INDEXED BY coding_data_unit WHERE unit > 0"
        ).fetchone()[0]
        assert unit_rows == total


def test_parallel_run_ends_its_workers_and_stores_nothing_on_an_error(project, monkeypatch):
    # a batch that fails stops the run (nothing stored) once the workers have finished what
    # they held; a run's workers are gone when it returns
    import multiprocessing

    import coding.autocode as autocode
    from coding.project import open_project

    monkeypatch.setattr(autocode, "PARALLEL_MIN_UNITS", 1)
    monkeypatch.setattr(autocode, "CODE_BATCH", 3)
    shipped = load_codebook()
    code_batch = autocode._code_batch
    # other tests' processes: a kept pool of joblib's, workers of runs that are exiting
    others = set(multiprocessing.active_children())

    def failing(batch):  # the forked workers inherit it
        if batch[0][0][0] > 6:
            raise RuntimeError("a batch failed")
        return code_batch(batch)

    with open_project(project) as store:
        ingest(store, [GOOD])
        monkeypatch.setattr(autocode, "_code_batch", failing)
        with pytest.raises(RuntimeError, match="a batch failed"):
            code_project(store, shipped, workers=2)
        assert set(multiprocessing.active_children()) <= others
        assert store.conn.execute("SELECT COUNT(*) FROM coding_data").fetchone()[0] == 0
        assert store.conn.execute("SELECT COUNT(*) FROM coded_units").fetchone()[0] == 0
        monkeypatch.setattr(autocode, "_code_batch", code_batch)
        report = code_project(store, shipped, workers=2)
        units = store.conn.execute("SELECT COUNT(*) FROM units").fetchone()[0]
        assert report.units == units > 9
        for worker in set(multiprocessing.active_children()) - others:
            worker.join(60)
            assert not worker.is_alive()


def test_unit_rows_sent_to_workers_are_the_units_to_code(project):
    from coding.project import open_project
    from coding.store import UnitToCode

    with open_project(project) as store:
        ingest(store, [GOOD])
        for questions in (False, True):
            for tokens in (False, True):
                raw = store.unit_rows_to_code("rules@x", 0, 1000, questions, tokens)
                units = store.units_to_code("rules@x", 0, 1000, questions, tokens)
                assert raw and all(type(r) is tuple for r in raw)
                assert [UnitToCode._make(r) for r in raw] == units
                assert {type(u.interviewer) for u in units} == {bool}
                assert any(u.interviewer for u in units) and any(r[-1] for r in raw)
        # a batch after some rowid starts after it
        after = store.unit_rows_to_code("rules@x", raw[2][0], 1000, True)
        assert after == raw[3:]


@pytest.mark.parametrize("after, at", [(None, 4), (0, 4), (1, 1), (2, 2), (4, 4), (9, 4)])
def test_then_calls_last_once_when_the_item_after_the_afterth_is_asked_for(after, at):
    # code_project builds the codings' indexes this way: once, with a batch a worker and the
    # last window still to hand out (or after the last batch when there are too few)
    from coding.autocode import _then

    seen: list[str] = []
    for item in _then(["a", "b", "c", "d"], lambda: seen.append("last"), after):
        seen.append(item)
    assert seen.count("last") == 1 and seen.index("last") == at
