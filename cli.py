"""The clusterqda command line: parse options, call one library function, print.

Longer than the house's ~400 lines because it holds one short function per
command (28 of them) and nothing else: no logic, no SQL, no reshaping.
"""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from coding import __version__
from coding.common.choices import (
    CodebookFormat,
    CoderChoice,
    ConcordanceOrder,
    Engine,
    Lang,
    Level,
    SheetOrder,
    Source,
    Speaker,
    WordGroup,
    report_formats,
)
from coding.errors import ClusterQDAError, printable

if TYPE_CHECKING:  # pandas is imported by the commands that print tables, when they run
    import pandas as pd

    from coding.status import Table

# Each command imports the library it needs when it runs, so that `--help` and
# light commands start fast (benchmarks/startup.py measures it).

app = typer.Typer(
    name="clusterqda",
    help="Qualitative coding of Chinese fieldwork interviews on industrial clusters.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals would print interview text
    # plain help: rich's help formatter alone would double the start-up time
    rich_markup_mode=None,
)


def _group(**settings) -> typer.Typer:
    """Return a command group with plain help, like the app's."""
    return typer.Typer(rich_markup_mode=None, **settings)


export_app = _group(help="Export project data for use elsewhere.", no_args_is_help=True)
app.add_typer(export_app, name="export")
codebook_app = _group(help="Check and export codebooks.", no_args_is_help=True)
app.add_typer(codebook_app, name="codebook")
sheets_app = _group(help="Excel coding sheets for research assistants.", no_args_is_help=True)
app.add_typer(sheets_app, name="sheets")
agree_app = _group(help="Inter-coder agreement.", invoke_without_command=True)
app.add_typer(agree_app, name="agree")
model_app = _group(
    help="Model-assisted coding learned from people's codings.",
    no_args_is_help=True,
)
app.add_typer(model_app, name="model")
survey_app = _group(help="Questionnaires: check, ingest, reliability.", no_args_is_help=True)
app.add_typer(survey_app, name="survey")
import_app = _group(help="Import from other programs (REFI-QDA).", no_args_is_help=True)
app.add_typer(import_app, name="import")

SchemaOpt = Annotated[Path, typer.Option("--schema", help="The survey schema (YAML).")]

# Paths, cluster names and ids are data: never read them as rich markup.
# The commands run their own process pools; OpenBLAS threads on top of them only compete for
# the same cores, and spin while they wait: on a busy two-core machine `matrix` took 6.5 s with
# them and 1.8 s without. Set before NumPy is imported; a user's own setting stands.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
out = Console(markup=False)
err = Console(stderr=True, markup=False)

CodebookOpt = Annotated[
    Path | None,
    typer.Option(help="Codebook YAML (default: the project's copy, else the shipped one)."),
]
EngineOpt = Annotated[
    Engine, typer.Option(help="Segmenter; auto uses rjieba where it cuts exactly like jieba.")
]
ProjectOpt = Annotated[
    Path, typer.Option("--project", "-p", help="Project folder (default: current folder).")
]


def handle_errors(func: Callable) -> Callable:
    """Turn clusterqda's own errors into one line on stderr and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ClusterQDAError as exc:
            message = escape(printable(str(exc)))  # a file name is neither markup nor escapes
            err.print(
                f"[bold red]Error:[/] {message}", markup=True, highlight=False, soft_wrap=True
            )
            raise typer.Exit(1) from None

    return wrapper


@contextmanager
def progress_bar() -> Iterator[Callable[[str, int, int], None]]:
    """Yield update(stage, done, total) drawing one rich progress bar per stage."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as bar:
        tasks: dict[str, int] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


def print_frame(frame: pd.DataFrame, title: str | None = None) -> None:
    """Print a DataFrame as a rich table."""
    import pandas as pd

    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    rows = [["" if pd.isna(v) else v for v in row] for row in frame.itertuples(index=False)]
    print_rows([str(c) for c in frame.columns], rows, numeric, title)


def print_table(table: Table, title: str | None = None) -> None:
    """Print a status.Table (no pandas needed): numbers right-aligned."""
    numeric = [
        all(isinstance(r[i], int | float) for r in table.rows) for i in range(len(table.columns))
    ]
    print_rows(
        table.columns, [["" if v is None else v for v in r] for r in table.rows], numeric, title
    )


def print_rows(
    columns: list[str],
    rows,
    numeric: list[bool],
    title: str | None,
    right: tuple[str, ...] = (),
) -> None:
    """Print rows as a rich table that folds long cells rather than cutting them; numeric
    columns and those in ``right`` right-aligned."""
    from rich.cells import cell_len
    from rich.table import Table

    cells = [[printable(str(v)) for v in row] for row in rows]
    table = Table(title=title, show_lines=False)
    for column, is_number in zip(columns, numeric, strict=True):
        # fold, never cut: a cut id ("cluster…") cannot be looked up
        justify = "right" if is_number or column in right else "left"
        table.add_column(column, justify=justify, overflow="fold")
    for row in cells:
        table.add_row(*row)
    width = out.width
    if not out.is_terminal:  # piped: print the table at its natural width, unfolded
        out.width = max(width, natural_width(columns, cells), cell_len(title or ""))
    try:
        out.print(table)
    finally:
        out.width = width


def natural_width(columns: list[str], cells: list[list[str]]) -> int:
    """Return the width of a default rich table of one-line cells printed unfolded: each
    column as wide as its widest cell or header plus one space each side, and a rule between
    columns and at both edges (what rich measures, without rendering every cell twice)."""
    from rich.cells import cell_len

    widest = [cell_len(c) for c in columns]
    for row in cells:
        widest = [max(w, cell_len(v)) for w, v in zip(widest, row, strict=True)]
    return sum(widest) + 3 * len(widest) + 1


