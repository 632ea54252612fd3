"""How cached tokens are stored: their lengths, cut from the unit's matching view."""

from __future__ import annotations

from array import array
from itertools import accumulate

# Tokens always concatenate to the unit's matching view, so the cache keeps only
# their lengths: one byte each (a 0x01 tag), or four where a token is longer
# than 255 characters (a 0x04 tag). A quarter of the bytes of the tokens' text.
_NARROW, _WIDE = b"\x01", b"\x04"


def encode_tokens(tokens: list[str]) -> bytes:
    """Return the compact form cached tokens are stored in: their lengths."""
    try:
        return _NARROW + bytes(map(len, tokens))
    except ValueError:  # a token longer than 255 characters
        return _WIDE + array("I", map(len, tokens)).tobytes()


def encode_runs(tokens: list[str], runs: list[tuple[int, int]]) -> list[bytes]:
    """Return ``encode_tokens(tokens[i:j])`` for each run ``(i, j)``, each token measured once."""
    try:
        lengths = bytes(map(len, tokens))
    except ValueError:  # a token longer than 255 characters: each run on its own
        return [encode_tokens(tokens[i:j]) for i, j in runs]
    return [_NARROW + lengths[i:j] for i, j in runs]


def decode_tokens(stored: bytes, view: str) -> list[str] | None:
    """Return the tokens of ``view`` from ``encode_tokens``; None if they do not fit it."""
    lengths = array("I", stored[1:]) if stored[:1] == _WIDE else stored[1:]
    ends = list(accumulate(lengths))
    if (ends[-1] if ends else 0) != len(view):
        return None  # cut from another text: treat as not cached
    return [view[i:j] for i, j in zip([0, *ends], ends, strict=False)]
