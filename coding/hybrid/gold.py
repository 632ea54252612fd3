"""The human-coded gold the shipped coder learns from, each unit with its question.

Two layouts: the first gold sets (``gold_*.csv``: ``id, text, codes`` and optionally
``role``, ``question``) and the second (``v2/set<X>.csv`` with ``id, cluster, trade,
region, style, role, doc, turn, question, text`` and the codes in the adjudicated
``set<X>.gold.csv``, or before it exists the first coder's ``set<X>.codes1.csv``: ``id,
codes, stances``). Where a first-layout id names a
turn of the bundled sample transcripts (``aluminium-01#6``), the interviewer's question
before it is read from the transcript.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from coding.codebook import Codebook
from coding.evaluate import SPLIT_CODES, read_gold

GOLD = Path(__file__).resolve().parent.parent.parent / "tests" / "data" / "gold"
# The sets the shipped coder learns from; gold_heldout.csv is never among them.
TRAINING_SETS = ("gold_dev.csv", "gold_dev2.csv", "gold_dev3.csv", "gold_dev4.csv")
HELD_OUT = "gold_heldout.csv"
GOLD_COLUMNS = ["id", "text", "gold", "role", "question", "stances", "source", "group"]


# Held-out sets that have had their one score per revision and now teach the next one:
# heldout2 measured revisions 1 and 2 (its SCORES.md); heldout3 measures revision 3.
RETIRED_HELD_OUT = ("heldout2",)


def training_paths(folder: Path = GOLD) -> list[Path]:
    """Return the gold files to learn from: the dev sets, every coded v2 set and the
    retired held-out parts."""
    paths = [folder / name for name in TRAINING_SETS if (folder / name).is_file()]
    paths += sorted(p for p in (folder / "v2").glob("set*.csv") if _is_v2_units(p))
    for retired in RETIRED_HELD_OUT:
        paths += sorted(p for p in (folder / retired).glob("part*.csv") if _is_v2_units(p))
    return paths


def _is_v2_units(path: Path) -> bool:
    return "." not in path.stem and _v2_codes(path).is_file()


def _v2_codes(path: Path) -> Path:
    """Return a v2 set's codings: the adjudicated ``.gold.csv``, else the first coder's."""
    gold = path.with_suffix(".gold.csv")
    return gold if gold.is_file() else path.with_suffix(".codes1.csv")


def read_training_gold(path: str | Path, codebook: Codebook) -> pd.DataFrame:
    """Read one gold file of either layout; return the columns ``GOLD_COLUMNS``.

    ``gold`` is a frozenset of code ids, ``stances`` a dict code -> stance (empty when the
    file has none), ``question`` the interviewer's question before the turn or ''.
    """
    path = Path(path)
    if _is_v2_units(path):
        frame = _read_v2(path, codebook)
    else:
        frame = read_gold(path, codebook)
        frame["stances"] = [{} for _ in range(len(frame))]
    if "question" not in frame:
        frame["question"] = [sample_question(str(i)) for i in frame["id"]]
    if "role" not in frame:
        frame["role"] = ""
    frame["role"] = frame["role"].fillna("").astype(str)
    frame["question"] = frame["question"].fillna("").astype(str)
    frame["text"] = frame["text"].fillna("").astype(str)
    frame["source"] = path.name
    frame["group"] = _groups(frame, path.name)
    return frame[GOLD_COLUMNS].reset_index(drop=True)


def read_heldout(part: str | Path, codes: str | Path, codebook: Codebook) -> pd.DataFrame:
    """Read a held-out set in the v2 layout from its units file (``id, cluster, ..., role,
    doc, turn, question, text``) and its codes file (``id, codes, stances``); return
    ``GOLD_COLUMNS`` like ``read_training_gold``."""
    part = Path(part)
    frame = _read_v2(part, codebook, Path(codes))
    for column in ("role", "question", "text"):
        frame[column] = frame[column].fillna("").astype(str) if column in frame else ""
    frame["source"] = part.name
    frame["group"] = _groups(frame, part.name)
    return frame[GOLD_COLUMNS].reset_index(drop=True)


def _read_v2(path: Path, codebook: Codebook, codes_path: Path | None = None) -> pd.DataFrame:
    """Join a v2 set's units with its codes and stances (the adjudicated file if any)."""
    from coding.common.tables import read_table

    units = read_table(path, required=["id", "text"])
    codes = read_table(codes_path or _v2_codes(path), required=["id", "codes"])
    codes = codes.rename(columns={"codes": "codes_given"})
    frame = units.merge(codes, on="id", how="inner")
    frame["codes"] = frame["codes_given"].fillna("")
    checked = read_gold_frame(frame, codebook, path)
    stances = frame["stances"] if "stances" in frame else pd.Series([""] * len(frame))
    checked["stances"] = [
        parse_stances(str(c or ""), str(s or ""))
        for c, s in zip(frame["codes"], stances, strict=True)
    ]
    return checked


