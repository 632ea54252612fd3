"""The bundled sample corpora ingest as their index says (every format at once)."""

import csv

from coding.project import open_project


def test_every_transcript_has_the_turns_its_index_lists(sample_project, sample_corpora):
    with open(sample_corpora / "index.csv", encoding="utf-8") as handle:
        index = {row["id"]: row for row in csv.DictReader(handle)}
    with open_project(sample_project) as store:
        units = store.units()
        docs = store.documents().set_index("doc_id")
    units = units[units["doc_id"].isin(index)]  # the transcripts, not the survey's answers
    counts = units.groupby("doc_id").size().to_dict()
    assert counts == {doc_id: int(row["turns"]) for doc_id, row in index.items()}
    for doc_id, row in index.items():
        assert docs.loc[doc_id, "cluster"] == row["cluster"]
        expected = "gb18030" if row["encoding"] == "gbk" else row["encoding"]
        assert docs.loc[doc_id, "encoding"] == expected
        assert docs.loc[doc_id, "metadata"]["role"] == row["role"]


def test_every_unit_is_segmented_and_interviewers_are_found(sample_project):
    with open_project(sample_project) as store:
        units = store.units()
        segmented = store.conn.execute("SELECT COUNT(*) FROM tokens").fetchone()[0]
    assert segmented == len(units)
    # every transcript has both sides of the conversation
    transcripts = units[~units["doc_id"].str.contains(":")]
    sides = transcripts.groupby("doc_id")["is_interviewer"].agg(["any", "all"])
    assert sides["any"].all() and not sides["all"].any()


def test_three_speaker_interview_keeps_both_interviewees(sample_project):
    with open_project(sample_project) as store:
        units = store.units()
    speakers = set(units.loc[units.doc_id == "flowers-06", "speaker"])
    assert speakers == {"访谈者", "黄社长", "何伯"}
