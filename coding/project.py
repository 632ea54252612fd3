"""A project is a folder: corpora/, codebooks/, reports/ and the SQLite database."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from coding.errors import ProjectError
from coding.store import Store

if TYPE_CHECKING:
    from coding.segment import UserDictionary

DB_NAME = "clusterqda.sqlite"
SUBFOLDERS = ("corpora", "codebooks", "reports")
REPO_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_CODEBOOKS = REPO_ROOT / "codebooks"
SAMPLE_CORPORA = REPO_ROOT / "corpora"
# the rule coders' agreement with held-out gold, per codebook (clusterqda evaluate --validation)
VALIDATION = "validation.csv"


def init_project(root: str | Path) -> Path:
    """Create (or complete) a project folder and its database; return the database path."""
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise ProjectError(f"{root}: exists and is not a folder")
    for name in SUBFOLDERS:
        (root / name).mkdir(parents=True, exist_ok=True)
    for codebook in [*sorted(SHIPPED_CODEBOOKS.glob("*.yaml")), SHIPPED_CODEBOOKS / VALIDATION]:
        target = root / "codebooks" / codebook.name
        if not target.exists():
            shutil.copyfile(codebook, target)
    db = root / DB_NAME
    Store(db).close()
    return db


def open_project(root: str | Path) -> Store:
    """Open an existing project's store; raise ProjectError when there is none."""
    root = Path(root)
    db = root / DB_NAME
    if not db.is_file():
        raise ProjectError(
            f"{root}: not a clusterqda project (no {DB_NAME}); run 'clusterqda init {root}' first"
        )
    return Store(db)


def project_codebook(root: str | Path, codebook: str | Path | None = None) -> Path:
    """Return the codebook to use: the one given, the project's copy, or the shipped one."""
    if codebook:
        return Path(codebook)
    own = Path(root) / "codebooks" / "collective_action.yaml"
    return own if own.is_file() else SHIPPED_CODEBOOKS / "collective_action.yaml"


def project_dictionary(root: str | Path, codebook: str | Path | None = None) -> UserDictionary:
    """Return a project's user dictionary: the domain word list plus its codebook's terms.

    The codebook's terms keep jieba's words and the rules' terms in step; editing
    the codebook's terms changes the dictionary version, and `segment` then
    re-cuts (coding itself never needs to).
    """
    # imported here: opening a project (every query) need neither the rule language nor
    # the segmenter
    from coding.codebook import load_codebook
    from coding.segment import user_dictionary

    book = load_codebook(project_codebook(root, codebook))
    return user_dictionary(book.segmentation_terms())
