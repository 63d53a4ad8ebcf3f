"""The emulator's Python API: lifecycle, addresses, records, exports."""

from __future__ import annotations

import http.client
import socket

import pytest
from emulator_helpers import SCANS, rest, stub

import scanner_grpc.emulator
from scanner_grpc.emulator import Emulator, RecordedRequest
from scanner_grpc.types import GetScanResultRequest

RECORD = "chescanworker0000002"


def test_api_exports_a_small_sorted_all() -> None:
    exported = scanner_grpc.emulator.__all__

    assert exported == sorted(exported)
    assert set(exported) == {
        "Emulator",
        "EmulatorDataError",
        "Faults",
        "RecordedRequest",
    }
    for name in exported:
        assert getattr(scanner_grpc.emulator, name)


def test_api_addresses_are_loopback_urls(emulator: Emulator) -> None:
    host, port = emulator.grpc_target.split(":")

    assert host == "127.0.0.1"
    assert int(port) > 0
    assert emulator.rest_url.startswith("http://127.0.0.1:")
    assert emulator.iam_url == emulator.rest_url + "/iam/v1/tokens"
    assert emulator.metadata_url == (
        emulator.rest_url
        + "/computeMetadata/v1/instance/service-accounts/default/token"
    )


def test_api_addresses_need_a_running_emulator() -> None:
    emulator = Emulator()

    with pytest.raises(RuntimeError, match="not running"):
        _ = emulator.grpc_target
    assert repr(emulator) == "Emulator(stopped)"


def test_api_start_twice_is_refused(fresh_emulator: Emulator) -> None:
    with pytest.raises(RuntimeError, match="running already"):
        fresh_emulator.start()


def test_api_stop_closes_the_ports_and_is_idempotent() -> None:
    emulator = Emulator().start()
    url = emulator.rest_url
    host, port = url.removeprefix("http://").split(":")

    emulator.stop()
    emulator.stop()

    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((host, int(port)), timeout=5).close()


def test_api_stop_closes_idle_keep_alive_connections() -> None:
    emulator = Emulator().start()
    host, port = emulator.rest_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", f"{SCANS}/{RECORD}")
        connection.getresponse().read()
        emulator.stop()

        assert connection.sock is not None
        assert connection.sock.recv(1) == b""  # closed, not left hanging
    finally:
        connection.close()


def test_api_can_restart_after_stop() -> None:
    emulator = Emulator()
    with emulator:
        pass
    with emulator:
        reply = rest(emulator, "GET", f"{SCANS}/{RECORD}")

    assert reply.status == 200


def test_api_fixed_port_in_use_is_an_os_error_naming_it() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        with pytest.raises(OSError, match=f"127.0.0.1:{port}"):
            Emulator(grpc_port=port).start()
        with pytest.raises(OSError, match=f"127.0.0.1:{port}"):
            Emulator(rest_port=port).start()


def test_api_requests_keep_arrival_order_across_interfaces(
    fresh_emulator: Emulator,
) -> None:
    rest(fresh_emulator, "GET", f"{SCANS}/{RECORD}")
    with stub(fresh_emulator) as scanner:
        scanner.Get(GetScanResultRequest(scan_result_id=RECORD))
    rest(fresh_emulator, "GET", f"{SCANS}/nosuchid")

    assert [(r.interface, r.code) for r in fresh_emulator.requests] == [
        ("rest", 0),
        ("grpc", 0),
        ("rest", 5),
    ]
    assert all(isinstance(r, RecordedRequest) for r in fresh_emulator.requests)


def test_api_requests_can_be_cleared(fresh_emulator: Emulator) -> None:
    rest(fresh_emulator, "GET", f"{SCANS}/{RECORD}")
    fresh_emulator.requests.clear()
    rest(fresh_emulator, "GET", f"{SCANS}/{RECORD}")

    assert len(fresh_emulator.requests) == 1


def test_api_recorded_request_is_frozen_and_hides_the_token() -> None:
    record = RecordedRequest(
        "rest", "Get", {"authorization": "Bearer t1.secret", "x-a": "b"}, 0
    )

    with pytest.raises(AttributeError):
        record.code = 5  # type: ignore[misc]
    assert "t1.secret" not in repr(record)
    assert "'x-a': 'b'" in repr(record)


def test_api_scan_results_and_vulnerabilities_are_read_only(
    emulator: Emulator,
) -> None:
    assert isinstance(emulator.scan_results, tuple)
    with pytest.raises(TypeError):
        emulator.vulnerabilities["x"] = ()  # type: ignore[index]
    assert emulator.repositories["crprepowebapp0000001"]


def test_api_answers_do_not_alias_the_loaded_data(emulator: Emulator) -> None:
    from scanner_grpc.emulator._data import load_dataset
    from scanner_grpc.emulator._service import HANDLERS

    data = load_dataset(None)
    answer = HANDLERS["Get"](data, GetScanResultRequest(scan_result_id=RECORD))
    answer.vulnerabilities.critical = 1

    stored = data.scan_result(RECORD)
    assert stored is not None
    assert stored.vulnerabilities.critical == 2**63 - 1
