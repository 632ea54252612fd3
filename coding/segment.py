"""Segment stage: jieba (or the identical rjieba) with a versioned user dictionary."""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import marshal
import sys
import tempfile
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from functools import lru_cache
from importlib.machinery import EXTENSION_SUFFIXES, ExtensionFileLoader
from itertools import accumulate
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from coding.common.choices import Engine
from coding.common.parallel import bounded_map, default_workers
from coding.errors import SegmenterError
from coding.model import SegmentReport
from coding.store import Store, encode_tokens
from coding.store.tokencodec import encode_runs

if TYPE_CHECKING:
    import jieba


DOMAIN_WORDS = Path(__file__).parent / "resources" / "domain_words.txt"
ENGINES = tuple(e.value for e in Engine)
BATCH_UNITS = 1000
PARALLEL_MIN_CHARS = 300_000
CHECK_SAMPLE_UNITS = 300


@dataclass(frozen=True)
class UserDictionary:
    """User words for the segmenter; ``freq`` None means 'just enough to keep the word whole'."""

    words: tuple[tuple[str, int | None], ...]

    @property
    def version(self) -> str:
        """Return a short hash naming this dictionary together with jieba's own."""
        payload = "\n".join(f"{w}\t{f or ''}" for w, f in self.words)
        digest = hashlib.sha256(f"jieba-{jieba_version()}\n{payload}".encode()).hexdigest()
        return digest[:12]


def parse_word_list(text: str, source: str | Path) -> list[tuple[str, int | None]]:
    """Parse 'word [freq]' lines (``#`` starts a comment)."""
    out = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) > 2 or (len(parts) == 2 and not parts[1].isdigit()):
            raise SegmenterError(
                f"{source}, line {number}: expected 'word' or 'word frequency' (no spaces in words)"
            )
        out.append((parts[0], int(parts[1]) if len(parts) == 2 else None))
    return out


def user_dictionary(extra_terms: Iterable[str] = ()) -> UserDictionary:
    """Build the user dictionary: the shipped domain word list plus extra terms."""
    words = dict(parse_word_list(DOMAIN_WORDS.read_text(encoding="utf-8"), DOMAIN_WORDS))
    for term in extra_terms:
        term = term.strip()
        if term and " " not in term and term not in words:
            words[term] = None
    return UserDictionary(tuple(sorted(words.items())))


@lru_cache(maxsize=1)
def jieba_version() -> str:
    """Return jieba's version without importing it (the import alone takes 0.1 s)."""
    from importlib.metadata import version

    return version("jieba")


def _jieba():
    """Import jieba when cutting is needed, quietly."""
    if "jieba" not in sys.modules and "pkg_resources" not in sys.modules:
        # jieba imports setuptools' pkg_resources (a third of its import time) only
        # to open its own dictionary file; without it, jieba opens the file by path.
        sys.modules["pkg_resources"] = None
        try:
            import jieba
        finally:
            del sys.modules["pkg_resources"]
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def _base_tokenizer() -> jieba.Tokenizer:
    tokenizer = _jieba().Tokenizer()
    # jieba unmarshals its dictionary cache straight from the open file, in small
    # reads that take three times as long as unmarshalling the bytes; jieba makes
    # and trusts the same file, so read it whole when it is there.
    cache = Path(tokenizer.tmp_dir or tempfile.gettempdir()) / "jieba.cache"
    try:
        tokenizer.FREQ, tokenizer.total = marshal.loads(cache.read_bytes())
        tokenizer.initialized = True
    except (OSError, EOFError, ValueError, TypeError):
        tokenizer.initialize()
    return tokenizer


def explicit_words(dictionary: UserDictionary, engine: str) -> list[tuple[str, int]]:
    """Return the user words an engine is given, each with its frequency.

    Frequencies are fixed against the engine's base dictionary before any word
    is added, so that jieba and rjieba (whose base dictionaries are the same)
    receive the very same numbers. Words the base dictionary already knows are
    left alone: the two engines update their totals differently when a known
    word is added again, and then cut differently.
    """
    base = _base_tokenizer() if engine == "jieba" else _new_rjieba()
    return _explicit(dictionary, base)


def _explicit(dictionary: UserDictionary, base) -> list[tuple[str, int]]:
    if hasattr(base, "FREQ"):  # a jieba.Tokenizer: rjieba's are told apart without importing jieba
        known, suggest = base.FREQ.get, lambda w: base.suggest_freq(w, False)
    else:
        known, suggest = base.has_word, base.suggest_freq
    return [(w, f if f is not None else suggest(w)) for w, f in dictionary.words if not known(w)]