def rounded(frame: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    """Round float columns for display (statistics stay exact in the library)."""
    return frame.round(digits)


def print_warnings(warnings: list[str]) -> None:
    """Print warnings, one a line, to stderr."""
    for warning in warnings:
        text = escape(printable(warning))
        err.print(f"[yellow]Warning:[/] {text}", markup=True, highlight=False, soft_wrap=True)


@app.command()
@handle_errors
def init(
    directory: Annotated[Path, typer.Argument(help="Folder to make into a project.")] = Path("."),
) -> None:
    """Create a project folder: corpora/, codebooks/, reports/ and the database."""
    from coding.project import init_project

    db = init_project(directory)
    out.print(f"Project ready: {db}")


@app.command()
@handle_errors
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Transcript files or folders.")],
    project: ProjectOpt = Path("."),
    manifest: Annotated[
        Path | None, typer.Option(help="CSV of metadata keyed by file (column 'file').")
    ] = None,
    cluster: Annotated[
        str | None, typer.Option(help="Cluster for documents that name none.")
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="Read every file in this encoding (e.g. gbk, big5).")
    ] = None,
    segment: Annotated[
        bool, typer.Option(help="Segment new units in the same pass (--no-segment: later).")
    ] = True,
    engine: EngineOpt = Engine.auto,
) -> None:
    """Read .txt, .md and .docx transcripts into the project (one transaction)."""
    from coding.ingest import ingest as ingest_files
    from coding.project import open_project, project_dictionary

    with open_project(project) as store, progress_bar() as update:
        report = ingest_files(
            store,
            paths,
            dictionary=project_dictionary(project),
            manifest=manifest,
            cluster=cluster,
            encoding=encoding,
            progress=lambda d, t: update("ingest", d, t),
            segment=segment,
            engine=engine.value,
        )
    print_warnings(report.warnings)
    out.print(
        f"{len(report.added)} added, {len(report.replaced)} replaced, "
        f"{len(report.updated)} metadata updated, {len(report.unchanged)} unchanged; "
        f"{report.units} units stored"
        + (f", {report.segmented} segmented with {report.engine}." if report.engine else ".")
    )
    for doc_id in report.replaced:
        out.print(f"Replaced {doc_id}: its units changed (re-run 'clusterqda segment').")


@app.command()
@handle_errors
def segment(
    project: ProjectOpt = Path("."),
    engine: EngineOpt = Engine.auto,
    workers: Annotated[int | None, typer.Option(help="Processes (default: all cores).")] = None,
) -> None:
    """Segment every unit not yet cached for the current user dictionary."""
    from coding.project import open_project, project_dictionary
    from coding.segment import segment_project

    with open_project(project) as store, progress_bar() as update:
        report = segment_project(
            store,
            project_dictionary(project),
            engine=engine.value,
            workers=workers,
            progress=lambda d, t: update("segment", d, t),
        )
    if not report.units:
        out.print(f"Nothing to segment: every unit has tokens of dictionary {report.dict_version}.")
        return
    out.print(
        f"Segmented {report.units} units ({report.chars:,} characters) with {report.engine}, "
        f"dictionary {report.dict_version}, in {report.seconds:.1f} s."
    )


@app.command()
@handle_errors
def status(project: ProjectOpt = Path(".")) -> None:
    """Print counts per cluster and per document."""
    from coding.project import open_project, project_dictionary
    from coding.status import project_status

    with open_project(project) as store:
        clusters, documents = project_status(store, project_dictionary(project))
    print_table(clusters, "Clusters")
    print_table(documents, "Documents (surveys: one row each)")


@export_app.command("units")
@handle_errors
def export_units_command(
    out_file: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    project: ProjectOpt = Path("."),
    anonymize: Annotated[
        bool, typer.Option(help="Pseudonyms for people and organisations, as in reports.")
    ] = False,
) -> None:
    """Write every unit as CSV (UTF-8 with BOM, opens in Excel)."""
    from coding.export import export_units
    from coding.project import open_project

    with open_project(project) as store:
        rows = export_units(store, out_file, anonymize=anonymize)
    out.print(f"Wrote {rows} units to {out_file}")


@codebook_app.command("check")
@handle_errors
def codebook_check(codebook: CodebookOpt = None) -> None:
    """Self-test: every example must get its code, no counter-example may."""
    from coding.codebook import load_codebook
    from coding.evaluate import self_test

    book = load_codebook(codebook)
    print_warnings(book.warnings)
    failures = self_test(book)
    examples = sum(len(c.examples) + len(c.counter_examples) for c in book.codes.values())
    if len(failures):
        print_frame(failures, f"{len(failures)} of {examples} examples fail")
        raise typer.Exit(1)
    out.print(
        f"{book.name} {book.version} ({book.coder}): {len(book.codes)} codes, "
        f"all {examples} examples and counter-examples pass."
    )


@codebook_app.command("export")
@handle_errors
def codebook_export_command(
    out_file: Annotated[Path, typer.Option("--out", help="File to write.")],
    fmt: Annotated[
        CodebookFormat,
        typer.Option(
            "--format", help="md (methods appendix), xlsx, or qdc (REFI-QDA, for other programs)."
        ),
    ] = CodebookFormat.md,
    codebook: CodebookOpt = None,
) -> None:
    """Write the codebook as Markdown, xlsx (for assistants) or REFI-QDA .qdc."""
    from coding.codebook import load_codebook
    from coding.codebook_export import export_codebook

    export_codebook(load_codebook(codebook), fmt.value, out_file)
    out.print(f"Wrote {out_file}")


CoderOpt = Annotated[
    CoderChoice,
    typer.Option(
        help="hybrid: the rules plus the model shipped for this codebook (the default); "
        "rules: the rules alone."
    ),
]


@app.command("code")
@handle_errors
def code_command(
    project: ProjectOpt = Path("."),
    codebook: CodebookOpt = None,
    coder: CoderOpt = CoderChoice.hybrid,
) -> None:
    """Code every unit not yet coded with this codebook version (incremental)."""
    from coding.common.parallel import single_threaded_blas

    single_threaded_blas()  # before NumPy loads with the model
    from coding.autocode import code_project
    from coding.codebook import load_codebook
    from coding.project import open_project, project_codebook
    from coding.status import code_frequencies

    book = load_codebook(project_codebook(project, codebook))
    print_warnings(book.warnings)
    with open_project(project) as store, progress_bar() as update:
        report = code_project(
            store, book, progress=lambda d, t: update("code", d, t), coder=coder.value
        )
        frequencies = code_frequencies(store, report.coder) if report.units else None
    print_warnings([report.note] if report.note else [])
    if not report.units:
        out.print(f"Coded 0 units with {report.coder}: nothing to code ({report.seconds:.1f} s).")
        return
    out.print(
        f"Coded {report.units} units with {report.coder}: {report.codings} codings "
        f"in {report.seconds:.1f} s."
    )
    if report.reused_from:
        out.print(
            f"Recoded {report.recoded} units for {report.changed_rules} changed "
            f"rule{'' if report.changed_rules == 1 else 's'}; the "
            f"other {report.units - report.recoded} kept the codings of {report.reused_from}."
        )
    if frequencies is not None:
        print_table(frequencies, "Interviewee units per code and cluster")


