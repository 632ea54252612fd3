"""How wide a text shows on screen, in columns: what tables and sheets size by."""

from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    """Return the columns a text takes on screen: CJK and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
