"""REFI-QDA export: the demo's .qdpx and .qdc are valid, complete and stably identified."""

from __future__ import annotations

import csv
import uuid
import zipfile
from collections import Counter
from pathlib import Path

import pytest
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
