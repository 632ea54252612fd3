"""The demo: a project built from the bundled sample corpora, coded by rules and a person."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from coding.agree import project_agreement
from coding.autocode import code_project
from coding.beliefs import Beliefs, write_beliefs
from coding.beliefs import analyse as analyse_beliefs
from coding.codebook import load_codebook
from coding.common.files import atomic_write
from coding.episodes import (
    EpisodeReview,
    EpisodeSheet,
    export_episode_sheet,
    import_episode_sheet,
)
from coding.ingest import ingest
from coding.model import CodeReport, IngestReport, SegmentReport
from coding.project import (
    SAMPLE_CORPORA,
    init_project,
    open_project,
    project_codebook,
    project_dictionary,
)
from coding.report.build import write_reports
from coding.segment import segment_project
from coding.sheets import (
    DONE_COLUMN,
    DONE_LABEL,
    SHEET_ADJUDICATE,
    SHEET_CODING,
    SheetExport,
    SheetImport,
    export_adjudication,
    export_coding_sheet,
    import_coding_sheets,
)
from coding.status import code_frequencies, project_status
from coding.store import Store
from coding.suggest import TrainResult, learning_curve, train, training_data
from coding.survey.check import read_survey
from coding.survey.ingest import SurveyIngest, ingest_survey
from coding.survey.schema import load_schema

Progress = Callable[[str, int, int], None]
DEMO_ASSISTANT = "王助理"
# What a (simulated) research assistant codes, made by corpora/coding/make_assistant_codes.py.
ASSISTANT_CODES = SAMPLE_CORPORA / "coding" / "wang_codes.csv"
# A second (simulated) assistant who recodes 60 of those turns blind, so that people's
# agreement is measured and their disagreements are adjudicated into `consensus`.
SECOND_ASSISTANT = "李助理"
SECOND_CODES = SAMPLE_CORPORA / "coding" / "li_codes.csv"
# A (simulated) researcher reviews the proposed episodes as the sample corpora's key says.
EPISODE_REVIEWER = "张老师"
EPISODE_KEY = SAMPLE_CORPORA.parent / "tests" / "data" / "episodes" / "key_sample.csv"
SAMPLE_SURVEY = SAMPLE_CORPORA / "survey" / "survey.csv"
SAMPLE_SURVEY_SCHEMA = SAMPLE_CORPORA / "survey" / "schema.yaml"


@dataclass
class DemoResult:
    """What the demo did and what it found."""

    project: Path
    ingest: IngestReport
    segment: SegmentReport
    code: CodeReport
    clusters: pd.DataFrame
    documents: pd.DataFrame
    frequencies: pd.DataFrame
    sheet: SheetExport
    imported: SheetImport
    agreement: pd.DataFrame
    per_code: pd.DataFrame
    second: SheetImport
    people_agreement: pd.DataFrame  # the two assistants, per dimension
    settled: SheetImport
    survey: SurveyIngest
    beliefs: Beliefs
    beliefs_path: Path
    reports: list[Path]
    model: TrainResult
    curve: pd.DataFrame
    episode_sheet: EpisodeSheet | None = None
    episode_review: EpisodeReview | None = None
    exchange: list[Path] = field(default_factory=list)  # the .qdpx project and .qdc codebook


def build_project(
    root: Path, progress: Progress | None = None
) -> tuple[Store, IngestReport, SegmentReport]:
    """Init a project at ``root``, ingest the sample corpora and segment them."""
    init_project(root)
    dictionary = project_dictionary(root)
    store = open_project(root)
    ingested = ingest(
        store,
        [SAMPLE_CORPORA],
        manifest=SAMPLE_CORPORA / "manifest.csv",
        progress=_stage(progress, "ingest"),
        dictionary=dictionary,
    )
    segmented = segment_project(store, dictionary, progress=_stage(progress, "segment"))
    return store, ingested, segmented


def fill_sheet(sheet: Path, answers: Path, out: Path) -> Path:
    """Type an assistant's answers (CSV ``unit_id, code_id, stance``) into a coding sheet.

    Only the cells an assistant may edit are touched (完成 and the code columns), the
    way Excel would save them; the result is what the assistant hands back.
    """
    import csv

    from openpyxl import load_workbook

    with open(answers, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    book = load_workbook(sheet)
    coding = book[SHEET_CODING]
    column = {str(c.value).split(" ")[0]: c.column for c in coding[1] if c.value is not None}
    row_of = {coding.cell(r, 1).value: r for r in range(2, coding.max_row + 1)}
    for answer in rows:
        r = row_of[answer["unit_id"]]
        coding.cell(r, column[DONE_COLUMN.split(" ")[0]]).value = DONE_LABEL
        if answer["code_id"]:
            coding.cell(r, column[answer["code_id"]]).value = answer["stance"]
    with atomic_write(out, "wb") as handle:
        book.save(handle)
    return out


def settle(sheet: Path, coder: str, out: Path) -> Path:
    """Decide every disagreement of an adjudication workbook for one coder (a simulated senior)."""
    from openpyxl import load_workbook

    book = load_workbook(sheet)
    decisions = book[SHEET_ADJUDICATE]
    for r in range(2, decisions.max_row + 1):
        if decisions.cell(r, 1).value:
            decisions.cell(r, 6).value = f"{coder}的"
    with atomic_write(out, "wb") as handle:
        book.save(handle)
    return out


def _second_coding(store: Store, codebook, reports: Path) -> tuple[SheetImport, SheetImport]:
    """The second assistant codes a sample blind; a senior settles the two coders' differences."""
    sheet = export_coding_sheet(
        store,
        codebook,
        SECOND_ASSISTANT,
        reports / f"{SECOND_ASSISTANT}.xlsx",
        units_file=SECOND_CODES,
        blind=True,
    )
    filled = fill_sheet(sheet.path, SECOND_CODES, reports / f"{SECOND_ASSISTANT}_完成.xlsx")
    second = import_coding_sheets(store, codebook, [filled])
    pair = [DEMO_ASSISTANT, SECOND_ASSISTANT]
    adjudication = export_adjudication(store, codebook, pair, reports / "裁定.xlsx")
    decided = settle(adjudication.path, DEMO_ASSISTANT, reports / "裁定_完成.xlsx")
    return second, import_coding_sheets(store, codebook, [decided])


