import os
import subprocess
import sys
from pathlib import Path

from coding.common.parallel import single_threaded_blas

ROOT = Path(__file__).resolve().parents[1]
_PROBE = (
    "import os, sys\n"
    "from coding.common.parallel import single_threaded_blas\n"
    "single_threaded_blas()\n"
    "print(os.environ.get('OPENBLAS_NUM_THREADS'), os.environ.get('OMP_NUM_THREADS'),"
    " 'numpy' in sys.modules)\n"
)


def _probe(**env: str) -> list[str]:
    """Run single_threaded_blas in a fresh process; return what it leaves in the environment."""
    clean = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    clean["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], env={**clean, **env}, capture_output=True, text=True,
        check=True, cwd=ROOT,
    )  # fmt: skip
    return done.stdout.split()


def test_single_threaded_blas_sets_one_thread_before_numpy_loads():
    assert _probe() == ["1", "1", "False"]


def test_single_threaded_blas_keeps_the_users_choice():
    assert _probe(OPENBLAS_NUM_THREADS="3") == ["3", "1", "False"]


def test_single_threaded_blas_leaves_a_loaded_numpy_alone(monkeypatch):
    import numpy  # noqa: F401

    for name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    single_threaded_blas()
    assert "OPENBLAS_NUM_THREADS" not in os.environ
