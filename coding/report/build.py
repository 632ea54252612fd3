"""Write the case-study reports of a project: one per cluster, and the comparison (index)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from coding.anonymize import Pseudonyms, pseudonyms, write_key
from coding.beliefs import Beliefs, analyse
from coding.codebook import Codebook
from coding.common.choices import ReportFormat
from coding.common.files import atomic_write
from coding.errors import NothingToDoError, OptionError
from coding.report.comparison import comparison_document
from coding.report.data import ReportData, build_report
from coding.report.layout import Document, cluster_document
from coding.report.safe import unique_stems, without_controls
from coding.report.text import LANGUAGES
from coding.store import Store

FORMATS = tuple(f.value for f in ReportFormat)
INDEX_STEM = "index"  # never a cluster's stem (safe.RESERVED)


def write_reports(
    store: Store,
    codebook: Codebook,
    out_dir: str | Path,
    clusters: list[str] | None = None,
    formats: list[str] | None = None,
    anonymize: bool = False,
    lang: str = "zh",
    include_unreliable: bool = False,
    validation: pd.DataFrame | None = None,
) -> list[Path]:
    """Write each cluster's report and the comparison report in each format; return the paths.

    Files are named by ``coding.report.safe.unique_stems`` over all the project's
    clusters, so a cluster's files keep their names whichever clusters are chosen
    and no cluster name can place a file outside ``out_dir``. The comparison
    report is ``index.<format>``; its HTML links every cluster's files.

    With ``anonymize``, people and organisations named in the metadata or the
    quoted text are replaced by stable pseudonyms; the key goes to the project's
    private folder, never beside the reports.
    """
    formats = formats or list(FORMATS)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise OptionError(f"unknown report format '{unknown[0]}'; use {', '.join(FORMATS)}")
    if lang not in LANGUAGES:
        raise OptionError(f"unknown report language '{lang}'; use {', '.join(LANGUAGES)}")
    known = sorted(c for c in store.documents()["cluster"].dropna().unique())
    if not known:
        raise NothingToDoError("the project has no clusters to report on; ingest transcripts first")
    clusters = clusters or known
    missing = [c for c in clusters if c not in known]
    if missing:
        raise OptionError(f"no cluster '{missing[0]}' in this project; it has {', '.join(known)}")
    beliefs = analyse(store, codebook)
    if validation is None:
        from coding.gating import validation_table
        from coding.project import SHIPPED_CODEBOOKS, VALIDATION

        own = store.path.parent / "codebooks" / VALIDATION
        validation = validation_table(own, SHIPPED_CODEBOOKS / VALIDATION)
    labels = {
        c.id: without_controls(c.label if lang == "zh" else c.label_en)
        for c in codebook.codes.values()
    }
    reports = [
        build_report(store, codebook, c, beliefs, lang, validation, include_unreliable)
        for c in clusters
    ]
    for report in reports:
        _without_controls(report)
    written: list[Path] = []
    if anonymize:
        names = pseudonyms(
            [q.text for r in reports for q in r.quotes]
            + [t for r in reports for t in r.timeline["quote"]]
            + [t for r in reports if r.episodes is not None for t in r.episodes.texts()],
            list(store.documents()["metadata"]),
            list(store.units()["speaker"].dropna().unique()),
        )
        for report in reports:
            _pseudonymise(report, names)
        written.append(write_key(names, store))
    out_dir = Path(out_dir)
    stems = unique_stems(known)  # over all clusters: one file name whatever the selection
    links = []
    for cluster, report in zip(clusters, reports, strict=True):  # stems of the names as given
        paths = write_document(cluster_document(report, labels), out_dir, formats, stems[cluster])
        links.append((report.cluster, paths))
        written += paths
    comparison = comparison_document(reports, _clean(beliefs), codebook.version, lang)
    written += write_document(comparison, out_dir, formats, INDEX_STEM, links)
    return written


def _clean(beliefs: Beliefs) -> Beliefs:
    """Return the beliefs with control characters out of their text (cluster names, labels)."""
    beliefs.table = _frame_without_controls(beliefs.table)
    return beliefs


def _without_controls(report: ReportData) -> None:
    """Replace control characters in every text of the report (Word and Excel refuse them)."""
    for name, value in vars(report).items():
        if isinstance(value, pd.DataFrame):
            setattr(report, name, _frame_without_controls(value))
    prov = report.provenance
    for name in ("coders", "agreement", "dimensions", "double_coded"):
        setattr(prov, name, _frame_without_controls(getattr(prov, name)))
    if report.episodes is not None:
        report.episodes.rewrite(without_controls)
    report.cluster = without_controls(report.cluster)
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
    if len(report.timeline):
        report.timeline["quote"] = report.timeline["quote"].map(names.apply)
    if report.episodes is not None:
        report.episodes.rewrite(names.apply)
    for q in report.quotes:
        if q.start is None or q.end is None:
            q.text = names.apply(q.text)
            continue
        before, evidence, after = q.text[: q.start], q.text[q.start : q.end], q.text[q.end :]
        before, evidence, after = names.apply(before), names.apply(evidence), names.apply(after)
        q.text, q.start, q.end = before + evidence + after, len(before), len(before) + len(evidence)


def write_document(
    doc: Document,
    out_dir: Path,
    formats: list[str],
    stem: str,
    links: list[tuple[str, list[Path]]] | None = None,
) -> list[Path]:
    """Write one report document in each format (html, md, xlsx, docx); return the paths.

    ``stem`` is a safe file stem (``unique_stems``), never a name from the data.
    """
    from coding.export import write_tables
    from coding.report.markdown import render_markdown
    from coding.report.render import render_html

    written = []
    suffix = "" if doc.lang == "zh" else f".{doc.lang}"
    for fmt_name in formats:
        path = out_dir / f"{stem}{suffix}.{fmt_name}"
        if fmt_name == "xlsx":
            write_tables(doc.tables(), path)
        elif fmt_name == "docx":
            from coding.report.docx import write_docx  # python-docx only when asked for

            write_docx(doc, path)
        else:
            text = render_html(doc, links) if fmt_name == "html" else render_markdown(doc)
            with atomic_write(path, "w", encoding="utf-8") as handle:
                handle.write(text)
        written.append(path)
    return written
