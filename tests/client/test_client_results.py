"""get_scan_result returns the emulator's records, exactly, on every client."""

from __future__ import annotations

from collections.abc import Callable

from client_helpers import KINDS, Connect, Facade

from scanner_grpc.emulator import Emulator
from scanner_grpc.types import ScanResult

INT64_MAX = 2**63 - 1


def _record(emulator: Emulator, predicate: Callable[[ScanResult], bool]) -> ScanResult:
    found = [record for record in emulator.scan_results if predicate(record)]
    assert found, "the sample data lacks the record that this test needs"
    return found[0]


async def test_get_scan_result_returns_every_record(
    emulator: Emulator, connect: Connect
) -> None:
    client = connect(emulator)
    for record in emulator.scan_results:
        assert await client.get(record.id) == record


async def test_get_scan_result_same_message_on_all_clients(emulator: Emulator) -> None:
    clients = [Facade(kind, **kind.options_for(emulator)) for kind in KINDS]
    try:
        for record in emulator.scan_results:
            results = [await client.get(record.id) for client in clients]
            # Equal messages, and equal down to the bytes on the wire.
            assert all(result == record for result in results)
            assert {
                result.SerializeToString(deterministic=True) for result in results
            } == {record.SerializeToString(deterministic=True)}
    finally:
        for client in clients:
            await client.close()


async def test_get_scan_result_keeps_int64_max_counts(
    emulator: Emulator, connect: Connect
) -> None:
    record = _record(emulator, lambda r: r.vulnerabilities.critical == INT64_MAX)
    result = await connect(emulator).get(record.id)
    counts = result.vulnerabilities
    assert counts.critical == counts.high == counts.medium == INT64_MAX


async def test_get_scan_result_keeps_nine_digit_nanos(
    emulator: Emulator, connect: Connect
) -> None:
    record = _record(emulator, lambda r: r.scanned_at.nanos == 999_999_999)
    result = await connect(emulator).get(record.id)
    assert result.scanned_at.nanos == 999_999_999
    assert result.scanned_at.seconds == record.scanned_at.seconds


async def test_get_scan_result_keeps_one_nanosecond(
    emulator: Emulator, connect: Connect
) -> None:
    record = _record(emulator, lambda r: r.scanned_at.nanos == 1)
    result = await connect(emulator).get(record.id)
    assert result.scanned_at == record.scanned_at


async def test_get_scan_result_serves_the_extreme_timestamps(
    emulator: Emulator, connect: Connect
) -> None:
    # 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z.
    earliest = _record(emulator, lambda r: r.scanned_at.seconds == -62135596800)
    latest = _record(emulator, lambda r: r.scanned_at.seconds == 253402300799)
    client = connect(emulator)
    assert await client.get(earliest.id) == earliest
    assert await client.get(latest.id) == latest
