"""The demo: a fresh project built from the bundled sample corpora."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from coding.ingest import ingest
from coding.model import IngestReport, SegmentReport
from coding.project import SAMPLE_CORPORA, init_project, open_project
from coding.segment import segment_project
from coding.status import cluster_status, document_status

Progress = Callable[[str, int, int], None]


@dataclass
class DemoResult:
    """What the demo did and the resulting project status."""

    project: Path
    ingest: IngestReport
    segment: SegmentReport
    clusters: pd.DataFrame
    documents: pd.DataFrame


def run_demo(root: str | Path, progress: Progress | None = None) -> DemoResult:
    """Init a project at ``root``, ingest the sample corpora, segment, and report status."""
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
        documents = document_status(store)
    return DemoResult(root, ingested, segmented, cluster_status(documents), documents)
