"""search: the concordance against a plain Python scan, and the index kept at ingest."""

from __future__ import annotations

import re
import shutil
from functools import lru_cache

import opencc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coding.errors import QueryError
from coding.ingest import ingest
from coding.ingest.normalize import FULLWIDTH_TABLE, match_view
from coding.project import open_project
from coding.query.filters import unit_filter
from coding.query.search import CONCORDANCE_COLUMNS, Hit, concordance, concordance_hits
from tests.conftest import add_document, store_at_version

_HALF_TO_FULL = {v: k for k, v in FULLWIDTH_TABLE.items()}


@lru_cache(maxsize=1)
def _units(project: str) -> list[tuple[str, str, str, str | None, bool]]:
    with open_project(project) as store:
        frame = store.units_with_views()
    return list(
        zip(
            frame["unit_id"],
            frame["text"],
            frame["view"],
            frame["cluster"],
            frame["is_interviewer"],
            strict=True,
        )
    )


def _scan(project, pattern: str, keep=lambda unit: True) -> list[tuple[str, int]]:
    """Every occurrence of the pattern's view in every unit's view: re.finditer, no index."""
    needle = match_view(pattern.strip())
    return sorted(
        (unit[0], m.start())
        for unit in _units(str(project))
        if keep(unit)
        for m in re.finditer(re.escape(needle), unit[2])
    )


def _hits(frame) -> list[tuple[str, int]]:
    return sorted(zip(frame["unit_id"], frame["start"], strict=True))


@st.composite
def _patterns(draw, project):
    """A piece of some unit, 1 to 6 characters, maybe made Traditional or full-width."""
    units = _units(str(project))
    unit = units[draw(st.integers(0, len(units) - 1))]
    text = unit[1]
    start = draw(st.integers(0, max(0, len(text) - 1)))
    piece = text[start : start + draw(st.integers(1, 6))].strip()
    form = draw(st.sampled_from(["as is", "traditional", "full-width"]))
    if form == "traditional":
        piece = opencc.OpenCC("s2t").convert(piece)
    elif form == "full-width":
        piece = piece.translate(_HALF_TO_FULL)
    return piece or "协会"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_search_finds_what_a_plain_scan_finds(sample_project, data):
    pattern = data.draw(_patterns(sample_project))
    with open_project(sample_project) as store:
        frame = concordance(store, pattern, unit_filter())
    assert _hits(frame) == _scan(sample_project, pattern)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pattern=st.text(alphabet="协会联保花农政府的了,。 AaＡ1１", min_size=1, max_size=4))
def test_search_matches_the_scan_for_any_pattern(sample_project, pattern):
    if not match_view(pattern.strip()):
        return
    with open_project(sample_project) as store:
        frame = concordance(store, pattern, unit_filter())
    assert _hits(frame) == _scan(sample_project, pattern)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_the_index_names_exactly_the_units_a_scan_finds(sample_project, data):
    # one to three characters are answered by the index alone, longer ones checked in SQL
    piece = data.draw(
        st.one_of(
            _patterns(sample_project),
            st.text(alphabet='协会联保花农"的，。 A1', min_size=1, max_size=5),
        )
    )
    needle = match_view(piece.strip())
    if not needle:
        return
    speaker = data.draw(st.sampled_from(["all", "interviewee", "interviewer"]))
    keep = {"all": lambda u: True, "interviewee": lambda u: not u[4], "interviewer": lambda u: u[4]}
    with open_project(sample_project) as store:
        rowids = store.rowids_containing(needle, unit_filter(speaker=speaker))
        found = [u.unit_id for u in store.units_by_rowid(rowids)]
    expected = {u[0] for u in _units(str(sample_project)) if keep[speaker](u) and needle in u[2]}
    assert len(found) == len(rowids) == len(set(found))
    assert set(found) == expected


def test_hits_are_the_rows_of_the_concordance(sample_project):
    assert list(Hit._fields) == CONCORDANCE_COLUMNS
    with open_project(sample_project) as store:
        for order in ("doc", "left", "right"):
            frame = concordance(store, "协会", unit_filter(), order=order)
            hits = concordance_hits(store, "协会", unit_filter(), order=order)
            assert [tuple(r) for r in frame.itertuples(index=False)] == [tuple(h) for h in hits]


def test_traditional_and_full_width_find_the_simplified_text(sample_project):
    with open_project(sample_project) as store:
        simplified = concordance(store, "联保", unit_filter())
        traditional = concordance(store, "聯保", unit_filter())
    assert len(simplified) > 0
    assert _hits(simplified) == _hits(traditional)
    # the hit column shows the text as written: a Traditional transcript stays Traditional
    for row in simplified.itertuples():
        unit = next(u for u in _units(str(sample_project)) if u[0] == row.unit_id)
        assert unit[1][row.start : row.end] == row.hit


def test_context_columns_surround_the_hit(sample_project):
    with open_project(sample_project) as store:
        frame = concordance(store, "协会", unit_filter(), width=5)
    texts = {u[0]: u[1] for u in _units(str(sample_project))}
    for row in frame.itertuples():
        text = texts[row.unit_id].replace("\n", " ")
        assert text[max(0, row.start - 5) : row.start] == row.left
        assert text[row.end : row.end + 5] == row.right


