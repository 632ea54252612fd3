"""Normalised text (what offsets index) and the matching view (same length, Simplified)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import compress
from operator import ne

# Full-width letters, digits and a few symbols become ASCII in the matching view;
# Chinese punctuation (，：（）！？) stays, since it is standard in Chinese text.
_FULLWIDTH = (
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ"
    "ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ％＋－＠＃＆＿．／"
)
_HALFWIDTH = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz%+-@#&_./"
FULLWIDTH_TABLE = str.maketrans(_FULLWIDTH, _HALFWIDTH)
_HAS_FULLWIDTH = re.compile(f"[{re.escape(_FULLWIDTH)}]")


def normalise(text: str) -> str:
    """Return the canonical text that all offsets index: NFC, LF line endings, no BOM."""
    text = text.lstrip("\ufeff")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def match_view(text: str) -> str:
    """Return the text as matched and segmented: Simplified, ASCII digits and letters.

    The result always has the same length as ``text``, so offsets found in it
    are offsets into ``text``.
    """
    # str.translate is slow on long texts; most transcripts have no full-width ASCII.
    half = text.translate(FULLWIDTH_TABLE) if _HAS_FULLWIDTH.search(text) else text
    converted = _t2s().convert(half)
    if len(converted) == len(half):
        return converted
    # A phrase conversion changed the length: fall back line by line, then per character.
    lines = []
    for line in half.split("\n"):
        out = _t2s().convert(line)
        if len(out) != len(line):
            out = "".join(c2 if len(c2 := _t2s().convert(c)) == 1 else c for c in line)
        lines.append(out)
    return "\n".join(lines)


def traditional_share(text: str, view: str) -> float:
    """Return the share of Han characters that the Simplified view changed."""
    if text == view:
        return 0.0
    # Counted character by character until a process has counted as many characters
    # as importing NumPy costs it (0.06 s: a tenth of a 10 MB ingest's worker, where
    # a sixth of the files differ from their view), then in NumPy.
    if _COUNTED[0] + len(text) <= COUNT_IN_PYTHON_CHARS:
        _COUNTED[0] += len(text)
        return _share_in_python(text, view)
    return _share_in_numpy(text, view)


# Characters a process counts in Python before it imports NumPy, and how many it has.
COUNT_IN_PYTHON_CHARS = 1_000_000
_COUNTED = [0]
_NOT_HAN = re.compile("[^\u4e00-\u9fff]+")


def _share_in_python(text: str, view: str) -> float:
    total = len(_NOT_HAN.sub("", text))
    if not total:
        return 0.0
    changed = "".join(compress(text, map(ne, text, view)))
    return len(_NOT_HAN.sub("", changed)) / total


def _share_in_numpy(text: str, view: str) -> float:
    import numpy as np

    # Code points as arrays: 4 bytes a character, where a list of one-character
    # strings would take some 60 (a gigabyte for a 20 MB transcript).
    chars = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    han = (chars >= 0x4E00) & (chars <= 0x9FFF)
    total = int(han.sum())
    if not total:
        return 0.0
    changed = han & (chars != np.frombuffer(view.encode("utf-32-le"), dtype="<u4"))
    return int(changed.sum()) / total
