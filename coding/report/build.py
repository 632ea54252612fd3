"""Write the case-study reports of a project: one per cluster, and an index page."""

from __future__ import annotations

from html import escape
from pathlib import Path

import pandas as pd

from coding.agree import AgreementError, project_agreement
from coding.beliefs import analyse
from coding.codebook import Codebook
from coding.errors import ClusterQDAError
from coding.export import write_csv
from coding.files import atomic_write
from coding.report.anonymize import Pseudonyms, pseudonyms
from coding.report.data import ReportData, build_report
from coding.report.render import write_report
from coding.report.text import LANGUAGES, TEXT
from coding.store import Store

FORMATS = ("html", "md", "xlsx", "docx")


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

    With ``anonymize``, people and firms named in the metadata or found in the
    quoted text are replaced by stable pseudonyms; the mapping goes to
    ``pseudonyms.csv`` beside the reports, which the reports never include.
    """
    formats = formats or list(FORMATS)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ClusterQDAError(f"unknown report format '{unknown[0]}'; use {', '.join(FORMATS)}")
    known = sorted(c for c in store.documents()["cluster"].dropna().unique())
    if not known:
        raise ClusterQDAError("the project has no clusters to report on; ingest transcripts first")
    clusters = clusters or known
    missing = [c for c in clusters if c not in known]
    if missing:
        raise ClusterQDAError(
            f"no cluster '{missing[0]}' in this project; it has {', '.join(known)}"
        )
    beliefs = analyse(store, codebook)
    try:
        _, agreement, _ = project_agreement(store, codebook, bootstrap=0)
    except AgreementError:
        agreement = None  # one coder only: nothing to compare
    labels = {c.id: (c.label if lang == "zh" else c.label_en) for c in codebook.codes.values()}
    out_dir = Path(out_dir)
    if lang not in LANGUAGES:
        raise ClusterQDAError(f"unknown report language '{lang}'; use {', '.join(LANGUAGES)}")
    reports = [build_report(store, codebook, cluster, beliefs, lang) for cluster in clusters]
    written = []
    if anonymize:
        names = pseudonyms(
            [q.text for r in reports for q in r.quotes]
            + [t for r in reports if "quote" in r.timeline for t in r.timeline["quote"]],
            list(store.documents()["metadata"]),
        )
        for report in reports:
            _pseudonymise(report, names)
        mapping = out_dir / "pseudonyms.csv"
        write_csv(
            pd.DataFrame(sorted(names.mapping.items()), columns=["name", "pseudonym"]), mapping
        )
        written.append(mapping)
    for report in reports:
        if agreement is not None:
            report.agreement = agreement
        written += write_report(report, labels, out_dir, formats, lang)
    shown = [p for p in written if p.name != "pseudonyms.csv"]  # the mapping stays unlinked
    links = "".join(
        f'<li><a href="{escape(p.name)}">{escape(p.stem)}（{p.suffix[1:]}）</a></li>' for p in shown
    )
    index = out_dir / "index.html"
    with atomic_write(index, "w", encoding="utf-8") as handle:
        handle.write(
            '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>{TEXT[lang]['index']}</title></head><body><h1>{TEXT[lang]['index']}</h1>"
            f"<ul>{links}</ul></body></html>"
        )
    return [*written, index]


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
