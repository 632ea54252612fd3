"""Bringing a reviewed episode workbook back: every check first, then one transaction.

Checked, with every problem named as ``file, sheet, cell: what``: the signed metadata
(this project, these transcripts, a person as reviewer), both headers, every episode
row (its id in the exported order, a name, 保留 or 删除, a merge target that is another
kept episode that is not itself merged) and every evidence row (its unit in the
exported order, its text unchanged, its episode one of the sheet's or 无). Only then
are the kept episodes stored, with their final units, replacing the reviewed episodes
of their clusters; the proposer (``METHOD``) and the reviewer are stored with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from coding.common.safezip import check_office_zip
from coding.episodes.propose import METHOD
from coding.episodes.sheet import (
    EPISODE_FORMAT,
    EPISODE_HEADER,
    EVIDENCE_HEADER,
    KEEP_VALUES,
    NONE,
    SHEET_EPISODES,
    SHEET_EVIDENCE,
)
from coding.errors import DocumentError, SheetError
from coding.sheets.layout import cell_value
from coding.sheets.meta import SheetMeta, check_units, read_meta, text_hash
from coding.sheets.people import reserved_coder
from coding.store import Store


@dataclass
class EpisodeReview:
    """What an import stored."""

    reviewer: str
    clusters: list[str]
    kept: int
    dropped: int
    merged: int
    units: int


def import_episode_sheet(store: Store, path: str | Path) -> EpisodeReview:
    """Validate a reviewed episode workbook, then store its episodes (all or nothing)."""
    path = Path(path)
    if not path.is_file():
        raise SheetError([f"{path}: no such file"])
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise DocumentError("an episode workbook must be an .xlsx file", path)
    check_office_zip(path, "Excel workbook", "xl/workbook.xml")
    try:
        book = load_workbook(path, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for broken workbooks
        raise DocumentError(f"this workbook cannot be read ({type(exc).__name__})", path) from None
    meta = read_meta(book, path, store, formats=(EPISODE_FORMAT,))
    problems = _check_meta(store, path, meta)
    for name in (SHEET_EPISODES, SHEET_EVIDENCE):
        if name not in book.sheetnames:
            problems.append(f"{path}: the sheet '{name}' is missing")
    if problems:
        raise SheetError(problems)
    episodes = _read_episodes(
        f"{path}, sheet {SHEET_EPISODES}", book[SHEET_EPISODES], meta, problems
    )
    evidence = _read_evidence(
        f"{path}, sheet {SHEET_EVIDENCE}", book[SHEET_EVIDENCE], meta, problems
    )
    if problems:
        raise SheetError(problems)
    return _store(store, meta.coder, episodes, evidence)


def _check_meta(store: Store, path: Path, meta: SheetMeta) -> list[str]:
    problems = []
    if reserved_coder(store, meta.coder) or meta.coder in {"consensus", METHOD}:
        problems.append(f"{path}: '{meta.coder}' is not a person; episodes are reviewed by people")
    if meta.header != EPISODE_HEADER:
        problems.append(f"{path}: made by another version of clusterqda; export a new sheet")
    problems += check_units(store, path, meta)
    return problems


def _header(where: str, sheet, header: list[str], problems: list[str]) -> bool:
    got = [cell_value(c) for c in next(sheet.iter_rows(max_row=1, values_only=True), ())]
    while got and got[-1] == "":
        got.pop()
    for i, want in enumerate(header):
        have = got[i] if i < len(got) else ""
        if have != want:
            problems.append(
                f"{where}, cell {get_column_letter(i + 1)}1: expected the column '{want}', "
                f"found '{have}' (columns inserted, deleted or renamed)"
            )
            return False
    return True


def _rows(sheet, width: int):
    for r, values in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        row = [v for v in values] + [None] * width
        if any(v not in (None, "") for v in row[:width]):
            yield r, row[:width]


def _read_episodes(where: str, sheet, meta: SheetMeta, problems: list[str]) -> dict[str, dict]:
    """Return each episode's name, whether kept, and merge target, as the sheet says."""
    if not _header(where, sheet, EPISODE_HEADER, problems):
        return {}
    ids = list(meta.codes)
    seen: list[str] = []
    out: dict[str, dict] = {}
    for r, row in _rows(sheet, 4):
        episode_id, name, keep, target = (cell_value(v) for v in row)
        if episode_id not in ids or episode_id in seen:
            problems.append(f"{where}, cell A{r}: '{episode_id}' is not an episode of this sheet")
            continue
        if seen and ids.index(episode_id) < ids.index(seen[-1]):
            problems.append(f"{where}, cell A{r}: rows were reordered; keep the exported order")
        seen.append(episode_id)
        for column, value in (("B", row[1]), ("C", row[2]), ("D", row[3])):
            if isinstance(value, str) and value.startswith("="):
                problems.append(f"{where}, cell {column}{r}: a formula; type a value")
        kept = KEEP_VALUES.get(keep.lower() if keep.isascii() else keep)
        if kept is None:
            problems.append(f"{where}, cell C{r}: '{keep}' is not 保留 or 删除")
        if kept and not name and not target:
            problems.append(f"{where}, cell B{r}: a kept episode needs a name")
        if target and target not in ids:
            problems.append(f"{where}, cell D{r}: '{target}' is not an episode of this sheet")
        elif target == episode_id:
            problems.append(f"{where}, cell D{r}: an episode cannot be merged into itself")
        out[episode_id] = {"name": name, "keep": bool(kept), "into": target, "row": r}
    lost = [e for e in ids if e not in out]
    if lost and not problems:
        problems.append(
            f"{where}: {len(lost)} exported rows are missing (deleted?), first {lost[0]}"
        )
    for e in out.values():
        into = out.get(e["into"])
        if e["into"] and into is not None and (not into["keep"] or into["into"]):
            problems.append(
                f"{where}, cell D{e['row']}: '{e['into']}' is dropped or merged itself; "
                "merge into an episode that is kept"
            )
    return out


