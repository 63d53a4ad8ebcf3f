"""What importing costs, and what stays unimported, each in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

__all__ = ["LAZY_MODULES", "import_times", "lazy_modules"]

LAZY_MODULES = ("aiohttp", "urllib3", "jwt", "cryptography", "grpc")
"""Modules of which each stage of the laziness check reports whether loaded."""

# Times the import alone, from inside the new interpreter: its start-up, the
# same for both, stays out of the figure.
_TIME_IMPORT = """\
import time
started = time.perf_counter()
import {module}
print(time.perf_counter() - started)
"""

# Each stage does a bit more; after each, which LAZY_MODULES are loaded.
# Making a client connects nowhere: channels and sessions open at the first
# call, and the endpoints are loopback anyway.
_LAZINESS = """\
import json, sys
modules = {modules!r}
stages = {{}}
def seen(stage):
    stages[stage] = {{m: m in sys.modules for m in modules}}
import scanner_grpc
seen("import scanner_grpc")
scanner_grpc.ScannerClient(
    transport="grpc", endpoint={grpc_target!r}, insecure=True
).close()
seen("ScannerClient(transport='grpc')")
scanner_grpc.ScannerClient(transport="rest", endpoint={rest_url!r}).close()
seen("ScannerClient(transport='rest')")
scanner_grpc.AsyncScannerClient(
    transport="grpc", endpoint={grpc_target!r}, insecure=True
)
seen("AsyncScannerClient(transport='grpc')")
scanner_grpc.AsyncScannerClient(transport="rest", endpoint={rest_url!r})
seen("AsyncScannerClient(transport='rest')")
print(json.dumps(stages))
"""


def _run(source: str) -> str:
    completed = subprocess.run(
        [sys.executable, "-c", source],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"a fresh interpreter failed (exit {completed.returncode}):\n"
            f"{completed.stderr[-2000:]}"
        )
    return completed.stdout


def import_times(
    facade: str, raw: str, *, samples: int
) -> tuple[list[float], list[float]]:
    """Milliseconds that ``import facade`` and ``import raw`` take, per sample.

    Each sample imports each module in a fresh interpreter, the order
    swapping every sample, so that a warm file cache favours neither.
    """
    timings: dict[str, list[float]] = {facade: [], raw: []}
    for index in range(samples):
        order = [facade, raw] if index % 2 == 0 else [raw, facade]
        for module in order:
            seconds = float(_run(_TIME_IMPORT.format(module=module)).strip())
            timings[module].append(seconds * 1000)
    return timings[facade], timings[raw]


def lazy_modules(*, grpc_target: str, rest_url: str) -> dict[str, dict[str, bool]]:
    """Which of ``LAZY_MODULES`` are loaded after each stage of using the package."""
    source = _LAZINESS.format(
        modules=LAZY_MODULES, grpc_target=grpc_target, rest_url=rest_url
    )
    stages: dict[str, dict[str, bool]] = json.loads(_run(source))
    return stages
