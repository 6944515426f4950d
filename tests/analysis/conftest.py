"""Fixtures of the analysis tests: a tiny sweep run by the real program (PF_EXE).

The scientific Python stack is required: a missing module is an error, not a skip (CI installs
python3-h5py python3-numpy python3-matplotlib python3-scipy python3-pytest). Only a missing
PF_EXE (the pinnfluence binary, set by CMake) skips the tests that need a results file.
"""

import importlib.util
import os
import shutil
import sys

import pytest

# Fail loudly: these tests must not pass vacuously on a machine without the scientific stack.
MISSING = [m for m in ("numpy", "h5py", "matplotlib", "scipy")
           if importlib.util.find_spec(m) is None]
if MISSING:
    raise ImportError(f"the analysis tests need {', '.join(MISSING)} for {sys.executable} "
                      f"(Debian: apt-get install python3-h5py python3-numpy python3-matplotlib "
                      f"python3-scipy python3-pytest)")

from helpers import TINY_CFG, run_sweep  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ANALYSIS = os.path.normpath(os.path.join(HERE, "..", "..", "analysis"))
if ANALYSIS not in sys.path:
    sys.path.insert(0, ANALYSIS)

@pytest.fixture(scope="session")
def exe():
    path = os.environ.get("PF_EXE")
    if not path:
        pytest.skip("PF_EXE is not set (the pinnfluence binary; ctest sets it): the tests that "
                    "need a results file are skipped")
    if not os.access(path, os.X_OK):
        pytest.fail(f"PF_EXE={path} is not an executable file")
    return path


@pytest.fixture(scope="session")
def store_path(exe, tmp_path_factory):
    """The tiny sweep's results file (read only: copy it before changing anything)."""
    return run_sweep(exe, tmp_path_factory.mktemp("sweep"), TINY_CFG, "tiny")


@pytest.fixture
def store_copy(store_path, tmp_path):
    """A private, writable copy of the tiny sweep's results file."""
    dst = tmp_path / "copy.h5"
    shutil.copy(store_path, dst)
    return str(dst)
