"""Rule-based auto-coding: a codebook's rules applied to texts, with evidence and stance."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from functools import cached_property
from pathlib import Path

import ahocorasick
import pandas as pd

from coding.codebook import Codebook
from coding.common.parallel import bounded_map, default_workers
from coding.ingest.normalize import match_view
from coding.model import CodeReport, Coding
from coding.rules import Call, Evaluator, compile_rule, required_clauses, walk
from coding.stance import stance_of
from coding.store import CodingRow, Store, UnitToCode, decode_tokens
from coding.textview import Hit, TextView

CODE_BATCH = 2000
TABLE_COLUMNS = ["id", "code_id", "stance", "start", "end", "evidence", "coder"]
SPEAKER_RULE = "speaker_rule"
PARALLEL_MIN_UNITS = 20_000


class RuleCoder:
    """Applies every rule of a codebook; one Aho-Corasick pass finds all terms at once."""

    def __init__(self, codebook: Codebook) -> None:
        self.codebook = codebook
        self.coder = codebook.coder
        self._automaton = ahocorasick.Automaton()
        for term in sorted(codebook.terms()):
            self._automaton.add_word(term, term)
        self._automaton.make_automaton()
        self._codes = list(codebook.codes.values())
        self._clauses = {c.id: required_clauses(c.node) for c in self._codes}
        self._rules = {c.id: compile_rule(c.node) for c in self._codes}
        speaker = codebook.speaker_node
        self._speaker = compile_rule(speaker) if speaker is not None else None
        # term -> indexes of the codes it can help to trigger, so that a text is
        # only checked against the codes its own terms point to
        self._by_term: dict[str, list[int]] = {}
        for index, code in enumerate(self._codes):
            for term in code.triggers:
                self._by_term.setdefault(term, []).append(index)

    def view(self, text: str, tokens: list[str] | None = None, role: str | None = None) -> TextView:
        """Analyse a matching-view text: every term hit, ready for the rules."""
        hits: dict[str, list[Hit]] = {}
        for end, term in self._automaton.iter(text):
            hits.setdefault(term, []).append(Hit(end - len(term) + 1, end + 1, term))
        return TextView(text, hits, tokens, role)

    def code(
        self, text: str, tokens: list[str] | None = None, role: str | None = None
    ) -> list[Coding]:
        """Return the codings of one matching-view text (offsets into that text).

        ``role`` is the speaker's actor code (an ``ACT.*`` id from the
        document's metadata): when the codebook's ``speaker_rule`` holds —
        the speaker talks about what they themselves do — that code is given
        too, since an ACT code records who speaks about or does the action.
        """
        view = self.view(text, tokens, role)
        if not view.hits:
            return []
        out = []
        found = view.hits.keys()
        candidates = sorted({i for term in found for i in self._by_term.get(term, ())})
        for index in candidates:
            code = self._codes[index]
            if any(clause.isdisjoint(found) for clause in self._clauses[code.id]):
                continue  # a term the rule needs is missing
            evidence = _evidence(self._rules[code.id], view)
            if evidence:
                out.append(self._coding(code.id, code.id, evidence, view))
        if (
            role in self.codebook.codes
            and self._speaker is not None
            and role not in {c.code_id for c in out}
        ):
            evidence = _evidence(self._speaker, view)
            if evidence:
                out.append(self._coding(role, SPEAKER_RULE, evidence, view))
        return out

    @cached_property
    def needs_tokens(self) -> bool:
        """Return whether some rule measures distances in tokens (``tnear``)."""
        nodes = [c.node for c in self._codes] + [self.codebook.speaker_node]
        return any(
            isinstance(n, Call) and n.name == "tnear"
            for node in nodes
            if node is not None
            for n in walk(node)
        )

    def code_text(self, text: str, role: str | None = None) -> list[Coding]:
        """Code a raw text outside a project: its matching view, cut here if rules need tokens.

        A table has no token cache, so it is cut as ``segment`` would cut it
        (jieba, the domain words and this codebook's terms).
        """
        view = match_view(text)
        tokens = self._segmenter.cut(view) if self.needs_tokens else None
        return self.code(view, tokens, role)

    @cached_property
    def _segmenter(self):
        """The jieba segmenter for texts outside a project, built once per coder."""
        from coding.segment import get_segmenter, user_dictionary

        return get_segmenter(user_dictionary(self.codebook.segmentation_terms()), "jieba")

    def rules(self) -> dict[str, str]:
        """Return the rule text behind each rule id this coder records."""
        rules = {code.id: code.rule for code in self._codes}
        if self.codebook.speaker_rule:
            rules[SPEAKER_RULE] = self.codebook.speaker_rule
        return rules

    @staticmethod
    def _coding(code_id: str, rule_id: str, evidence: list[Hit], view: TextView) -> Coding:
        start = min(h.start for h in evidence)
        end = max(h.end for h in evidence)
        terms = tuple(dict.fromkeys(h.term for h in sorted(evidence, key=lambda h: h.start)))
        return Coding(code_id, stance_of(view, start, end), start, end, terms, rule_id)


def _evidence(rule: Evaluator, view: TextView) -> list[Hit] | None:
    try:
        return rule(view)
    except ValueError:  # tnear without tokens: the rule cannot be decided here
        return None


def code_project(
    store: Store,
    codebook: Codebook,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> CodeReport:
    """Code every unit not yet coded with this codebook (by its hash), from cached tokens.

    Units are matched on their stored matching view, so a new codebook
    version re-codes without segmenting again. Large projects are coded in
    a process pool; ``progress(done_units, total_units)`` reports as it goes.
    """
    started = time.perf_counter()
    _init_worker(codebook)
    coder = _WORKER["coder"]
    report = CodeReport(coder=coder.coder)
    store.register_coder(coder.coder, "rules", codebook.hash, codebook.version)
    store.register_rules(coder.coder, coder.rules())
    total = store.count_uncoded(coder.coder)
    batches = _unit_batches(store, coder.coder)
    workers = workers or default_workers()
    if workers > 1 and total >= PARALLEL_MIN_UNITS:
        with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(codebook,)) as pool:
            results = bounded_map(pool, _code_batch, batches, window=workers * 2)
            _save_all(store, coder.coder, results, report, total, progress)
    else:
        _save_all(store, coder.coder, map(_code_batch, batches), report, total, progress)
    report.seconds = time.perf_counter() - started
    return report


_WORKER: dict = {}


def _init_worker(codebook: Codebook) -> None:
    if _WORKER.get("hash") != codebook.hash:
        _WORKER.update(hash=codebook.hash, coder=RuleCoder(codebook))


def _unit_batches(store: Store, coder: str):
    last = 0
    while rows := store.units_to_code(coder, last, CODE_BATCH):
        last = rows[-1].rowid
        yield rows


def _code_batch(rows: list[UnitToCode]) -> tuple[list[str], list[CodingRow]]:
    coder: RuleCoder = _WORKER["coder"]
    codings = []
    for unit in rows:
        text = unit.text
        view = text if unit.match_text is None else unit.match_text
        # only token distances need the tokens: leave them packed otherwise
        tokens = decode_tokens(unit.tokens, view) if unit.tokens and coder.needs_tokens else None
        for c in coder.code(view, tokens, unit.role):
            codings.append(
                CodingRow(
                    unit.unit_id,
                    c.code_id,
                    c.stance,
                    unit.start + c.start,
                    unit.start + c.end,
                    text[c.start : c.end],
                    c.rule_id,
                    list(c.terms),
                )
            )
    return [unit.unit_id for unit in rows], codings


def _save_all(store, coder, results, report, total, progress) -> None:
    for unit_ids, codings in results:
        store.save_codings(coder, unit_ids, codings)
        report.units += len(unit_ids)
        report.codings += len(codings)
        if progress:
            progress(report.units, total)


def code_texts(
    codebook: Codebook, ids: Iterable, texts: Iterable[str], roles: Iterable | None = None
) -> pd.DataFrame:
    """Code any texts; return one row per (id, code) with the columns of TABLE_COLUMNS.

    ``roles`` optionally gives each text's speaker role (an ``ACT.*`` id).
    """
    coder = RuleCoder(codebook)
    ids, texts = list(ids), list(texts)
    roles = list(roles) if roles is not None else [None] * len(texts)
    rows = []
    for unit_id, text, role in zip(ids, texts, roles, strict=True):
        text = "" if pd.isna(text) else str(text)
        role = None if role is None or pd.isna(role) or not str(role) else str(role)
        for c in coder.code_text(text, role):
            rows.append(
                (unit_id, c.code_id, c.stance, c.start, c.end, text[c.start : c.end], coder.coder)
            )
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def code_table(
    path: str | Path,
    text_col: str,
    id_col: str,
    codebook: Codebook,
    sheet: str | None = None,
    encoding: str | None = None,
    role_col: str | None = None,
) -> pd.DataFrame:
    """Read a CSV or xlsx table of texts and code it (no project needed)."""
    from coding.common.tables import read_table

    required = [id_col, text_col] + ([role_col] if role_col else [])
    frame = read_table(path, sheet=sheet, encoding=encoding, required=required)
    roles = frame[role_col].tolist() if role_col else None
    return code_texts(codebook, frame[id_col].tolist(), frame[text_col].tolist(), roles)
