"""Write the case-study reports of a project: one per cluster, and an index page."""

from __future__ import annotations

from html import escape
from pathlib import Path

from coding.agree import AgreementError, project_agreement
from coding.beliefs import analyse
from coding.codebook import Codebook
from coding.errors import ClusterQDAError
from coding.files import atomic_write
from coding.report.data import build_report
from coding.report.render import write_report
from coding.store import Store

FORMATS = ("html", "md", "xlsx")


def write_reports(
    store: Store,
    codebook: Codebook,
    out_dir: str | Path,
    clusters: list[str] | None = None,
    formats: list[str] | None = None,
) -> list[Path]:
    """Write each cluster's report in each format, plus index.html; return the paths."""
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
    labels = {c.id: c.label for c in codebook.codes.values()}
    out_dir = Path(out_dir)
    written = []
    for cluster in clusters:
        report = build_report(store, codebook, cluster, beliefs)
        if agreement is not None:
            report.agreement = agreement
        written += write_report(report, labels, out_dir, formats)
    links = "".join(
        f'<li><a href="{escape(p.name)}">{escape(p.stem)}（{p.suffix[1:]}）</a></li>'
        for p in written
    )
    index = out_dir / "index.html"
    with atomic_write(index, "w", encoding="utf-8") as handle:
        handle.write(
            '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
            "<title>案例报告</title></head><body><h1>产业集群合作行动案例报告</h1>"
            f"<ul>{links}</ul></body></html>"
        )
    return [*written, index]
