"""Auto-coding projects and tables: the rule coder, or the default hybrid, over many texts
(the rows a batch's codings become are ``coding.codingrows``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import ahocorasick

from coding.codebook import Codebook
from coding.codingrows import stored_rows
from coding.common.parallel import (
    bounded_map,
    collect_between_batches,
    default_workers,
    few_collections,
    quiet_collector,
)
from coding.model import CodeReport
from coding.rulecoder import (
    MODEL_RULE,
    SPEAKER_RULE,
    RuleCoder,
    changed_rules,
    rule_fingerprints,
    rule_texts,
)
from coding.store import Store, UnitToCode, decode_tokens

if TYPE_CHECKING:
    import pandas as pd

    from coding.hybrid.coder import HybridCoder

__all__ = [
    "MODEL_RULE",
    "SPEAKER_RULE",
    "TABLE_COLUMNS",
    "RuleCoder",
    "code_project",
    "code_table",
    "code_texts",
    "text_coder",
]

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
PARALLEL_MIN_UNITS = 20_000
# about how many codings a unit gets (both coders): decides whether to rebuild indexes
BULK_ROWS_PER_UNIT = 3


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
    # the coders' names and rule texts come from the codebook and the model's header, so
    # that a run with nothing to do loads neither the model nor the compiled rules
    shipped = _shipped_coder(codebook) if coder == "hybrid" else None
    name = shipped or codebook.coder
    note = "" if shipped or coder != "hybrid" else _no_model(codebook)
    report = CodeReport(coder=name, note=note)
    store.register_coder(codebook.coder, "rules", codebook.hash, codebook.version)
    store.register_rules(codebook.coder, rule_texts(codebook))
    # what decided the rules' codings, so that after an edit only changed rules are redone
    store.set_rule_fingerprints(codebook.coder, rule_fingerprints(codebook))
    if shipped:
        from coding.hybrid.coder import hybrid_rules_text

        store.register_coder(shipped, "hybrid", codebook.hash, codebook.version)
        store.register_rules(shipped, hybrid_rules_text(codebook, shipped.split("@", 1)[1]))
    total = store.count_uncoded(name)
    if not total:
        report.seconds = time.perf_counter() - started
        return report
    reuse = _reusable(store, codebook) if name == codebook.coder else None
    clauses = reuse[2] if reuse else ()
    _init_worker(codebook, coder, clauses)
    rules: RuleCoder = _WORKER["rules"]
    machine = _WORKER["coder"]
    batches = _unit_batches(store, machine.coder, machine is not rules, reuse, rules.needs_tokens)
    coders = [rules.coder] if machine is rules else [rules.coder, machine.coder]
    workers = workers or default_workers()
    # One transaction for the run: codings go in without index upkeep (built once, at or
    # near the end) unless earlier codings must be found: to replace them, or to keep them.
    replace = store.has_coded(coders)
    with store.unchecked_keys(), store.bulk_transaction(), few_collections():
        bulk = not replace and not reuse and store.bulk_codings(total * BULK_ROWS_PER_UNIT)
        if workers > 1 and total >= PARALLEL_MIN_UNITS:
            window = workers * 3
            # the indexes are built while the workers code the last batches: built after
            # them, a core idled through the build (0.1 s of 4.5 on 10 MB); begun once the
            # last window was handed out, the main still built and wrote 0.2 s after the
            # workers' end once their batches got faster. So they are built once all but
            # a batch a worker and the last window are handed out (median 3.18 -> 3.13 s
            # on 10 MB); the rows of those batches are indexed as they are written.
            if bulk:
                handed = -(-total // CODE_BATCH) - workers
                batches = _then(batches, store.end_bulk_codings, handed)
            # the workers are waited for before the commit: left to exit while it ran
            # (10-57 ms sooner on 10 MB), one was still alive a minute after a run in
            # the test suite had returned, cause unknown
            with ProcessPoolExecutor(
                workers, initializer=_init_pool_worker, initargs=(codebook, coder, clauses)
            ) as pool:
                results = bounded_map(pool, _code_pool_batch, batches, window=window)
                _save_all(store, coders, replace, results, report, total, progress)
        else:
            _save_all(store, coders, replace, map(_code_batch, batches), report, total, progress)
            if bulk:
                store.end_bulk_codings()
    if reuse:
        report.reused_from, report.changed_rules = reuse[0], len(reuse[1])
    report.seconds = time.perf_counter() - started
    return report


_WORKER: dict = {}


def _init_pool_worker(
    codebook: Codebook,
    coder: str = "hybrid",
    changed: tuple[tuple[frozenset[str], ...], ...] = (),
) -> None:
    """Start a worker process of the pool: its coders, and fewer collections for its life
    (the coders themselves, built once, are never walked again)."""
    _init_worker(codebook, coder, changed)
    quiet_collector()


def _init_worker(
    codebook: Codebook,
    coder: str = "hybrid",
    changed: tuple[tuple[frozenset[str], ...], ...] = (),
) -> None:
    """Build a process's coders once; ``changed`` holds, per changed rule, the term sets a
    unit must each meet for it to fire (units meeting none keep their earlier codings)."""
    if _WORKER.get("key") == (codebook.hash, coder, changed):
        return
    rules = RuleCoder(codebook)
    machine: RuleCoder | HybridCoder = rules
    note = ""
    if coder == "hybrid":
        from coding.hybrid.coder import shipped_weights

        weights = shipped_weights(codebook)
        if weights is None:
            note = _no_model(codebook)
        else:
            from coding.hybrid.coder import HybridCoder

            machine = HybridCoder(codebook, weights, rules)
            # built here, before a pool forks its workers from this process, they are shared
            machine.prepare()
    automaton = None
    terms = {t for clauses in changed for clause in clauses for t in clause}
    if terms:
        automaton = ahocorasick.Automaton()
        for term in terms:
            automaton.add_word(term, term)
        automaton.make_automaton()
    _WORKER.update(
        key=(codebook.hash, coder, changed),
        rules=rules,
        coder=machine,
        note=note,
        changed=(automaton, changed),
    )


def _may_fire(view: str) -> bool:
    """Whether some changed rule could fire on a text: each of its term sets is met."""
    automaton, changed = _WORKER["changed"]
    found = {term for _end, term in automaton.iter(view)} if automaton is not None else set()
    return any(all(not c.isdisjoint(found) for c in clauses) for clauses in changed)


def _reusable(
    store: Store, codebook: Codebook
) -> tuple[str, set[str], tuple[tuple[frozenset[str], ...], ...]] | None:
    """The earlier rule coder whose codings of unchanged rules can be kept, the codes that
    changed and the term sets their new rules need; None when everything must be coded."""
    earlier = store.earlier_rules(codebook.coder)
    if earlier is None:
        return None
    changed = changed_rules(codebook, earlier[1])
    # past half the codes changed, keeping codings saves less than finding them costs
    if changed is None or len(changed[0]) * 2 > len(codebook.codes):
        return None
    return earlier[0], changed[0], changed[1]


def _shipped_coder(codebook: Codebook) -> str | None:
    from coding.hybrid.coder import shipped_coder

    return shipped_coder(codebook)


def _no_model(codebook: Codebook) -> str:
    return (
        f"no model is shipped for codebook {codebook.name} {codebook.version} "
        f"({codebook.hash[:12]}); coded with the rules alone"
    )


def _unit_batches(
    store: Store, coder: str, questions: bool = False, reuse=None, tokens: bool = True
):
    """Yield the units to code in batches, each with the earlier codings it may keep (and
    the tokens only if some rule counts them)."""
    last = 0
    while raw := store.unit_rows_to_code(coder, last, CODE_BATCH, questions, tokens):
        last = raw[-1][0]
        if not reuse:
            yield raw, {}
            continue
        units = list(map(UnitToCode._make, raw))
        yield raw, store.reusable_codings(reuse[0], units, reuse[1])


def _code_batch(batch: tuple[list[tuple], dict[int, list[tuple]]]):
    """Code a batch (units as ``Store.unit_rows_to_code`` gives them); return its unit ids,
    the rows ``Store.write_codings`` takes (coder 0 the rules, 1 the hybrid), how many
    codings the last coder gave and how many units were coded (the others kept their
    earlier codings: none of their terms is new)."""
    rows = list(map(UnitToCode._make, batch[0]))
    kept = batch[1]
    rules: RuleCoder = _WORKER["rules"]
    machine = _WORKER["coder"]
    views = [unit.text if unit.match_text is None else unit.match_text for unit in rows]
    if machine is rules:
        stored: list[tuple] = []
        coded = 0
        for unit, view in zip(rows, views, strict=True):
            earlier = kept.get(unit.rowid)
            if earlier is not None and not _may_fire(view):
                stored += earlier
                continue
            coded += 1
            cut = _tokens(unit, view, rules)
            rowid, at = unit.rowid, unit.start
            stored += [
                (rowid, 0, None, c.code_id, c.stance, at + c.start, at + c.end, c.rule_id,
                 c.terms, c.probability, None, None)
                for c in rules.code(view, cut, unit.role)
            ]  # fmt: skip  # coding_row inlined: a rule's coding always has its span
        return [u.unit_id for u in rows], stored, len(stored), coded
    tokens = [_tokens(unit, view, rules) for unit, view in zip(rows, views, strict=True)]
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
    for k, combined in enumerate(machine.combine_all(analysed, proba)):
        ruled[asked[k]] = analysed[k][1]
        mixed[asked[k]] = combined
    ids = [u.unit_id for u in rows]
    return ids, stored_rows(rows, ruled, mixed), sum(map(len, mixed)), len(rows)


def _code_pool_batch(batch: tuple[list[tuple], dict[int, list[tuple]]]):
    """``_code_batch`` in a pool worker, which collects garbage only between batches."""
    result = _code_batch(batch)
    collect_between_batches()
    return result


def _tokens(unit: UnitToCode, view: str, rules: RuleCoder) -> list[str] | None:
    # only token distances need the tokens: leave them packed otherwise
    return decode_tokens(unit.tokens, view) if unit.tokens and rules.needs_tokens else None


def _then(items: Iterable, last: Callable[[], None], after: int | None = None) -> Iterator:
    """Yield ``items`` and call ``last`` once: when the one after the ``after``-th item is
    asked for, or when one more than there are is."""
    called = False
    for taken, item in enumerate(items, 1):
        yield item
        if taken == after:
            last()
            called = True
    if not called:
        last()


def _save_all(store, coders, replace, results, report, total, progress) -> None:
    """Write each batch's codings as it comes."""
    for unit_ids, rows, given, coded in results:
        store.write_codings(coders, unit_ids, rows, replace)
        report.units += len(unit_ids)
        report.codings += given
        report.recoded += coded
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
    import pandas as pd

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
    import pandas as pd

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
