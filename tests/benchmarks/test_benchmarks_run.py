"""``benchmarks/run.py``: the quick mode end to end, and the fairness of its pairs.

Nothing here asserts on a time or a ratio: only that the run completes and
reports every pair in the documented shape, and that both sides of a pair
send the same headers.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from scanner_grpc.emulator import Emulator

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"

THROUGHPUT_PAIRS = [
    "grpc-sync",
    "rest-sync",
    "grpc-async-1",
    "grpc-async-16",
    "grpc-async-64",
    "rest-async-1",
    "rest-async-16",
    "rest-async-64",
    "credentials",
]


@pytest.fixture
def sides(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """``benchmarks/_sides.py``, imported the way run.py imports it."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    for variable in (
        "YC_IAM_TOKEN",
        "YC_SERVICE_ACCOUNT_KEY_FILE",
        "YC_METADATA_CREDENTIALS",
    ):
        monkeypatch.delenv(variable, raising=False)
    import _sides

    yield _sides
    sys.modules.pop("_sides", None)


def test_run_quick_reports_every_pair(tmp_path: Path) -> None:
    report_path = tmp_path / "report.json"

    completed = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run.py"), "--quick", "--json", report_path],
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["mode"] == "quick"
    assert set(report["machine"]["versions"]) >= {"grpcio", "protobuf", "urllib3"}
    rows = {row["name"]: row for row in report["pairs"]}
    assert list(rows) == ["import", "aiohttp-lazy", *THROUGHPUT_PAIRS]
    rounds = report["settings"]["rounds"]
    for name in THROUGHPUT_PAIRS:
        row = rows[name]
        assert row["verdict"] in ("PASS", "MISS"), name
        assert len(row["ratios_by_round"]) == rounds, name
        assert row["ratio_min"] <= row["ratio"] <= row["ratio_max"], name
        for side in (row["facade"], row["raw"]):
            assert side["calls"] > 0, name
            assert side["calls_per_s"] > 0, name
            assert 0 < side["p50_ms"] <= side["p99_ms"], name
        assert row["title"] in completed.stdout
    imports = rows["import"]
    assert len(imports["facade"]["samples_ms"]) == report["settings"]["import_samples"]
    assert imports["verdict"] in ("PASS", "MISS")
    lazy = rows["aiohttp-lazy"]
    assert set(lazy["observed_loaded"]) == set(lazy["expected_loaded"])
    assert "import scanner_grpc" in lazy["stages"]
    assert lazy["verdict"] in ("PASS", "MISS")
    assert completed.stdout.startswith("pair ")


def test_run_refuses_an_unknown_option() -> None:
    completed = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run.py"), "--rounds", "3"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert completed.returncode == 2
    assert "unrecognized arguments: --rounds" in completed.stderr


def _comparable(headers: dict[str, str]) -> dict[str, str]:
    # The ids are new for every call, and the deadline is counted from when
    # the call leaves; every other header must match exactly.
    varying = {"x-client-request-id", "x-client-trace-id", "grpc-timeout"}
    return {name: value for name, value in headers.items() if name not in varying}


def _last_get(emulator: Emulator) -> dict[str, str]:
    (last,) = [seen for seen in emulator.requests if seen.method == "Get"][-1:]
    return dict(last.headers)


@pytest.mark.parametrize("transport", ["grpc", "rest"])
async def test_sides_send_the_same_headers(
    fresh_emulator: Emulator, sides: ModuleType, transport: str
) -> None:
    fresh_emulator.auth_required = True
    token = fresh_emulator.authority.issue_token().value
    scan_result_id = fresh_emulator.scan_results[0].id
    endpoint = {"grpc": fresh_emulator.grpc_target, "rest": fresh_emulator.rest_url}[
        transport
    ]
    common = {"scan_result_id": scan_result_id, "token": token}
    if transport == "grpc":
        raw_sync = sides.raw_grpc_sync(target=endpoint, **common)
        raw_async = sides.raw_grpc_aio(target=endpoint, **common)
    else:
        raw_sync = sides.raw_urllib3(rest_url=endpoint, **common)
        raw_async = sides.raw_aiohttp(rest_url=endpoint, max_connections=10, **common)
    facade_sync = sides.facade_sync(transport=transport, endpoint=endpoint, **common)
    facade_async = sides.facade_async(transport=transport, endpoint=endpoint, **common)

    seen: dict[str, dict[str, str]] = {}
    results: dict[str, Any] = {}
    sync_calls: list[tuple[str, Callable[[], Any]]] = [
        ("facade sync", facade_sync.call),
        ("raw sync", raw_sync.call),
    ]
    async_calls: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
        ("facade async", facade_async.call),
        ("raw async", raw_async.call),
    ]
    try:
        for label, call in sync_calls:
            results[label] = call()
            seen[label] = _last_get(fresh_emulator)
        for label, async_call in async_calls:
            results[label] = await async_call()
            seen[label] = _last_get(fresh_emulator)
    finally:
        facade_sync.close()
        raw_sync.close()
        await facade_async.close()
        await raw_async.close()

    assert seen["facade sync"]["authorization"] == f"Bearer {token}"
    assert _comparable(seen["facade sync"]) == _comparable(seen["raw sync"])
    assert _comparable(seen["facade async"]) == _comparable(seen["raw async"])
    for headers in seen.values():
        assert headers["x-client-request-id"] != headers["x-client-trace-id"]
    assert len({headers["x-client-request-id"] for headers in seen.values()}) == 4
    assert len({str(result) for result in results.values()}) == 1