@lru_cache(maxsize=4)
def _jieba_with(dictionary: UserDictionary) -> jieba.Tokenizer:
    tokenizer = _base_tokenizer()
    for word, freq in _explicit(dictionary, tokenizer):
        tokenizer.add_word(word, freq)
    return tokenizer


def _new_rjieba():
    module = _rjieba_module()
    if module is None:
        raise SegmenterError("rjieba is not installed; pip install rjieba or use jieba")
    return module.Jieba()


@lru_cache(maxsize=1)
def _rjieba_module() -> ModuleType | None:
    """Return rjieba's compiled module, or None when rjieba cannot be imported.

    ``import rjieba`` builds a default segmenter that clusterqda never uses (0.11 s, on
    the critical path of every ingest before its workers start), so the compiled module,
    which defines ``Jieba``, is loaded from its file where rjieba's wheels put it.
    """
    spec = importlib.util.find_spec("rjieba")
    for folder in (spec.submodule_search_locations or ()) if spec else ():
        for suffix in EXTENSION_SUFFIXES:
            if (path := Path(folder) / f"rjieba{suffix}").is_file():
                loader = ExtensionFileLoader("rjieba.rjieba", str(path))
                found = importlib.util.spec_from_file_location(loader.name, path, loader=loader)
                with suppress(ImportError):
                    module = importlib.util.module_from_spec(found)  # type: ignore[arg-type]
                    loader.exec_module(module)
                    return module
    try:
        import rjieba
    except ImportError:
        return None
    return rjieba


def _rjieba_with(dictionary: UserDictionary):
    # rjieba computes the frequencies itself, so jieba need not be loaded at all.
    fast = _new_rjieba()
    for word, freq in _explicit(dictionary, fast):
        fast.add_word(word, freq, None)
    return fast


def rjieba_available() -> bool:
    """Return whether the rjieba package can be imported."""
    return _rjieba_module() is not None


class Segmenter:
    """Cuts text into tokens with one engine and one user dictionary."""

    def __init__(self, dictionary: UserDictionary, engine: str = "jieba") -> None:
        if engine not in ("jieba", "rjieba"):
            raise SegmenterError(f"unknown segmentation engine '{engine}'; use jieba or rjieba")
        self.dictionary = dictionary
        self.engine = engine
        if engine == "jieba":
            tokenizer = _jieba_with(dictionary)
            self._cut = lambda text: tokenizer.lcut(text, HMM=True)
        else:
            fast = _rjieba_with(dictionary)
            self._cut = lambda text: fast.cut(text, hmm=True)

    def cut(self, text: str) -> list[str]:
        """Return the tokens of ``text``; joined, they give ``text`` back."""
        return self._cut(text)

    def cut_many(self, texts: list[str]) -> list[list[str]]:
        """Cut several texts at once; the same tokens as ``cut`` on each, with less overhead.

        jieba never joins a line break to a neighbour, so the texts are cut as
        one string joined by newlines and the tokens dealt back by offset.
        """
        if len(texts) < 2:
            return [self._cut(t) for t in texts]
        tokens = self._cut("\n".join(texts))
        bounds = _bounds(texts, tokens)
        if bounds is None:
            return [self._cut(t) for t in texts]
        return [tokens[i:j] for i, j in bounds]

    def cut_encoded(self, texts: list[str]) -> list[bytes]:
        """Return ``encode_tokens`` of each text's tokens (as ``cut_many``), without making
        a list of tokens per text."""
        if len(texts) < 2 or self.engine == "rjieba":
            # a call to rjieba costs little: cutting each text took less than cutting
            # them joined and finding each one's tokens again (0.23 vs 0.26 s on 10 MB)
            return [encode_tokens(self._cut(t)) for t in texts]
        tokens = self._cut("\n".join(texts))
        bounds = _bounds(texts, tokens)
        if bounds is None:
            return [encode_tokens(self._cut(t)) for t in texts]
        return encode_runs(tokens, bounds)


def _bounds(texts: list[str], tokens: list[str]) -> list[tuple[int, int]] | None:
    """Return where each text's tokens start and end among the tokens of the texts joined
    by newlines; None if a text's edge fell inside a token or a newline was not its own."""
    ends = list(accumulate(map(len, tokens)))
    out: list[tuple[int, int]] = []
    first = offset = 0
    for text in texts:
        offset += len(text)
        last = bisect_left(ends, offset, first)
        if last == len(ends) or ends[last] != offset:
            return None  # a boundary was not kept: be safe
        out.append((first, last + 1))
        offset += 1  # the joining newline, which must be a token of its own
        first = last + 2
        if len(out) < len(texts) and (first > len(tokens) or tokens[last + 1] != "\n"):
            return None
    return out


