"""``scanner-grpc demo``: the bundled emulator, gRPC and REST, in one command."""

from __future__ import annotations

import pytest
from cli_support import run_cli
from google.protobuf import json_format

from scanner_grpc._cli._demo import AGREEMENT, pick_record
from scanner_grpc.emulator import Emulator
from scanner_grpc.types import ScanResult


def test_demo_prints_the_richest_record_as_json_and_reports_agreement(
    emulator: Emulator,
) -> None:
    completed = run_cli("demo", "--format", "json")

    assert completed.returncode == 0, completed.stderr
    shown = json_format.Parse(completed.stdout, ScanResult())
    assert shown == pick_record(emulator.scan_results)
    assert completed.stderr.splitlines()[-1] == AGREEMENT
    assert "over grpc" in completed.stderr
    assert "over rest" in completed.stderr


def test_demo_table_is_coloured_on_request(emulator: Emulator) -> None:
    expected = pick_record(emulator.scan_results)

    completed = run_cli("demo", "--format", "table", "--color", "always")

    assert completed.returncode == 0, completed.stderr
    assert expected.id in completed.stdout
    assert expected.scanned_at.ToJsonString() in completed.stdout
    assert "\x1b[" in completed.stdout
    assert completed.stderr.splitlines()[-1] == AGREEMENT


def test_demo_reaches_the_emulator_on_a_machine_behind_a_proxy(
    closed_port: int,
) -> None:
    # A proxy that refuses every connection; on loopback, so that nothing
    # would leave the machine even if it were used.
    proxy = f"http://127.0.0.1:{closed_port}"
    environment = {"http_proxy": proxy, "https_proxy": proxy, "grpc_proxy": proxy}

    completed = run_cli("demo", "--format", "json", env=environment)

    assert completed.returncode == 0, completed.stderr
    assert completed.stderr.splitlines()[-1] == AGREEMENT


def record(scan_result_id: str, status: str, **counts: int) -> ScanResult:
    return json_format.ParseDict(
        {
            "id": scan_result_id,
            "status": status,
            "vulnerabilities": {name: str(count) for name, count in counts.items()},
        },
        ScanResult(),
    )


def test_pick_record_prefers_ready_findings_at_the_most_severities() -> None:
    records = [
        record("running", "RUNNING", critical=1, high=1, medium=1),
        record("one-severity", "READY", critical=10**9),
        record("two-severities", "READY", high=1, low=1),
        record("two-as-well", "READY", medium=1, negligible=1),
    ]

    # The first of equals wins, so the choice does not change between runs.
    assert pick_record(records).id == "two-severities"


def test_pick_record_without_a_ready_record_says_so() -> None:
    with pytest.raises(ValueError, match="no READY scan result"):
        pick_record([record("running", "RUNNING")])
