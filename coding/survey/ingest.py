"""Store a checked survey: respondents, attributes, answers, and open answers as units.

The file is read a second time, a chunk at a time (the check kept only its
problems), and each chunk is stored with a few ``executemany`` calls; the whole
survey is one transaction, so a failure stores nothing. A file that changed
since it was checked is refused.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import orjson
import pandas as pd

from coding.errors import SurveyChangedError, SurveyCheckError
from coding.ingest import store_document
from coding.ingest.normalize import match_view, normalise
from coding.model import IngestReport, ParsedDocument, Turn
from coding.store import Store
from coding.survey.check import SurveyCheck, file_signature, item_values
from coding.survey.read import read_chunks
from coding.survey.schema import SurveySchema

MAX_SKIPPED_KEPT = 1000


@dataclass
class SurveyIngest:
    """What a survey ingest stored and skipped."""

    survey: str
    respondents: int = 0
    answers: int = 0
    open_answers: int = 0
    skipped: list[str] = field(default_factory=list)  # the first MAX_SKIPPED_KEPT
    skipped_count: int = 0
    # open-answer documents by what happened to them (counts: ids would grow with the survey)
    documents_added: int = 0
    documents_replaced: int = 0
    documents_updated: int = 0
    documents_unchanged: int = 0


def ingest_survey(store: Store, data: SurveyCheck, skip_invalid: bool = False) -> SurveyIngest:
    """Store a survey (one transaction); refuse data with problems unless told to skip rows."""
    schema = data.schema
    structural = [p for p in data.problems if p.startswith("column ")]
    if data.structural or (data.problem_count and not skip_invalid):
        raise SurveyCheckError(
            data.path,
            structural or data.problems,
            skippable=not data.structural,
            count=len(structural) if structural else data.problem_count,
        )
    if file_signature(data.path) != data.signature:
        raise SurveyChangedError("the file changed after it was checked; check it again", data.path)
    report = SurveyIngest(schema.name)
    views: dict[str, str | None] = {}  # cluster names repeat: match each once
    with store.transaction():
        store.begin_survey(
            schema.name, data.path, json.dumps(asdict(schema), ensure_ascii=False, default=list)
        )
        for chunk in read_chunks(data.path, data.encoding, data.sheet):
            _store_chunk(store, data, chunk, report, views)
    return report


def _store_chunk(
    store: Store,
    data: SurveyCheck,
    chunk: pd.DataFrame,
    report: SurveyIngest,
    views: dict[str, str | None],
) -> None:
    """Store one chunk's valid rows: respondents and answers, then open answers as documents."""
    schema = data.schema
    keep = np.fromiter((p not in data.invalid_rows for p in chunk.index), bool, len(chunk))
    skipped = chunk.index[~keep]
    report.skipped_count += len(skipped)
    for position in skipped[: max(0, MAX_SKIPPED_KEPT - len(report.skipped))]:
        report.skipped.append(chunk.at[position, schema.id_column] or f"#{position + 1}")
    rows = chunk[keep]
    values, _ = item_values(rows, schema)
    rids = rows[schema.id_column].to_numpy()
    # one JSON object per respondent, items in a fixed order
    items = sorted(values.columns)
    texts = rows[items].to_numpy(dtype=object)
    numbers = values[items].to_numpy()
    answered = texts != ""
    if np.isnan(numbers[answered]).any():  # a cell the check passed is now invalid
        raise SurveyChangedError("the file changed after it was checked; check it again", data.path)
    names = np.array(items, dtype=object)
    answers = [
        (rid, _answer_set(names[m], t[m], n[m].tolist()))
        for rid, t, n, m in zip(rids, texts, numbers, answered, strict=True)
    ]
    respondents, documents = [], []
    encoded: dict[tuple, str] = {}
    doc_path = str(Path(data.path))
    attributes_of = [(k, rows[c].to_numpy()) for k, c in schema.attributes.items() if c in rows]
    open_columns = [(c, rows[c].to_numpy()) for c in schema.open_ended if c in rows]
    for i, rid in enumerate(rids):
        attributes = {key: column[i] for key, column in attributes_of}
        name = attributes.get("cluster", "")
        if name not in views:
            views[name] = match_view(name) or None
        cluster = views[name]
        role_label = attributes.get("role", "")
        # few respondents differ in all attributes: encode each combination once
        key = tuple(attributes.values())
        if key not in encoded:
            encoded[key] = json.dumps(attributes, ensure_ascii=False, sort_keys=True)
        respondents.append((rid, cluster, role_label or None, encoded[key]))
        opened = [(col, normalise(column[i])) for col, column in open_columns if column[i]]
        if opened:
            role = schema.role_codes.get(role_label) or None
            documents.append(_document(schema, doc_path, rid, cluster, role, attributes, opened))
    store.add_respondents(schema.name, respondents, answers)
    existing = store.documents_by_id([d.doc_id for d in documents])
    # new documents (every one, the first time) go in with one statement per table
    store.insert_documents([d for d in documents if d.doc_id not in existing])
    stored = IngestReport()
    for doc in documents:
        if doc.doc_id in existing:
            store_document(store, doc, existing[doc.doc_id], stored)
    report.documents_added += len(documents) - len(existing)
    report.documents_replaced += len(stored.replaced)
    report.documents_updated += len(stored.updated)
    report.documents_unchanged += len(stored.unchanged)
    report.respondents += len(respondents)
    report.answers += int(answered.sum())
    report.open_answers += sum(len(d.turns) for d in documents)


def _answer_set(items, raws, values: list[float]) -> str:
    """Return one respondent's answers as stored: a JSON object item -> [as typed, value]."""
    return orjson.dumps(dict(zip(items, zip(raws, values, strict=True), strict=True))).decode()


def _document(
    schema: SurveySchema, path: str, rid, cluster, role, attributes, texts
) -> ParsedDocument:
    """Make one respondent's open answers a document, one unit per question."""
    text, turns = "", []
    for number, (column, answer) in enumerate(texts, 1):
        if text:
            text += "\n\n"
        turns.append(Turn(number, column, False, len(text), len(text) + len(answer)))
        text += answer
    view = match_view(text)
    survey = schema.name
    metadata = {
        "id": f"{survey}:{rid}",
        "survey": survey,
        "respondent": rid,
        "interviewee": rid,
        **({"role": role} if role else {}),
        **({"cluster": cluster} if cluster else {}),
        "attributes": attributes,
    }
    return ParsedDocument(
        doc_id=f"{survey}:{rid}",
        path=path,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        encoding="survey",
        cluster=cluster,
        metadata=metadata,
        original_text=None,
        text=text,
        match_text=None if view == text else view,
        turns=turns,
    )
