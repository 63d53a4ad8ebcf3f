"""``scanner-grpc demo``: the whole client against the bundled emulator, offline.

It starts the emulator in this process on loopback ports, fetches the same
scan result over gRPC and over REST with ``ScannerClient``, prints it and
checks that both interfaces returned the same message. It needs no network
and no account, so it is the first thing to run after installing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from scanner_grpc._cli._exit_codes import ExitCode, exit_codes_help
from scanner_grpc._cli._failures import (
    PROG,
    Redactor,
    enable_debug_logging,
    quoted,
    report_failure,
)
from scanner_grpc._cli._output import (
    add_output_options,
    choose_format,
    render,
    use_color,
    write_whole,
)

if TYPE_CHECKING:
    from scanner_grpc.types import ScanResult

__all__ = ["AGREEMENT", "add_parser", "pick_record", "run"]

AGREEMENT = "grpc and rest returned identical ScanResult messages"
"""The line that reports success; the README's first command ends with it."""

_LOOPBACK = "127.0.0.1"

_EPILOG = f"""\
The scan result goes to stdout (json or table, as for `get`); what the demo
does, and the comparison, go to stderr. It exits 0 after the line

  {AGREEMENT}

and 1 when the two interfaces disagree.

"""


def add_parser(subcommands: Any) -> None:
    """Adds ``demo`` to the ``scanner-grpc`` subcommands."""
    parser: argparse.ArgumentParser = subcommands.add_parser(
        "demo",
        help="fetch a scan result from the bundled emulator over gRPC and REST",
        description="Start the bundled emulator on loopback, fetch one scan result "
        "over gRPC and over REST, print it and check that both agree. No network "
        "and no account needed.",
        epilog=_EPILOG + exit_codes_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_output_options(parser)
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    """Runs ``demo`` with parsed ``arguments``; returns the exit status."""
    redact = Redactor()
    if arguments.debug:
        enable_debug_logging(redact)
    try:
        record_id, by_transport = _fetch_both()
    except (Exception, KeyboardInterrupt) as error:
        return report_failure(error, debug=arguments.debug, redact=redact)

    over_grpc, over_rest = by_transport["grpc"], by_transport["rest"]
    output_format = choose_format(arguments.format, sys.stdout)
    color = use_color(arguments.color, sys.stdout)
    write_whole(sys.stdout, render(over_grpc, output_format=output_format, color=color))

    if over_grpc != over_rest:
        differing = ", ".join(_differing_fields(over_grpc, over_rest)) or "encoding"
        _note(
            f"{PROG}: grpc and rest returned different scan results for "
            f"{quoted(record_id)} (they differ in: {differing})"
        )
        return ExitCode.ERROR
    _note(AGREEMENT)
    return ExitCode.OK


def pick_record(records: Sequence[ScanResult]) -> ScanResult:
    """The record that shows the most: READY, with findings at the most severities.

    Of equals, the first wins, so the choice is stable for given data.

    Raises:
        ValueError: no record is READY.
    """
    ready = [record for record in records if record.status == record.READY]
    if not ready:
        raise ValueError("the emulator's data holds no READY scan result")
    return max(ready, key=_severities_found)


def _fetch_both() -> tuple[str, dict[str, ScanResult]]:
    from scanner_grpc import ScannerClient
    from scanner_grpc.emulator import Emulator

    results: dict[str, ScanResult] = {}
    with Emulator(host=_LOOPBACK) as emulator:
        record = pick_record(emulator.scan_results)
        _note(
            f"{PROG} demo: started the bundled emulator: gRPC on "
            f"{emulator.grpc_target}, REST on {emulator.rest_url}"
        )
        # REST goes over plain http:// to loopback: the URL's scheme says so.
        options: dict[str, dict[str, Any]] = {
            "grpc": {
                "transport": "grpc",
                "endpoint": emulator.grpc_target,
                "insecure": True,
            },
            "rest": {"transport": "rest", "endpoint": emulator.rest_url},
        }
        for transport, settings in options.items():
            with ScannerClient(**settings) as client:
                results[transport] = client.get_scan_result(record.id)
            fetched = quoted(record.id)
            _note(f"{PROG} demo: fetched scan result {fetched} over {transport}")
    return record.id, results


def _severities_found(record: ScanResult) -> int:
    # ListFields holds the non-zero counts only.
    return len(record.vulnerabilities.ListFields())


def _differing_fields(first: ScanResult, second: ScanResult) -> list[str]:
    names = [field.name for field in first.DESCRIPTOR.fields]
    return [name for name in names if getattr(first, name) != getattr(second, name)]


def _note(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()
