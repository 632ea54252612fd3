"""A whole project as a REFI-QDA project (.qdpx): sources, codes, users, codings, cases.

The zip holds ``project.qde`` and one ``sources/<GUID>.txt`` per document:
the normalised text (NFC, LF, no BOM) as UTF-8, so that ``startPosition`` and
``endPosition`` are code points into exactly that file (REFI-QDA 1.5 §10.2,
and ARCHITECTURE.md's offsets). Every coding is one ``PlainTextSelection``
carrying one ``Coding`` of its coder (a ``User``), its stance in the
selection's ``Description`` and its evidence where that is not the selected
text itself; a person's coding of a whole unit (sheets
have no spans) selects the unit. Documents are cases with their metadata as
variables, and so are survey respondents.

Streaming: the texts go into the zip first, one at a time, then
``project.qde``, its sources' selections made a chunk of documents at a time
(in worker processes for a large project, the first chunks while the texts
are written) and written in document order, so memory holds a few chunks'
XML, never the project's.
"""

from __future__ import annotations

import io
import zipfile
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from coding.codebook import Codebook
from coding.common.files import atomic_write
from coding.common.parallel import default_workers
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
# below this many codings a process pool's start costs more than it saves
PARALLEL_MIN_CODINGS = 50_000
# documents per task: a few hundred kilobytes of XML, a round trip well paid for
CHUNK_DOCUMENTS = 16
# a generous size of one selection in project.qde (ours take ~400 bytes): beyond
# 2 GiB of them the member needs zip64 sizes, which must be chosen before writing
QDE_BYTES_PER_CODING = 1000


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
        # the evidence is most often the selected text itself, which every tool shows:
        # stated only where it differs (a fifth of the file's bytes), or where there
        # is no stance, so that every selection keeps a Description with a text
        if not stance:
            note = "evidence: " + (evidence or text[start:end])
        elif evidence and evidence != text[start:end]:
            note = f"stance: {stance}\nevidence: {evidence}"
        else:
            note = f"stance: {stance}"
        add(
            f'<PlainTextSelection guid="{selection}" startPosition="{start}" '
            f'endPosition="{end}" creatingUser="{user}"><Description>'
            f"{escape_text(note)}</Description>"
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


def _sources_xml(store: Store, doc_ids: list[str]) -> tuple[bytes, int]:
    """Return these documents' ``TextSource`` elements as UTF-8, and their selections."""
    parts: list[str] = []
    selections = 0
    for doc_id in doc_ids:
        text = store.export_document(doc_id).text
        guid = document_guid(doc_id)
        codings = store.document_selections(doc_id)
        parts.append(
            f'<TextSource guid="{guid}" name="{escape_attr(doc_id)}" '
            f'plainTextPath="internal://{guid}.txt">\n'
            f"{selections_xml(text, codings)}</TextSource>\n"
        )
        selections += len(codings)
    return "".join(parts).encode("utf-8"), selections


_WORKER: dict[str, Store] = {}


def _init_worker(database: str) -> None:
    _WORKER["store"] = Store(database)  # its own connection: a read of committed data


def _chunk_xml(doc_ids: list[str]) -> tuple[bytes, int]:
    return _sources_xml(_WORKER["store"], doc_ids)


@contextmanager
def _source_elements(
    store: Store, chunks: list[list[str]], workers: int
) -> Iterator[Iterator[tuple[bytes, int]]]:
    """Yield the chunks' ``TextSource`` elements in order, made here or by ``workers``
    processes; the first chunks are under way once this is entered (while the caller
    writes the texts), and never more than a few are held."""
    if workers <= 1:
        yield (_sources_xml(store, chunk) for chunk in chunks)
        return
    with ProcessPoolExecutor(
        workers, initializer=_init_worker, initargs=(str(store.path),)
    ) as pool:
        window = workers * 2
        pending = deque(pool.submit(_chunk_xml, chunk) for chunk in chunks[:window])
        rest = iter(chunks[window:])

        def results() -> Iterator[tuple[bytes, int]]:
            while pending:
                done = pending.popleft().result()
                if (chunk := next(rest, None)) is not None:
                    pending.append(pool.submit(_chunk_xml, chunk))
                yield done

        try:
            yield results()
        finally:
            for future in pending:
                future.cancel()


def export_qdpx(
    store: Store,
    codebook: Codebook,
    out: str | Path,
    name: str = "clusterqda project",
    workers: int | None = None,
) -> ExportSummary:
    """Write the project as a REFI-QDA project (.qdpx); return what it holds.

    ``workers`` processes build the selections (default: one per core for a
    project of many codings whose data are committed, else none).
    """
    out = Path(out)
    summary = ExportSummary(out)
    doc_ids = store.document_ids()
    codings = store.coding_count()
    if workers is None:
        workers = default_workers() if codings >= PARALLEL_MIN_CODINGS else 1
    if store.conn.in_transaction:  # workers would not see what is not committed
        workers = 1
    chunks = [doc_ids[i : i + CHUNK_DOCUMENTS] for i in range(0, len(doc_ids), CHUNK_DOCUMENTS)]
    head = io.StringIO()
    _write_head(head, store, codebook, name, summary)
    with (
        atomic_write(out, "wb") as handle,
        zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        _source_elements(store, chunks, workers) as elements,
    ):
        for doc_id in doc_ids:
            text = store.export_document(doc_id).text
            archive.writestr(f"sources/{document_guid(doc_id)}.txt", text.encode("utf-8"))
        large = codings * QDE_BYTES_PER_CODING > zipfile.ZIP64_LIMIT
        with archive.open("project.qde", "w", force_zip64=large) as member:
            member.write(head.getvalue().encode("utf-8"))
            if doc_ids:  # <Sources> needs at least one source
                member.write(b"<Sources>\n")
                for xml, selections in elements:
                    member.write(xml)
                    summary.selections += selections
                member.write(b"</Sources>\n")
            member.write(b"</Project>\n")
    summary.sources = len(doc_ids)
    return summary
