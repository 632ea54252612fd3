"""Reviewing episodes in Excel: one sheet of episodes, one of their evidence, signed.

The 事件 sheet lists the proposed episodes: the name (editable), 保留/删除 (keep or
drop) and 并入 (merge into another episode), both from dropdowns, beside locked
columns that describe it. The 证据 sheet lists every evidence unit with its episode
(editable, a dropdown of the episode ids, or 无 for none) and its locked text. The very
hidden ``_meta`` sheet is the coding sheets' own (``sheets/meta.py``): signed with the
project's secret, it holds the reviewer, the episode ids in order, the header and every
unit with a checksum of its text, so ids, units and texts cannot change unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.dimensions import ColumnDimension

from coding.codebook import Codebook
from coding.common.excel import cell
from coding.common.files import atomic_write
from coding.episodes.current import ClusterEpisodes, episode_table, proposed_episodes
from coding.episodes.propose import METHOD
from coding.errors import NothingToDoError, OptionError
from coding.sheets.layout import GREY, UNLOCKED, WRAP, style_of, text_cell
from coding.sheets.meta import SheetMeta, fingerprint, text_hash, write_meta
from coding.sheets.people import reserved_coder
from coding.store import Store

EPISODE_FORMAT = "clusterqda-episodes/1"
SHEET_EPISODES, SHEET_EVIDENCE, SHEET_HELP = "事件", "证据", "说明"
# the evidence's dropdown choices: a sheet of their own, where a reader finds them (they
# were a column beside the wide help text, off the screen)
SHEET_CHOICES = "事件选项"
KEEP, DROP, NONE = "保留", "删除", "无"
KEEP_VALUES = {KEEP: True, "keep": True, "是": True, DROP: False, "drop": False, "否": False}
EPISODE_HEADER = [
    "episode_id", "名称 name", "保留 keep", "并入 merge into", "集群 cluster", "年份 years",
    "类型 type", "方式 mode", "举措 forms", "发起者 initiators", "受访者 interviewees",
    "身份 roles",
]  # fmt: skip
EVIDENCE_HEADER = ["unit_id", "事件 episode", "文档 doc", "身份 role", "文本 text"]
EDITABLE = {"名称 name", "保留 keep", "并入 merge into"}
HELP = [
    "合作行动事件审核表 Episode review",
    "“事件”表：每行是一个建议的合作行动事件。可修改“名称”；“保留”选 保留 或 删除；"
    "如两个事件其实是同一件事，在“并入”中选另一个事件的编号。",
    "“证据”表：每行是一段发言及其所属事件。可在“事件”列改选编号（全部选项见“事件选项”表），"
    "或选 无（不属于任何事件）。"
    "文本不可修改，行不可增删或排序。",
    "Episodes sheet: edit the name, choose keep/drop, or merge into another episode. "
    "Evidence sheet: change a turn's episode (the choices are listed in sheet 事件选项), or 无 "
    "for none. Texts, ids and row order stay.",
]

HELP_WIDTH = 72  # column width: the help fits an A4 page as printed


def _fitted(line: str, width: int) -> list[str]:
    """Return a line cut into rows of about ``width`` columns (a Han character takes two):
    a row's height is not made to fit wrapped text by every program that opens the file.
    English breaks at a space; closing punctuation never starts a row."""
    from rich.cells import cell_len  # a terminal's columns: a Han character takes two

    rows, row = [], ""
    for ch in line:
        if cell_len(row + ch) > width and ch not in "。，、；：！？）”」":
            head, space, tail = row.rpartition(" ")
            if ch.isascii() and ch.isalnum() and space and tail.isascii():
                rows.append(head + space)
                row = tail
            else:
                rows.append(row)
                row = ""
        if row or ch != " ":
            row += ch
    return [*rows, row]


@dataclass
class EpisodeSheet:
    """What an episode workbook holds."""

    path: Path
    episodes: int
    units: int


def export_episode_sheet(
    store: Store, codebook: Codebook, reviewer: str, out: str | Path, cluster: str | None = None
) -> EpisodeSheet:
    """Write the proposed episodes of one cluster (or all) for a reviewer."""
    if not reviewer.strip() or reviewer in {"consensus", METHOD} or reserved_coder(store, reviewer):
        raise OptionError(f"'{reviewer}' cannot review episodes; name the person who will")
    if cluster is not None and cluster not in store.interview_clusters():
        raise OptionError(f"no interviews of a cluster named '{cluster}'")
    groups = proposed_episodes(store, codebook, cluster)
    table = episode_table(groups)
    if table.empty:
        raise NothingToDoError("no episodes to propose; code the interviews first")
    return write_episode_sheet(store, codebook, reviewer, out, groups)


def write_episode_sheet(
    store: Store, codebook: Codebook, reviewer: str, out: str | Path, groups: list[ClusterEpisodes]
) -> EpisodeSheet:
    """Write given episodes to a signed review workbook."""
    table = episode_table(groups)
    book = Workbook(write_only=True)
    ids = list(table["episode_id"])
    info = book.create_sheet(SHEET_HELP)
    info.column_dimensions["A"].width = HELP_WIDTH
    for line in HELP:
        for piece in _fitted(line, HELP_WIDTH):
            info.append([cell(info, piece)])
    sheet = book.create_sheet(SHEET_EPISODES)
    _lay_out(sheet, EPISODE_HEADER, [16, 24, 8, 16, 12, 11, 8, 12, 30, 24, 10, 24], len(ids))
    sheet.append([cell(sheet, h, bold=True) for h in EPISODE_HEADER])
    grey = style_of(sheet, fill=GREY)
    # written cells carry their own style, so the editable ones are unlocked one by one
    free = style_of(sheet, protection=UNLOCKED)
    for row in table.itertuples(index=False):
        years = "–".join(
            str(y)
            for y in dict.fromkeys([row.year_start, row.year_end])
            if y is not None and str(y) != "<NA>"
        )
        edits = [text_cell(sheet, v, free) for v in (row.name, KEEP, "")]
        values = [row.cluster, years, row.ca_type, row.mode, row.forms, row.initiators,
                  row.n_interviewees, row.roles]  # fmt: skip
        sheet.append(
            [text_cell(sheet, row.episode_id, grey), *edits, *[cell(sheet, v) for v in values]]
        )
    _dropdowns(sheet, ids, len(ids))
    evidence = book.create_sheet(SHEET_EVIDENCE)
    units = [(w, e.episode_id) for g in groups for e in g.episodes for w in e.witnesses]
    # turns that told an action alone, under no episode: the reviewer may assign them
    units += [(w, NONE) for g in groups for w in g.lone]
    texts = dict(store.unit_texts(list({w.unit_id: None for w, _ in units})))
    _lay_out(evidence, EVIDENCE_HEADER, [18, 18, 14, 14, 80], len(units))
    evidence.append([cell(evidence, h, bold=True) for h in EVIDENCE_HEADER])
    wrapped = style_of(evidence, alignment=WRAP, fill=GREY)
    free = style_of(evidence, protection=UNLOCKED)
    for w, episode_id in units:
        locked = [text_cell(evidence, v, grey) for v in (w.doc_id, w.role)]
        evidence.append(
            [
                text_cell(evidence, w.unit_id, grey),
                text_cell(evidence, episode_id, free),
                *locked,
                text_cell(evidence, texts[w.unit_id], wrapped),
            ]
        )
    # what the evidence's episode may be: every id, and 无 for none
    listed = book.create_sheet(SHEET_CHOICES)
    listed.column_dimensions["A"].width = 24
    for choice in ["事件选项 choices", *ids, NONE]:
        listed.append([text_cell(listed, choice)])
    episode_list = DataValidation(
        type="list", formula1=f"={SHEET_CHOICES}!$A$2:$A${len(ids) + 2}", allow_blank=True
    )
    evidence.data_validations.append(episode_list)
    if units:
        episode_list.add(f"B2:B{len(units) + 1}")
    documents = store.documents()
    docs = {w.doc_id for w, _ in units}
    meta = SheetMeta(
        format=EPISODE_FORMAT,
        fingerprint=fingerprint(documents[documents["doc_id"].isin(docs)]),
        codebook_hash=codebook.hash,
        codebook_version=METHOD,
        coder=reviewer,
        codes=ids,
        header=EPISODE_HEADER,
        units=[(w.unit_id, text_hash(texts[w.unit_id])) for w, _ in units],
    )
    write_meta(book, store, meta)
    with atomic_write(out, "wb") as handle:
        book.save(handle)
    return EpisodeSheet(Path(out), len(ids), len(units))


def _lay_out(sheet, header: list[str], widths: list[int], n: int) -> None:
    """Widths, the unlocked columns (by column style), filter and protection."""
    for i, width in enumerate(widths):
        dim = ColumnDimension(sheet, index=get_column_letter(i + 1), width=width)
        if header[i] in EDITABLE or header[i] == "事件 episode":
            dim.protection = UNLOCKED
        sheet.column_dimensions[dim.index] = dim
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{n + 1}"
    sheet.protection.sheet = True
    sheet.protection.autoFilter = False


def _dropdowns(sheet, ids: list[str], n: int) -> None:
    keep = DataValidation(type="list", formula1=f'"{KEEP},{DROP}"', allow_blank=False)
    merge = DataValidation(type="list", formula1=f"=$A$2:$A${n + 1}", allow_blank=True)
    if n:
        keep.add(f"C2:C{n + 1}")
        merge.add(f"D2:D{n + 1}")
    sheet.data_validations.append(keep)
    sheet.data_validations.append(merge)
