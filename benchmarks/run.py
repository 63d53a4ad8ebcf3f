"""What the scanner_grpc facade costs over the raw stub and raw HTTP.

    python benchmarks/run.py [--quick] [--json PATH]

Starts the emulator in a process of its own, then measures pairs, each the
facade against the same call made by hand, in alternating rounds; prints a
table and optionally writes the figures as JSON. A missed target is reported,
never an exit status: the exit status is 0 unless the run itself failed.
See benchmarks/README.md for what each pair measures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

# The modules beside this file; the package itself is imported as installed.
from _emulator import EmulatorProcess, fetch_metadata_token, running_emulator
from _imports import import_times, lazy_modules
from _measure import PairResult, measure_async_pair, measure_sync_pair
from _report import (
    OtherLoad,
    Target,
    check_row,
    import_row,
    machine,
    pair_row,
    table,
)
from _sides import (
    AsyncSide,
    SyncSide,
    facade_async,
    facade_sync,
    raw_aiohttp,
    raw_grpc_aio,
    raw_grpc_sync,
    raw_urllib3,
)

GRPC_TARGET = Target(">=", 0.95)
REST_TARGET = Target(">=", 0.90)
CREDENTIALS_TARGET = Target(">=", 0.95)
IMPORT_TARGET = Target("<=", 50.0)  # milliseconds more than import grpc
CONCURRENCY = (1, 16, 64)

# The facade's default max_connections, which the raw aiohttp session gets too.
FACADE_MAX_CONNECTIONS = 10


@dataclasses.dataclass(frozen=True)
class Mode:
    """How much to measure."""

    name: str
    rounds: int
    sync_calls: int
    async_calls: int
    warmup: int
    import_samples: int


# Many short rounds rather than a few long ones: a burst of other work on
# the machine then spoils a few rounds, which the median leaves out.
QUICK = Mode(
    "quick", rounds=2, sync_calls=50, async_calls=64, warmup=10, import_samples=3
)
FULL = Mode(
    "full", rounds=25, sync_calls=300, async_calls=512, warmup=200, import_samples=9
)

# A raw call slower than this, one at a time, is the server's time, not the
# client's: the ratio then says little about the facade.
_SLOW_RAW_P50_MS = 20.0

# Variables through which the facade would find credentials of its own.
_CREDENTIAL_VARIABLES = (
    "YC_IAM_TOKEN",
    "YC_SERVICE_ACCOUNT_KEY_FILE",
    "YC_METADATA_CREDENTIALS",
)


def _parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/run.py",
        description="Measure the scanner_grpc facade against the raw generated "
        "stub and raw HTTP, against the emulator in its own process.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a short run that checks that everything works (figures are noisy)",
    )
    parser.add_argument(
        "--json", metavar="PATH", help="also write the report as JSON to PATH"
    )
    parser.add_argument(
        "--auth",
        choices=("token", "off"),
        default="token",
        help="token (default): the emulator checks tokens and both sides of "
        "every pair send the same static one; off: no pair but the "
        "credentials pair sends a token",
    )
    parser.add_argument(
        "--scan-result-id",
        default="chescanwebapp0000001",
        help="the scan result that every call reads (default: %(default)s, "
        "from the bundled sample data)",
    )
    return parser.parse_args(argv)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def _closing_sync(*sides: SyncSide) -> Iterator[None]:
    try:
        yield
    finally:
        for side in sides:
            side.close()


def _check_agree(first: object, second: object, what: str) -> None:
    # Timing two sides that read different things would compare nothing.
    if first != second:
        raise RuntimeError(f"{what}: the two sides read different scan results")


def _sync_pair(facade: SyncSide, raw: SyncSide, mode: Mode, what: str) -> PairResult:
    with _closing_sync(facade, raw):
        _check_agree(facade.call(), raw.call(), what)
        return measure_sync_pair(
            facade=(facade.label, facade.call),
            raw=(raw.label, raw.call),
            rounds=mode.rounds,
            calls=mode.sync_calls,
            warmup=mode.warmup,
        )


async def _async_pairs(
    make_facade: Callable[[], AsyncSide],
    make_raw: Callable[[], AsyncSide],
    mode: Mode,
    what: str,
) -> dict[int, PairResult]:
    # Both sides are made in this loop: their channels and sessions belong to it.
    facade, raw = make_facade(), make_raw()
    try:
        _check_agree(await facade.call(), await raw.call(), what)
        results = {}
        for in_flight in CONCURRENCY:
            _progress(f"  {what}, {in_flight} in flight")
            results[in_flight] = await measure_async_pair(
                facade=(facade.label, facade.call),
                raw=(raw.label, raw.call),
                rounds=mode.rounds,
                # Every worker gets the same number of calls.
                calls=max(mode.async_calls // in_flight, 1) * in_flight,
                warmup=mode.warmup,
                in_flight=in_flight,
            )
        return results
    finally:
        await facade.close()
        await raw.close()


def _transport_rows(
    emulator: EmulatorProcess, token: str | None, scan_result_id: str, mode: Mode
) -> list[dict[str, Any]]:
    rows = []
    endpoints = {"grpc": emulator.grpc_target, "rest": emulator.rest_url}
    targets = {"grpc": GRPC_TARGET, "rest": REST_TARGET}
    raw_sync = {
        "grpc": lambda: raw_grpc_sync(
            target=emulator.grpc_target, scan_result_id=scan_result_id, token=token
        ),
        "rest": lambda: raw_urllib3(
            rest_url=emulator.rest_url, scan_result_id=scan_result_id, token=token
        ),
    }
    raw_async = {
        "grpc": lambda: raw_grpc_aio(
            target=emulator.grpc_target, scan_result_id=scan_result_id, token=token
        ),
        "rest": lambda: raw_aiohttp(
            rest_url=emulator.rest_url,
            scan_result_id=scan_result_id,
            token=token,
            max_connections=FACADE_MAX_CONNECTIONS,
        ),
    }
    for transport in ("grpc", "rest"):
        what = f"{transport} sync"
        _progress(f"  {what}")
        facade = facade_sync(
            transport=transport,
            endpoint=endpoints[transport],
            scan_result_id=scan_result_id,
            token=token,
        )
        result = _sync_pair(facade, raw_sync[transport](), mode, what)
        rows.append(
            pair_row(
                f"{transport}-sync",
                what,
                result,
                targets[transport],
                transport=transport,
                in_flight=1,
            )
        )
    for transport in ("grpc", "rest"):
        what = f"{transport} async"
        endpoint = endpoints[transport]

        def make_facade(
            transport: str = transport, endpoint: str = endpoint
        ) -> AsyncSide:
            return facade_async(
                transport=transport,
                endpoint=endpoint,
                scan_result_id=scan_result_id,
                token=token,
            )

        results = asyncio.run(
            _async_pairs(make_facade, raw_async[transport], mode, what)
        )
        for in_flight, result in results.items():
            rows.append(
                pair_row(
                    f"{transport}-async-{in_flight}",
                    f"{what} x{in_flight}",
                    result,
                    targets[transport],
                    transport=transport,
                    in_flight=in_flight,
                )
            )
    return rows


def _credentials_row(
    emulator: EmulatorProcess, key: dict[str, str], scan_result_id: str, mode: Mode
) -> dict[str, Any]:
    from scanner_grpc.auth import IamToken, ServiceAccountKey

    _progress("  service account key vs static token")
    account = ServiceAccountKey(key, iam_url=emulator.iam_url)
    # The static side sends the very token that the key side has cached.
    static = IamToken(account.token())
    with_key = facade_sync(
        transport="grpc",
        endpoint=emulator.grpc_target,
        scan_result_id=scan_result_id,
        credentials=account,
        label="ServiceAccountKey",
    )
    with_token = facade_sync(
        transport="grpc",
        endpoint=emulator.grpc_target,
        scan_result_id=scan_result_id,
        credentials=static,
        label="IamToken",
    )
    result = _sync_pair(with_key, with_token, mode, "credentials")
    return pair_row(
        "credentials",
        "service account key vs static token",
        result,
        CREDENTIALS_TARGET,
        transport="grpc",
        in_flight=1,
    )


def _import_rows(emulator: EmulatorProcess, mode: Mode) -> list[dict[str, Any]]:
    _progress("  import scanner_grpc vs import grpc")
    facade_ms, raw_ms = import_times(
        "scanner_grpc", "grpc", samples=mode.import_samples
    )
    rows = [
        import_row(
            ("import scanner_grpc", facade_ms), ("import grpc", raw_ms), IMPORT_TARGET
        )
    ]
    stages = lazy_modules(grpc_target=emulator.grpc_target, rest_url=emulator.rest_url)
    expected = {
        "import scanner_grpc": False,
        "ScannerClient(transport='grpc')": False,
        "ScannerClient(transport='rest')": False,
        "AsyncScannerClient(transport='rest')": True,
    }
    rows.append(
        check_row(
            "aiohttp-lazy", "aiohttp imported lazily", stages, "aiohttp", expected
        )
    )
    return rows


def _warnings(rows: list[dict[str, Any]]) -> list[str]:
    found = []
    for row in rows:
        if row["kind"] == "throughput" and row["in_flight"] == 1:
            p50 = row["raw"]["p50_ms"]
            if p50 > _SLOW_RAW_P50_MS:
                found.append(
                    f"{row['title']}: the raw side takes {p50:.1f} ms per call, "
                    "so the emulator's answer, not the client, sets the pace "
                    "and the ratio hides the facade's cost. Around 40 ms is "
                    "the sign of a server that writes headers and body in "
                    "separate segments without TCP_NODELAY (Nagle's algorithm "
                    "meeting the client's delayed ACK)."
                )
    return found


def run(arguments: argparse.Namespace) -> dict[str, Any]:
    """Runs every pair; returns the report."""
    from scanner_grpc.emulator._iam import generate_authorized_key

    mode = QUICK if arguments.quick else FULL
    for variable in _CREDENTIAL_VARIABLES:
        os.environ.pop(variable, None)
    key = generate_authorized_key()
    started = time.monotonic()
    load_before = os.getloadavg()
    other_load = OtherLoad()
    _progress(f"benchmark ({mode.name}): starting the emulator")
    with running_emulator(auth=arguments.auth == "token", authorized_key=key) as emu:
        _progress(f"  gRPC {emu.grpc_target}, REST {emu.rest_url}, pid {emu.pid}")
        token = (
            fetch_metadata_token(emu.rest_url) if arguments.auth == "token" else None
        )
        rows = _import_rows(emu, mode)
        rows += _transport_rows(emu, token, arguments.scan_result_id, mode)
        rows.append(_credentials_row(emu, key, arguments.scan_result_id, mode))
        other_share = other_load.share(emu.pid)
    return {
        "mode": mode.name,
        "warnings": _warnings(rows),
        "settings": {
            **dataclasses.asdict(mode),
            "auth": arguments.auth,
            "scan_result_id": arguments.scan_result_id,
            "in_flight": list(CONCURRENCY),
            "facade_max_connections": FACADE_MAX_CONNECTIONS,
        },
        "machine": machine(),
        "load_average_before": [round(v, 2) for v in load_before],
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
        "other_programs_cpu_share": (
            None if other_share is None else round(other_share, 3)
        ),
        "seconds": round(time.monotonic() - started, 1),
        "pairs": rows,
    }


def main(argv: list[str] | None = None) -> int:
    arguments = _parse_arguments(argv)
    from scanner_grpc import ScannerError

    try:
        report = run(arguments)
    except (RuntimeError, ScannerError) as error:
        # The emulator did not start, or refused a call (an unknown
        # --scan-result-id, say): a line says it better than a traceback.
        print(f"benchmarks/run.py: error: {error}", file=sys.stderr)
        return 1
    print(table(report["pairs"]))
    for warning in report["warnings"]:
        print(f"\nwarning: {warning}")
    misses = [row["name"] for row in report["pairs"] if row["verdict"] != "PASS"]
    other = report["other_programs_cpu_share"]
    busy = "" if other is None else f", other programs used {other:.0%} of the CPUs"
    print(
        f"\n{report['mode']} run, {report['seconds']} s{busy}; "
        + (f"missed: {', '.join(misses)}" if misses else "every target met")
    )
    if arguments.json:
        with open(arguments.json, "w", encoding="utf-8") as file:
            json.dump(report, file, indent=2)
            file.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
