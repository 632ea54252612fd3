"""Ingest stage: transcript files -> normalised documents with speaker turns, stored.

The run lives in ``run.py`` and is imported on first use of its names: a command that needs
only the normalised text or the matching view (``normalize``), as every query does, then
does not import the readers, YAML and the segmenter with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from coding.ingest.run import (
        INDEX_BATCH_CHARS,
        collect_files,
        ingest,
        parse_document,
        parse_text,
        store_document,
    )

__all__ = [
    "INDEX_BATCH_CHARS",
    "collect_files",
    "ingest",
    "parse_document",
    "parse_text",
    "store_document",
]


def __getattr__(name: str) -> Any:
    """Return a name of the ingest run, importing it on first use."""
    if name in __all__:
        from importlib import import_module

        return getattr(import_module("coding.ingest.run"), name)
    raise AttributeError(f"module 'coding.ingest' has no attribute '{name}'")
