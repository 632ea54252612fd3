"""Rule-coding throughput from cached tokens, beside a hand-written pandas baseline.

Builds a corpus of at least --mb megabytes from the sample transcripts,
ingests and segments it (not timed), then measures in the same process:

* baseline: ``pandas.Series.str.contains`` once per codebook term over every
  unit (what a researcher would write by hand; it finds terms, nothing more);
* matching alone: one Aho-Corasick pass (what the coder uses) against spaCy's
  PhraseMatcher on Docs built from the cached jieba tokens, with the number
  of term occurrences each finds (token matching misses terms that jieba cut
  differently);
* the whole ``code`` stage: matching, every rule, stance, evidence and the
  database writes, with the rules alone (``--coder rules``) and with the default
  coder (the rules plus the shipped model, both coders' codings stored);
* re-coding after a codebook edit, and that it segments nothing again.

Usage: python benchmarks/coding.py [--mb 20] [--workers N]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    """Build the corpus, run each measurement and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="corpus size in MB (default 20)")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: cores)")
    args = parser.parse_args()

    import pandas as pd
    import spacy
    from spacy.matcher import PhraseMatcher
    from spacy.tokens import Doc

    from benchmarks.ingest_segment import build_corpus
    from coding.autocode import CODE_BATCH, RuleCoder, code_project
    from coding.codebook import SHIPPED, load_codebook
    from coding.ingest import ingest
    from coding.project import init_project, open_project
    from coding.segment import Segmenter, user_dictionary
    from coding.store import decode_tokens

    book = load_codebook()
    terms = sorted(book.terms())
    with tempfile.TemporaryDirectory() as tmp:
        size = build_corpus(Path(tmp) / "corpus", args.mb)
        init_project(Path(tmp) / "p")
        with open_project(Path(tmp) / "p") as store:
            ingest(store, [Path(tmp) / "corpus"], workers=args.workers)
            rows = store.conn.execute(
                "SELECT COALESCE(u.match_text, u.text), t.tokens FROM units u"
                " JOIN tokens t USING (unit_id)"
            ).fetchall()
            views = pd.Series([r[0] for r in rows])
            chars = int(views.str.len().sum())
            print(
                f"corpus: {size / 1e6:.1f} MB, {len(views):,} units, {chars:,} characters; "
                f"codebook {book.version}: {len(book.codes)} codes, {len(terms):,} terms"
            )

            started = time.perf_counter()
            for term in terms:
                views.str.contains(term, regex=False)
            base = time.perf_counter() - started
            print(
                f"baseline pandas str.contains x {len(terms)} terms: {base:.1f} s "
                f"= {chars / base / 1e6:.2f} M chars/s"
            )

            coder = RuleCoder(book)
            started = time.perf_counter()
            ac_hits = sum(len(hits) for v in views for hits in coder.view(v).hits.values())
            ac = time.perf_counter() - started
            nlp = spacy.blank("zh")
            cut = Segmenter(user_dictionary())
            matcher = PhraseMatcher(nlp.vocab)
            matcher.add("TERMS", [Doc(nlp.vocab, words=cut.cut(t)) for t in terms])
            docs = [Doc(nlp.vocab, words=decode_tokens(r[1], r[0]) or [" "]) for r in rows]
            started = time.perf_counter()
            pm_hits = sum(len(matcher(doc)) for doc in docs)
            pm = time.perf_counter() - started
            print(
                f"matching only: Aho-Corasick on characters {chars / ac / 1e6:.2f} M chars/s, "
                f"{ac_hits:,} term occurrences; spaCy PhraseMatcher on cached tokens "
                f"{chars / pm / 1e6:.2f} M chars/s, {pm_hits:,} occurrences "
                f"({1 - pm_hits / ac_hits:.1%} missed where jieba cut a term differently)"
            )

            # the default coder on a copy of the project as it is before any coding
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            shutil.copytree(Path(tmp) / "p", Path(tmp) / "hybrid")
            report = code_project(store, book, workers=args.workers, coder="rules")
            speed = chars / report.seconds
            print(
                f"code --coder rules (rules, stance, evidence, database): {report.units:,} "
                f"units, {report.codings:,} codings in {report.seconds:.1f} s = "
                f"{speed / 1e6:.2f} M chars/s = {speed * base / chars:.1f}x baseline"
            )
            with open_project(Path(tmp) / "hybrid") as other:
                mixed = code_project(other, book, workers=args.workers)
            speed = chars / mixed.seconds
            print(
                f"code (the default {mixed.coder}: rules, model, both coders stored): "
                f"{mixed.units:,} units, {mixed.codings:,} codings in {mixed.seconds:.1f} s = "
                f"{speed / 1e6:.2f} M chars/s = {speed * base / chars:.1f}x baseline"
            )

            # The floor set by storage alone: the same codings written again under
            # another coder name, in the batches `code` uses, with no rule work at all.
            rows = store.coding_rows(book.coder)
            by_unit: dict[str, list[tuple]] = {}
            for row in rows:
                by_unit.setdefault(row[0], []).append(row)
            unit_ids = [u for (u,) in store.conn.execute("SELECT unit_id FROM units")]
            store.register_coder("storage-floor", "rules", book.hash, book.version)
            started = time.perf_counter()
            for i in range(0, len(unit_ids), CODE_BATCH):
                batch = unit_ids[i : i + CODE_BATCH]
                store.save_codings(
                    "storage-floor", batch, [r for u in batch for r in by_unit.get(u, ())]
                )
            floor = time.perf_counter() - started
            print(
                f"storage alone (the same {len(rows):,} codings written again, one writer): "
                f"{floor:.1f} s = {chars / floor / 1e6:.2f} M chars/s, the ceiling for `code` "
                "with this table layout"
            )

            edited = Path(tmp) / "edited.yaml"
            edited.write_text(
                SHIPPED.read_text(encoding="utf-8").replace(
                    f'version: "{book.version}"', 'version: "0.0.1-edited"'
                ),
                encoding="utf-8",
            )
            tokens_before = store.conn.execute("SELECT COUNT(*) FROM tokens").fetchone()[0]
            edited_book = load_codebook(edited)
            assert edited_book.hash != book.hash, "the edit must change the codebook"
            again = code_project(store, edited_book, workers=args.workers)
            tokens_after = store.conn.execute("SELECT COUNT(*) FROM tokens").fetchone()[0]
            print(
                f"re-code after a codebook edit: {again.units:,} units in {again.seconds:.1f} s; "
                f"cached tokens {tokens_before:,} before, {tokens_after:,} after "
                "(nothing re-segmented)"
            )


if __name__ == "__main__":
    main()
