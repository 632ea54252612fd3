"""Untrusted names and text made safe for report files.

Cluster names, document ids, metadata and turn text all come from transcripts
that anyone may have written, so none of them is trusted on its way out:

- **File names** are never built from a cluster name as given. ``unique_stems``
  turns each name into a stem of letters (CJK included), digits, ``_`` and
  ``-`` only, at most ``MAX_STEM_BYTES`` long, never a Windows device name
  (``CON``, ``NUL``…) nor ``index``; a stem that had to change, or that would
  collide with another, gets a short hash of the name, so ``a/b`` and ``a_b``
  write different files; stems are made over all of a project's clusters, so
  a cluster keeps its file name from run to run.
- **Control characters** (ANSI escapes, NUL and the others that XML 1.0
  forbids) become U+FFFD in ``without_controls``: Word and Excel refuse them, and a
  terminal showing a Markdown report would obey them. One character for one
  keeps the evidence offsets of quotations valid.
- **Markdown** text goes through ``md_escape``: every character that Markdown
  or GFM gives a meaning is backslash-escaped and ``& < >`` become entities, so
  links, images, raw HTML and comments in the data render as plain text.

HTML needs no helper here: the templates escape every value (Jinja2 autoescape).
"""

from __future__ import annotations

import hashlib
import html
import re
from collections import Counter
from collections.abc import Iterable

# At most this many UTF-8 bytes before the hash, so that stem, hash, language and
# extension and atomic_write's temporary name stay under the usual 255-byte limit.
MAX_STEM_BYTES = 100
HASH_CHARS = 8
_UNSAFE = re.compile(r"[^\w-]+")  # \w on str: Unicode letters and digits, and '_'
# Names Windows gives to devices whatever the extension; "index" is the index page.
RESERVED = frozenset(
    ["con", "prn", "aux", "nul", "index"]
    + [f"{d}{i}" for d in ("com", "lpt") for i in "123456789¹²³"]
)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Markdown's and GFM's punctuation ('.' and ':' too, which stop autolinks); '&<>' separately.
# '_' between two letters or digits (code_id) opens no emphasis in CommonMark: left readable.
_MARKDOWN = re.compile(r"[\\`*{}\[\]()#+\-.!|~:$^=]|(?<![^\W_])_|_(?![^\W_])")


def _hash(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_CHARS]


def safe_stem(name: str) -> str:
    """Return ``name`` reduced to letters, digits, '_' and '-', short enough for a file name."""
    slug = _UNSAFE.sub("_", name).strip("_-")
    while len(slug.encode("utf-8", "surrogatepass")) > MAX_STEM_BYTES:
        slug = slug[:-1]
    return slug or "cluster"


def unique_stems(names: Iterable[str]) -> dict[str, str]:
    """Map each name to a distinct safe file stem, the same one on every run.

    A name that is already safe keeps itself; one that changed, is reserved or
    collides (case-insensitively, as on Windows and macOS) gets ``-<hash>``.
    """
    names = sorted(set(names))
    slugs = {name: safe_stem(name) for name in names}
    counts = Counter(slug.casefold() for slug in slugs.values())
    stems = {}
    for name, slug in slugs.items():
        folded = slug.casefold()
        stems[name] = (
            slug
            if slug == name and counts[folded] == 1 and folded not in RESERVED
            else f"{slug}-{_hash(name)}"
        )
    # A name may be chosen to equal another's hashed stem: number the later ones.
    taken: set[str] = set()
    for name in names:
        stem, n = stems[name], 1
        while stem.casefold() in taken:
            n += 1
            stem = f"{stems[name]}-{n}"
        taken.add(stem.casefold())
        stems[name] = stem
    return stems


def without_controls(text: str) -> str:
    """Replace control characters (ANSI escapes, NUL…) by U+FFFD, one for one."""
    return _CONTROL.sub("\ufffd", text)


def md_escape(value: object) -> str:
    """Return ``value`` as Markdown that renders as exactly this text, on one line."""
    text = " ".join(without_controls(str(value)).splitlines())
    return html.escape(_MARKDOWN.sub(lambda m: "\\" + m.group(0), text), quote=False)