@app.command("code-table")
@handle_errors
def code_table_command(
    input_file: Annotated[Path, typer.Argument(help="CSV or xlsx table of texts.")],
    text_col: Annotated[str, typer.Option(help="Column holding the text.")],
    id_col: Annotated[str, typer.Option(help="Column holding the row id.")],
    out_file: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    codebook: CodebookOpt = None,
    sheet: Annotated[str | None, typer.Option(help="Sheet of an xlsx file.")] = None,
    encoding: Annotated[str | None, typer.Option(help="Encoding of a CSV file.")] = None,
    role_col: Annotated[
        str | None, typer.Option(help="Column with the speaker's actor code (ACT.*), if any.")
    ] = None,
    question_col: Annotated[
        str | None, typer.Option(help="Column with the interviewer's question, if any.")
    ] = None,
    coder: CoderOpt = CoderChoice.hybrid,
) -> None:
    """Code any table of texts without a project; one output row per (id, code)."""
    from coding.autocode import code_table
    from coding.codebook import load_codebook
    from coding.common.csvfile import write_csv

    book = load_codebook(codebook)
    table = code_table(
        input_file,
        text_col,
        id_col,
        book,
        sheet=sheet,
        encoding=encoding,
        role_col=role_col,
        coder=coder.value,
        question_col=question_col,
    )
    write_csv(table, out_file)
    out.print(f"Wrote {len(table)} codings of {table['id'].nunique()} texts to {out_file}")


@app.command()
@handle_errors
def evaluate(
    gold: Annotated[
        Path,
        typer.Argument(help="CSV or xlsx with columns id, text, codes (and role, question)."),
    ],
    codebook: CodebookOpt = None,
    validation: Annotated[
        Path | None,
        typer.Option(
            help="Record the coder's agreement with this gold (alpha per dimension) in this CSV "
            "(codebooks/validation.csv is what reports read)."
        ),
    ] = None,
    coder: CoderOpt = CoderChoice.hybrid,
) -> None:
    """Compare the machine coder with hand coding: precision, recall, F1 and alpha."""
    from coding.codebook import load_codebook
    from coding.evaluate import evaluate_gold, read_gold, save_validation

    book = load_codebook(codebook)
    result = evaluate_gold(book, read_gold(gold, book), coder.value)
    out.print(f"Coder: {result.coder}")
    print_frame(rounded(result.per_code), f"Per code ({result.units} units)")
    print_frame(rounded(result.per_dimension), "Per dimension (micro and macro)")
    print_frame(rounded(result.agreement), "Agreement with the gold (Krippendorff's alpha)")
    print_frame(result.confusions.head(15), "Confusions worth a look (gold -> coded)")
    if validation:
        save_validation(result, book, gold, validation)
        out.print(f"Recorded {result.coder}'s agreement with {gold.name} in {validation}")


def _split(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


@sheets_app.command("export")
@handle_errors
def sheets_export(
    coder: Annotated[str, typer.Option(help="The research assistant's name or id.")],
    out_file: Annotated[Path, typer.Option("--out", help="Workbook to write (.xlsx).")],
    project: ProjectOpt = Path("."),
    codebook: CodebookOpt = None,
    cluster: Annotated[str | None, typer.Option(help="Only this cluster's units.")] = None,
    dimensions: Annotated[
        str | None, typer.Option(help="Only these dimensions, e.g. CA,ACT.")
    ] = None,
    units: Annotated[
        Path | None, typer.Option(help="Only the unit ids in this file (.txt or CSV unit_id).")
    ] = None,
    blind: Annotated[bool, typer.Option(help="Hide the auto-coder's suggestions.")] = False,
    order: Annotated[
        SheetOrder,
        typer.Option(help="uncertainty: what the trained model is least sure of first."),
    ] = SheetOrder.document,
) -> None:
    """Write a coding workbook (instructions, codebook, coding sheet) for one assistant."""
    from coding.codebook import load_codebook
    from coding.project import open_project, project_codebook
    from coding.sheets import export_coding_sheet

    book = load_codebook(project_codebook(project, codebook))
    with open_project(project) as store:
        result = export_coding_sheet(
            store,
            book,
            coder,
            out_file,
            cluster=cluster,
            dimensions=_split(dimensions),
            units_file=units,
            blind=blind,
            order=_unit_order(store, book, order),
        )
    out.print(f"Wrote {result.units} units x {result.codes} codes for {coder} to {result.path}")


def _unit_order(store, book, order: SheetOrder):
    if order is SheetOrder.document:
        return None
    from coding.suggest import uncertainty_order  # scikit-learn only when asked for

    return uncertainty_order(store, book)


@sheets_app.command("import")
@handle_errors
def sheets_import(
    files: Annotated[list[Path], typer.Argument(help="Filled coding workbooks.")],
    project: ProjectOpt = Path("."),
    codebook: CodebookOpt = None,
    coder: Annotated[
        str | None, typer.Option(help="Store as this coder (default: the one in the workbook).")
    ] = None,
) -> None:
    """Validate filled workbooks, then store their codings (all or nothing)."""
    from coding.codebook import load_codebook
    from coding.project import open_project, project_codebook
    from coding.sheets import import_coding_sheets

    book = load_codebook(project_codebook(project, codebook))
    with open_project(project) as store:
        report = import_coding_sheets(store, book, files, coder=coder)
    out.print(
        f"Imported {report.files} workbook(s) for {', '.join(report.coders)}: "
        f"{report.units_done} units coded, {report.codings} codings."
    )


@sheets_app.command("adjudicate")
@handle_errors
def sheets_adjudicate(
    coders: Annotated[str, typer.Option(help="The two coders to settle, e.g. li,wang.")],
    out_file: Annotated[Path, typer.Option("--out", help="Workbook to write (.xlsx).")],
    project: ProjectOpt = Path("."),
    codebook: CodebookOpt = None,
) -> None:
    """Export only the disagreements of two coders; importing it creates 'consensus'."""
    from coding.codebook import load_codebook
    from coding.project import open_project, project_codebook
    from coding.sheets import export_adjudication

    book = load_codebook(project_codebook(project, codebook))
    with open_project(project) as store:
        result = export_adjudication(store, book, _split(coders) or [], out_file)
    out.print(f"Wrote {result.units} disagreements to {result.path}")


@agree_app.callback()
@handle_errors
def agree(
    ctx: typer.Context,
    project: ProjectOpt = Path("."),
    codebook: CodebookOpt = None,
    coders: Annotated[
        str | None, typer.Option(help="Coders to compare (default: all), e.g. li,wang.")
    ] = None,
    dimensions: Annotated[str | None, typer.Option(help="Only these dimensions.")] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the tables to .xlsx or .csv.")
    ] = None,
    bootstrap: Annotated[int, typer.Option(help="Bootstrap samples for alpha's CI.")] = 500,
) -> None:
    """Agreement per code and per dimension between the project's coders."""
    if ctx.invoked_subcommand is not None:
        return
    from coding.agree import project_agreement
    from coding.codebook import load_codebook
    from coding.export import write_tables
    from coding.project import open_project, project_codebook

    if ctx.invoked_subcommand is not None:
        return
    book = load_codebook(project_codebook(project, codebook))
    with open_project(project) as store:
        per_code, per_dimension, disagreements = project_agreement(
            store, book, _split(coders), _split(dimensions), bootstrap=bootstrap
        )
    print_frame(rounded(per_code), "Agreement per code (presence, unit = turn)")
    print_frame(rounded(per_dimension), "Per dimension (pooled)")
    out.print(f"{len(disagreements)} disagreeing (unit, code) pairs.")
    if out_file:
        tables = {
            "per_code": per_code,
            "per_dimension": per_dimension,
            "disagreements": disagreements,
        }
        for path in write_tables(tables, out_file):
            out.print(f"Wrote {path}")


