"""Write the case-study reports of a project: one per cluster, and an index page."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from coding.agree import project_agreement
from coding.anonymize import Pseudonyms, pseudonyms, write_key
from coding.beliefs import analyse
from coding.codebook import Codebook
from coding.common.choices import ReportFormat
from coding.common.files import atomic_write
from coding.errors import AgreementError, NothingToDoError, OptionError
from coding.report.data import ReportData, build_report
from coding.report.markdown import render_markdown
from coding.report.render import render_html, report_tables, template_env
from coding.report.safe import unique_stems, without_controls
from coding.report.text import LANGUAGES, TEXT
from coding.store import Store

FORMATS = tuple(f.value for f in ReportFormat)


def write_reports(
    store: Store,
    codebook: Codebook,
    out_dir: str | Path,
    clusters: list[str] | None = None,
    formats: list[str] | None = None,
    anonymize: bool = False,
    lang: str = "zh",
) -> list[Path]:
    """Write each cluster's report in each format, plus index.html; return the paths.

    Files are named by ``coding.report.safe.unique_stems`` over all the project's
    clusters, so a cluster's files keep their names whichever clusters are chosen
    and no cluster name can place a file outside ``out_dir``.

    With ``anonymize``, people and firms named in the metadata or found in the
    quoted text are replaced by stable pseudonyms; the key (name -> pseudonym)
    goes to the project's private folder, never beside the reports, so that
    sharing the reports' folder never shares the key.
    """
    formats = formats or list(FORMATS)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise OptionError(f"unknown report format '{unknown[0]}'; use {', '.join(FORMATS)}")
    known = sorted(c for c in store.documents()["cluster"].dropna().unique())
    if not known:
        raise NothingToDoError("the project has no clusters to report on; ingest transcripts first")
    clusters = clusters or known
    missing = [c for c in clusters if c not in known]
    if missing:
        raise OptionError(f"no cluster '{missing[0]}' in this project; it has {', '.join(known)}")
    beliefs = analyse(store, codebook)
    try:
        _, agreement, _ = project_agreement(store, codebook, bootstrap=0)
    except AgreementError:
        agreement = None  # one coder only: nothing to compare
    labels = {
        c.id: without_controls(c.label if lang == "zh" else c.label_en)
        for c in codebook.codes.values()
    }
    out_dir = Path(out_dir)
    if lang not in LANGUAGES:
        raise OptionError(f"unknown report language '{lang}'; use {', '.join(LANGUAGES)}")
    reports = [build_report(store, codebook, cluster, beliefs, lang) for cluster in clusters]
    for report in reports:
        _without_controls(report)
    written = []
    if anonymize:
        names = pseudonyms(
            [q.text for r in reports for q in r.quotes]
            + [t for r in reports if "quote" in r.timeline for t in r.timeline["quote"]],
            list(store.documents()["metadata"]),
            list(store.units()["speaker"].dropna().unique()),
        )
        for report in reports:
            _pseudonymise(report, names)
        written.append(write_key(names, store))
    stems = unique_stems(known)  # over all clusters: one file name whatever the selection
    entries = []
    for cluster, report in zip(clusters, reports, strict=True):
        if agreement is not None:
            report.agreement = agreement
        paths = write_report(report, labels, out_dir, formats, lang, stems[cluster])
        entries.append((report.cluster, paths))
        written += paths
    index = out_dir / "index.html"
    page = (
        template_env()
        .get_template("index.html.j2")
        .render(entries=entries, lang=lang, t=TEXT[lang])
    )
    with atomic_write(index, "w", encoding="utf-8") as handle:
        handle.write(page)
    return [*written, index]


def _without_controls(report: ReportData) -> None:
    """Replace control characters in every text of the report (Word and Excel refuse them)."""
    for name, value in vars(report).items():
        if isinstance(value, pd.DataFrame):
            setattr(report, name, _frame_without_controls(value))
    report.cluster = without_controls(report.cluster)
    report.coders = [without_controls(c) for c in report.coders]
    report.findings = [without_controls(f) for f in report.findings]
    report.codebook_version = without_controls(report.codebook_version)
    for q in report.quotes:  # one character for one: the evidence offsets stay valid
        q.text, q.doc_id, q.role = (
            without_controls(q.text),
            without_controls(q.doc_id),
            without_controls(q.role),
        )


def _frame_without_controls(frame: pd.DataFrame) -> pd.DataFrame:
    def fix(value: object) -> object:
        return without_controls(value) if isinstance(value, str) else value

    frame = frame.rename(columns=fix, index=fix)
    text = frame.select_dtypes(include=["object", "string"]).columns.unique()
    if len(text):
        frame = frame.copy()
        frame[text] = frame[text].map(fix)
    return frame


def _pseudonymise(report: ReportData, names: Pseudonyms) -> None:
    """Replace names in the quotations, keeping the highlighted evidence in place."""
    if "quote" in report.timeline:
        report.timeline["quote"] = report.timeline["quote"].map(names.apply)
    for q in report.quotes:
        if q.start is None or q.end is None:
            q.text = names.apply(q.text)
            continue
        before, evidence, after = q.text[: q.start], q.text[q.start : q.end], q.text[q.end :]
        before, evidence, after = names.apply(before), names.apply(evidence), names.apply(after)
        q.text, q.start, q.end = before + evidence + after, len(before), len(before) + len(evidence)


def write_report(
    report: ReportData,
    labels: dict[str, str],
    out_dir: Path,
    formats: list[str],
    lang: str = "zh",
    stem: str | None = None,
) -> list[Path]:
    """Write one cluster's report in each format (html, md, xlsx, docx); return the paths.

    Files are named ``stem`` (default: the cluster's safe stem), never the cluster
    name itself, so that no name can put a file outside ``out_dir``.
    """
    from coding.export import write_tables

    stem = stem or unique_stems([report.cluster])[report.cluster]
    written = []
    for fmt_name in formats:
        suffix = "" if lang == "zh" else f".{lang}"
        path = out_dir / f"{stem}{suffix}.{fmt_name}"
        if fmt_name == "xlsx":
            write_tables(report_tables(report), path)
        elif fmt_name == "docx":
            from coding.report.docx import write_docx  # python-docx only when asked for

            write_docx(report, labels, path, lang)
        else:
            html = fmt_name == "html"
            text = (
                render_html(report, labels, lang) if html else render_markdown(report, labels, lang)
            )
            with atomic_write(path, "w", encoding="utf-8") as handle:
                handle.write(text)
        written.append(path)
    return written