def _read_evidence(
    where: str, sheet, meta: SheetMeta, problems: list[str]
) -> list[tuple[str, str]]:
    """Return ``(unit_id, episode_id or '')`` per evidence row, in the exported order."""
    if not _header(where, sheet, EVIDENCE_HEADER, problems):
        return []
    expected = list(meta.units)
    ids = set(meta.codes)
    out = []
    text_col = EVIDENCE_HEADER.index("文本 text")
    rows = list(_rows(sheet, len(EVIDENCE_HEADER)))
    for i, (r, row) in enumerate(rows):
        unit_id, episode = cell_value(row[0]), cell_value(row[1])
        if i >= len(expected) or unit_id != expected[i][0]:
            known = any(unit_id == u for u, _ in expected)
            problems.append(
                f"{where}, cell A{r}: "
                + ("rows were added, deleted or reordered; keep the exported rows" if known
                   else f"unit '{unit_id}' was not in this sheet")
            )  # fmt: skip
            continue
        if text_hash(cell_value(row[text_col])) != expected[i][1]:
            problems.append(
                f"{where}, cell {get_column_letter(text_col + 1)}{r}: "
                "the text was edited; texts must stay as exported"
            )
        if episode not in ids and episode not in ("", NONE):
            problems.append(
                f"{where}, cell B{r}: '{episode}' is not an episode of this sheet or {NONE}"
            )
        out.append((unit_id, "" if episode == NONE else episode))
    if len(rows) < len(expected) and not problems:
        problems.append(
            f"{where}: {len(expected) - len(rows)} exported rows are missing (deleted?)"
        )
    return out


def _store(store: Store, reviewer: str, episodes: dict[str, dict], evidence) -> EpisodeReview:
    """Store the kept episodes, each with the units assigned to it or to what merged into it."""
    units: dict[str, list[str]] = {}
    for unit_id, episode_id in evidence:
        e = episodes.get(episode_id)
        if e is None:
            continue  # 无: in no episode
        final = e["into"] or (episode_id if e["keep"] else "")
        if final:
            units.setdefault(final, []).append(unit_id)
    rows, members = [], []
    clusters = sorted({e.rsplit("#", 1)[0] for e in episodes})
    for episode_id, unit_ids in units.items():
        cluster = episode_id.rsplit("#", 1)[0]
        rows.append(
            (episode_id, cluster, episodes[episode_id]["name"], episode_id, METHOD, reviewer)
        )
        members += [(episode_id, u) for u in dict.fromkeys(unit_ids)]
    store.save_episodes(clusters, rows, members)
    return EpisodeReview(
        reviewer,
        clusters,
        kept=len(rows),
        dropped=sum(not e["keep"] and not e["into"] for e in episodes.values()),
        merged=sum(bool(e["into"]) for e in episodes.values()),
        units=len(members),
    )
