"""The demo: a fresh project built from the bundled sample corpora."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from coding.autocode import code_project
from coding.codebook import load_codebook
from coding.ingest import ingest
from coding.model import CodeReport, IngestReport, SegmentReport
from coding.project import SAMPLE_CORPORA, init_project, open_project, project_codebook
from coding.segment import segment_project
from coding.status import cluster_status, code_frequencies, document_status

Progress = Callable[[str, int, int], None]


@dataclass
class DemoResult:
    """What the demo did and the resulting project status."""

    project: Path
    ingest: IngestReport
    segment: SegmentReport
    code: CodeReport
    clusters: pd.DataFrame
    documents: pd.DataFrame
    frequencies: pd.DataFrame


def run_demo(root: str | Path, progress: Progress | None = None) -> DemoResult:
    """Init a project at ``root``, ingest the sample corpora, segment, code, and summarise."""
    root = Path(root)
    init_project(root)

    def stage(name: str) -> Callable[[int, int], None] | None:
        return (lambda done, total: progress(name, done, total)) if progress else None

    with open_project(root) as store:
        ingested = ingest(
            store,
            [SAMPLE_CORPORA],
            manifest=SAMPLE_CORPORA / "manifest.csv",
            progress=stage("ingest"),
        )
        segmented = segment_project(store, progress=stage("segment"))
        codebook = load_codebook(project_codebook(root))
        coded = code_project(store, codebook, progress=stage("code"))
        documents = document_status(store)
        frequencies = code_frequencies(store, codebook.coder)
    return DemoResult(
        root, ingested, segmented, coded, cluster_status(documents), documents, frequencies
    )