def _exchange_files(store: Store, codebook, reports: Path) -> list[Path]:
    """Export the project (.qdpx) and its codebook (.qdc) for NVivo, ATLAS.ti, MAXQDA, QualCoder."""
    from coding.exchange import export_qdc, export_qdpx

    project = export_qdpx(store, codebook, reports / "demo.qdpx", name="clusterqda demo").path
    return [project, export_qdc(codebook, reports / f"{codebook.name}.qdc")]


def _stage(progress: Progress | None, name: str) -> Callable[[int, int], None] | None:
    return (lambda done, total: progress(name, done, total)) if progress else None


def run_demo(root: str | Path, progress: Progress | None = None) -> DemoResult:
    """Build, code with rules, import an assistant's sheet, agree, learn, survey, report."""
    root = Path(root)
    store, ingested, segmented = build_project(root, progress)
    with store:
        checked = read_survey(SAMPLE_SURVEY, load_schema(SAMPLE_SURVEY_SCHEMA))
        surveyed = ingest_survey(store, checked)
        more = segment_project(store, project_dictionary(root))  # the open answers
        segmented.units += more.units
        codebook = load_codebook(project_codebook(root))
        coded = code_project(store, codebook, progress=_stage(progress, "code"))
        clusters, documents = (t.frame() for t in project_status(store, project_dictionary(root)))
        frequencies = code_frequencies(store, coded.coder).frame()
        sheet = export_coding_sheet(
            store, codebook, DEMO_ASSISTANT, root / "reports" / f"{DEMO_ASSISTANT}.xlsx"
        )
        filled = fill_sheet(
            sheet.path, ASSISTANT_CODES, root / "reports" / f"{DEMO_ASSISTANT}_完成.xlsx"
        )
        imported = import_coding_sheets(store, codebook, [filled])
        # the rules, not the default coder: the assistant's codes are the dev gold the
        # shipped model learned from, so the hybrid's agreement here would measure nothing
        per_code, per_dimension, _ = project_agreement(
            store, codebook, [codebook.coder, DEMO_ASSISTANT], bootstrap=200
        )
        second, settled = _second_coding(store, codebook, root / "reports")
        _, people, _ = project_agreement(
            store, codebook, [DEMO_ASSISTANT, SECOND_ASSISTANT], bootstrap=0
        )
        model = train(store, codebook, [DEMO_ASSISTANT])
        curve, _ = learning_curve(training_data(store, codebook, [DEMO_ASSISTANT]))
        beliefs = analyse_beliefs(store, codebook)
        beliefs_path = root / "reports" / "beliefs.xlsx"
        write_beliefs(beliefs, beliefs_path)
        episode_sheet, episode_review = _review_episodes(store, codebook, root / "reports")
        reports = write_reports(store, codebook, root / "reports")
        exchange = _exchange_files(store, codebook, root / "reports")
    return DemoResult(
        root,
        ingested,
        segmented,
        coded,
        clusters,
        documents,
        frequencies,
        sheet,
        imported,
        per_dimension,
        per_code,
        second,
        people,
        settled,
        surveyed,
        beliefs,
        beliefs_path,
        reports,
        model,
        curve,
        episode_sheet,
        episode_review,
        exchange,
    )


