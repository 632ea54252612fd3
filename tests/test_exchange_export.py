"""REFI-QDA export: the demo's .qdpx and .qdc are valid, complete and stably identified."""

from __future__ import annotations

import csv
import uuid
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from coding.codebook import FIXED_IDS, load_codebook
from coding.exchange import export_codings, export_qdc
from coding.exchange.guids import NAMESPACE
from coding.project import open_project

REFI = next(
    (
        p / "shared" / "refi-qda"
        for p in Path(__file__).resolve().parents
        if (p / "shared" / "refi-qda" / "Project.xsd").is_file()
    ),
    None,
)
needs_schemas = pytest.mark.skipif(
    REFI is None, reason="../shared/refi-qda is not beside this clone"
)
P = "{urn:QDA-XML:project:1.0}"
C = "{urn:QDA-XML:codebook:1.0}"


def _validate(xsd: str, data: bytes) -> etree._Element:
    """Validate with both xmlschema and lxml (lxml alone accepts invalid colours)."""
    import io

    import xmlschema

    assert REFI is not None
    xmlschema.XMLSchema10(str(REFI / xsd)).validate(io.BytesIO(data))
    root = etree.fromstring(data)
    etree.XMLSchema(etree.parse(str(REFI / xsd))).assertValid(root)
    return root


@needs_schemas
def test_demo_codebook_qdc_is_valid_and_holds_every_code(sample_project):
    root = _validate(
        "Codebook.xsd", (sample_project / "reports" / "collective_action.qdc").read_bytes()
    )
    codable = {
        c.get("name").split(" ")[0] for c in root.iter(f"{C}Code") if c.get("isCodable") == "true"
    }
    assert codable == set(
        load_codebook(sample_project / "codebooks" / "collective_action.yaml").codes
    )


def test_code_guids_are_uuid5_of_the_id_under_one_namespace(tmp_path):
    book = load_codebook()
    first = etree.parse(str(export_qdc(book, tmp_path / "a.qdc"))).getroot()
    second = etree.parse(str(export_qdc(book, tmp_path / "b.qdc"))).getroot()
    guids = {c.get("name").split(" ")[0]: c.get("guid") for c in first.iter(f"{C}Code")}
    assert guids == {c.get("name").split(" ")[0]: c.get("guid") for c in second.iter(f"{C}Code")}
    for code_id in FIXED_IDS:  # computed here with the uuid module, not our helper
        assert guids[code_id] == str(uuid.uuid5(NAMESPACE, f"code:{code_id}")).upper()
    assert len(set(guids.values())) == len(guids)


@needs_schemas
def test_demo_project_qdpx_is_valid_and_holds_texts_and_every_coding(sample_project):
    path = sample_project / "reports" / "demo.qdpx"
    with zipfile.ZipFile(path) as archive:
        root = _validate("Project.xsd", archive.read("project.qde"))
        texts = {
            s.get("name"): archive.read(
                "sources/" + s.get("plainTextPath").removeprefix("internal://")
            ).decode("utf-8")
            for s in root.iter(f"{P}TextSource")
        }
    with open_project(sample_project) as store:
        for doc_id in store.document_ids():
            assert texts[doc_id] == store.document_text(doc_id)[1]
        codings = store.codings()
        coders = set(store.coder_kinds())
    selections = list(root.iter(f"{P}PlainTextSelection"))
    assert len(selections) == len(codings)
    users = {u.get("guid"): u.get("name") for u in root.iter(f"{P}User")}
    assert set(users.values()) == coders
    # every reference resolves and every GUID is used once
    guids = Counter(e.get("guid") for e in root.iter() if e.get("guid"))
    assert max(guids.values()) == 1
    for ref in root.iter(f"{P}CodeRef", f"{P}SourceRef", f"{P}VariableRef"):
        assert ref.get("targetGUID") in guids
    for coding in root.iter(f"{P}Coding"):
        assert coding.get("creatingUser") in users
    # offsets are code points into the text written to sources/
    per_coder = Counter(users[s.find(f"{P}Coding").get("creatingUser")] for s in selections)
    assert per_coder == Counter(codings["coder"])
    rules = codings[codings["start"].notna()].iloc[0]
    text = texts[rules["doc_id"]]
    assert text[int(rules["start"]) : int(rules["end"])] == rules["evidence"]


