"""64 calls in flight at once on each interface, every one of them answered."""

from __future__ import annotations

import http.client
import threading
from concurrent.futures import ThreadPoolExecutor

import grpc
from emulator_helpers import SCANS, stub

from scanner_grpc.emulator import Emulator
from scanner_grpc.types import GetScanResultRequest

CALLS = 64
RECORD = "chescanworker0000002"


def test_concurrency_64_grpc_calls_in_flight(fresh_emulator: Emulator) -> None:
    # The latency keeps every call in the server until all have arrived.
    fresh_emulator.faults.latency = 0.3
    start = threading.Barrier(CALLS)

    with stub(fresh_emulator) as scanner:

        def call(_: int) -> str:
            start.wait(timeout=30)
            try:
                result = scanner.Get(
                    GetScanResultRequest(scan_result_id=RECORD), timeout=30
                )
            except grpc.RpcError as error:
                return str(error.code())
            return result.id

        with ThreadPoolExecutor(CALLS) as pool:
            answers = list(pool.map(call, range(CALLS)))

    assert answers == [RECORD] * CALLS
    assert [r.code for r in fresh_emulator.requests] == [0] * CALLS


def test_concurrency_64_rest_calls_in_flight(fresh_emulator: Emulator) -> None:
    fresh_emulator.faults.latency = 0.3
    start = threading.Barrier(CALLS)
    host, port = fresh_emulator.rest_url.removeprefix("http://").split(":")

    def call(_: int) -> int:
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            connection.connect()
            start.wait(timeout=30)
            connection.request("GET", f"{SCANS}/{RECORD}")
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()

    with ThreadPoolExecutor(CALLS) as pool:
        statuses = list(pool.map(call, range(CALLS)))

    assert statuses == [200] * CALLS
    assert [r.code for r in fresh_emulator.requests] == [0] * CALLS
