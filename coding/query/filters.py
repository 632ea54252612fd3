"""The filters every query shares: --cluster, --role, --doc, --speaker, --source."""

from __future__ import annotations

from collections.abc import Iterable

from coding.errors import OptionError
from coding.store import Store, UnitFilter

SPEAKERS = ("interviewee", "interviewer", "all")
SOURCES = ("interviews", "survey", "all")


def unit_filter(
    clusters: Iterable[str] | None = None,
    roles: Iterable[str] | None = None,
    docs: Iterable[str] | None = None,
    speaker: str = "all",
    source: str = "all",
) -> UnitFilter:
    """Return the filter of the query options; cluster names are taken in Simplified spelling."""
    if speaker not in SPEAKERS:
        raise OptionError(f"unknown speaker '{speaker}': use one of {', '.join(SPEAKERS)}")
    if source not in SOURCES:
        raise OptionError(f"unknown source '{source}': use one of {', '.join(SOURCES)}")
    from coding.ingest.normalize import match_view

    return UnitFilter(
        # clusters are stored in Simplified spelling, so a Traditional name finds them too
        clusters=tuple(dict.fromkeys(match_view(c.strip()) for c in clusters or () if c.strip())),
        roles=tuple(dict.fromkeys(r.strip() for r in roles or () if r.strip())),
        docs=tuple(dict.fromkeys(d.strip() for d in docs or () if d.strip())),
        speaker=speaker,
        source=source,
    )


def trusted_order(store: Store) -> list[str]:
    """Return the project's coders, most trusted first, as ``trust.trusted_coders`` ranks
    them (ties by name): a unit's codings come from the first that looked at it."""
    from coding.trust import coder_rank

    kinds = store.coder_kinds()
    return sorted(kinds, key=lambda c: (coder_rank(c, kinds[c]), c))
