"""Collective-action episodes: proposed from coded interviews, reviewed in Excel, told in reports.

``propose.py`` groups the turns that tell the same concrete action (``mentions.py``
finds them), ``describe.py`` says what each episode is, ``current.py`` picks reviewed
episodes over proposals, ``sheet.py`` and ``review.py`` are the review workbook,
``export.py`` the CSV, ``score.py`` the measures against a key and ``story.py`` what a
report says of them.
"""

from coding.episodes.current import (
    EPISODE_COLUMNS,
    PROPOSED,
    REVIEWED,
    ClusterEpisodes,
    current_episodes,
    episode_table,
    proposed_episodes,
)
from coding.episodes.describe import Episode, Judgement, Witness
from coding.episodes.export import EpisodeExport, export_episodes
from coding.episodes.propose import METHOD
from coding.episodes.review import EpisodeReview, import_episode_sheet
from coding.episodes.sheet import (
    EPISODE_HEADER,
    EVIDENCE_HEADER,
    SHEET_EPISODES,
    SHEET_EVIDENCE,
    EpisodeSheet,
    export_episode_sheet,
)

__all__ = [
    "EPISODE_COLUMNS",
    "EPISODE_HEADER",
    "EVIDENCE_HEADER",
    "METHOD",
    "PROPOSED",
    "REVIEWED",
    "SHEET_EPISODES",
    "SHEET_EVIDENCE",
    "ClusterEpisodes",
    "Episode",
    "EpisodeExport",
    "EpisodeReview",
    "EpisodeSheet",
    "Judgement",
    "Witness",
    "current_episodes",
    "episode_table",
    "export_episode_sheet",
    "export_episodes",
    "import_episode_sheet",
    "proposed_episodes",
]