@lru_cache(maxsize=4)
def get_segmenter(dictionary: UserDictionary, engine: str) -> Segmenter:
    """Return a cached segmenter (worker processes forked later inherit it)."""
    return Segmenter(dictionary, engine)


def engines_agree(dictionary: UserDictionary, texts: Iterable[str]) -> tuple[int, int]:
    """Cut texts with jieba and rjieba; return (texts compared, texts cut differently)."""
    slow, fast = get_segmenter(dictionary, "jieba"), get_segmenter(dictionary, "rjieba")
    compared = differ = 0
    for text in texts:
        compared += 1
        differ += slow.cut(text) != fast.cut(text)
    return compared, differ


def choose_engine(dictionary: UserDictionary, sample: list[str], engine: str = "auto") -> str:
    """Pick rjieba only when it is installed and cuts the sample exactly like jieba."""
    if engine not in ENGINES:
        raise SegmenterError(f"unknown segmentation engine '{engine}'; use {', '.join(ENGINES)}")
    if engine != "auto":
        return engine
    if not rjieba_available():
        return "jieba"
    _, differ = engines_agree(dictionary, sample)
    return "rjieba" if differ == 0 else "jieba"


_WORKER: tuple[UserDictionary, str] | None = None


def _init_worker(dictionary: UserDictionary, engine: str) -> None:
    global _WORKER
    _WORKER = (dictionary, engine)


def _cut_batch(batch: list[tuple[str, str]]) -> tuple[list[tuple[str, bytes]], int]:
    assert _WORKER is not None
    seg = get_segmenter(*_WORKER)
    cut = seg.cut_encoded([text for _, text in batch])
    rows = [(uid, tokens) for (uid, _), tokens in zip(batch, cut, strict=True)]
    return rows, sum(len(text) for _, text in batch)


def _batches(store: Store, version: str) -> Iterator[list[tuple[str, str]]]:
    last = 0
    while rows := store.units_to_segment(version, last, BATCH_UNITS):
        last = rows[-1][0]
        yield [(uid, text) for _, uid, text in rows]


def segment_project(
    store: Store,
    dictionary: UserDictionary | None = None,
    engine: str = "auto",
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SegmentReport:
    """Segment every unit that has no cached tokens for this dictionary.

    Work is spread over ``workers`` processes for large jobs;
    ``progress(done_chars, total_chars)`` reports as batches finish.
    """
    started = time.perf_counter()
    dictionary = dictionary or user_dictionary()
    version = dictionary.version
    store.register_dictionary(version, len(dictionary.words))
    store.drop_tokens_except(version)
    units, chars = store.count_unsegmented(version)
    if units == 0:  # nothing to cut, so no engine to load
        return SegmentReport(engine="", dict_version=version)
    sample = [text for _, _, text in store.units_to_segment(version, 0, CHECK_SAMPLE_UNITS)]
    chosen = choose_engine(dictionary, sample, engine)
    report = SegmentReport(engine=chosen, dict_version=version)
    get_segmenter(dictionary, chosen)  # build once here; forked workers inherit it
    workers = workers or default_workers()
    _init_worker(dictionary, chosen)
    if workers > 1 and chars >= PARALLEL_MIN_CHARS:
        # _WORKER holds the (dictionary, engine) just given to _init_worker above
        pool = ProcessPoolExecutor(workers, initializer=_init_worker, initargs=_WORKER)  # type: ignore[arg-type]
        with pool:
            for result in bounded_map(pool, _cut_batch, _batches(store, version), workers * 3):
                _save(store, report, result, chars, progress)
    else:
        for batch in _batches(store, version):
            _save(store, report, _cut_batch(batch), chars, progress)
    report.seconds = time.perf_counter() - started
    return report


def _save(store, report, result, total, progress) -> None:
    rows, batch_chars = result
    store.save_tokens(report.dict_version, rows)
    report.units += len(rows)
    report.chars += batch_chars
    if progress:
        progress(report.chars, total)


def spacy_pipeline(dictionary: UserDictionary | None = None):
    """Return ``spacy.blank("zh")`` cutting with jieba and the project's user dictionary."""
    import spacy

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    tokenizer = _jieba_with(dictionary or user_dictionary())
    # spaCy calls jieba_seg.cut(text, cut_all=False); a jieba.Tokenizer has that method,
    # so the pipeline uses our dictionary instead of jieba's global one.
    nlp.tokenizer.jieba_seg = tokenizer  # type: ignore[union-attr]
    return nlp
