"""One sync client, shared by many threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from client_helpers import Connect, gets, sync_only

from scanner_grpc import ScannerClient
from scanner_grpc.emulator import Emulator
from scanner_grpc.types import ScanResult

THREADS = 16
CALLS = 160


@sync_only
async def test_scanner_client_serves_many_threads_at_once(
    fresh_emulator: Emulator, connect: Connect
) -> None:
    client = connect(fresh_emulator).client
    assert isinstance(client, ScannerClient)
    records = fresh_emulator.scan_results
    wanted = [records[index % len(records)] for index in range(CALLS)]

    def fetch(record: ScanResult) -> ScanResult:
        return client.get_scan_result(record.id)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(fetch, wanted))

    assert results == wanted
    seen = gets(fresh_emulator)
    assert len(seen) == CALLS
    assert len({request.headers["x-client-request-id"] for request in seen}) == CALLS
    assert len({request.headers["x-client-trace-id"] for request in seen}) == CALLS
