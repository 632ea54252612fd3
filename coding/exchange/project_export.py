"""A whole project as a REFI-QDA project (.qdpx): sources, codes, users, codings, cases.

The zip holds ``project.qde`` and one ``sources/<GUID>.txt`` per document:
the normalised text (NFC, LF, no BOM) as UTF-8, so that ``startPosition`` and
``endPosition`` are code points into exactly that file (REFI-QDA 1.5 §10.2,
and ARCHITECTURE.md's offsets). Every coding is one ``PlainTextSelection``
carrying one ``Coding`` of its coder (a ``User``), its stance and evidence in
the selection's ``Description``; a person's coding of a whole unit (sheets
have no spans) selects the unit. Documents are cases with their metadata as
variables, and so are survey respondents.

Streaming: documents are read one at a time; the XML goes to a temporary
file while the texts go into the zip, and is added last, so memory holds one
document's text and codings, never the project.
"""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from coding.codebook import Codebook
from coding.common.files import atomic_write
from coding.exchange.codebook_qdc import CodeNode, code_elements, codebook_tree
from coding.exchange.guids import (
    case_guid,
    code_guid,
    document_guid,
    selection_and_coding_guids,
    user_guid,
    variable_guid,
)
from coding.exchange.xmlsafe import escape_attr, escape_text
from coding.store import Store

PROJECT_NS = "urn:QDA-XML:project:1.0"
SCHEMA_LOCATION = "http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd"


@dataclass
class ExportSummary:
    """What an export wrote."""

    path: Path
    sources: int = 0
    selections: int = 0
    users: int = 0
    codes: int = 0
    cases: int = 0
    variables: int = 0


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _value_type(values: list) -> str:
    """Return the REFI variable type that holds every value of a variable."""
    if all(isinstance(v, bool) for v in values):
        return "Boolean"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "Integer"
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return "Float"
    return "Text"


def _value_element(value: object, kind: str) -> str:
    if kind == "Boolean":
        return f"<BooleanValue>{'true' if value else 'false'}</BooleanValue>"
    if kind == "Integer":
        return f"<IntegerValue>{value}</IntegerValue>"
    if kind == "Float":
        return f"<FloatValue>{float(value):f}</FloatValue>"  # type: ignore[arg-type]
    if isinstance(value, list | dict):
        import json

        value = json.dumps(value, ensure_ascii=False)
    return f"<TextValue>{escape_text(str(value))}</TextValue>"


def _cases(store: Store) -> tuple[list[tuple[str, str, dict, str | None]], dict[str, list]]:
    """Return cases (guid, name, variables, source doc id) and every variable's values."""
    cases: list[tuple[str, str, dict, str | None]] = []
    values: dict[str, list] = {}
    documents = store.document_metadata()
    for doc_id, (cluster, _encoding, metadata) in sorted(documents.items()):
        variables = {"cluster": cluster, **{k: v for k, v in metadata.items() if k != "id"}}
        variables = {k: v for k, v in variables.items() if v is not None and v != ""}
        cases.append((case_guid("document", doc_id), doc_id, variables, doc_id))
    for respondent, survey, cluster, role, attributes in store.survey_respondents():
        variables = {"survey": survey, "cluster": cluster, "role": role, **attributes}
        variables = {k: v for k, v in variables.items() if v is not None and v != ""}
        own_doc = f"{survey}:{respondent}"
        cases.append(
            (
                case_guid("respondent", own_doc),
                f"respondent {own_doc}",
                variables,
                own_doc if own_doc in documents else None,
            )
        )
    for _, _, variables, _ in cases:
        for key, value in variables.items():
            values.setdefault(str(key), []).append(value)
    return cases, values


def _extra_codes(store: Store, codebook: Codebook) -> list[CodeNode]:
    """Return codes that codings use but the codebook lacks (an older codebook, an import)."""
    missing = sorted(set(store.coded_code_ids()) - set(codebook.codes))
    if not missing:
        return []
    return [
        CodeNode(
            "_UNLISTED",
            "不在编码本中的代码 codes not in the codebook",
            False,
            "Codes that stored codings use but the codebook does not define.",
            [CodeNode(c, c, True, "") for c in missing],
        )
    ]


