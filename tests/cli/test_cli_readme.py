"""The README's first command, run as a newcomer would: install, then demo."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scanner_grpc._cli._demo import AGREEMENT

REPO = Path(__file__).resolve().parents[2]

# What a fresh clone does not have: virtualenvs, tools and caches made here.
_NOT_COPIED = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".venv-ci",
    ".tools",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "__pycache__",
    "*.egg-info",
    "build",
    "dist",
)


def first_command(readme: str) -> str:
    """The first line of the README's first fenced code block."""
    match = re.search(r"^```[^\n]*\n(.*?)^```", readme, re.MULTILINE | re.DOTALL)
    assert match, "the README has no fenced code block"
    return match.group(1).splitlines()[0]


def test_first_command_is_the_documented_one() -> None:
    command = first_command((REPO / "README.md").read_text(encoding="utf-8"))

    assert command.endswith("scanner-grpc demo")
    assert "pip install ." in command


# Creating a virtualenv and installing the package with its dependencies from
# the package registry takes a while on a cold cache.
@pytest.mark.timeout(600)
def test_readme_first_command_installs_and_runs_the_demo(tmp_path: Path) -> None:
    command = first_command((REPO / "README.md").read_text(encoding="utf-8"))
    checkout = tmp_path / "scanner-grpc"
    shutil.copytree(REPO, checkout, ignore=_NOT_COPIED)
    # A fresh shell: the virtualenv running these tests must not leak into
    # the one that the command makes.
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
    }
    outer_bin = str(Path(sys.executable).parent)
    environment["PATH"] = os.pathsep.join(
        entry
        for entry in environment.get("PATH", os.defpath).split(os.pathsep)
        if entry != outer_bin
    )

    completed = subprocess.run(
        ["bash", "-c", command],
        cwd=checkout,
        capture_output=True,
        text=True,
        env=environment,
        timeout=580,
        check=False,
    )

    assert completed.returncode == 0, (
        completed.stdout[-3000:] + completed.stderr[-3000:]
    )
    assert AGREEMENT in completed.stderr
    assert (checkout / ".venv" / "bin" / "scanner-grpc").exists()
