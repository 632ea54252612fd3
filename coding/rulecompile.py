"""Rules compiled to Python source: one function per rule, no call per node.

``rules.compile_rule`` turns a rule into nested closures, one Python call per node and
per text; with a few hundred thousand rule evaluations per 5 MB that call overhead was
most of the rules' time. Here a rule becomes the source of a single function whose
plain terms, sets of terms, AND, OR and NOT are inline statements; the functions
(``fact``, ``sent``, ``near`` …) call one helper each with their evaluated arguments.
Every node is evaluated exactly when and in the order the closures evaluate it (AND and
the functions stop at their first failing part, OR evaluates every part), so the
evidence, and any error a part raises (``tnear`` without tokens), are the same.

A set of terms is looked up in a table made once per text (``set_hits``): for each set
of the coder's rules that meets the text's terms, its hits in the order the closures
gather them.
"""

from __future__ import annotations

from collections.abc import Callable

from coding.rules import (
    HIT_FILTERS,
    Call,
    Node,
    Op,
    Term,
    TermSet,
    close_pairs,
    outside,
    required_clauses,
    together,
    walk,
)
from coding.textview import Hit, TextView

# (view, hits by term, hits by set id) -> evidence or None
Compiled = Callable[[TextView, dict, list], "list[Hit] | None"]


class RuleSets:
    """The sets of terms of a coder's rules, each with an id, and the sets each term is in."""

    def __init__(self) -> None:
        self.ids: dict[frozenset[str], int] = {}
        self.by_term: dict[str, list[int]] = {}

    def id_of(self, terms: frozenset[str]) -> int:
        """Return a set's id, registering it the first time."""
        if terms not in self.ids:
            self.ids[terms] = len(self.ids)
            for term in terms:
                self.by_term.setdefault(term, []).append(self.ids[terms])
        return self.ids[terms]

    def set_hits(self, hits: dict[str, list[Hit]]) -> list[list[Hit] | None]:
        """Return the hits of every registered set by its id (None: it meets no term of the
        text): in the order the terms were found, each term's hits in turn (``compile_rule``'s
        order). A list, as the rules index it far more often than it is made."""
        out: list[list[Hit] | None] = [None] * len(self.ids)
        by_term = self.by_term
        for term, found in hits.items():
            for sid in by_term.get(term, ()):
                earlier = out[sid]
                # a set met by one term is that term's own list, as the closures give it
                out[sid] = found if earlier is None else earlier + found
        return out


def compile_source(node: Node, sets: RuleSets, name: str = "rule") -> Compiled:
    """Return a rule compiled to one Python function of (view, hits, set hits).

    The source holds no text of the codebook: terms, roles, function names and numbers
    are constants of the function's namespace; the source itself is made only of
    variable names, integers this module counts and the helpers' names.
    """
    if not name.isidentifier():
        raise ValueError(f"not a function name: {name!r}")
    emitter = _Emitter(sets)
    emitter.guards = not any(isinstance(n, Call) and n.name == "tnear" for n in walk(node))
    body = emitter.emit(node, 1)
    lines = [f"def {name}(view, H, S):", *body, f"    return v{emitter.result}"]
    namespace = dict(_HELPERS, **emitter.constants)
    exec(compile("\n".join(lines), f"<rule {name}>", "exec"), namespace)  # noqa: S102
    compiled: Compiled = namespace[name]  # type: ignore[assignment]
    return compiled


