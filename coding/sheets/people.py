"""Who may be named in a sheet: people only, never a machine coder or the consensus."""

from __future__ import annotations

from coding.sheets.layout import CONSENSUS
from coding.store import Store


def reserved_coder(store: Store, name: str) -> bool:
    """Return whether ``name`` is kept for machine coders (``kind@version``) or consensus."""
    return name == CONSENSUS or "@" in name or store.coder_kinds().get(name, "human") != "human"
