"""What a model learns from: the units one person (or the consensus) coded."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from coding.codebook import Codebook
from coding.errors import ModelError
from coding.store import Store


@dataclass
class TrainingData:
    """Human-coded units: ids, tokens, the codes given, and what the rules gave."""

    unit_ids: list[str]
    texts: list[list[str] | str]
    codes: list[set[str]]
    rules: list[set[str]]
    coder: str
    fingerprint: str
    judged: list[frozenset[str] | None] | None = None  # per unit the codes judged; None: all

    def scope(self) -> list[frozenset[str] | None]:
        """Return the codes judged per unit (None: every code)."""
        return self.judged if self.judged is not None else [None] * len(self.texts)

    def subset(self, index) -> TrainingData:
        """Return the units at these positions."""
        scope = self.scope()
        return TrainingData(
            [self.unit_ids[i] for i in index],
            [self.texts[i] for i in index],
            [self.codes[i] for i in index],
            [self.rules[i] for i in index],
            self.coder,
            self.fingerprint,
            [scope[i] for i in index],
        )


def training_data(store: Store, codebook: Codebook, coders: list[str]) -> TrainingData:
    """Collect the units of the first listed coder kind that has codings (consensus, human)."""
    kinds = store.coder_kinds()
    chosen = None
    for wanted in coders:
        names = [n for n, k in kinds.items() if wanted in (n, k) and store.coded_units(n)]
        if names:
            chosen = names[0]
            break
    if chosen is None:
        raise ModelError(f"no units coded by {' or '.join(coders)}; import a coding sheet first")
    done = store.coded_units(chosen)
    given: dict[str, set[str]] = {u: set() for u in done}
    for unit, code in store.coded_pairs(chosen):
        given[unit].add(code)
    rules: dict[str, set[str]] = {u: set() for u in done}
    for unit, code in store.coded_pairs(codebook.coder):
        if unit in rules:
            rules[unit].add(code)
    units = store.units().set_index("unit_id")
    tokens = store.newest_tokens()
    ids = sorted(done, key=lambda u: (units.at[u, "doc_id"], int(units.at[u, "turn"])))
    texts = [tokens.get(u) or units.at[u, "text"] for u in ids]
    digest = hashlib.sha256(
        json.dumps(
            [(u, sorted(given[u]), sorted(done[u] or ()) if done[u] else None) for u in ids],
            ensure_ascii=False,
        ).encode()
    ).hexdigest()
    codes, ruled = [given[u] for u in ids], [rules[u] for u in ids]
    return TrainingData(ids, texts, codes, ruled, chosen, digest, [done[u] for u in ids])
