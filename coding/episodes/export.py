"""The episodes CSV: one row per episode, reviewed where a cluster has them, else proposed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from coding.codebook import Codebook
from coding.common.csvfile import write_csv
from coding.episodes.current import current_episodes, episode_table
from coding.store import Store


@dataclass
class EpisodeExport:
    """What an export wrote: rows, and per cluster whether they are reviewed or proposed."""

    path: Path
    rows: int
    sources: dict[str, str]


def export_episodes(
    store: Store, codebook: Codebook, out: str | Path, cluster: str | None = None
) -> EpisodeExport:
    """Write the episodes (``current.EPISODE_COLUMNS``) to a CSV file."""
    groups = current_episodes(store, codebook, cluster)
    table = episode_table(groups)
    write_csv(table, out)
    return EpisodeExport(Path(out), len(table), {g.cluster: g.source for g in groups})
