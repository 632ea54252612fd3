"""The coding-rule language: parse a rule into a tree, evaluate it on an analysed text.

A rule is an expression over terms (substrings of the Simplified matching
view). Operators: ``A OR B`` (also ``A | B``), ``A AND B`` (also ``&``),
``NOT A`` (also ``!A``), parentheses. Functions:

- ``near(A, B, n)``: a hit of A and a hit of B at most n characters apart;
- ``tnear(A, B, n)``: at most n tokens apart (jieba tokens);
- ``before(A, B, n)``: A, then B within n characters;
- ``sent(A, B, ...)`` / ``clause(A, B, ...)``: all in one sentence / clause;
- ``fact(A)``: hits of A that are neither negated nor hypothetical;
- ``real(A)``: hits of A that are not hypothetical (negated ones count);
- ``wish(A)``: hits of A in a hypothetical or wishful sentence;
- ``neg(A)``: hits of A that are negated;
- ``except(A, B)``: hits of A that do not lie inside a hit of B;
- ``role(ACT.ASSOC, …)``: the speaker's own actor code is one of these (true
  or false, no evidence of its own, like ``NOT``).

Evaluating gives the evidence: the list of hits that made the rule true, or
None when it is false. ``NOT`` contributes no evidence, so a rule needs at
least one term outside ``NOT``.

One module of about 500 lines, on purpose: the parser, the checks and the
compiled closures are three views of the same small language, and a change to
the language touches all three.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from coding.errors import RuleSyntaxError
from coding.ingest.normalize import match_view
from coding.textview import Hit, TextView

_FUNCTIONS: dict[str, tuple[int, int, bool]] = {
    # name: (min expression args, max expression args, takes a trailing number)
    "near": (2, 2, True),
    "tnear": (2, 2, True),
    "before": (2, 2, True),
    "sent": (2, 9, False),
    "clause": (2, 9, False),
    "fact": (1, 1, False),
    "real": (1, 1, False),
    "wish": (1, 1, False),
    "neg": (1, 1, False),
    "except": (2, 2, False),
    "role": (1, 9, False),
}
# Deeper nesting is no rule a person writes, and would exhaust Python's
# recursion in the parser and in every function that walks the tree.
MAX_DEPTH = 50
_KEYWORDS = {"AND": "&", "OR": "|", "NOT": "!"}
_PUNCT = "()|&!,"
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<punct>[()|&!,])
      | "(?P<dq>[^"]*)" | '(?P<sq>[^']*)' | 「(?P<cq>[^」]*)」
      | (?P<word>[^\s()|&!,"'「」]+)
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Term:
    """A literal substring to find."""

    text: str
    pos: int


@dataclass(frozen=True)
class Op:
    """AND / OR over several parts, or NOT over one."""

    kind: str  # "&", "|", "!"
    parts: tuple
    pos: int


@dataclass(frozen=True)
class Call:
    """A function such as near(A, B, 5)."""

    name: str
    args: tuple
    number: int | None
    pos: int


@dataclass(frozen=True)
class TermSet:
    """Any of many terms: an OR of plain terms, compiled for a fast set lookup."""

    terms: frozenset[str]
    pos: int


Node = Term | Op | Call | TermSet


def _lex(rule: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(rule):
        if rule[pos:].strip() == "":
            break
        m = _TOKEN.match(rule, pos)
        if m is None or m.end() == pos:
            raise RuleSyntaxError(f"unexpected character {rule[pos]!r}", rule, pos)
        start = m.start(m.lastgroup or 0)
        if m.group("punct"):
            tokens.append(("punct", m.group("punct"), start))
        elif m.group("word") is not None:
            word = m.group("word")
            if word in _KEYWORDS:
                tokens.append(("punct", _KEYWORDS[word], start))
            else:
                tokens.append(("word", word, start))
        else:
            text = m.group("dq") or m.group("sq") or m.group("cq") or ""
            tokens.append(("quoted", text, start))
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, rule: str) -> None:
        self.rule = rule
        self.tokens = _lex(rule)
        self.i = 0
        self.depth = 0

    def nest(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"the rule nests more than {MAX_DEPTH} levels deep", pos)

    def error(self, message: str, pos: int | None = None) -> RuleSyntaxError:
        if pos is None:
            pos = self.tokens[self.i][2] if self.i < len(self.tokens) else len(self.rule)
        return RuleSyntaxError(message, self.rule, pos)

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, value: str) -> bool:
        tok = self.peek()
        if tok and tok[0] == "punct" and tok[1] == value:
            self.i += 1
            return True
        return False

    def _pos(self) -> int:
        tok = self.peek()
        return tok[2] if tok else len(self.rule)

    def parse(self) -> Node:
        if not self.tokens:
            raise self.error("the rule is empty", 0)
        node = self.expr()
        tok = self.peek()
        if tok is not None:
            raise self.error(f"unexpected {tok[1]!r}; expected AND, OR or the end")
        return node

    def expr(self) -> Node:
        pos = self._pos()
        self.nest(pos)
        parts = [self.conj()]
        while self.take("|"):
            parts.append(self.conj())
        self.depth -= 1
        return parts[0] if len(parts) == 1 else Op("|", tuple(parts), pos)

    def conj(self) -> Node:
        pos = self._pos()
        parts = [self.unary()]
        while self.take("&"):
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else Op("&", tuple(parts), pos)

    def unary(self) -> Node:
        tok = self.peek()
        if tok and tok[0] == "punct" and tok[1] == "!":
            self.i += 1
            self.nest(tok[2])
            node = Op("!", (self.unary(),), tok[2])
            self.depth -= 1
            return node
        return self.primary()

    def primary(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise self.error("the rule ends where a term was expected")
        kind, value, pos = tok
        if kind == "punct" and value == "(":
            self.i += 1
            node = self.expr()
            if not self.take(")"):
                raise self.error("missing ')'")
            return node
        if kind == "punct":
            raise self.error(f"unexpected {value!r} where a term was expected")
        self.i += 1
        if kind == "word" and value in _FUNCTIONS and self.take("("):
            return self.call(value, pos)
        return Term(value, pos)

    def call(self, name: str, pos: int) -> Call:
        low, high, numbered = _FUNCTIONS[name]
        args: list[Node] = []
        number = None
        while True:
            tok = self.peek()
            if numbered and len(args) == high and tok and tok[0] == "word" and tok[1].isdigit():
                number = int(tok[1])
                self.i += 1
            else:
                args.append(self.expr())
            if self.take(")"):
                break
            if not self.take(","):
                raise self.error(f"expected ',' or ')' in {name}(…)")
        if not low <= len(args) <= high:
            want = str(low) if low == high else f"{low} to {high}"
            raise self.error(f"{name}() takes {want} expressions, got {len(args)}", pos)
        if numbered and number is None:
            raise self.error(f"{name}() needs a distance as its last argument", pos)
        return Call(name, tuple(args), number, pos)


def parse_rule(rule: str, synonyms: dict[str, list[str]] | None = None) -> Node:
    """Parse a rule; raise RuleSyntaxError with the position of the problem.

    ``@name`` stands for the OR of the terms listed under ``name`` in
    ``synonyms`` (the codebook's ``synonyms:`` section).
    """
    node = _expand(_Parser(rule).parse(), synonyms or {}, rule)
    _check(node, rule)
    return _compile(node)


def _compile(node: Node) -> Node:
    """Turn every OR of plain terms into one TermSet; the meaning stays the same."""
    if isinstance(node, Op):
        parts = tuple(_compile(p) for p in node.parts)
        if node.kind != "|":
            return Op(node.kind, parts, node.pos)
        words = [p for p in parts if isinstance(p, Term | TermSet)]
        rest = tuple(p for p in parts if not isinstance(p, Term | TermSet))
        if len(words) < 2:
            return Op("|", parts, node.pos)
        merged = TermSet(
            frozenset(w for p in words for w in ((p.text,) if isinstance(p, Term) else p.terms)),
            node.pos,
        )
        return merged if not rest else Op("|", (merged, *rest), node.pos)
    if isinstance(node, Call):
        return Call(node.name, tuple(_compile(a) for a in node.args), node.number, node.pos)
    return node


def required_clauses(node: Node) -> list[frozenset[str]]:
    """Return term sets that must each share a term with the text for the rule to hold.

    A cheap necessary condition checked before the rule itself: ``a AND b``
    needs both, ``near(a, b, 5)`` too, ``a OR b`` needs one of either.
    """
    if isinstance(node, Term):
        return [frozenset((node.text,))]
    if isinstance(node, TermSet):
        return [node.terms]
    if isinstance(node, Op):
        if node.kind == "!":
            return []
        if node.kind == "|":
            return [positive_terms(node)]
        return [c for p in node.parts for c in required_clauses(p)]
    if node.name == "except":
        return required_clauses(node.args[0])
    if node.name == "role":
        return []
    return [c for a in node.args for c in required_clauses(a)]


def positive_terms(node: Node) -> frozenset[str]:
    """Return the terms of which at least one must be found for the rule to give evidence."""
    if isinstance(node, Term):
        return frozenset((node.text,))
    if isinstance(node, TermSet):
        return node.terms
    if isinstance(node, Op):
        if node.kind == "!":
            return frozenset()
        return frozenset().union(*(positive_terms(p) for p in node.parts))
    if node.name == "except":
        return positive_terms(node.args[0])
    if node.name == "role":
        return frozenset()
    return frozenset().union(*(positive_terms(a) for a in node.args))


def _expand(node: Node, synonyms: dict[str, list[str]], rule: str) -> Node:
    if isinstance(node, Term):
        if not node.text.startswith("@"):
            return node
        name = node.text[1:]
        if name not in synonyms:
            known = ", ".join(f"@{k}" for k in synonyms) or "none"
            raise RuleSyntaxError(
                f"unknown synonym list '@{name}' (defined: {known})", rule, node.pos
            )
        terms = tuple(Term(t, node.pos) for t in synonyms[name])
        return terms[0] if len(terms) == 1 else Op("|", terms, node.pos)
    if isinstance(node, Op):
        return Op(node.kind, tuple(_expand(p, synonyms, rule) for p in node.parts), node.pos)
    assert isinstance(node, Call)  # TermSets are made after expansion
    return Call(
        node.name, tuple(_expand(a, synonyms, rule) for a in node.args), node.number, node.pos
    )


def _check(node: Node, rule: str) -> None:
    if not _has_positive(node):
        raise RuleSyntaxError(
            "the rule can never give evidence: it needs a term outside NOT", rule, 0
        )
    for term in terms_of(node):
        if not term.text:
            raise RuleSyntaxError("empty term", rule, term.pos)
        view = match_view(term.text)
        if view != term.text:
            raise RuleSyntaxError(
                f"term '{term.text}' can never match: text is matched in Simplified Chinese "
                f"with ASCII letters and digits; write '{view}'",
                rule,
                term.pos,
            )
    for op in walk(node):
        if isinstance(op, Op) and op.kind == "&":
            plain = {p.text for p in op.parts if isinstance(p, Term)}
            for p in op.parts:
                negated_term = isinstance(p, Op) and p.kind == "!" and isinstance(p.parts[0], Term)
                if negated_term and p.parts[0].text in plain:
                    raise RuleSyntaxError(
                        f"'{p.parts[0].text} AND NOT {p.parts[0].text}' can never match",
                        rule,
                        p.pos,
                    )


def _has_positive(node: Node) -> bool:
    if isinstance(node, Term):
        return True
    if isinstance(node, Op):
        if node.kind == "!":
            return False
        check = all if node.kind == "|" else any
        return check(_has_positive(p) for p in node.parts)
    assert isinstance(node, Call)
    if node.name == "except":
        return _has_positive(node.args[0])
    if node.name == "role":
        return False
    return all(_has_positive(a) for a in node.args)


def walk(node: Node):
    """Yield a rule's nodes, the rule itself first (not the code ids of role())."""
    yield node
    if isinstance(node, Call) and node.name == "role":
        return  # its arguments are code ids, not terms to find
    children = node.parts if isinstance(node, Op) else node.args if isinstance(node, Call) else ()
    for child in children:
        yield from walk(child)


def terms_of(node: Node) -> list[Term]:
    """Return every term of a rule."""
    out: list[Term] = []
    for n in walk(node):
        if isinstance(n, Term):
            out.append(n)
        elif isinstance(n, TermSet):
            out += [Term(t, n.pos) for t in sorted(n.terms)]
    return out


def canonical(node: Node) -> str:
    """Return a rule's tree as text that is equal exactly when two rules mean the same to the
    engine (positions left out, sets sorted): what tells that a codebook edit changed a rule."""
    if isinstance(node, Term):
        return repr(node.text)
    if isinstance(node, TermSet):
        return "{" + ",".join(map(repr, sorted(node.terms))) + "}"
    if isinstance(node, Op):
        return node.kind + "(" + ",".join(canonical(p) for p in node.parts) + ")"
    args = ",".join(canonical(a) for a in node.args)
    return f"{node.name}({args};{node.number})"


Evaluator = Callable[[TextView], "list[Hit] | None"]


def evaluate(node: Node, view: TextView) -> list[Hit] | None:
    """Return the evidence hits if the rule holds for the text, else None."""
    return compile_rule(node)(view)


def compile_rule(node: Node) -> Evaluator:
    """Turn a rule tree into a function of a text view giving the evidence (or None).

    Compiled once per code, so coding a unit does no dispatch on node types;
    AND and the functions stop at the first part that fails.
    """
    if isinstance(node, Term):
        text = node.text
        return lambda view: view.hits.get(text) or None
    if isinstance(node, TermSet):
        terms = node.terms

        def any_term(view: TextView) -> list[Hit] | None:
            # codes share synonym lists: each distinct set is gathered once per text
            cache = view.term_sets
            if terms not in cache:
                hits = view.hits
                present = terms & view.found  # in C; most sets meet no term or one
                if not present:
                    cache[terms] = None
                elif len(present) == 1:  # no caller changes a list of evidence it is given
                    cache[terms] = hits[next(iter(present))]
                else:  # in the order the terms were found, as the evidence has always been
                    cache[terms] = [
                        h for term, found in hits.items() if term in present for h in found
                    ]
            return cache[terms]

        return any_term
    if isinstance(node, Op):
        parts = [compile_rule(p) for p in node.parts]
        if node.kind == "!":
            inner = parts[0]
            return lambda view: None if inner(view) is not None else []
        if node.kind == "&":

            def all_of(view: TextView) -> list[Hit] | None:
                found: list[Hit] = []
                for part in parts:
                    result = part(view)
                    if result is None:
                        return None
                    found += result
                return found

            return all_of

        def any_of(view: TextView) -> list[Hit] | None:
            found: list[Hit] = []
            held = False
            for part in parts:
                result = part(view)
                if result is not None:
                    held = True
                    found += result
            return found if held else None

        return any_of
    return _compile_call(node)


def _compile_call(node: Call) -> Evaluator:
    name, n = node.name, node.number
    if name == "role":
        wanted = {a.text for a in node.args if isinstance(a, Term)}
        return lambda view: [] if view.role in wanted else None
    args = [compile_rule(a) for a in node.args]
    if name == "except":
        keep, mask = args

        def unmasked(view: TextView) -> list[Hit] | None:
            hits = keep(view)
            return None if hits is None else outside(hits, mask(view))

        return unmasked

    def arguments(view: TextView) -> list[list[Hit]] | None:
        out = []
        for arg in args:
            hits = arg(view)
            if not hits:  # None (false) or [] (no evidence to relate)
                return None
            out.append(hits)
        return out

    if name in ("fact", "real", "wish", "neg"):
        return _compile_filter(name, args[0])
    if name in ("near", "tnear", "before"):
        n = n or 0  # the parser requires a distance for these three

        def close(view: TextView) -> list[Hit] | None:
            found = arguments(view)
            return None if found is None else close_pairs(view, name, n, found[0], found[1])

        return close

    sentences = name == "sent"

    def in_one(view: TextView) -> list[Hit] | None:
        found = arguments(view)
        if found is None:
            return None
        return together(view.sentence_starts() if sentences else view.clause_starts(), found)

    return in_one


def _compile_filter(name: str, inner: Evaluator) -> Evaluator:
    """fact(), real(), wish() and neg(): the hits of their argument that pass a test."""
    test = HIT_FILTERS[name]

    def filtered(view: TextView) -> list[Hit] | None:
        hits = inner(view)
        if not hits:  # None (false) or [] (no evidence to relate)
            return None
        return test(view, hits)

    return filtered


# What the functions do with their arguments' hits, shared by the closures above and the
# rules compiled to Python source (``rulecompile``).


def _fact(view: TextView, hits: list[Hit]) -> list[Hit] | None:
    wished = view.hypotheticals
    if not view.may_negate:  # no negation character: no hit is negated
        if not wished:
            return list(hits)  # most texts: no hit can be negated or hypothetical
        return _real(view, hits)
    negated = view.negated
    if not wished:
        return [h for h in hits if not negated(h)] or None
    # view.hypothetical inlined: a hit's sentence by where it starts
    starts = view.sentence_starts()
    return [
        h for h in hits if not negated(h) and bisect_right(starts, h[0]) - 1 not in wished
    ] or None


def _neg(view: TextView, hits: list[Hit]) -> list[Hit] | None:
    if not view.may_negate:
        return None
    negated = view.negated
    return [h for h in hits if negated(h)] or None


def _real(view: TextView, hits: list[Hit]) -> list[Hit] | None:
    wished = view.hypotheticals
    if not wished:
        return list(hits)
    starts = view.sentence_starts()
    return [h for h in hits if bisect_right(starts, h[0]) - 1 not in wished] or None


def _wish(view: TextView, hits: list[Hit]) -> list[Hit] | None:
    wished = view.hypotheticals
    if not wished:
        return None
    starts = view.sentence_starts()
    return [h for h in hits if bisect_right(starts, h[0]) - 1 in wished] or None


# fact(), neg(), real(), wish(): the hits of a non-empty list that pass each one's test
HIT_FILTERS: dict[str, Callable[[TextView, list[Hit]], list[Hit] | None]] = {
    "fact": _fact,
    "neg": _neg,
    "real": _real,
    "wish": _wish,
}


def outside(hits: list[Hit], masks: list[Hit] | None) -> list[Hit] | None:
    """except(): the hits that lie inside no mask."""
    if not masks:  # most calls: the masked part has no evidence
        return list(hits) or None
    kept = [h for h in hits if not any(m[0] <= h[0] and h[1] <= m[1] for m in masks)]
    return kept or None


def close_pairs(
    view: TextView, name: str, n: int, first: list[Hit], second: list[Hit]
) -> list[Hit] | None:
    """near(), tnear(), before(): every pair of hits at most ``n`` apart, as the function
    measures it (characters, tokens, or characters with the first before the second)."""
    pairs = []
    for a in first:
        for b in second:
            if name == "near":
                gap = max(b[0] - a[1], a[0] - b[1])
            elif name == "before":
                gap = b[0] - a[1] if b[0] >= a[1] else n + 1
            else:
                gap = view.token_gap(a, b)
            if gap <= n:
                pairs += [a, b]
    return pairs or None


def together(starts: list[int], found: list[list[Hit]]) -> list[Hit] | None:
    """sent(), clause(): the hits of every argument in a sentence (clause) they all share,
    the sentences given by where they start."""
    if len(found) == 2:  # most calls: two arguments, often one of them a single hit
        first, second = found
        if len(first) == 1:
            place = bisect_right(starts, first[0][0])
            kept = [h for h in second if bisect_right(starts, h[0]) == place]
            return [first[0], *kept] if kept else None
        if len(second) == 1:
            place = bisect_right(starts, second[0][0])
            kept = [h for h in first if bisect_right(starts, h[0]) == place]
            return [*kept, second[0]] if kept else None
    # each hit's sentence (or clause) looked up once, by where it starts
    where = [[bisect_right(starts, h[0]) for h in hits] for hits in found]
    common = set(where[0]).intersection(*where[1:])
    if not common:
        return None
    return [
        h
        for hits, places in zip(found, where, strict=True)
        for h, place in zip(hits, places, strict=True)
        if place in common
    ]