def review_episodes(sheet: Path, key: Path, out: Path) -> Path:
    """Decide an episode workbook as a researcher who knows the key would (a simulation).

    Each proposal is taken for the key episode most of its units belong to: the first
    such proposal is kept under the key's name, the others are merged into it, and
    proposals of no key episode are dropped; every evidence unit is moved to its key
    episode's proposal, or to 无 when it belongs to none.
    """
    import csv
    from collections import Counter

    from openpyxl import load_workbook

    from coding.episodes import SHEET_EPISODES, SHEET_EVIDENCE

    with open(key, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    names = {row["episode_id"]: row["name"] for row in rows}
    # a unit in two key episodes goes to the first listed
    truth = {u: row["episode_id"] for row in reversed(rows) for u in row["unit_ids"].split(";")}
    book = load_workbook(sheet)
    episodes, evidence = book[SHEET_EPISODES], book[SHEET_EVIDENCE]
    units: dict[str, list[str]] = {}
    for r in range(2, evidence.max_row + 1):
        units.setdefault(str(evidence.cell(r, 2).value), []).append(str(evidence.cell(r, 1).value))
    home: dict[str, str] = {}
    for r in range(2, episodes.max_row + 1):
        proposal = str(episodes.cell(r, 1).value)
        votes = Counter(truth[u] for u in units.get(proposal, []) if u in truth)
        if not votes:
            episodes.cell(r, 3).value = "删除"
            continue
        real = votes.most_common(1)[0][0]
        if real in home:
            episodes.cell(r, 4).value = home[real]
        else:
            home[real] = proposal
            episodes.cell(r, 2).value = names[real]
    for r in range(2, evidence.max_row + 1):
        real = truth.get(str(evidence.cell(r, 1).value))
        evidence.cell(r, 2).value = home.get(real, "无") if real else "无"
    with atomic_write(out, "wb") as handle:
        book.save(handle)
    return out


def _review_episodes(
    store: Store, codebook, reports: Path
) -> tuple[EpisodeSheet | None, EpisodeReview | None]:
    """Propose episodes, let the simulated researcher review them, import the review."""
    sheet = export_episode_sheet(store, codebook, EPISODE_REVIEWER, reports / "事件审核.xlsx")
    if not EPISODE_KEY.is_file():  # an installed copy without the repository's tests
        return sheet, None
    done = review_episodes(sheet.path, EPISODE_KEY, reports / "事件审核_完成.xlsx")
    return sheet, import_episode_sheet(store, done)