@agree_app.command("values")
@handle_errors
def agree_values(
    input_file: Annotated[Path, typer.Argument(help="CSV/xlsx with columns unit, coder, value.")],
    level: Annotated[Level, typer.Option(help="Level of measurement.")] = Level.nominal,
    out_file: Annotated[Path | None, typer.Option("--out", help="CSV to write.")] = None,
) -> None:
    """Reliability of any long table of judgements (Krippendorff's alpha and more)."""
    from coding.agree import read_values, values_reliability
    from coding.common.csvfile import write_csv

    table = values_reliability(read_values(input_file), level.value)
    print_frame(rounded(table, 4), f"Reliability ({level.value})")
    if out_file:
        write_csv(table, out_file)
        out.print(f"Wrote {out_file}")


@model_app.command("train")
@handle_errors
def model_train(
    project: ProjectOpt = Path("."),
    codebook: CodebookOpt = None,
    sources: Annotated[
        str, typer.Option("--from", help="Whose codings to learn from, first found wins.")
    ] = "consensus,human",
    folds: Annotated[int, typer.Option(help="Cross-validation folds.")] = 5,
    curve: Annotated[
        bool, typer.Option("--curve", help="Also train on half the units, test on the rest.")
    ] = False,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the tables to .xlsx or .csv.")
    ] = None,
) -> None:
    """Learn codes from the project's human codings; score it beside the rules."""
    from coding.codebook import load_codebook
    from coding.export import write_tables
    from coding.project import open_project, project_codebook
    from coding.suggest import MIN_EXAMPLES, train_and_report

    book = load_codebook(project_codebook(project, codebook))
    with open_project(project) as store:
        training = train_and_report(
            store, book, _split(sources) or ["consensus", "human"], folds, curve
        )
    result, tables = training.result, training.tables
    print_frame(rounded(tables["per_code"]), "Per code (F1 in cross-validation)")
    print_frame(
        rounded(result.per_dimension), f"{folds}-fold cross-validation on {result.units} units"
    )
    if curve:
        print_frame(rounded(tables["curve"]), "Learning curve: F1 on the held-out half")
        print_frame(rounded(tables["held_out"]), "Held-out half, largest training size")
    if out_file:
        for path in write_tables(tables, out_file):
            out.print(f"Wrote {path}")
    out.print(
        f"Learned {len(result.learned)} codes with at least {MIN_EXAMPLES} examples from "
        f"{result.coder}; saved as model@{result.version}."
    )


@model_app.command("suggest")
@handle_errors
def model_suggest(project: ProjectOpt = Path("."), codebook: CodebookOpt = None) -> None:
    """Store the trained model's suggestions, with probabilities, for every interviewee turn."""
    from coding.codebook import load_codebook
    from coding.project import open_project, project_codebook
    from coding.suggest import suggest

    book = load_codebook(project_codebook(project, codebook))
    with open_project(project) as store:
        result = suggest(store, book)
    out.print(f"{result.coder}: {result.codings} suggestions for {result.units} units.")
    if result.hybrid:
        out.print(f"{result.hybrid}: rules plus the model, {result.hybrid_codings} codings.")
    else:
        out.print(f"No hybrid coder stored: {result.why_no_hybrid}.")


@survey_app.command("check")
@handle_errors
def survey_check(
    data: Annotated[Path, typer.Argument(help="Survey data: CSV (UTF-8, BOM, GBK) or xlsx.")],
    schema: SchemaOpt,
    encoding: Annotated[str | None, typer.Option(help="Encoding of a CSV file.")] = None,
) -> None:
    """List every problem of a survey file; exit 1 if there is any."""
    from coding.survey.check import check_survey
    from coding.survey.schema import load_schema

    checked = check_survey(data, load_schema(schema), encoding=encoding)
    for problem in checked.problems:
        out.print(problem, highlight=False, soft_wrap=True)
    if checked.problems_not_kept:
        out.print(f"... and {checked.problems_not_kept} more problems", highlight=False)
    if checked.problem_count:
        err.print(
            f"[bold red]Error:[/] {escape(printable(str(data)))}: {checked.problem_count} problems",
            markup=True,
            highlight=False,
        )
        raise typer.Exit(1)
    out.print(f"{data}: {checked.rows} respondents, no problems.")


