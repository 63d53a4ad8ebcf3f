"""Helpers shared by the foundation tests."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from google.protobuf import message_factory
from google.protobuf.message import Message

from scanner_grpc._descriptors import POOL

ROOT = Path(__file__).resolve().parents[2]


def message_class(full_name: str) -> type[Message]:
    """The class of one of our messages, by its proto name."""
    # Importing the generated modules fills the private pool.
    import scanner_grpc.types  # noqa: F401

    return message_factory.GetMessageClass(POOL.FindMessageTypeByName(full_name))


def run_python(
    code: str, *, timeout: float = 60, python: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Runs ``code`` in a fresh interpreter.

    By default the interpreter is this environment's, finding this checkout's
    ``scanner_grpc``; ``python`` names another environment's interpreter,
    which then uses the package installed there. Warnings are errors, so that
    a deprecation or a protobuf version warning at import time fails the test
    that ran it.
    """
    env = dict(os.environ)
    cwd = ROOT
    if python is None:
        python = Path(sys.executable)
        # The subprocess must find this checkout's scanner_grpc even when the
        # package is not installed in editable mode.
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p
        )
    else:
        env.pop("PYTHONPATH", None)
        cwd = python.parent
    return subprocess.run(
        [str(python), "-W", "error", "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=env,
        check=False,
    )


def assert_ran(result: subprocess.CompletedProcess[str], expected_stdout: str) -> None:
    """Asserts that a ``run_python`` script succeeded and printed what it should."""
    assert result.returncode == 0, (
        f"the script failed with exit code {result.returncode}:\n{result.stderr}"
    )
    assert result.stdout.strip() == expected_stdout, result.stdout + result.stderr
