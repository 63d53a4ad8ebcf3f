"""The wheel that ``pip install .`` builds: what it holds and that it imports.

One wheel is built per session, from a copy of the working tree without the
version-control folder, virtualenvs and caches, so that the build neither
sees nor leaves anything in the checkout.
"""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from ._support import ROOT

# The session's wheel is built on first use, which can take a while.
pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def _dist_info(names: set[str]) -> str:
    (folder,) = {n.split("/")[0] for n in names if ".dist-info/" in n}
    return folder


def _source_files(folder: Path) -> list[Path]:
    """Every file of a package tree, symlinks not followed, caches left out."""
    found = []
    for directory, subdirectories, files in os.walk(folder):
        subdirectories[:] = [d for d in subdirectories if d != "__pycache__"]
        found += [Path(directory, name) for name in files if not name.endswith(".pyc")]
    return sorted(found)


def test_packaging_wheel_has_no_top_level_but_scanner_grpc(names: set[str]) -> None:
    top_level = {name.split("/")[0] for name in names}
    assert "yandex" not in top_level
    assert top_level == {"scanner_grpc", _dist_info(names)}


def test_packaging_wheel_ships_py_typed(names: set[str]) -> None:
    assert "scanner_grpc/py.typed" in names


def test_packaging_wheel_holds_every_generated_module(names: set[str]) -> None:
    generated = _source_files(ROOT / "generated")
    expected = {
        "scanner_grpc/_generated/" + path.relative_to(ROOT / "generated").as_posix()
        for path in generated
    }
    assert any(name.endswith("scanner_service_pb2_grpc.py") for name in expected)
    assert any(name.endswith("scanner_pb2.pyi") for name in expected)
    assert sorted(expected - names) == []


def test_packaging_wheel_holds_every_file_of_the_package(names: set[str]) -> None:
    package = ROOT / "scanner_grpc"
    expected = {
        path.relative_to(ROOT).as_posix()
        for path in _source_files(package)
        # _generated links to generated/, checked above.
        if path.relative_to(package).parts[0] != "_generated"
    }
    assert "scanner_grpc/types.py" in expected
    assert sorted(expected - names) == []


def test_packaging_wheel_declares_the_console_script(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read(f"{_dist_info(set(archive.namelist()))}/entry_points.txt")
    entry_points = configparser.ConfigParser()
    entry_points.read_string(text.decode())
    assert entry_points["console_scripts"]["scanner-grpc"] == "scanner_grpc._cli:main"


def test_packaging_installed_wheel_imports_every_module(
    wheel: Path, tmp_path: Path
) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"),
            *("--target", str(target), str(wheel)),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    script = textwrap.dedent(
        """
        import importlib
        import pkgutil
        import sys

        import scanner_grpc
        import scanner_grpc._generated
        import scanner_grpc.types

        assert scanner_grpc.__file__.startswith(sys.argv[1]), scanner_grpc.__file__
        generated = [
            module.name
            for module in pkgutil.walk_packages(
                scanner_grpc._generated.__path__, "scanner_grpc._generated."
            )
        ]
        for name in generated:
            importlib.import_module(name)
        main = importlib.import_module("scanner_grpc._cli").main
        assert callable(main)
        print(len(generated))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    ran = subprocess.run(
        [sys.executable, "-W", "error", "-c", script, str(target)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    # Every *_pb2 and *_pb2_grpc module of generated/ and its packages.
    expected = len(list((ROOT / "generated").rglob("*.py")))
    assert int(ran.stdout) == expected - 1  # generated/__init__.py is the root
