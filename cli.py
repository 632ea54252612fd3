"""The clusterqda command line: parse options, call one library function, print."""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from coding import __version__
from coding.demo import run_demo
from coding.errors import ClusterQDAError
from coding.export import export_units
from coding.ingest import ingest as ingest_files
from coding.project import init_project, open_project
from coding.segment import ENGINES, segment_project
from coding.status import cluster_status, document_status

app = typer.Typer(
    name="clusterqda",
    help="Qualitative coding of Chinese fieldwork interviews on industrial clusters.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals would print interview text
    rich_markup_mode="rich",
)
export_app = typer.Typer(help="Export project data for use elsewhere.", no_args_is_help=True)
app.add_typer(export_app, name="export")

out = Console()
err = Console(stderr=True)

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
            err.print(f"[bold red]Error:[/] {exc}", markup=True, highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper


@contextmanager
def progress_bar() -> Iterator[Callable[[str, int, int], None]]:
    """Yield update(stage, done, total) drawing one rich progress bar per stage."""
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
    table = Table(title=title, show_lines=False)
    for column in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[column])
        table.add_column(str(column), justify="right" if numeric else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*("" if pd.isna(v) else str(v) for v in row))
    out.print(table)


def print_warnings(warnings: list[str]) -> None:
    """Print warnings, one a line, to stderr."""
    for warning in warnings:
        err.print(f"[yellow]Warning:[/] {warning}", highlight=False, soft_wrap=True)


@app.command()
@handle_errors
def init(
    directory: Annotated[Path, typer.Argument(help="Folder to make into a project.")] = Path("."),
) -> None:
    """Create a project folder: corpora/, codebooks/, reports/ and the database."""
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
) -> None:
    """Read .txt, .md and .docx transcripts into the project (one transaction)."""
    with open_project(project) as store, progress_bar() as update:
        report = ingest_files(
            store,
            paths,
            manifest=manifest,
            cluster=cluster,
            encoding=encoding,
            progress=lambda d, t: update("ingest", d, t),
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
    engine: Annotated[
        str, typer.Option(help=f"One of {', '.join(ENGINES)}; auto uses rjieba when identical.")
    ] = "auto",
    workers: Annotated[int | None, typer.Option(help="Processes (default: all cores).")] = None,
) -> None:
    """Segment every unit not yet cached for the current user dictionary."""
    with open_project(project) as store, progress_bar() as update:
        report = segment_project(
            store,
            engine=engine,
            workers=workers,
            progress=lambda d, t: update("segment", d, t),
        )
    out.print(
        f"Segmented {report.units} units ({report.chars:,} characters) with {report.engine}, "
        f"dictionary {report.dict_version}, in {report.seconds:.1f} s."
    )


@app.command()
@handle_errors
def status(project: ProjectOpt = Path(".")) -> None:
    """Print counts per cluster and per document."""
    with open_project(project) as store:
        documents = document_status(store)
    print_frame(cluster_status(documents), "Clusters")
    print_frame(documents, "Documents")


@export_app.command("units")
@handle_errors
def export_units_command(
    out_file: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    project: ProjectOpt = Path("."),
) -> None:
    """Write every unit as CSV (UTF-8 with BOM, opens in Excel)."""
    with open_project(project) as store:
        rows = export_units(store, out_file)
    out.print(f"Wrote {rows} units to {out_file}")


@app.command()
@handle_errors
def demo(
    project: Annotated[
        Path | None, typer.Option("--project", "-p", help="Where to build the demo project.")
    ] = None,
) -> None:
    """Build a project from the bundled sample corpora, segment it and print its status."""
    root = project or Path(tempfile.mkdtemp(prefix="clusterqda-demo-"))
    with progress_bar() as update:
        result = run_demo(root, progress=update)
    print_warnings(result.ingest.warnings)
    out.print(f"Demo project: {result.project}")
    out.print(
        f"Ingested {len(result.ingest.added)} transcripts, {result.ingest.units} units; "
        f"segmented {result.ingest.segmented + result.segment.units} units "
        f"with {result.segment.engine}."
    )
    print_frame(result.clusters, "Clusters")
    print_frame(result.documents, "Documents")


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


if __name__ == "__main__":
    app()