def test_filters_keep_only_their_units(sample_project):
    with open_project(sample_project) as store:
        clusters = sorted({u[3] for u in _units(str(sample_project)) if u[3]})
        frame = concordance(
            store, "协会", unit_filter(clusters=[clusters[0]], speaker="interviewee")
        )
    expected = _scan(sample_project, "协会", lambda u: u[3] == clusters[0] and not u[4])
    assert expected and _hits(frame) == expected


def test_word_mode_keeps_only_whole_tokens(sample_project):
    with open_project(sample_project) as store:
        every = concordance(store, "会长", unit_filter())
        words = concordance(store, "会长", unit_filter(), word=True)
        tokens = store.tokens_of(every["unit_id"].unique().tolist())
    assert 0 < len(words) < len(every)  # 李会长, 副会长 … are tokens of their own
    for row in every.itertuples():
        ends = {0}
        for token in tokens[row.unit_id]:
            ends.add(max(ends) + len(token))
        whole = row.start in ends and row.end in ends
        assert whole == ((row.unit_id, row.start) in set(_hits(words)))


def test_sort_orders(sample_project):
    with open_project(sample_project) as store:
        left = concordance(store, "协会", unit_filter(), order="left")
        right = concordance(store, "协会", unit_filter(), order="right")
    assert list(left["left"]) == sorted(left["left"], key=lambda s: s[::-1])
    assert list(right["right"]) == sorted(right["right"])
    with open_project(sample_project) as store, pytest.raises(QueryError):
        concordance(store, "协会", unit_filter(), order="sideways")


def test_an_empty_pattern_is_refused(sample_project):
    with open_project(sample_project) as store, pytest.raises(QueryError):
        concordance(store, "  ", unit_filter())


def test_index_follows_ingest_and_re_ingest(sample_project, tmp_path):
    project = tmp_path / "p"
    shutil.copytree(sample_project, project)
    folder = tmp_path / "new"
    folder.mkdir()
    path = folder / "extra.txt"
    path.write_text(
        "---\nid: extra\ncluster: 测试\n---\n问：说说蓝莓合作社？\n答：蓝莓合作社很好。\n",
        encoding="utf-8",
    )
    with open_project(project) as store:
        ingest(store, [folder], segment=False)
        assert len(concordance(store, "蓝莓合作社", unit_filter())) == 2
        assert len(concordance(store, "莓", unit_filter())) == 2  # the short-pattern path
    path.write_text(
        "---\nid: extra\ncluster: 测试\n---\n问：说说草莓？\n答：草莓不错。\n", encoding="utf-8"
    )
    with open_project(project) as store:
        ingest(store, [folder], segment=False)  # changed: the document is replaced
        assert concordance(store, "蓝莓", unit_filter()).empty
        assert len(concordance(store, "草莓", unit_filter())) == 2
        before = _hits(concordance(store, "协会", unit_filter()))
        store.rebuild_search_index()
        assert _hits(concordance(store, "协会", unit_filter())) == before


@pytest.mark.parametrize(
    "index_chars, workers, tail_share", [(0, 1, 0), (10**9, 1, 0), (10**9, 2, 0.5), (10**9, 2, 0.6)]
)
def test_the_index_holds_every_trigram_of_each_view(
    tmp_path, monkeypatch, index_chars, workers, tail_share
):
    # whether ingest indexes each small batch in its own statement (many segments,
    # merged), all new units at the end in one, or (in a pool) those stored before the
    # last files (a batch queued or none) and then the rest, the index holds exactly the trigrams
    # of each unit's view and its padding, counted here in Python
    import coding.ingest.run as ingest_module
    from coding.project import SAMPLE_CORPORA, init_project
    from coding.store.schema import SEARCH_PAD

    monkeypatch.setattr(ingest_module, "STORE_BATCH_DOCS", 2)
    monkeypatch.setattr(ingest_module, "INDEX_BATCH_CHARS", index_chars)
    monkeypatch.setattr(ingest_module, "INDEX_TAIL_SHARE", tail_share)
    monkeypatch.setattr(ingest_module, "PARALLEL_MIN_FILES", 2)
    init_project(tmp_path)
    with open_project(tmp_path) as store:
        ingest(store, [SAMPLE_CORPORA], segment=False, workers=workers)
        views = store.conn.execute("SELECT rowid, COALESCE(match_text, text) FROM units")
        expected = {
            (body[i : i + 3], rowid)
            for rowid, view in views
            for body in [view + SEARCH_PAD]
            for i in range(len(body) - 2)
        }
        held = set(store.conn.execute("SELECT term, doc FROM unit_search_terms"))
        # FTS5's own check that its segments agree with one another
        store.conn.execute(
            "INSERT INTO unit_search (unit_search, rank) VALUES ('integrity-check', 0)"
        )
    assert held == expected


def test_migration_indexes_existing_units(tmp_path, monkeypatch):
    from coding.store import SCHEMA_VERSION, Store

    db = tmp_path / "clusterqda.sqlite"
    with store_at_version(monkeypatch, db, 6) as old:
        add_document(old)
        old.conn.execute(
            'INSERT INTO units (unit_id, doc_id, turn, is_interviewer, start, "end", text)'
            " VALUES ('d#1', 'd', 1, 0, 0, 4, '协会开会')"
        )
    with Store(db) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert [u.unit_id for u in store.units_containing("会开会", unit_filter())] == ["d#1"]
        assert [u.unit_id for u in store.units_containing("会", unit_filter())] == ["d#1"]
