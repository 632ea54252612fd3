"""Ending the command-line process without Python's object-by-object teardown.

When a script ends, Python frees every object it still holds, module by module, before
the process exits. After ``clusterqda code`` on 10 MB that took 40-80 ms (the coders,
the model's tables, the codebook), after ``ingest`` 30-50 ms: the operating system would
free the same memory at once. The command's own work is finished and saved by then
(every store is closed, every file written and renamed by its ``with`` block), so the
console command ends here instead: it does what Python does before its teardown — waits
for the threads, runs the exit handlers, flushes the output — and exits.

Only the console command uses this (``cli.run``): tests call the Typer app itself.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading

__all__ = ["exit_code", "exit_now"]


def exit_code(code: object) -> int | None:
    """Return the exit status a ``SystemExit`` with ``code`` gives, or None when Python
    would print the code as a message first (that exit is left to Python)."""
    if code is None:
        return 0
    if isinstance(code, int) and not isinstance(code, bool):
        return code & 0xFF
    return None


def exit_now(status: int) -> None:
    """Finish as Python's own shutdown would, up to its teardown, and exit with ``status``."""
    # what Py_FinalizeEx does first: wait for non-daemon threads (and run the callbacks
    # concurrent.futures registers there), then the atexit handlers (multiprocessing's,
    # logging's, weakref finalizers)
    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is not None:
        shutdown()
    run_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_handlers is not None:
        run_handlers()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            # a reader that went away (``| head``) or a closed stream: Python would only
            # print that it ignored the error, and exit with status 120
            status = status or 120
    os._exit(status)
