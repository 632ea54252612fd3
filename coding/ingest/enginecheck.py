"""The automatic engine's check: jieba cuts a sample of the project's units in a process of
its own while rjieba cuts everything; the ingest keeps rjieba's tokens only if they agree."""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection
from types import TracebackType

from coding.errors import SegmenterError
from coding.segment import UserDictionary, get_segmenter


def _cut_with_jieba(dictionary: UserDictionary, sample: list[str], send: Connection) -> None:
    try:
        jieba = get_segmenter(dictionary, "jieba")
        send.send((True, [jieba.cut(text) for text in sample]))
    except Exception as exc:  # raised again in the parent
        send.send((False, exc))
    finally:
        send.close()


class EngineCheck:
    """jieba's tokens of a sample, cut in a process started at once; use as a context
    manager.

    A plain process, not a pool's: a pool's task reaches its process through the parent's
    threads, which wait while the parent builds rjieba (a call that holds the interpreter);
    this process starts with its work, and loading jieba takes the core the parent leaves
    idle while it starts (rather than the workers' time, as it did when forked later).
    """

    def __init__(self, dictionary: UserDictionary, sample: list[str]) -> None:
        self.dictionary, self.sample = dictionary, sample
        context = multiprocessing.get_context()
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_cut_with_jieba, args=(dictionary, sample, send), daemon=True
        )
        self._process.start()
        send.close()

    def differs(self) -> bool:
        """Return whether rjieba cuts any text of the sample unlike jieba (waits for jieba)."""
        try:
            done, result = self._receive.recv()
        except EOFError:
            raise SegmenterError("the process checking rjieba against jieba ended early") from None
        if not done:
            raise result
        fast = get_segmenter(self.dictionary, "rjieba")
        return any(fast.cut(text) != cut for text, cut in zip(self.sample, result, strict=True))

    def __enter__(self) -> EngineCheck:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._receive.close()