def selections_xml(text: str, codings: list[tuple]) -> str:
    """Return the ``PlainTextSelection`` elements of one document's codings, as
    ``Store.document_selections`` gives them, over the document's ``text``."""
    # runs once per coding of the project: one f-string each, GUIDs spelt once
    parts: list[str] = []
    add = parts.append
    for _, coder, _, unit_id, code_id, stance, start, end, evidence in codings:
        user = user_guid(coder)
        selection, coding = selection_and_coding_guids(coder, unit_id, code_id, start, end)
        # the quoted text lets an importer check which way offsets were counted
        note = f"stance: {stance}\nevidence: " if stance else "evidence: "
        add(
            f'<PlainTextSelection guid="{selection}" startPosition="{start}" '
            f'endPosition="{end}" creatingUser="{user}"><Description>'
            f"{escape_text(note + (evidence or text[start:end]))}</Description>"
            f'<Coding guid="{coding}" creatingUser="{user}">'
            f'<CodeRef targetGUID="{code_guid(code_id)}"/></Coding></PlainTextSelection>\n'
        )
    return "".join(parts)


def _write_head(xml: IO[str], store: Store, codebook: Codebook, name: str, summary) -> list:
    import coding

    coders = list(store.coder_kinds())
    xml.write(
        f'<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="{PROJECT_NS}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{PROJECT_NS} {SCHEMA_LOCATION}" name="{escape_attr(name)}" '
        f'origin="clusterqda {escape_attr(coding.__version__)}" creationDateTime="{_now()}">\n'
    )
    if coders:
        xml.write("<Users>\n")
        for coder in coders:
            xml.write(f'<User guid="{user_guid(coder)}" name="{escape_attr(coder)}"/>\n')
        xml.write("</Users>\n")
    tree = codebook_tree(codebook) + _extra_codes(store, codebook)
    if tree:
        xml.write("<CodeBook><Codes>\n" + code_elements(tree) + "</Codes></CodeBook>\n")
    cases, values = _cases(store)
    kinds = {key: _value_type(v) for key, v in values.items()}
    if kinds:
        xml.write("<Variables>\n")
        for key, kind in kinds.items():
            xml.write(
                f'<Variable guid="{variable_guid(key)}" name="{escape_attr(key)}" '
                f'typeOfVariable="{kind}"/>\n'
            )
        xml.write("</Variables>\n")
    if cases:
        xml.write("<Cases>\n")
        for guid, case_name, variables, doc_id in cases:
            xml.write(f'<Case guid="{guid}" name="{escape_attr(case_name)}">')
            for key, value in variables.items():
                xml.write(
                    f'<VariableValue><VariableRef targetGUID="{variable_guid(str(key))}"/>'
                    f"{_value_element(value, kinds[str(key)])}</VariableValue>"
                )
            if doc_id is not None:
                xml.write(f'<SourceRef targetGUID="{document_guid(doc_id)}"/>')
            xml.write("</Case>\n")
        xml.write("</Cases>\n")
    summary.users, summary.cases, summary.variables = len(coders), len(cases), len(kinds)
    summary.codes = _count(tree)
    return cases


def _count(nodes: list[CodeNode]) -> int:
    return sum(1 + _count(n.children) for n in nodes)


def export_qdpx(
    store: Store, codebook: Codebook, out: str | Path, name: str = "clusterqda project"
) -> ExportSummary:
    """Write the project as a REFI-QDA project (.qdpx); return what it holds."""
    out = Path(out)
    summary = ExportSummary(out)
    with (
        tempfile.TemporaryFile("w+", encoding="utf-8") as xml,
        atomic_write(out, "wb") as handle,
        zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
    ):
        _write_head(xml, store, codebook, name, summary)
        xml.write("<Sources>\n")
        for doc_id in store.document_ids():
            doc = store.export_document(doc_id)
            guid = document_guid(doc_id)
            archive.writestr(f"sources/{guid}.txt", doc.text.encode("utf-8"))
            xml.write(
                f'<TextSource guid="{guid}" name="{escape_attr(doc_id)}" '
                f'plainTextPath="internal://{guid}.txt">\n'
            )
            codings = store.document_selections(doc_id)
            xml.write(selections_xml(doc.text, codings))
            xml.write("</TextSource>\n")
            summary.sources += 1
            summary.selections += len(codings)
        if not summary.sources:  # <Sources> needs at least one source
            xml.seek(0)
            head = xml.read().removesuffix("<Sources>\n")
            xml.seek(0)
            xml.truncate()
            xml.write(head)
        else:
            xml.write("</Sources>\n")
        xml.write("</Project>\n")
        xml.flush()
        xml.seek(0)
        with archive.open("project.qde", "w") as member:
            while chunk := xml.read(1 << 20):
                member.write(chunk.encode("utf-8"))
    return summary
