"""Fixtures shared by the foundation tests: the wheel, and an environment
where it is installed beside the official Yandex SDK."""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
import tomllib
from packaging.requirements import Requirement

from ._support import ROOT

_NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv*",
    ".tools",
    ".*_cache",
    "__pycache__",
    "*.egg-info",
    "build",
    "dist",
)


def _backend_is_installed() -> bool:
    """Whether this environment already satisfies ``[build-system].requires``."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for text in pyproject["build-system"]["requires"]:
        requirement = Requirement(text)
        try:
            version = importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            return False
        if not requirement.specifier.contains(version, prereleases=True):
            return False
    return True


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Builds the project's wheel once for the session."""
    scratch = tmp_path_factory.mktemp("packaging")
    source = scratch / "source"
    shutil.copytree(ROOT, source, symlinks=True, ignore=_NOT_SOURCE)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet"]
    # Without the backend at hand, pip fetches it into an isolated build
    # environment from the package index.
    if _backend_is_installed():
        command.append("--no-build-isolation")
    command += ["--wheel-dir", str(scratch / "dist"), str(source)]
    built = subprocess.run(
        command, capture_output=True, text=True, timeout=300, check=False
    )
    assert built.returncode == 0, f"building the wheel failed:\n{built.stderr}"
    (found,) = (scratch / "dist").glob("scanner_grpc-*.whl")
    return found


@pytest.fixture(scope="session")
def sdk_python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An interpreter whose environment holds our wheel and ``yandexcloud``.

    pip resolves both together from the package index, with no version of
    the SDK pinned: this is what a user gets who installs the two side by
    side, and it fails here if our requirements ever exclude the SDK's.
    """
    environment = tmp_path_factory.mktemp("with-yandexcloud") / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(wheel), "yandexcloud"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert installed.returncode == 0, (
        f"pip could not install scanner-grpc beside yandexcloud:\n{installed.stderr}"
    )
    return python