def test_export_codings_csv_and_xlsx_have_every_coding(sample_project, tmp_path):
    from openpyxl import load_workbook

    with open_project(sample_project) as store:
        rows = export_codings(store, tmp_path / "c.csv")
        export_codings(store, tmp_path / "c.xlsx")
        total = len(store.codings())
    with open(tmp_path / "c.csv", encoding="utf-8-sig", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert rows == len(table) == total
    assert list(table[0]) == [
        "coding_id",
        "unit_id",
        "doc_id",
        "cluster",
        "code_id",
        "coder",
        "stance",
        "start",
        "end",
        "evidence",
    ]
    sheet = load_workbook(tmp_path / "c.xlsx", read_only=True).worksheets[0]
    assert sum(1 for _ in sheet.iter_rows()) == total + 1


def _contents(path: Path) -> dict[str, bytes]:
    """Return a zip's members by name, the export's time of day masked."""
    import re

    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["project.qde"] = re.sub(
        rb'creationDateTime="[^"]*"', b'creationDateTime=""', members["project.qde"], count=1
    )
    return members


def test_export_in_worker_processes_writes_the_same_project(sample_project, tmp_path):
    from coding.exchange import export_qdpx

    book = load_codebook(sample_project / "codebooks" / "collective_action.yaml")
    with open_project(sample_project) as store:
        one = export_qdpx(store, book, tmp_path / "one.qdpx", workers=1)
        two = export_qdpx(store, book, tmp_path / "two.qdpx", workers=2)
    assert (one.sources, one.selections) == (two.sources, two.selections)
    assert one.selections > 1000  # several chunks of documents, made out of order
    assert _contents(tmp_path / "one.qdpx") == _contents(tmp_path / "two.qdpx")


def test_document_selections_come_in_the_codings_views_order(sample_project):
    with open_project(sample_project) as store:
        for doc_id in store.document_ids()[:40]:
            # the view, read the slow way: every column the export writes
            expected = store.conn.execute(
                "SELECT u.turn, c.coder, c.coding_id, c.unit_id, c.code_id, c.stance, c.start,"
                ' c."end", c.evidence, u.start, u."end" FROM codings c JOIN units u'
                " USING (unit_id) WHERE u.doc_id = ? ORDER BY u.turn, c.coder, c.coding_id",
                (doc_id,),
            ).fetchall()
            text = store.document_text(doc_id)[1]
            got = store.document_selections(doc_id)
            assert [r[:3] for r in got] == [r[:3] for r in expected]
            for row, want in zip(got, expected, strict=True):
                start, end = (want[6], want[7]) if want[6] is not None else (want[9], want[10])
                assert row[3:8] == (want[3], want[4], want[5], start, end)
                assert (row[8] or text[start:end]) == (want[8] or text[start:end])


def test_selection_and_coding_guids_are_uuid5_of_their_names():
    from coding.exchange.guids import selection_and_coding_guids

    key = ("王助理", "访谈 A#3", "CA.BH", 12, 40)
    name = "\x1f".join(str(p) for p in key)
    # computed with the uuid module, not our helper
    assert selection_and_coding_guids(*key) == (
        str(uuid.uuid5(NAMESPACE, f"selection:{name}")).upper(),
        str(uuid.uuid5(NAMESPACE, f"coding:{name}")).upper(),
    )


@given(st.text())
def test_escaped_text_and_attributes_read_back_as_written(text):
    from coding.exchange.xmlsafe import escape_attr, escape_text, xml_safe

    # lxml is the independent reader; a bare CR in content is read as LF (XML 1.0 §2.11)
    element = etree.fromstring(f'<a b="{escape_attr(text)}">{escape_text(text)}</a>')
    assert element.get("b") == xml_safe(text)
    assert (element.text or "") == xml_safe(text).replace("\r\n", "\n").replace("\r", "\n")


def test_a_selection_states_its_evidence_only_where_it_is_not_the_selected_text():
    from coding.exchange.project_export import selections_xml

    text = "问：我们跟协会合作<好>"
    codings = [
        (0, "rules@1", 0, "d#0", "CA", "neutral", 2, 9, None),  # the text itself
        (0, "rules@1", 1, "d#0", "CA", "positive", 2, 9, "我们跟协会合作"),  # the same, stored
        (0, "rules@1", 2, "d#0", "CA", "mixed", 2, 9, "协会"),  # another text
        (0, "王助理", 3, "d#0", "CA", None, 9, 12, None),  # no stance: evidence kept
    ]
    root = etree.fromstring(
        f'<r xmlns="urn:QDA-XML:project:1.0">{selections_xml(text, codings)}</r>'
    )
    descriptions = [d.text for d in root.iter(f"{P}Description")]
    assert descriptions == [
        "stance: neutral",
        "stance: positive",
        "stance: mixed\nevidence: 协会",
        "evidence: <好>",
    ]
