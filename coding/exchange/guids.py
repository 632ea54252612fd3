"""Stable GUIDs: uuid5 of our own ids under one namespace, the same in every export.

A code, document, unit or coder has the same GUID in every export of every
project, so a tool that kept the GUIDs (and a second export of the same
project) can be matched back by GUID alone. Each kind of thing has its own
prefix, so a coder named ``CA.BH`` never shares a GUID with the code.
"""

from __future__ import annotations

import hashlib
import uuid
from functools import lru_cache

# Fixed for ever: changing it changes every GUID clusterqda has written.
NAMESPACE = uuid.UUID("6d1b8f4e-3c0a-5f57-9a6e-2f1c7d9b4a10")


_NS_BYTES = NAMESPACE.bytes
# the variant nibble (RFC 4122 §4.1.1: 10xx) of each hex digit the SHA-1 put there
_VARIANT = dict(zip("0123456789abcdef", "89ab89ab89ab89ab", strict=True))


def _uuid5_text(name: bytes) -> str:
    """Return uuid5 of ``name`` (already prefixed with the namespace) in upper case."""
    # RFC 4122 §4.3 on the hex digest: the version digit is 5, the variant's
    # top bits 10; a string made once, no UUID or bytearray per call
    h = hashlib.sha1(name).hexdigest()
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}".upper()


def stable_guid(kind: str, *parts: object) -> str:
    """Return the GUID of a thing of ``kind`` named by ``parts`` (upper-case, as NVivo writes).

    ``uuid.uuid5`` computed directly from SHA-1 (RFC 4122 §4.3), without a
    UUID object per call: an export makes two GUIDs per coding, by the
    hundred thousand. A test checks it against ``uuid.uuid5``.
    """
    name = kind + ":" + "\x1f".join(str(p) for p in parts)
    return _uuid5_text(_NS_BYTES + name.encode("utf-8"))


@lru_cache(maxsize=4096)
def code_guid(code_id: str) -> str:
    """Return the GUID of a code, group or dimension id."""
    return stable_guid("code", code_id)


@lru_cache(maxsize=4096)
def document_guid(doc_id: str) -> str:
    """Return the GUID of a document (a TextSource)."""
    return stable_guid("document", doc_id)


@lru_cache(maxsize=4096)
def user_guid(coder: str) -> str:
    """Return the GUID of a coder (a User)."""
    return stable_guid("coder", coder)


def selection_guid(coder: str, unit_id: str, code_id: str, start: int, end: int) -> str:
    """Return the GUID of the selection that carries one coding."""
    return stable_guid("selection", coder, unit_id, code_id, start, end)


def coding_guid(coder: str, unit_id: str, code_id: str, start: int, end: int) -> str:
    """Return the GUID of one coding (a Coding element)."""
    return stable_guid("coding", coder, unit_id, code_id, start, end)


def selection_and_coding_guids(
    coder: str, unit_id: str, code_id: str, start: int, end: int
) -> tuple[str, str]:
    """Return ``selection_guid`` and ``coding_guid`` of one coding, their name spelt once."""
    tail = f"{coder}\x1f{unit_id}\x1f{code_id}\x1f{start}\x1f{end}".encode()
    return _uuid5_text(_SELECTION + tail), _uuid5_text(_CODING + tail)


_SELECTION = _NS_BYTES + b"selection:"
_CODING = _NS_BYTES + b"coding:"


def case_guid(kind: str, key: str) -> str:
    """Return the GUID of a case: a document's or a survey respondent's."""
    return stable_guid("case", kind, key)


def variable_guid(name: str) -> str:
    """Return the GUID of a variable (a metadata key)."""
    return stable_guid("variable", name)


@lru_cache(maxsize=65536)  # users and codes recur on every selection
def normal_guid(value: str) -> str:
    """Return a GUID as we compare them: braces off, lower case."""
    return value.strip().strip("{}").lower()