@survey_app.command("ingest")
@handle_errors
def survey_ingest(
    data: Annotated[Path, typer.Argument(help="Survey data: CSV or xlsx.")],
    schema: SchemaOpt,
    project: ProjectOpt = Path("."),
    skip_invalid: Annotated[
        bool, typer.Option(help="Store the valid rows and report the rows left out.")
    ] = False,
    encoding: Annotated[str | None, typer.Option(help="Encoding of a CSV file.")] = None,
) -> None:
    """Store respondents, answers and open answers (as units to code)."""
    from coding.project import open_project
    from coding.survey.check import check_survey
    from coding.survey.ingest import ingest_survey
    from coding.survey.schema import load_schema

    checked = check_survey(data, load_schema(schema), encoding=encoding)
    with open_project(project) as store:
        report = ingest_survey(store, checked, skip_invalid=skip_invalid)
    if report.skipped:
        print_warnings(
            [f"skipped {report.skipped_count} invalid rows: " + ", ".join(report.skipped[:20])]
        )
    out.print(
        f"Survey {report.survey}: {report.respondents} respondents, {report.answers} answers, "
        f"{report.open_answers} open answers stored as units (run 'clusterqda code')."
    )


@survey_app.command("reliability")
@handle_errors
def survey_reliability(
    data: Annotated[Path, typer.Argument(help="Survey data: CSV or xlsx.")],
    schema: SchemaOpt,
    out_file: Annotated[Path | None, typer.Option("--out", help="Write .csv or .xlsx.")] = None,
    encoding: Annotated[str | None, typer.Option(help="Encoding of a CSV file.")] = None,
) -> None:
    """Cronbach's alpha per construct, with alpha if item deleted and item-total r."""
    from coding.errors import SurveyCheckError
    from coding.export import write_tables
    from coding.survey.check import read_survey
    from coding.survey.reliability import reliability
    from coding.survey.schema import load_schema

    checked = read_survey(data, load_schema(schema), encoding=encoding)
    if checked.problems:
        raise SurveyCheckError(str(data), checked.problems, count=checked.problem_count)
    table, items = reliability(checked.scored(), checked.schema)
    print_frame(rounded(table), "Cronbach's alpha (complete cases, reverse items turned)")
    print_frame(rounded(items), "Items")
    if out_file:
        for path in write_tables({"reliability": table, "items": items}, out_file):
            out.print(f"Wrote {path}")


@app.command()
@handle_errors
def beliefs(
    project: ProjectOpt = Path("."),
    codebook: CodebookOpt = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Workbook to write (default reports/beliefs.xlsx).")
    ] = None,
) -> None:
    """Attitude and belief table per respondent, group tests and belief types (观念数据)."""
    from coding.beliefs import analyse as analyse_beliefs
    from coding.beliefs import significant_findings, write_beliefs
    from coding.codebook import load_codebook
    from coding.findings import family_counts
    from coding.project import open_project, project_codebook

    book = load_codebook(project_codebook(project, codebook))
    with open_project(project) as store:
        result = analyse_beliefs(store, book)
    target = out_file or Path(project) / "reports" / "beliefs.xlsx"
    write_beliefs(result, target)
    out.print(f"{len(result.table)} respondents; wrote {target}")
    print_frame(family_counts(result.tests), "Tests per family (Holm-adjusted within each scope)")
    for finding in significant_findings(result):
        out.print(f"- {finding}", highlight=False, soft_wrap=True)
    if not result.types.empty:
        print_frame(
            rounded(result.types[["scope", "belief_type", "description", "n", "silhouette"]]),
            "Belief types (k-means on standardised construct scores, k by silhouette)",
        )


def _report_formats(value: str) -> str:
    try:
        report_formats(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    return value


@app.command()
@handle_errors
def report(
    project: ProjectOpt = Path("."),
    codebook: CodebookOpt = None,
    cluster: Annotated[str | None, typer.Option(help="Only this cluster (default: all).")] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="Comma-separated, any of: html, md, xlsx, docx.",
            callback=_report_formats,
        ),
    ] = "html,md,xlsx,docx",
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder (default: the project's reports/).")
    ] = None,
    anonymize: Annotated[
        bool, typer.Option(help="Pseudonyms for people and organisations (key kept private).")
    ] = False,
    lang: Annotated[Lang, typer.Option(help="Language of the reports.")] = Lang.zh,
    all_clusters: Annotated[
        bool, typer.Option("--all", help="Every cluster (the default without --cluster).")
    ] = False,
    include_unreliable: Annotated[
        bool,
        typer.Option(
            help="Show the codes of dimensions whose agreement with people is below alpha 0.5 "
            "(marked unreliable) instead of leaving them out."
        ),
    ] = False,
) -> None:
    """Write a Chinese case-study report per cluster and a comparison (HTML, Word, Excel, MD)."""
    from coding.codebook import load_codebook
    from coding.project import open_project, project_codebook
    from coding.report.build import write_reports

    book = load_codebook(project_codebook(project, codebook))
    with open_project(project) as store:
        paths = write_reports(
            store,
            book,
            out_dir or Path(project) / "reports",
            [cluster] if cluster and not all_clusters else None,
            _split(fmt),  # checked by _report_formats
            anonymize=anonymize,
            lang=lang.value,
            include_unreliable=include_unreliable,
        )
    for path in paths:
        out.print(f"Wrote {path}")


# --- episodes: collective-action episodes proposed, reviewed in Excel, exported ---
episodes_app = _group(
    help="Collective-action episodes: propose, review in Excel, export.", no_args_is_help=True
)
app.add_typer(episodes_app, name="episodes")


@episodes_app.command("propose")
@handle_errors
def episodes_propose(
    out_file: Annotated[Path, typer.Option("--out", help="Review workbook to write (.xlsx).")],
    reviewer: Annotated[str, typer.Option(help="The person who will review the episodes.")],
    project: ProjectOpt = Path("."),
    codebook: CodebookOpt = None,
    cluster: Annotated[str | None, typer.Option(help="Only this cluster's episodes.")] = None,
) -> None:
    """Propose each cluster's episodes and write them to a workbook for review."""
    from coding.codebook import load_codebook
    from coding.episodes import export_episode_sheet
    from coding.project import open_project, project_codebook

    book = load_codebook(project_codebook(project, codebook))
    with open_project(project) as store:
        result = export_episode_sheet(store, book, reviewer, out_file, cluster)
    out.print(
        f"Wrote {result.episodes} proposed episodes with {result.units} evidence units "
        f"for {reviewer} to {result.path}"
    )


