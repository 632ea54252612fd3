"""Rule-based auto-coding: a codebook's rules applied to texts, with evidence and stance."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from coding.hybrid.coder import HybridCoder

CODE_BATCH = 2000
# rule_id: the rule that fired, or "model"; probability: the model's P(code) where it decided
TABLE_COLUMNS = [
    "id",
    "code_id",
    "stance",
    "start",
    "end",
    "evidence",
    "coder",
    "rule_id",
    "probability",
]
SPEAKER_RULE = "speaker_rule"
MODEL_RULE = "model"  # the rule_id of a code the learned model gave
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
        return self.code_view(text, tokens, role)[1]

    def code_view(
        self, text: str, tokens: list[str] | None = None, role: str | None = None
    ) -> tuple[TextView, list[Coding]]:
        """Return the analysed view of a matching-view text and its codings (as ``code``)."""
        view = self.view(text, tokens, role)
        if not view.hits:
            return view, []
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
        return view, out

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
    coder: str = "hybrid",
) -> CodeReport:
    """Code every unit not yet coded with this codebook (by its hash), from cached tokens.

    ``coder="hybrid"`` (the default) uses the model shipped for this codebook and
    stores both the rules' codings (``rules@<hash>``) and the hybrid's
    (``hybrid@<version>``); without a shipped model for this exact codebook, or with
    ``coder="rules"``, the rules alone. Units are matched on their stored matching
    view, so a new codebook version re-codes without segmenting again. Large projects
    are coded in a process pool; ``progress(done_units, total_units)`` reports.
    """
    started = time.perf_counter()
    _init_worker(codebook, coder)
    rules: RuleCoder = _WORKER["rules"]
    machine = _WORKER["coder"]
    report = CodeReport(coder=machine.coder, note=_WORKER["note"])
    store.register_coder(rules.coder, "rules", codebook.hash, codebook.version)
    store.register_rules(rules.coder, rules.rules())
    if machine is not rules:
        store.register_coder(machine.coder, "hybrid", codebook.hash, codebook.version)
        store.register_rules(machine.coder, machine.rules_text())
    total = store.count_uncoded(machine.coder)
    batches = _unit_batches(store, machine.coder, questions=machine is not rules)
    workers = workers or default_workers()
    if workers > 1 and total >= PARALLEL_MIN_UNITS:
        with ProcessPoolExecutor(
            workers, initializer=_init_worker, initargs=(codebook, coder)
        ) as pool:
            results = bounded_map(pool, _code_batch, batches, window=workers * 2)
            _save_all(store, results, report, total, progress)
    else:
        _save_all(store, map(_code_batch, batches), report, total, progress)
    report.seconds = time.perf_counter() - started
    return report


_WORKER: dict = {}


def _init_worker(codebook: Codebook, coder: str = "hybrid") -> None:
    if _WORKER.get("key") == (codebook.hash, coder):
        return
    rules = RuleCoder(codebook)
    machine: RuleCoder | HybridCoder = rules
    note = ""
    if coder == "hybrid":
        from coding.hybrid.coder import shipped_weights

        weights = shipped_weights(codebook)
        if weights is None:
            note = (
                f"no model is shipped for codebook {codebook.name} {codebook.version} "
                f"({codebook.hash[:12]}); coded with the rules alone"
            )
        else:
            from coding.hybrid.coder import HybridCoder

            machine = HybridCoder(codebook, weights)
    _WORKER.update(key=(codebook.hash, coder), rules=rules, coder=machine, note=note)


def _unit_batches(store: Store, coder: str, questions: bool = False):
    last = 0
    while rows := store.units_to_code(coder, last, CODE_BATCH, questions):
        last = rows[-1].rowid
        yield rows


def _code_batch(rows: list[UnitToCode]) -> tuple[list[str], dict[str, list[CodingRow]]]:
    """Code a batch; return its unit ids and the codings per coder (rules, and hybrid)."""
    rules: RuleCoder = _WORKER["rules"]
    machine = _WORKER["coder"]
    views = [unit.text if unit.match_text is None else unit.match_text for unit in rows]
    # only token distances need the tokens: leave them packed otherwise
    tokens = [
        decode_tokens(unit.tokens, view) if unit.tokens and rules.needs_tokens else None
        for unit, view in zip(rows, views, strict=True)
    ]
    if machine is rules:
        coded = [rules.code(v, t, u.role) for u, v, t in zip(rows, views, tokens, strict=True)]
        return [u.unit_id for u in rows], {rules.coder: _rows(rows, coded)}
    # the model learned interviewee turns: interviewer turns keep the rules' codings
    asked = [i for i, u in enumerate(rows) if not u.interviewer]
    analysed, proba = machine.analyse(
        [views[i] for i in asked],
        [tokens[i] for i in asked],
        [rows[i].role for i in asked],
        [rows[i].question for i in asked],
    )
    ruled = [
        rules.code(v, t, u.role) if u.interviewer else []
        for u, v, t in zip(rows, views, tokens, strict=True)
    ]
    mixed = list(ruled)
    for k, i in enumerate(asked):
        view, codings = analysed[k]
        ruled[i] = codings
        mixed[i] = machine.combine(view, codings, proba[k])
    ids = [u.unit_id for u in rows]
    return ids, {rules.coder: _rows(rows, ruled), machine.coder: _rows(rows, mixed)}


def _rows(units: list[UnitToCode], coded: list[list[Coding]]) -> list[CodingRow]:
    """Turn codings of matching views into stored rows (offsets into the document)."""
    out = []
    for unit, codings in zip(units, coded, strict=True):
        for c in codings:
            # a code the model gave has no evidence span: no term marks it
            spanned = c.rule_id != MODEL_RULE
            out.append(
                CodingRow(
                    unit.unit_id,
                    c.code_id,
                    c.stance,
                    unit.start + c.start if spanned else None,
                    unit.start + c.end if spanned else None,
                    unit.text[c.start : c.end] if spanned else None,
                    c.rule_id,
                    list(c.terms),
                    c.probability,
                )
            )
    return out


def _save_all(store, results, report, total, progress) -> None:
    for unit_ids, by_coder in results:
        with store.transaction():
            for coder, codings in by_coder.items():
                store.save_codings(coder, unit_ids, codings)
        report.units += len(unit_ids)
        report.codings += len(by_coder[report.coder])
        if progress:
            progress(report.units, total)


def code_texts(
    codebook: Codebook,
    ids: Iterable,
    texts: Iterable[str],
    roles: Iterable | None = None,
    coder: str = "rules",
    questions: Iterable | None = None,
) -> pd.DataFrame:
    """Code any texts; return one row per (id, code) with the columns of TABLE_COLUMNS.

    ``roles`` optionally gives each text's speaker role (an ``ACT.*`` id), ``questions``
    the interviewer's question before it (read by the hybrid's model). ``coder`` is
    ``rules`` or ``hybrid`` (the rules alone when no model is shipped for this codebook).
    """
    machine = text_coder(codebook, coder)
    ids, texts = list(ids), list(texts)
    roles = list(roles) if roles is not None else [None] * len(texts)
    questions = list(questions) if questions is not None else [None] * len(texts)
    rows = []
    for unit_id, text, role, question in zip(ids, texts, roles, questions, strict=True):
        text = _cell(text) or ""
        role, question = _cell(role), _cell(question)
        if isinstance(machine, RuleCoder):
            codings = machine.code_text(text, role)
        else:
            codings = machine.code_text(text, role, question)
        for c in codings:
            spanned = c.rule_id != MODEL_RULE
            rows.append(
                (
                    unit_id,
                    c.code_id,
                    c.stance,
                    c.start if spanned else None,
                    c.end if spanned else None,
                    text[c.start : c.end] if spanned else "",
                    machine.coder,
                    c.rule_id,
                    c.probability,
                )
            )
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def _cell(value) -> str | None:
    """Return a table cell as text, or None when it is empty."""
    return None if value is None or pd.isna(value) or not str(value) else str(value)


def text_coder(codebook: Codebook, coder: str = "hybrid") -> RuleCoder | HybridCoder:
    """Return the coder for texts outside a project: the hybrid when asked for and a model
    is shipped for this exact codebook, else the rules."""
    if coder == "hybrid":
        from coding.hybrid.coder import HybridCoder, shipped_weights

        weights = shipped_weights(codebook)
        if weights is not None:
            return HybridCoder(codebook, weights)
    return RuleCoder(codebook)


def code_table(
    path: str | Path,
    text_col: str,
    id_col: str,
    codebook: Codebook,
    sheet: str | None = None,
    encoding: str | None = None,
    role_col: str | None = None,
    coder: str = "rules",
    question_col: str | None = None,
) -> pd.DataFrame:
    """Read a CSV or xlsx table of texts and code it (no project needed)."""
    from coding.common.tables import read_table

    optional = [c for c in (role_col, question_col) if c]
    frame = read_table(path, sheet=sheet, encoding=encoding, required=[id_col, text_col, *optional])
    roles = frame[role_col].tolist() if role_col else None
    questions = frame[question_col].tolist() if question_col else None
    return code_texts(
        codebook, frame[id_col].tolist(), frame[text_col].tolist(), roles, coder, questions
    )