class _Emitter:
    """Writes the statements of a rule; every node's value goes into its own ``v<n>``."""

    def __init__(self, sets: RuleSets) -> None:
        self.sets = sets
        self.count = 0
        self.result = 0
        self.constants: dict[str, object] = {}
        # a look-up ahead skips work, and so an error tnear would raise without tokens
        self.guards = True

    def _var(self) -> int:
        self.count += 1
        return self.count

    def _const(self, value: object) -> str:
        name = f"c{len(self.constants)}"
        self.constants[name] = value
        return name

    def _needs(self, parts: tuple[Node, ...]) -> list[str]:
        """Return tests, each a set or term look-up, that hold whenever every part holds:
        each part's ``holding_clauses``, and the absence of a NOT's plain terms."""
        tests: list[str] = []
        for part in parts:
            if isinstance(part, Op) and part.kind == "!":
                inner = part.parts[0]
                if isinstance(inner, TermSet):
                    tests.append(f"S[{self.sets.id_of(inner.terms)}] is None")
                elif isinstance(inner, Term):
                    tests.append(f"{self._const(inner.text)} not in H")
                continue
            sets = {n.terms for n in walk(part) if isinstance(n, TermSet)}
            for clause in holding_clauses(part):
                if clause in sets:  # a set the part looks up anyway: no new set per text
                    tests.append(f"S[{self.sets.id_of(clause)}] is not None")
                elif len(clause) == 1:
                    tests.append(f"{self._const(next(iter(clause)))} in H")
        return list(dict.fromkeys(tests))

    def emit(self, node: Node, depth: int) -> list[str]:
        """Return the lines computing ``node`` at an indentation depth; ``self.result``
        names its variable afterwards."""
        pad = "    " * depth
        v = self._var()
        lines: list[str]
        if isinstance(node, Term):
            lines = [f"{pad}v{v} = H.get({self._const(node.text)}) or None"]
        elif isinstance(node, TermSet):
            lines = [f"{pad}v{v} = S[{self.sets.id_of(node.terms)}]"]
        elif isinstance(node, Op):
            lines = self._op(node, v, depth)
        else:
            lines = self._call(node, v, depth)
        self.result = v
        return lines

    def _guarded(
        self, v: int, parts: tuple[Node, ...], depth: int, test: str
    ) -> tuple[list[str], list[str], int]:
        """Return the lines computing each part only while ``test`` held for those before it
        (``v<v>`` is None until the last one did), the parts' variables, and the depth inside.

        First, where it is safe, a look-up of what the later parts cannot do without: a
        part before one whose terms are missing would be worked out for nothing."""
        lines, names, inner = [f"{'    ' * depth}v{v} = None"], [], depth
        needs = self._needs(parts[1:]) if self.guards else []
        if needs:
            lines.append(f"{'    ' * inner}if {' and '.join(needs)}:")
            inner += 1
        for part in parts:
            lines += self.emit(part, inner)
            names.append(f"v{self.result}")
            lines.append(f"{'    ' * inner}if {test.format(names[-1])}:")
            inner += 1
        return lines, names, inner

    def _op(self, node: Op, v: int, depth: int) -> list[str]:
        pad = "    " * depth
        if node.kind == "!":
            lines = self.emit(node.parts[0], depth)
            return [*lines, f"{pad}v{v} = None if v{self.result} is not None else []"]
        if node.kind == "&":
            # each part only when every part before it held; the evidence of all, in order
            lines, names, inner = self._guarded(v, node.parts, depth, "{} is not None")
            joined = " + ".join(names) if len(names) > 1 else f"list({names[0]})"
            return [*lines, f"{'    ' * inner}v{v} = {joined}"]
        # OR: every part, the evidence of those that held; None when none did
        lines, names = [], []
        for part in node.parts:
            lines += self.emit(part, depth)
            names.append(f"v{self.result}")
        held = " or ".join(f"{n} is not None" for n in names)
        joined = " + ".join(f"({n} or [])" for n in names)
        return [*lines, f"{pad}v{v} = ({joined}) if ({held}) else None"]

    def _call(self, node: Call, v: int, depth: int) -> list[str]:
        pad = "    " * depth
        if node.name == "role":
            wanted = self._const(frozenset(a.text for a in node.args if isinstance(a, Term)))
            return [f"{pad}v{v} = [] if view.role in {wanted} else None"]
        if node.name == "except":
            lines = self.emit(node.args[0], depth)
            keep = self.result
            lines += [f"{pad}v{v} = None", f"{pad}if v{keep} is not None:"]
            lines += self.emit(node.args[1], depth + 1)
            return [*lines, f"{pad}    v{v} = _outside(v{keep}, v{self.result})"]
        if node.name in ("fact", "real", "wish", "neg"):
            lines = self.emit(node.args[0], depth)
            inner = self.result
            test = self._const(HIT_FILTERS[node.name])
            return [*lines, f"{pad}v{v} = {test}(view, v{inner}) if v{inner} else None"]
        # near, tnear, before, sent, clause: each argument only while those before held
        # evidence (None is false, and so is an empty list: nothing to relate)
        lines, names, inner = self._guarded(v, node.args, depth, "{}")
        inside = "    " * inner
        if node.name in ("sent", "clause"):
            starts = "sentence_starts" if node.name == "sent" else "clause_starts"
            call = f"_together(view.{starts}(), [{', '.join(names)}])"
        else:
            how, n = self._const(node.name), self._const(int(node.number or 0))
            call = f"_close(view, {how}, {n}, {names[0]}, {names[1]})"
        return [*lines, f"{inside}v{v} = {call}"]


def holding_clauses(node: Node) -> list[frozenset[str]]:
    """Return term sets that must each share a term with the text for ``node`` to hold at
    all, evidence or none.

    ``required_clauses`` asks for evidence, as a coding does; but a part of an AND may hold
    with none (a NOT, a role, an OR of either), its evidence coming from the others:
    ``a AND (b OR NOT c)`` holds on a text with ``a`` alone.
    """
    if isinstance(node, Op):
        if node.kind == "!":
            return []
        if node.kind == "|":
            each = [holding_clauses(part) for part in node.parts]
            return [frozenset().union(*(c[0] for c in each))] if all(each) else []
        return [c for part in node.parts for c in holding_clauses(part)]
    if isinstance(node, Call) and node.name == "role":
        return []
    if isinstance(node, Call) and node.name == "except":
        return holding_clauses(node.args[0])
    # a term or set holds only when found; a function only with evidence of its arguments
    return required_clauses(node)


# the functions the source calls, shared with the closures (``rules``)
_HELPERS: dict[str, object] = {"_outside": outside, "_close": close_pairs, "_together": together}
