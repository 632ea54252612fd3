"""Store a checked survey: respondents, attributes, answers, and open answers as units."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from coding.errors import InputError
from coding.ingest import store_document
from coding.ingest.normalize import match_view, normalise
from coding.model import IngestReport, ParsedDocument, Turn
from coding.store import Store
from coding.survey.check import SurveyData

MAX_PROBLEMS_SHOWN = 20


class SurveyCheckError(InputError):
    """Survey data failed its check; every problem is listed."""

    def __init__(self, path: str, problems: list[str], skippable: bool = True) -> None:
        self.problems = problems
        shown = "; ".join(problems[:MAX_PROBLEMS_SHOWN])
        more = len(problems) - MAX_PROBLEMS_SHOWN
        count = f"{len(problems)} problems" if len(problems) > 1 else "1 problem"
        hint = (
            " (fix them, or pass --skip-invalid to leave those rows out)"
            if skippable
            else " (the data and the schema must name the same columns)"
        )
        super().__init__(
            f"{count}: {shown}" + (f"; and {more} more" if more > 0 else "") + hint, path
        )


@dataclass
class SurveyIngest:
    """What a survey ingest stored and skipped."""

    survey: str
    respondents: int = 0
    answers: int = 0
    open_answers: int = 0
    skipped: list[str] = field(default_factory=list)
    documents: IngestReport = field(default_factory=IngestReport)


def ingest_survey(store: Store, data: SurveyData, skip_invalid: bool = False) -> SurveyIngest:
    """Store a survey (one transaction); refuse data with problems unless told to skip rows."""
    schema = data.schema
    structural = [p for p in data.problems if p.startswith("column ")]
    if structural or (data.problems and not skip_invalid):
        raise SurveyCheckError(data.path, structural or data.problems, skippable=not structural)
    report = SurveyIngest(schema.name)
    keep = [i for i in range(len(data.raw)) if i not in data.invalid_rows]
    report.skipped = [
        data.raw.iat[i, data.raw.columns.get_loc(schema.id_column)] or f"#{i + 1}"
        for i in sorted(data.invalid_rows)
    ]
    respondents, answers, documents = [], [], []
    existing = store.document_index()
    for i in keep:
        row = data.raw.iloc[i]
        rid = row[schema.id_column]
        attributes = {key: row[col] for key, col in schema.attributes.items() if col in row}
        cluster = match_view(attributes.get("cluster", "")) or None
        role_label = attributes.get("role", "")
        role = schema.role_codes.get(role_label) or None
        respondents.append(
            (
                rid,
                cluster,
                role_label or None,
                json.dumps(attributes, ensure_ascii=False, sort_keys=True),
            )
        )
        for item in schema.items:
            raw = row.get(item, "")
            if raw:
                answers.append((rid, item, raw, float(data.values.at[data.raw.index[i], item])))
        texts = [(col, normalise(row[col])) for col in schema.open_ended if row.get(col)]
        if texts:
            documents.append(
                _document(schema.name, data.path, rid, cluster, role, attributes, texts)
            )
    with store.transaction():
        store.replace_survey(
            schema.name,
            data.path,
            json.dumps(asdict(schema), ensure_ascii=False, default=list),
            respondents,
            answers,
        )
        for doc in documents:
            store_document(store, doc, existing.get(doc.doc_id), report.documents)
    report.respondents = len(respondents)
    report.answers = len(answers)
    report.open_answers = sum(len(d.turns) for d in documents)
    return report


def _document(survey, path, rid, cluster, role, attributes, texts) -> ParsedDocument:
    """Make one respondent's open answers a document, one unit per question."""
    text, turns = "", []
    for number, (column, answer) in enumerate(texts, 1):
        if text:
            text += "\n\n"
        turns.append(Turn(number, column, False, len(text), len(text) + len(answer)))
        text += answer
    view = match_view(text)
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
        path=str(Path(path)),
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        encoding="survey",
        cluster=cluster,
        metadata=metadata,
        original_text=None,
        text=text,
        match_text=None if view == text else view,
        turns=turns,
    )