@episodes_app.command("import")
@handle_errors
def episodes_import(
    file: Annotated[Path, typer.Argument(help="The reviewed episode workbook.")],
    project: ProjectOpt = Path("."),
) -> None:
    """Validate a reviewed episode workbook, then store its episodes (all or nothing)."""
    from coding.episodes import import_episode_sheet
    from coding.project import open_project

    with open_project(project) as store:
        review = import_episode_sheet(store, file)
    out.print(
        f"Stored {review.kept} episodes reviewed by {review.reviewer} "
        f"({review.merged} merged, {review.dropped} dropped, {review.units} evidence units) "
        f"for {', '.join(review.clusters)}."
    )


@episodes_app.command("export")
@handle_errors
def episodes_export(
    out_file: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    project: ProjectOpt = Path("."),
    codebook: CodebookOpt = None,
    cluster: Annotated[str | None, typer.Option(help="Only this cluster's episodes.")] = None,
) -> None:
    """Write one row per episode: reviewed ones where a cluster has them, else proposals."""
    from coding.codebook import load_codebook
    from coding.episodes import export_episodes
    from coding.project import open_project, project_codebook

    book = load_codebook(project_codebook(project, codebook))
    with open_project(project) as store:
        result = export_episodes(store, book, out_file, cluster)
    for name, source in result.sources.items():
        out.print(f"{name}: {source} episodes")
    out.print(f"Wrote {result.rows} episodes to {result.path}")


# --- end of episodes ---


@app.command()
@handle_errors
def demo(
    project: Annotated[
        Path | None, typer.Option("--project", "-p", help="Where to build the demo project.")
    ] = None,
) -> None:
    """Build a project from the bundled sample corpora, code it and print what it found."""
    from coding.beliefs import significant_findings
    from coding.demo import DEMO_ASSISTANT, SECOND_ASSISTANT, run_demo

    root = project or Path(tempfile.mkdtemp(prefix="clusterqda-demo-"))
    with progress_bar() as update:
        result = run_demo(root, progress=update)
    print_warnings(result.ingest.warnings)
    out.print(f"Demo project: {result.project}")
    out.print(
        f"Ingested {len(result.ingest.added)} transcripts, {result.ingest.units} units; "
        f"segmented {result.ingest.segmented + result.segment.units} units "
        f"with {result.segment.engine or result.ingest.engine}."
    )
    out.print(
        f"Survey {result.survey.survey}: {result.survey.respondents} respondents, "
        f"{result.survey.open_answers} open answers stored as units."
    )
    out.print(
        f"Coded {result.code.units} units with {result.code.coder}: {result.code.codings} codings."
    )
    print_frame(result.clusters, "Clusters")
    print_frame(result.frequencies, "Interviewee units per code and cluster")
    out.print(
        f"Coding sheet for {DEMO_ASSISTANT}: {result.sheet.path} "
        f"({result.sheet.units} units x {result.sheet.codes} codes)."
    )
    out.print(
        f"Imported {DEMO_ASSISTANT}'s filled workbook: {result.imported.units_done} units, "
        f"{result.imported.codings} codings."
    )
    print_frame(
        rounded(result.agreement),
        f"Agreement of the rules with {DEMO_ASSISTANT} (Krippendorff's alpha, unit = turn;"
        " not the default coder's: its model learned from these turns)",
    )
    out.print(
        f"{SECOND_ASSISTANT} recoded {result.second.units_done} of those turns blind (a simulated "
        f"second coder); a senior settled their disagreements: {result.settled.codings} "
        "consensus codings."
    )
    print_frame(
        rounded(result.people_agreement),
        f"Agreement of {DEMO_ASSISTANT} with {SECOND_ASSISTANT} (Krippendorff's alpha)",
    )
    model = result.model
    out.print(
        f"Learned {len(model.learned)} codes from {model.units} units coded by {model.coder} "
        f"(model@{model.version})."
    )
    print_frame(
        rounded(result.curve[result.curve["coder"] != "rules"].drop(columns="test_units")),
        f"Learning curve: micro F1 on {int(result.curve['test_units'].iloc[0])} held-out units"
        f" (rules alone: {result.curve.loc[result.curve['coder'] == 'rules', 'f1'].iloc[0]:.3f})",
    )
    out.print(f"Attitude and belief data: {result.beliefs_path}")
    if result.episode_sheet is not None:
        review = result.episode_review
        out.print(
            f"Proposed {result.episode_sheet.episodes} episodes ({result.episode_sheet.path})"
            + (
                f"; {review.reviewer} kept {review.kept}, merged {review.merged}, "
                f"dropped {review.dropped}"
                if review
                else ""
            )
        )
    for path in result.reports:
        out.print(f"Report: {path}", soft_wrap=True)  # a path is never broken over lines
    for path in result.exchange:
        out.print(f"For NVivo, ATLAS.ti, MAXQDA, QualCoder (REFI-QDA): {path}", soft_wrap=True)
    for finding in significant_findings(result.beliefs):
        out.print(f"- {finding}", highlight=False, soft_wrap=True)


# ---- Exchange with other QDA programs (REFI-QDA) ----


@export_app.command("qdpx")
@handle_errors
def export_qdpx_command(
    out_file: Annotated[Path, typer.Option("--out", help="The .qdpx file to write.")],
    project: ProjectOpt = Path("."),
    codebook: CodebookOpt = None,
) -> None:
    """Write the whole project as REFI-QDA (.qdpx) for NVivo, ATLAS.ti, MAXQDA, QualCoder."""
    from coding.codebook import load_codebook
    from coding.exchange import export_qdpx
    from coding.project import open_project, project_codebook

    with open_project(project) as store:
        done = export_qdpx(store, load_codebook(project_codebook(project, codebook)), out_file)
    out.print(
        f"Wrote {out_file}: {done.sources} sources, {done.selections} coded selections, "
        f"{done.codes} codes, {done.users} users, {done.cases} cases, {done.variables} variables."
    )


@export_app.command("codings")
@handle_errors
def export_codings_command(
    out_file: Annotated[Path, typer.Option("--out", help="CSV or .xlsx file to write.")],
    project: ProjectOpt = Path("."),
) -> None:
    """Write every coding (coder, code, stance, span, evidence) as CSV or xlsx."""
    from coding.exchange import export_codings
    from coding.project import open_project

    with open_project(project) as store:
        rows = export_codings(store, out_file)
    out.print(f"Wrote {rows} codings to {out_file}")


