"""An asyncio client belongs to the event loop of its first call."""

from __future__ import annotations

import asyncio

import pytest

from scanner_grpc import AsyncScannerClient
from scanner_grpc.emulator import Emulator


@pytest.mark.parametrize("transport", ["grpc", "rest"])
def test_async_client_refuses_a_second_event_loop(
    emulator: Emulator, transport: str
) -> None:
    endpoint = emulator.grpc_target if transport == "grpc" else emulator.rest_url
    client = AsyncScannerClient(
        transport=transport,  # type: ignore[arg-type]
        endpoint=endpoint,
        insecure=transport == "grpc",
    )
    scan_result_id = emulator.scan_results[0].id
    first, second = asyncio.new_event_loop(), asyncio.new_event_loop()
    try:
        result = first.run_until_complete(client.get_scan_result(scan_result_id))
        assert result == emulator.scan_results[0]

        with pytest.raises(RuntimeError, match="one client per event loop"):
            second.run_until_complete(client.get_scan_result(scan_result_id))

        # The first loop still has a working client.
        again = first.run_until_complete(client.get_scan_result(scan_result_id))
        assert again == result
    finally:
        first.run_until_complete(client.close())
        first.close()
        second.close()
