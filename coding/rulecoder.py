"""The rule coder: a codebook's rules applied to one text, with evidence and stance."""

from __future__ import annotations

from functools import cached_property
from operator import itemgetter

import ahocorasick

from coding.codebook import Codebook
from coding.ingest.normalize import match_view
from coding.model import Coding
from coding.rulecompile import Compiled, RuleSets, compile_source
from coding.rules import (
    Call,
    Evaluator,
    Node,
    canonical,
    compile_rule,
    required_clauses,
    walk,
)
from coding.stance import CUES, NO_CUES, code_valence, cue_words, stance_of
from coding.textview import Hit, TextView

SPEAKER_RULE = "speaker_rule"
# Raised when what a rule does on a text changes (negation, hypotheticals, stance): codings
# of an earlier codebook are then never reused for unchanged rules.
RULE_ENGINE = "1"
MODEL_RULE = "model"  # the rule_id of a code the learned model gave


class RuleCoder:
    """Applies every rule of a codebook; one Aho-Corasick pass finds all terms at once."""

    def __init__(self, codebook: Codebook) -> None:
        self.codebook = codebook
        self.coder = codebook.coder
        self._automaton = ahocorasick.Automaton()
        terms = sorted(codebook.terms())
        for term in terms:
            # the term with how far back it starts from where it ends: no len() per hit
            self._automaton.add_word(term, (term, len(term) - 1))
        # the stance cue words are found in the same pass (a second one over every text
        # cost 0.1 s on 10 MB): marked by a negative distance, with the term they may be
        self._cue_words = cue_words()
        if self._cue_words is not None:
            known = set(terms)
            for word, polarity in self._cue_words.items():
                also = word if word in known else None
                self._automaton.add_word(word, ((also, len(word) - 1, polarity), -1))
        self._automaton.make_automaton()
        self._codes = list(codebook.codes.values())
        # a code is only checked on a text that holds one of its triggers: a clause that
        # holds every trigger is met already
        self._clauses = {
            c.id: [k for k in required_clauses(c.node) if not c.triggers <= k] for c in self._codes
        }
        # each rule as one compiled function; its sets of terms looked up once per text
        self._sets = RuleSets()
        self._rules = {c.id: _compiled(c.node, self._sets) for c in self._codes}
        speaker = codebook.speaker_node
        self._speaker = _compiled(speaker, self._sets) if speaker is not None else None
        # per code: the stance its meaning fixes, and its default (code_stance's reading)
        self._valence = {c.id: code_valence(c.id) for c in self._codes}
        # per code: its id, the term sets its rule needs and the compiled rule, by index
        self._checks = [(c.id, self._clauses[c.id], self._rules[c.id]) for c in self._codes]
        # term -> indexes of the codes it can help to trigger, so that a text is
        # only checked against the codes its own terms point to
        self._by_term: dict[str, list[int]] = {}
        for index, code in enumerate(self._codes):
            for term in code.triggers:
                self._by_term.setdefault(term, []).append(index)
        # whether some rule measures distances in tokens (``tnear``): found here, not on
        # first use, which wrote into the instance's dict and left Python 3.11 reading
        # every attribute of the coder unspecialised, several times slower, for each text
        self.needs_tokens: bool = _needs_tokens([c.node for c in self._codes], speaker)

    def view(self, text: str, tokens: list[str] | None = None, role: str | None = None) -> TextView:
        """Analyse a matching-view text: every term hit, ready for the rules (each hit a
        plain ``(start, end, term)`` tuple with a ``Hit``'s fields)."""
        hits: dict[str, list[Hit]] = {}
        cues: list[tuple[int, int, int]] = []
        for end, (term, back) in self._automaton.iter(text):
            if back < 0:  # a cue word: where it is for the stance, and a hit if a term
                term, back, polarity = term
                cues.append((end - back, end + 1, polarity))
                if term is None:
                    continue
            # a plain tuple of a Hit's fields (the rules read them by index): making a Hit
            # itself cost 5% of the rule coder's instructions
            hit: Hit = (end - back, end + 1, term)  # type: ignore[assignment]
            found = hits.get(term)
            if found is None:
                hits[term] = [hit]
            else:
                found.append(hit)
        view = TextView(text, hits, tokens, role)
        if self._cue_words is not None:
            if cues:
                view.__dict__["_cue_found"] = cues  # read by the stance's cue marks
            else:  # most texts: the marks of a text without cues, made here at once
                view.__dict__["_cue_marks"] = NO_CUES
        return view

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
        hits = view.hits
        if not hits:
            return view, []
        out = []
        found = view.found
        sets = self._sets.set_hits(hits)
        by_term, checks = self._by_term, self._checks
        for index in sorted({i for term in found for i in by_term.get(term, ())}):
            code_id, clauses, rule = checks[index]
            for clause in clauses:
                if clause.isdisjoint(found):
                    break  # a term the rule needs is missing
            else:
                try:  # _evidence inlined: one call fewer per rule and text
                    evidence = rule(view, hits, sets)
                except ValueError:  # tnear without tokens: the rule cannot be decided here
                    continue
                if evidence:
                    out.append(self._coding(code_id, code_id, evidence, view))
        if (
            role in self.codebook.codes
            and self._speaker is not None
            and role not in {c.code_id for c in out}
        ):
            evidence = _evidence(self._speaker, view, hits, sets)
            if evidence:
                out.append(self._coding(role, SPEAKER_RULE, evidence, view))
        return view, out

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
        return rule_texts(self.codebook)

    def _coding(self, code_id: str, rule_id: str, evidence: list[Hit], view: TextView) -> Coding:
        if len(evidence) == 1:
            start, end, term = evidence[0]
            terms: tuple[str, ...] = (term,)
        else:
            ordered = sorted(evidence, key=_START)  # stable: hits at one offset keep order
            start = ordered[0][0]
            end = max(map(_END, evidence))
            terms = tuple(dict.fromkeys(map(_TERM, ordered)))
        # code_stance, with the cue words read only where they can change the stance and
        # negation only where the stance depends on it (negated, it is "negative")
        fixed, default = self._valence.get(code_id) or code_valence(code_id)
        if fixed is not None:
            stance = fixed
        else:
            # most texts have no cue word: their marks, the shared empty ones, say neutral
            if view.__dict__.get("_cue_marks") is NO_CUES:
                stance = "neutral"
            else:
                stance = stance_of(view, start, end)
            if stance == "neutral" and default is not None:
                stance = default
                if default != "negative" and view.may_negate:
                    negated = view.negated
                    for hit in evidence:
                        if hit[2] and negated(hit):
                            stance = "negative"
                            break
        return Coding(code_id, stance, start, end, terms, rule_id)