@codebook_app.command("import")
@handle_errors
def codebook_import_command(
    qdc_file: Annotated[Path, typer.Argument(help="A REFI-QDA codebook (.qdc).")],
    out_file: Annotated[Path, typer.Option("--out", help="Codebook YAML to write.")],
) -> None:
    """Write a codebook YAML from another program's .qdc (codes and tree; rules to write)."""
    from coding.exchange import import_qdc

    written, tree = import_qdc(qdc_file, out_file)
    out.print(f"Wrote {written}: {len(tree.by_guid)} codes; write a rule for each before coding.")


@import_app.command("qdpx")
@handle_errors
def import_qdpx_command(
    qdpx_file: Annotated[Path, typer.Argument(help="A .qdpx project (or a bare project.qde).")],
    project: ProjectOpt = Path("."),
    codebook: CodebookOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only report what would be imported.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report as one JSON object.")
    ] = False,
) -> None:
    """Import sources, codes, users and codings from NVivo, ATLAS.ti, MAXQDA or QualCoder."""
    import json

    from coding.codebook import load_codebook
    from coding.exchange import import_qdpx
    from coding.exchange.project_import import summary_lines
    from coding.project import open_project, project_codebook

    with open_project(project) as store:
        book = load_codebook(project_codebook(project, codebook))
        summary = import_qdpx(store, book, qdpx_file, dry_run=dry_run, root=project)
    print_warnings(summary.warnings)
    if as_json:
        out.print(json.dumps(summary.as_json(), ensure_ascii=False), soft_wrap=True)
    else:
        for line in summary_lines(summary):
            out.print(line, soft_wrap=True)


# --- Asking the corpus: search, retrieve, words, matrix (coding/query/) ---

ClusterOpt = Annotated[
    list[str] | None, typer.Option("--cluster", help="Only this cluster (repeat for more).")
]
RoleOpt = Annotated[
    list[str] | None,
    typer.Option("--role", help="Only documents of this actor role, e.g. ACT.GOV (repeatable)."),
]
DocOpt = Annotated[list[str] | None, typer.Option("--doc", help="Only this document (repeatable).")]
SourceOpt = Annotated[Source, typer.Option(help="Interview turns, survey open answers, or all.")]
QueryOutOpt = Annotated[
    Path | None, typer.Option("--out", help="Also write the result: .csv, .xlsx or .html.")
]
LimitOpt = Annotated[int, typer.Option(help="Rows shown on the terminal (files get all).")]


def _filter(cluster, role, doc, speaker: Speaker, source: Source):
    from coding.query.filters import unit_filter

    return unit_filter(cluster, role, doc, speaker.value, source.value)


def print_query_rows(
    columns: list[str],
    rows: list,
    total: int,
    numeric: list[bool],
    title: str,
    right: tuple[str, ...] = (),
) -> None:
    """Print query rows (the first of ``total``) without pandas; ``right`` right-aligned."""

    def shown(value) -> str:
        if isinstance(value, float):
            # small p-values keep their size instead of rounding to 0
            if 0 < abs(value) < 1e-3:
                return f"{value:.1e}"
            return f"{value:.3f}".rstrip("0").rstrip(".")
        return "" if value is None else str(value)

    print_rows(columns, [[shown(v) for v in row] for row in rows], numeric, title, right)
    if total > len(rows):
        out.print(f"… {total - len(rows)} more rows (--limit, or --out FILE for all).")


@app.command()
@handle_errors
def search(
    pattern: Annotated[str, typer.Argument(help="Word or phrase (Traditional or Simplified).")],
    project: ProjectOpt = Path("."),
    word: Annotated[
        bool, typer.Option("--word", help="Whole jieba tokens only (会长 then misses 副会长).")
    ] = False,
    sort: Annotated[
        ConcordanceOrder, typer.Option(help="Order: by left context, right context, or document.")
    ] = ConcordanceOrder.doc,
    width: Annotated[int, typer.Option(help="Characters of context on each side.")] = 20,
    cluster: ClusterOpt = None,
    role: RoleOpt = None,
    doc: DocOpt = None,
    speaker: Annotated[Speaker, typer.Option(help="Whose turns to search.")] = Speaker.all,
    source: SourceOpt = Source.all,
    out_file: QueryOutOpt = None,
    limit: LimitOpt = 50,
) -> None:
    """Keyword in context: every occurrence of a word, with its context (concordance)."""
    from coding.project import open_project
    from coding.query.search import concordance_hits

    flt = _filter(cluster, role, doc, speaker, source)
    with open_project(project) as store:
        hits = concordance_hits(store, pattern, flt, word=word, order=sort.value, width=width)
    # without pandas: a search answers in a fraction of a second, start-up included
    columns = ["unit_id", "speaker", "role", "cluster", "left", "hit", "right"]
    shown = [[getattr(h, c) for c in columns] for h in hits[:limit]]
    title = f"{len(hits)} hits in {len({h.unit_id for h in hits})} units"
    print_query_rows(columns, shown, len(hits), [False] * len(columns), title, ("left",))
    if out_file:
        from coding.query.output import write_concordance

        for path in write_concordance(hits, out_file, pattern):
            out.print(f"Wrote {path}")


@app.command()
@handle_errors
def retrieve(
    codes: Annotated[list[str], typer.Argument(help="Codes (a code includes its children).")],
    project: ProjectOpt = Path("."),
    coder: Annotated[
        str | None, typer.Option(help="Only this coder (default: each unit's most trusted).")
    ] = None,
    stance: Annotated[
        str | None, typer.Option(help="Only this stance: positive, negative, neutral, mixed.")
    ] = None,
    all_of: Annotated[
        bool, typer.Option("--all-of", help="Only units that have every code given.")
    ] = False,
    cluster: ClusterOpt = None,
    role: RoleOpt = None,
    doc: DocOpt = None,
    speaker: Annotated[Speaker, typer.Option(help="Whose turns to read.")] = Speaker.all,
    source: SourceOpt = Source.all,
    out_file: QueryOutOpt = None,
    limit: LimitOpt = 50,
) -> None:
    """The coded segments of some codes, evidence marked 【like this】, grouped by code."""
    from coding.project import open_project
    from coding.query.retrieve import MARKED_COLUMNS, marked_rows, retrieve_rows

    flt = _filter(cluster, role, doc, speaker, source)
    with open_project(project) as store:
        rows = retrieve_rows(store, codes, flt, coder=coder, stance=stance, all_of=all_of)
    # without pandas (its import is a quarter of the command): rows as retrieve_rows gives them
    shown = marked_rows(rows[:limit])
    numeric = [False] * len(MARKED_COLUMNS)
    print_query_rows(MARKED_COLUMNS, shown, len(rows), numeric, f"{len(rows)} coded segments")
    if out_file:
        from coding.query.output import write_segments
        from coding.query.retrieve import segment_frame

        for path in write_segments(segment_frame(rows), out_file):
            out.print(f"Wrote {path}")


