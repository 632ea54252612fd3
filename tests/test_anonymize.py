"""Pseudonyms replace people and organisations only, never break a word, one per person."""

from __future__ import annotations

import csv

from cli import app
from coding.anonymize import Pseudonyms, org_kind, pseudonyms

META = [
    {
        "interviewee": "李会长（化名）",
        "interviewer": "张博士",
        "organisation": "某灯饰商会（化名）",
        "cluster": "古镇灯饰",
    },
    {
        "interviewee": "何科长（化名）",
        "interviewer": "張博士、记者",
        "organisation": "古镇镇经济发展和科技统计局（化名）",
        "cluster": "古镇灯饰",
    },
    {"interviewee": "苏老师", "organisation": "某职业技术学校园艺专业", "cluster": "陈村花卉"},
]
# every mistake the old anonymiser made, kept as text: none of these is a person or firm
INNOCENT = "那段时间叶子很贵，邵阳人多，美国市场不好，镇政府也管。商會會講。"


def test_words_that_are_not_names_stay_as_written():
    names = pseudonyms([INNOCENT], META)
    assert names.apply(INNOCENT) == INNOCENT
    assert not any(k in INNOCENT for k in names.mapping)


def test_traditional_and_simplified_spellings_are_one_person():
    names = pseudonyms(["張博士問，张博士答。"], META)
    assert "張博士" not in names.mapping and names.mapping["张博士"].startswith("访谈者")
    out = names.apply("張博士問，张博士答。")
    assert out == f"{names.mapping['张博士']}問，{names.mapping['张博士']}答。"
    assert "记者" not in names.mapping  # a role, not a name


def test_people_by_role_and_organisations_by_kind():
    names = pseudonyms(["后来陈老板也来了。"], META)
    assert names.mapping["李会长"].startswith("受访者")
    assert names.mapping["陈老板"].startswith("人物")  # named in the text, not interviewed
    assert names.mapping["古镇镇经济发展和科技统计局"] == "政府部门甲"
    assert names.mapping["某灯饰商会"] == "协会甲"
    assert names.mapping["某职业技术学校园艺专业"] == "学校甲"
    assert org_kind("某铝业集团有限公司") == "企业"


def test_a_name_inside_a_word_is_left_alone():
    # 李会 and 镇政 would only be replaced by cutting 会长 and 政府 in two: refused
    names = Pseudonyms({"李会": "X", "镇政": "Y", "张博士": "访谈者A"})
    assert names.apply("李会长来了，镇政府也管。") == "李会长来了，镇政府也管。"
    assert names.apply("張博士问镇政府。") == "访谈者A问镇政府。"


def test_export_units_anonymized_shares_the_key_nowhere(runner, project, tmp_path):
    corpus = tmp_path / "t.txt"
    corpus.write_text(
        "---\nid: a1\ncluster: 古镇灯饰\ninterviewee: 李会长（化名）\ninterviewer: 张博士\n---\n"
        "张博士：您好，李会长。\n李会长：那段时间張博士也来过，我们商會會講这个事。\n",
        encoding="utf-8",
    )
    assert runner.invoke(app, ["ingest", str(corpus), "--project", str(project)]).exit_code == 0
    out = tmp_path / "share" / "units.csv"
    result = runner.invoke(
        app, ["export", "units", "--project", str(project), "--out", str(out), "--anonymize"]
    )
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8-sig")
    for name in ("李会长", "张博士", "張博士"):
        assert name not in text
    assert "那段时间" in text and "商會會講" in text
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert {r["speaker"] for r in rows} == {"访谈者A", "受访者A"}
    key = project / "private" / "pseudonyms.csv"
    assert key.is_file() and key.stat().st_mode & 0o077 == 0
    assert not list((tmp_path / "share").glob("pseudonyms*"))
