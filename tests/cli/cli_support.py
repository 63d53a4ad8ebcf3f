"""Runs the installed ``scanner-grpc`` console script, as a person or CI would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

SCRIPT = Path(sys.executable).parent / "scanner-grpc"

# Variables that would change what the command does: credentials of the
# developer's shell, colour preferences, and proxies that would take loopback
# traffic elsewhere.
_CLEARED = frozenset(
    {
        "YC_IAM_TOKEN",
        "YC_SERVICE_ACCOUNT_KEY_FILE",
        "YC_METADATA_CREDENTIALS",
        "NO_COLOR",
        "TERM",
        "http_proxy",
        "https_proxy",
        "grpc_proxy",
        "all_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
    }
)


def clean_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without ``_CLEARED``, plus ``extra``."""
    environment = {
        name: value for name, value in os.environ.items() if name not in _CLEARED
    }
    environment.update(extra or {})
    return environment


def run_cli(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Runs ``scanner-grpc *args`` with stdout and stderr captured as text.

    Args:
        args: The command line after the script's name.
        env: Variables added to the cleaned environment.
        timeout: Seconds before the run is killed and the test fails.
    """
    return subprocess.run(
        [str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env=clean_environment(env),
        timeout=timeout,
        check=False,
    )