_START, _END, _TERM = itemgetter(0), itemgetter(1), itemgetter(2)  # a Hit's fields


def rule_texts(codebook: Codebook) -> dict[str, str]:
    """Return the rule text behind each rule id a codebook's rule coder records."""
    rules = {code.id: code.rule for code in codebook.codes.values()}
    if codebook.speaker_rule:
        rules[SPEAKER_RULE] = codebook.speaker_rule
    return rules


def rule_fingerprints(codebook: Codebook) -> dict:
    """Return what decides each code's codings: a digest per code's rule (synonyms expanded),
    the speaker rule's, and the engine's (its version and the stance cues)."""
    import hashlib

    def digest(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    speaker = codebook.speaker_node
    return {
        "engine": digest(RULE_ENGINE + CUES.read_text(encoding="utf-8")),
        "speaker": digest(canonical(speaker)) if speaker is not None else None,
        "codes": {c.id: digest(canonical(c.node)) for c in codebook.codes.values()},
    }


def changed_rules(
    codebook: Codebook, earlier: dict
) -> tuple[set[str], tuple[tuple[frozenset[str], ...], ...]] | None:
    """Return the codes whose codings may differ from those of the codebook that ``earlier``
    (``rule_fingerprints``) describes, and for each of them still in the codebook the term
    sets a unit must each meet for its new rule to fire (``required_clauses``); None when
    every code may differ (another engine or speaker rule)."""
    now = rule_fingerprints(codebook)
    if now["engine"] != earlier.get("engine") or now["speaker"] != earlier.get("speaker"):
        return None
    old: dict = earlier.get("codes") or {}
    codes = {c for c in now["codes"].keys() | old.keys() if now["codes"].get(c) != old.get(c)}
    clauses = tuple(
        tuple(required_clauses(codebook.codes[c].node)) for c in sorted(codes & now["codes"].keys())
    )
    return codes, clauses


def _compiled(node: Node, sets: RuleSets) -> Compiled:
    """Return a rule compiled to Python source, or its closures where Python cannot compile
    the source (a rule nested past Python's limits)."""
    try:
        return compile_source(node, sets)
    except (SyntaxError, RecursionError, MemoryError):
        closures: Evaluator = compile_rule(node)
        return lambda view, _hits, _sets: closures(view)


def _needs_tokens(nodes: list[Node], speaker: Node | None) -> bool:
    """Return whether some rule measures distances in tokens (``tnear``)."""
    return any(
        isinstance(n, Call) and n.name == "tnear"
        for node in [*nodes, speaker]
        if node is not None
        for n in walk(node)
    )


def _evidence(rule: Compiled, view: TextView, hits: dict, sets: list) -> list[Hit] | None:
    try:
        return rule(view, hits, sets)
    except ValueError:  # tnear without tokens: the rule cannot be decided here
        return None
