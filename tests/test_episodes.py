"""Episodes: grouping, naming, years, wishes, scoring, and the scores against the keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from coding.codebook import load_codebook
from coding.episodes import episode_table, proposed_episodes
from coding.episodes.mentions import Mention, is_wish, sentence_around
from coding.episodes.score import bcubed, match, read_key, score
from coding.project import init_project, open_project, project_codebook, project_dictionary

KEYS = Path(__file__).parent / "data" / "episodes"


def _who(store) -> dict[str, str]:
    units = store.units()
    return {
        u: f"{d}/{s}" for u, d, s in zip(units.unit_id, units.doc_id, units.speaker, strict=True)
    }


@pytest.fixture(scope="module")
def sample_table(sample_project):
    """The proposals for the sample corpora (read only), with who spoke each unit."""
    with open_project(sample_project) as store:
        book = load_codebook(project_codebook(sample_project))
        return episode_table(proposed_episodes(store, book)), _who(store)


# --- scoring, against sums worked by hand ---


def test_bcubed_of_a_hand_worked_example():
    # key {a,b,c}{d}; proposal {a,b}{c,d}. By hand (Bagga and Baldwin's definitions):
    # precision a 1, b 1, c 1/2, d 1/2 -> 0.75; recall a 2/3, b 2/3, c 1/3, d 1 -> 2/3
    precision, recall = bcubed(
        {"K1": {"a", "b", "c"}, "K2": {"d"}}, {"P1": {"a", "b"}, "P2": {"c", "d"}}
    )
    assert precision == pytest.approx(0.75)
    assert recall == pytest.approx(2 / 3)


def test_extended_bcubed_for_a_unit_in_two_episodes():
    # Amigó et al. 2009, extended B-cubed, worked by hand: key {a,b}{b,c} (b in both),
    # proposal {a,b,c}. Precision a 2/3, b 1, c 2/3 -> 7/9; recall a 1,
    # b (1 + 1/2 + 1)/3, c 1 -> 17/18.
    precision, recall = bcubed({"K1": {"a", "b"}, "K2": {"b", "c"}}, {"P": {"a", "b", "c"}})
    assert precision == pytest.approx(7 / 9)
    assert recall == pytest.approx(17 / 18)


def test_a_match_needs_more_than_half_of_the_units_in_common():
    key = {"K": {"a", "b", "c", "d"}}
    assert match(key, {"P": {"a", "b"}}) == []  # Jaccard 0.5 is not above 0.5
    assert match(key, {"P": {"a", "b", "c"}}) == [("K", "P", 0.75)]


def test_one_proposal_matches_one_key_episode_only():
    key = {"K1": {"a", "b"}, "K2": {"a", "b", "c"}}
    assert len(match(key, {"P": {"a", "b", "c"}})) == 1


def test_singletons_are_the_floor_the_issue_warns_of(sample_table):
    table, who = sample_table
    key = read_key(KEYS / "key_sample.csv")
    units = [u for units in key["unit_ids"] for u in units.split(";")]
    singles = table.iloc[0:0].copy()
    singles = singles.reindex(range(len(set(units))))
    singles["episode_id"] = [f"S{i}" for i in range(len(singles))]
    singles["unit_ids"] = sorted(set(units))
    singles["cluster"] = key["cluster"].iloc[0]
    singles["year_start"] = None
    result = score(
        key, singles.assign(cluster=[_cluster(key, u) for u in singles["unit_ids"]]), who
    )
    assert result.triangulated_recall == 0.0
    assert result.bcubed_precision == pytest.approx(1.0)


def _cluster(key, unit):
    return next(
        c for c, units in zip(key["cluster"], key["unit_ids"], strict=True) if unit in units
    )


# --- grouping, naming, years and wishes on the sample corpora ---


def test_proposals_beat_the_floor_on_the_sample_key(sample_table):
    table, who = sample_table
    result = score(read_key(KEYS / "key_sample.csv"), table, who)
    # the dev key the method was tuned on; episodes-rules/3 on the demo project (the
    # default coder 3cc31626c9a8, outranked by 王助理 and consensus on 204 turns): F1
    # 0.69, triangulated recall 0.57 (16 of 28), proposals matching 0.48 (29 of 60);
    # the floor (every unit alone) is F1 0.45 and no triangulated match
    assert result.bcubed_f1 >= 0.65
    assert result.triangulated_recall >= 0.5
    assert result.proposal_precision >= 0.4


def test_one_action_told_by_three_interviewees_is_one_episode(sample_table):
    # the IP fast-track centre (2011): the official, the Taiwanese firm and the leading
    # firm each tell it in their own words (lighting-01, -04 in Traditional script, -05)
    table, _ = sample_table
    row = table[table["unit_ids"].str.contains("lighting-01#12")].iloc[0]
    assert {"lighting-04#16", "lighting-05#18"} <= set(row["unit_ids"].split(";"))
    assert row["n_interviewees"] == 3
    assert row["year_start"] == 2011  # 二零一一年 in lighting-01#12
    assert "中心" in row["name"]


def test_first_year_is_the_first_event_year_not_a_decade(sample_table):
    # flowers-01#4 tells the flower market: 九十年代 (the decade before), then 九八年
    table, _ = sample_table
    row = table[table["unit_ids"].str.contains("flowers-01#4")].iloc[0]
    assert row["year_start"] == 1998


def test_a_name_is_said_in_its_episode(sample_table):
    table, _ = sample_table
    texts = {}
    for row in table.itertuples():
        assert row.name
        texts[row.episode_id] = row.name
    # the fair (灯博会) is named as the official says it
    fair = table[table["unit_ids"].str.contains("lighting-01#6")].iloc[0]
    assert fair["name"] == "灯博会"


def test_a_wish_is_not_an_episode(sample_table):
    # lighting-06#30: 如果商会或者政府能帮我们小厂凑一个喷涂点……那就好了
    table, _ = sample_table
    assert not table["unit_ids"].str.contains("lighting-06#30").any()


def test_an_action_told_in_one_turn_is_a_lone_mention_not_an_episode(sample_project):
    with open_project(sample_project) as store:
        groups = proposed_episodes(store, load_codebook(project_codebook(sample_project)))
    lone = {w.unit_id for g in groups for w in g.lone}
    told = [e for g in groups for e in g.episodes]
    assert lone  # the sample corpora have actions told once
    assert all(len(e.witnesses) >= 2 for e in told)
    assert not lone & {w.unit_id for e in told for w in e.witnesses}


def _mention(text: str, spans) -> Mention:
    return Mention("d#2", "d", 2, "答", 0, text, "ACT.GOV", "2024", [], [], {}, spans)


@pytest.mark.parametrize(
    ("text", "word", "wish"),
    [
        ("如果政府牵头搞一个冷库，那就好了。", "冷库", True),
        ("我们希望以后能有一个公共的设计平台。", "平台", True),
        ("二零零八年我们建了检测中心。如果再大一点就好了。", "中心", False),
        ("能不能先规划一个集中的园区？", "园区", True),
    ],
)
def test_wish_sentences(text, word, wish):
    at = text.index(word)
    mention = _mention(text, [("FORM.PLATFORM", at, at + len(word), "FORM.PLATFORM")])
    assert is_wish(mention) is wish


def test_a_person_s_code_without_a_span_is_no_wish():
    assert not is_wish(_mention("如果政府牵头就好了。", []))


def test_sentence_around_stops_at_sentence_ends():
    assert sentence_around("甲。乙丙！丁", 3) == "乙丙"


# --- the earlier held-out keys, each written after the method of its day was fixed ---

# Each was scored once per method and coder while held out (README, Episodes); since
# episodes-rules/3 was chosen looking at them they are development keys, and these are
# their figures with episodes-rules/3 and the default coder 3cc31626c9a8. The issue's
# targets are F1 0.75, triangulated recall 0.6, proposals matching 0.5, first year 0.7.
# The floors guard against the method getting worse.
MEASURED = {
    # key: (B-cubed F1, triangulated recall, proposals matching, first year)
    "key_heldout.csv": (0.754, 5 / 8, 5 / 10, 1.0),
    "key_heldout2.csv": (0.657, 16 / 25, 16 / 33, 15 / 16),
    # written after episodes-rules/3 was chosen, by someone who never saw the method,
    # and scored once: it meets the issue's targets
    "key_heldout3.csv": (0.762, 18 / 26, 18 / 28, 17 / 18),
}


@pytest.fixture(
    scope="module",
    params=[
        ("heldout", "key_heldout.csv"),
        ("heldout2", "key_heldout2.csv"),
        ("heldout3", "key_heldout3.csv"),
    ],
)
def heldout(request, tmp_path_factory):
    from coding.autocode import code_project
    from coding.ingest import ingest
    from coding.segment import segment_project

    folder, key = request.param
    root = tmp_path_factory.mktemp(folder) / "proj"
    init_project(root)
    with open_project(root) as store:
        ingest(store, [KEYS / folder], workers=1)
        segment_project(store, project_dictionary(root), workers=1)
        book = load_codebook(project_codebook(root))
        code_project(store, book, workers=1)
        return key, episode_table(proposed_episodes(store, book)), _who(store)


def test_heldout_scores_no_worse_than_measured(heldout):
    key, table, who = heldout
    result = score(read_key(KEYS / key), table, who)
    f1, triangulated, matching, first_year = MEASURED[key]
    assert result.bcubed_f1 >= f1 - 1e-3
    assert result.triangulated_recall >= triangulated - 1e-9
    assert result.proposal_precision >= matching - 1e-9
    assert result.first_year >= first_year - 1e-9
    # and clear of the floor the issue warns of (every unit alone: no triangulated match)
    assert result.triangulated_recall > 0.5
    if key == "key_heldout3.csv":  # the held-out measure of the shipped method
        assert result.bcubed_f1 >= 0.75 and result.triangulated_recall >= 0.6
        assert result.proposal_precision >= 0.5 and result.first_year >= 0.7
