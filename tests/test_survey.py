"""Survey data: every problem listed, respondents and open answers stored, schema errors."""

import pytest

from cli import app
from coding.project import SAMPLE_CORPORA
from coding.survey.check import read_survey
from coding.survey.ingest import SurveyCheckError, ingest_survey
from coding.survey.schema import SchemaError, load_schema

SURVEY = SAMPLE_CORPORA / "survey"


@pytest.fixture(scope="module")
def schema():
    return load_schema(SURVEY / "schema.yaml")


def test_sample_survey_is_clean_and_mixes_labels_and_numbers(schema):
    data = read_survey(SURVEY / "survey.csv", schema)
    assert data.problems == [] and len(data.raw) >= 200
    assert data.raw["T1"].isin(["同意", "非常同意", "一般", "不同意", "非常不同意"]).any()
    assert data.raw["T1"].str.endswith(".0").any() and (data.raw["T1"] == "").any()
    scored = data.scored()
    assert scored.loc["R001", "T4"] == 6 - data.values.loc[0, "T4"]  # reversed


def test_broken_survey_lists_every_problem(schema):
    data = read_survey(SURVEY / "survey_broken.csv", schema)
    # row order (duplicates last: they are known once the whole file is read); no answer text
    assert data.problems == [
        "column F4: named in the schema but not in the data",
        "row R004, column T2: 7 is outside the scale 1–5",
        "row R006, column S1: neither a number nor a scale label "
        "(非常不同意, 不同意, 一般, 同意, 非常同意)",
        "row #9, column 编号: the respondent id is empty",
        "row R012, column 编号: duplicate id (also data row #12)",
    ]


def test_gbk_and_xlsx_read_the_same(schema, tmp_path):
    import pandas as pd

    frame = pd.read_csv(
        SURVEY / "survey.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    frame.to_csv(tmp_path / "gbk.csv", index=False, encoding="gbk")
    frame.to_excel(tmp_path / "s.xlsx", index=False)
    base = read_survey(SURVEY / "survey.csv", schema).scored()
    for path in (tmp_path / "gbk.csv", tmp_path / "s.xlsx"):
        assert read_survey(path, schema).scored().equals(base)


def test_ingest_stores_respondents_answers_and_open_answers(store, schema):
    data = read_survey(SURVEY / "survey.csv", schema)
    report = ingest_survey(store, data)
    respondents = store.respondents().set_index("respondent_id")
    assert report.respondents == len(respondents) == len(data.raw)
    assert respondents.loc["R001", "attributes"]["cluster"] == "古镇灯饰"
    units = store.units()
    open_answers = units[units["doc_id"].str.startswith("cluster_survey_2023:")]
    assert len(open_answers) == report.open_answers > 150
    assert not open_answers["is_interviewer"].any()
    # the respondent's role code travels with the open answer, for the speaker rule
    roles = store.units_with_views().set_index("unit_id")["role"]
    assert set(roles[open_answers["unit_id"]]) <= {
        "ACT.GOV",
        "ACT.ASSOC",
        "ACT.FIRM.LEAD",
        "ACT.FIRM.SMALL",
        "ACT.CENTER",
    }
    again = ingest_survey(store, data)
    assert again.documents_added == 0 and again.documents_unchanged == len(open_answers)


def test_ingest_refuses_problems_unless_skipping(store, schema, tmp_path):
    data = read_survey(SURVEY / "survey_broken.csv", schema)
    with pytest.raises(SurveyCheckError, match="the data and the schema must name"):
        ingest_survey(store, data, skip_invalid=True)  # a missing column cannot be skipped
    fixed = tmp_path / "b.csv"
    text = (SURVEY / "survey_broken.csv").read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    fixed.write_text(
        "\n".join([lines[0] + ",F4"] + [line + ",3" for line in lines[1:]]) + "\n", encoding="utf-8"
    )
    data = read_survey(fixed, schema)
    with pytest.raises(SurveyCheckError, match="4 problems"):
        ingest_survey(store, data)
    report = ingest_survey(store, data, skip_invalid=True)
    assert sorted(report.skipped) == ["#9", "R004", "R006", "R012"]
    assert report.respondents == 40 - 4


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "id_column: id\nscale: {min: 5, max: 1}\nconstructs: {t: {items: [a]}}\n",
            "line 2: scale min must be below max",
        ),
        (
            "id_column: id\nscale: {min: 1, max: 5}\n"
            "constructs:\n  t: {items: [a], reverse: [b]}\n",
            "line 4: construct 't': reverse item b is not one of its items",
        ),
        (
            "id_column: id\nscale: {min: 1, max: 5, labels: {很好: 9}}\n"
            "constructs: {t: {items: [a]}}\n",
            "scale label '很好' must map to a number from 1 to 5",
        ),
        ("id_column: [\n", "line 2: YAML syntax error"),
        ("scale: {min: 1, max: 5}\n", "'id_column' must be"),
    ],
)
def test_schema_errors(tmp_path, text, message):
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SchemaError) as info:
        load_schema(path)
    assert message in str(info.value)


def test_survey_commands(runner, tmp_path, project):
    schema = str(SURVEY / "schema.yaml")
    result = runner.invoke(
        app, ["survey", "check", str(SURVEY / "survey_broken.csv"), "--schema", schema]
    )
    assert result.exit_code == 1 and "row R004, column T2" in result.stdout
    result = runner.invoke(app, ["survey", "check", str(SURVEY / "survey.csv"), "--schema", schema])
    assert result.exit_code == 0 and "no problems" in result.stdout
    result = runner.invoke(
        app,
        [
            "survey",
            "ingest",
            str(SURVEY / "survey.csv"),
            "--schema",
            schema,
            "--project",
            str(project),
        ],
    )
    assert result.exit_code == 0 and "240 respondents" in result.stdout
    out = tmp_path / "rel.csv"
    result = runner.invoke(
        app,
        [
            "survey",
            "reliability",
            str(SURVEY / "survey.csv"),
            "--schema",
            schema,
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0
    assert out.read_text(encoding="utf-8-sig").splitlines()[0] == "construct,label,n,k,alpha"
    assert (tmp_path / "rel.items.csv").is_file()
