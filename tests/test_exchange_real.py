# ruff: noqa: E501  (command lines read better on one line)
"""Real REFI-QDA files written by other programs (tests/data/exchange/SOURCES.md)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from cli import app
from coding.codebook import load_codebook
from coding.exchange import import_qdpx
from coding.project import open_project

DATA = Path(__file__).parent / "data" / "exchange"
P = "{urn:QDA-XML:project:1.0}"


def _elements(path: Path) -> dict[str, int]:
    """Count the file's elements with lxml, independently of our reader."""
    with zipfile.ZipFile(path) as archive:
        root = etree.fromstring(archive.read("project.qde"))
    count = {
        "codes": len(root.findall(f".//{P}CodeBook//{P}Code")),
        "users": len(root.findall(f"{P}Users/{P}User")),
        "sources": len(root.findall(f"{P}Sources/{P}TextSource")),
        "selections": len(root.findall(f".//{P}PlainTextSelection")),
        "codings": len(root.findall(f".//{P}TextSource//{P}Coding")),
        "cases": len(root.findall(f"{P}Cases/{P}Case")),
        "notes": len(root.findall(f"{P}Notes/{P}Note")),
        "sets": len(root.findall(f"{P}Sets/{P}Set")),
    }
    return count


@pytest.mark.parametrize("name", ["nvivo_mac_project.qdpx", "qc_demo_project.qdpx"])
def test_real_exports_dry_run_with_an_exact_account(project, runner, name):
    path = DATA / name
    result = runner.invoke(
        app, ["import", "qdpx", str(path), "-p", str(project), "--dry-run", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    for key in (
        "codes",
        "sources",
        "selections",
        "codings",
        "users",
        "notes",
        "sets",
        "cases",
        "variables",
    ):
        assert isinstance(report[key], int)
    expected = _elements(path)
    for kind, count in expected.items():
        assert report["in_file"][kind] == count, kind
    kinds = {
        "sources": "TextSource",
        "selections": "PlainTextSelection",
        "codings": "Coding",
        "users": "User",
        "cases": "Case",
    }
    for kind, element in kinds.items():
        lost = sum(d["kind"] == element for d in report["dropped"])
        assert report["in_file"][kind] == report[kind] + lost, kind
    assert all(d["reason"] for d in report["dropped"])
    assert report["codes"] == expected["codes"]  # no code is ever dropped
    with open_project(project) as store:
        assert store.document_ids() == []


def test_qc_export_imports_its_codings(project):
    with open_project(project) as store:
        summary = import_qdpx(store, load_codebook(), DATA / "qc_demo_project.qdpx", root=project)
        codings = store.codings()
    assert set(codings["coder"]) == {"cp"}
    assert len(codings) == summary.coding_rows > 0
    # every stored span quotes its document's text
    with open_project(project) as store:
        for row in codings.head(20).itertuples():
            assert store.document_text(row.doc_id)[1][int(row.start) : int(row.end)] == row.evidence
    # the program's own codes are kept, in a codebook every command loads
    assert set(codings["code_id"]) <= set(load_codebook(summary.codebook_path).codes)


def test_taguette_codebook_with_empty_sets_imports(tmp_path, runner):
    out = tmp_path / "tag.yaml"
    result = runner.invoke(
        app, ["codebook", "import", str(DATA / "taguette_codebook.qdc"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    labels = [c.label for c in load_codebook(out).codes.values()]
    assert labels == ["interesting", "people", "interesting\\places"]


def test_cli_exports_qdc_and_codings(sample_project, runner, tmp_path):
    result = runner.invoke(
        app, ["codebook", "export", "--format", "qdc", "--out", str(tmp_path / "c.qdc")]
    )
    assert result.exit_code == 0, result.output
    assert etree.parse(str(tmp_path / "c.qdc")).getroot().tag.endswith("CodeBook")
    result = runner.invoke(
        app, ["export", "codings", "-p", str(sample_project), "--out", str(tmp_path / "c.csv")]
    )
    assert result.exit_code == 0 and "codings" in result.stdout


def test_cli_import_refuses_a_hostile_file_in_one_line(project, runner, tmp_path):
    bad = tmp_path / "bad.qde"
    bad.write_text(
        '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]><Project name="&x;"/>'
    )
    result = runner.invoke(app, ["import", "qdpx", str(bad), "-p", str(project)])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error:") and "Traceback" not in result.output
