"""The codebase stays ruff-clean (the project's style rules are in pyproject.toml)."""

import subprocess
import sys
from pathlib import Path

from tests_support import ROOT


def test_ruff_finds_nothing():
    ruff = Path(sys.executable).with_name("ruff")
    out = subprocess.run([str(ruff), "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:]