@app.command()
@handle_errors
def words(
    project: ProjectOpt = Path("."),
    by: Annotated[
        WordGroup | None, typer.Option(help="Keywords of each cluster, role or code vs the rest.")
    ] = None,
    pos: Annotated[
        str | None, typer.Option(help="Only these jieba tags, comma-separated (n keeps nr, ns …).")
    ] = None,
    top: Annotated[int, typer.Option(help="Words per group.")] = 20,
    coder: Annotated[
        str | None, typer.Option(help="With --by code: this coder's codes (default: trusted).")
    ] = None,
    cluster: ClusterOpt = None,
    role: RoleOpt = None,
    doc: DocOpt = None,
    speaker: Annotated[Speaker, typer.Option(help="Whose turns to count.")] = Speaker.interviewee,
    source: SourceOpt = Source.all,
    out_file: QueryOutOpt = None,
    limit: LimitOpt = 100,
) -> None:
    """Word frequencies (stop words removed) and keyness: log-likelihood G² and log ratio."""
    from coding.project import open_project
    from coding.query.words import WORD_COLUMNS, word_frame, word_rows

    flt = _filter(cluster, role, doc, speaker, source)
    with open_project(project) as store:
        rows = word_rows(
            store, flt, by=by.value if by else None, pos=_split(pos) or [], top=top, coder=coder
        )
    title = f"Keywords by {by.value} (G², log ratio)" if by else "Most frequent words"
    # without pandas (its import is half a second): rows as word_rows gives them
    numeric = [
        c not in ("group", "word", "pos") and (c != "rest_count" or by is not None)
        for c in WORD_COLUMNS
    ]
    print_query_rows(WORD_COLUMNS, rows[:limit], len(rows), numeric, title)
    if out_file:
        from coding.query.output import write_words

        for path in write_words(word_frame(rows), out_file):
            out.print(f"Wrote {path}")


@app.command()
@handle_errors
def matrix(
    project: ProjectOpt = Path("."),
    by: Annotated[
        str, typer.Option(help="Group: role, cluster, or any document or respondent attribute.")
    ] = "role",
    code: Annotated[
        list[str] | None, typer.Option("--code", help="Only this code and its children (repeat).")
    ] = None,
    coder: Annotated[
        str | None, typer.Option(help="Only this coder (default: each unit's most trusted).")
    ] = None,
    adjust: Annotated[
        str, typer.Option(help="Multiple-testing correction: holm or fdr_bh.")
    ] = "holm",
    map_file: Annotated[
        Path | None,
        typer.Option("--map", help="Write the correspondence-analysis map (.png or .svg)."),
    ] = None,
    cluster: ClusterOpt = None,
    role: RoleOpt = None,
    doc: DocOpt = None,
    speaker: Annotated[Speaker, typer.Option(help="Whose turns to count.")] = Speaker.interviewee,
    source: SourceOpt = Source.all,
    out_file: QueryOutOpt = None,
    limit: LimitOpt = 30,
) -> None:
    """Code co-occurrence (counts, Jaccard) and codes by group: χ²/Fisher, V, residuals, CA map."""
    from coding.project import open_project
    from coding.query.ask import ask_matrix

    flt = _filter(cluster, role, doc, speaker, source)
    with open_project(project) as store:
        result = ask_matrix(
            store,
            flt,
            by=by,
            coder=coder,
            codes=code,
            adjustment=adjust,
            out=out_file,
            map_file=map_file,
        )
    from coding.query.matrix import COOCCURRENCE_COLUMNS, TEST_COLUMNS, TEXT_COLUMNS

    # without pandas (its import is a third of the command): the rows as the tables hold them
    title = f"Codes by {by} in {result.matrix.units} units (p adjusted: {adjust})"
    for columns, rows, heading in (
        (TEST_COLUMNS, result.matrix.tests_by_p(), title),
        (COOCCURRENCE_COLUMNS, result.matrix.cooccurrence_rows, "Codes in the same unit"),
    ):
        numeric = [bool(rows) and c not in TEXT_COLUMNS for c in columns]
        print_query_rows(columns, rows[:limit], len(rows), numeric, heading)
    for path in result.written:
        out.print(f"Wrote {path}")


def version_callback(value: bool) -> None:
    """Print the version and exit."""
    if value:
        out.print(f"clusterqda {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=version_callback, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Qualitative coding of Chinese fieldwork interviews on industrial clusters."""


def asked_app(args: list[str]) -> typer.Typer:
    """Return the app with only the command or group the arguments name, when they name
    one (building every command's options took 18 ms of each run; one takes 1 ms)."""
    import copy

    from typer.main import get_command_name

    if not args or args[0].startswith("-"):
        return app
    commands = [
        c
        for c in app.registered_commands
        if c.callback is not None and (c.name or get_command_name(c.callback.__name__)) == args[0]
    ]
    groups = [g for g in app.registered_groups if g.name == args[0]]
    if not commands and not groups:
        return app  # Typer's own message lists every command
    asked = copy.copy(app)
    asked.registered_commands, asked.registered_groups = commands, groups
    return asked


def run() -> None:
    """The console command: the app, then an exit without Python's teardown (see
    ``coding.common.quickexit``: 40-80 ms after `code`)."""
    import sys

    from coding.common.quickexit import exit_code, exit_now

    try:
        asked_app(sys.argv[1:])()
    except SystemExit as stop:
        status = exit_code(stop.code)
        if status is None:
            raise
        exit_now(status)


if __name__ == "__main__":
    run()