def read_gold_frame(frame: pd.DataFrame, codebook: Codebook, path: Path) -> pd.DataFrame:
    """Check a gold frame's codes the way ``read_gold`` does (via a temporary CSV-free path)."""
    from coding.errors import InputError

    frame = frame.copy()
    frame["gold"] = frame["codes"].map(lambda s: frozenset(c for c in SPLIT_CODES.split(s) if c))
    unknown = sorted({c for codes in frame["gold"] for c in codes} - set(codebook.codes))
    if unknown:
        raise InputError(f"codes not in the codebook: {', '.join(unknown)}", path)
    return frame


def parse_stances(codes: str, stances: str) -> dict[str, str]:
    """Return code -> stance from a stances cell: ``CODE:stance`` pairs, or stances in the
    order of the codes cell."""
    parts = [p for p in SPLIT_CODES.split(stances) if p]
    if any(":" in p or "=" in p for p in parts):
        pairs = [p.replace("=", ":").split(":", 1) for p in parts]
        return {c.strip(): s.strip() for c, s in pairs}
    ids = [c for c in SPLIT_CODES.split(codes) if c]
    return dict(zip(ids, parts, strict=False)) if len(ids) == len(parts) else {}


def sample_question(unit_id: str) -> str:
    """Return the interviewer's turn before a sample-transcript unit (``doc#turn``), or ''."""
    doc, _, turn = unit_id.rpartition("#")
    if not doc or not turn.isdigit():
        return ""
    return _sample_questions().get((doc, int(turn)), "")


@lru_cache(maxsize=1)
def _sample_questions() -> dict[tuple[str, int], str]:
    """Map (doc, turn) of every interviewee turn in the sample corpora to the question."""
    from coding.ingest import collect_files, parse_document
    from coding.ingest.manifest import read_manifest
    from coding.project import SAMPLE_CORPORA

    files = collect_files([SAMPLE_CORPORA])
    by_path = read_manifest(SAMPLE_CORPORA / "manifest.csv", files)
    questions: dict[tuple[str, int], str] = {}
    for path in files:
        doc = parse_document(path, by_path.get(path.resolve()))
        last = ""
        for turn in doc.turns:
            text = doc.text[turn.start : turn.end]
            if turn.is_interviewer:
                last = text
            else:
                questions[(doc.doc_id, turn.turn)] = last
    return questions


def _groups(frame: pd.DataFrame, source: str) -> list[str]:
    """Return each unit's cross-validation group: its cluster in the v2 sets (``doc``
    ``A-cl01-i1`` -> ``A-cl01``, so folds hold out whole clusters: new places, new
    authors), else its interview (the id before ``#``), else blocks of five consecutive
    rows (the first sets list one interview's turns together)."""
    if "doc" in frame:
        return [f"{source}:{str(d).rsplit('-i', 1)[0]}" for d in frame["doc"].astype(str)]
    ids = [str(i) for i in frame["id"]]
    if all("#" in i for i in ids):
        return [i.rpartition("#")[0] for i in ids]
    return [f"{source}:{n // 5}" for n in range(len(ids))]


@lru_cache(maxsize=4)
def learned_unit_ids(sets: tuple[str, ...], folder: Path = GOLD) -> frozenset[str]:
    """Return the ids of the turns a model learned from (``made_from['sets']``, named from
    the gold folder); the sample transcripts' turns keep their project unit ids there.

    A set missing from this checkout contributes nothing.
    """
    import csv

    ids: set[str] = set()
    for name in sets:
        path = folder / name
        if path.is_file():
            with open(path, encoding="utf-8-sig", newline="") as handle:
                ids.update(row["id"] for row in csv.DictReader(handle) if row.get("id"))
    return frozenset(ids)


def shipped_learned_units(codebook: Codebook, coder: str) -> frozenset[str]:
    """Return the unit ids the shipped model named ``coder`` learned from (none for
    another coder); read from the model's header, without loading the model."""
    from coding.hybrid.coder import shipped_coder, shipped_sets

    if shipped_coder(codebook) != coder:
        return frozenset()
    return learned_unit_ids(shipped_sets(codebook))
