"""Logging: DEBUG for every attempt and retry, nothing louder on success."""

from __future__ import annotations

import logging

import pytest
from client_helpers import Connect, FakeTime
from google.rpc import code_pb2

from scanner_grpc.emulator import Emulator


def _client_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    # The emulator logs each request it serves, at INFO, under its own name.
    return [
        record
        for record in caplog.records
        if record.name.startswith("scanner_grpc")
        and not record.name.startswith("scanner_grpc.emulator")
    ]


def _an_id(emulator: Emulator) -> str:
    scan_result_id: str = emulator.scan_results[0].id
    return scan_result_id


async def test_get_scan_result_logs_attempts_and_retries_at_debug(
    fresh_emulator: Emulator,
    connect: Connect,
    fake_time: FakeTime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fresh_emulator.faults.fail_next(code_pb2.UNAVAILABLE)
    client = connect(fresh_emulator, retry=fake_time.retry())
    caplog.set_level(logging.DEBUG, logger="scanner_grpc")

    await client.get(_an_id(fresh_emulator))

    ours = _client_records(caplog)
    assert all(record.levelno == logging.DEBUG for record in ours)
    messages = [record.getMessage() for record in ours]
    attempts = [m for m in messages if "attempt 1 of 4" in m or "attempt 2 of 4" in m]
    assert len(attempts) == 2
    retries = [m for m in messages if "retrying in" in m]
    assert len(retries) == 1
    assert "UNAVAILABLE" in retries[0]


async def test_get_scan_result_logs_nothing_above_debug_on_success(
    emulator: Emulator, connect: Connect, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    await connect(emulator).get(_an_id(emulator))

    assert [r for r in _client_records(caplog) if r.levelno > logging.DEBUG] == []


async def test_get_scan_result_formats_no_log_line_unless_debug(
    emulator: Emulator, connect: Connect, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="scanner_grpc")

    await connect(emulator).get(_an_id(emulator))

    assert _client_records(caplog) == []
