"""Injected faults: latency, queued statuses, the HTML 502 page, disconnects."""

from __future__ import annotations

import http.client
import math
import time
from collections.abc import Callable

import grpc
import pytest
from emulator_helpers import (
    SCANS,
    details_of,
    grpc_status,
    request_info_id,
    rest,
    stub,
)
from google.protobuf import duration_pb2
from google.rpc import code_pb2, error_details_pb2

from scanner_grpc.emulator import Emulator, Faults
from scanner_grpc.emulator._records import IN_FLIGHT
from scanner_grpc.types import GetScanResultRequest

RECORD = "chescanworker0000002"
GET = GetScanResultRequest(scan_result_id=RECORD)


def _eventually(condition: Callable[[], bool]) -> bool:
    # The server may see a request a moment after the client gave up on it.
    for _ in range(200):
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def _grpc_codes(emulator: Emulator, calls: int) -> list[grpc.StatusCode]:
    codes = []
    with stub(emulator) as scanner:
        for _ in range(calls):
            try:
                scanner.Get(GET, timeout=10)
                codes.append(grpc.StatusCode.OK)
            except grpc.RpcError as error:
                codes.append(error.code())
    return codes


def test_faults_fail_next_answers_the_queue_then_serves(
    fresh_emulator: Emulator,
) -> None:
    fresh_emulator.faults.fail_next(code_pb2.UNAVAILABLE, times=2)

    codes = _grpc_codes(fresh_emulator, 3)

    unavailable = grpc.StatusCode.UNAVAILABLE
    assert codes == [unavailable, unavailable, grpc.StatusCode.OK]
    assert [r.code for r in fresh_emulator.requests] == [14, 14, 0]
    assert fresh_emulator.faults.pending == 0


def test_faults_fail_next_over_grpc_carries_message_retry_info_and_ids(
    fresh_emulator: Emulator,
) -> None:
    fresh_emulator.faults.fail_next(
        code_pb2.RESOURCE_EXHAUSTED, message="slow down", retry_after=1.5
    )
    with stub(fresh_emulator) as scanner, pytest.raises(grpc.RpcError) as caught:
        scanner.Get(GET, timeout=10)

    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    status = grpc_status(caught.value)
    assert status.message == "slow down"
    retry = details_of(status)["google.rpc.RetryInfo"]
    assert isinstance(retry, error_details_pb2.RetryInfo)
    assert retry.retry_delay == duration_pb2.Duration(seconds=1, nanos=500_000_000)
    assert request_info_id(status)


def test_faults_fail_next_over_rest_sets_retry_after_and_retry_info(
    fresh_emulator: Emulator,
) -> None:
    fresh_emulator.faults.fail_next(code_pb2.RESOURCE_EXHAUSTED, retry_after=2)

    reply = rest(fresh_emulator, "GET", f"{SCANS}/{RECORD}")

    assert reply.status == 429
    assert reply.headers["retry-after"] == "2"
    status = reply.status_message()
    assert status.code == code_pb2.RESOURCE_EXHAUSTED
    assert "google.rpc.RetryInfo" in details_of(status)
    assert request_info_id(status) == reply.headers["x-request-id"]


def test_faults_fractional_retry_after_is_kept_as_a_decimal(
    fresh_emulator: Emulator,
) -> None:
    fresh_emulator.faults.fail_next(code_pb2.UNAVAILABLE, retry_after=0.25)

    reply = rest(fresh_emulator, "GET", f"{SCANS}/{RECORD}")

    assert reply.status == 503
    assert reply.headers["retry-after"] == "0.25"


def test_faults_for_one_interface_wait_for_a_call_on_it(
    fresh_emulator: Emulator,
) -> None:
    fresh_emulator.faults.fail_next(code_pb2.INTERNAL, interface="rest")

    grpc_codes = _grpc_codes(fresh_emulator, 2)
    reply = rest(fresh_emulator, "GET", f"{SCANS}/{RECORD}")

    assert grpc_codes == [grpc.StatusCode.OK] * 2
    assert reply.status == 500
    assert reply.status_message().code == code_pb2.INTERNAL


def test_faults_are_not_taken_by_the_token_endpoints(
    fresh_emulator: Emulator,
) -> None:
    fresh_emulator.faults.fail_next(code_pb2.UNAVAILABLE)

    token = rest(
        fresh_emulator,
        "GET",
        fresh_emulator.metadata_url.removeprefix(fresh_emulator.rest_url),
        headers={"Metadata-Flavor": "Google"},
    )
    unknown = rest(fresh_emulator, "GET", "/nowhere")

    assert token.status == 200
    assert unknown.status == 404
    assert fresh_emulator.faults.pending == 1


def test_faults_html_502_next_answers_a_proxy_page(fresh_emulator: Emulator) -> None:
    fresh_emulator.faults.html_502_next()

    reply = rest(fresh_emulator, "GET", f"{SCANS}/{RECORD}")
    after = rest(fresh_emulator, "GET", f"{SCANS}/{RECORD}")

    assert reply.status == 502
    assert reply.headers["content-type"].startswith("text/html")
    assert b"502 Bad Gateway" in reply.body
    assert reply.headers["x-request-id"]
    assert after.status == 200
    assert fresh_emulator.requests[0].code == code_pb2.UNAVAILABLE


def test_faults_html_502_is_not_taken_by_grpc_calls(fresh_emulator: Emulator) -> None:
    fresh_emulator.faults.html_502_next(times=2)

    codes = _grpc_codes(fresh_emulator, 2)

    assert codes == [grpc.StatusCode.OK] * 2
    assert fresh_emulator.faults.pending == 2


def test_faults_disconnect_next_over_grpc_is_unavailable_once(
    fresh_emulator: Emulator,
) -> None:
    fresh_emulator.faults.disconnect_next(times=2, interface="grpc")

    codes = _grpc_codes(fresh_emulator, 4)

    unavailable = grpc.StatusCode.UNAVAILABLE
    assert codes == [unavailable, unavailable, grpc.StatusCode.OK, grpc.StatusCode.OK]
    assert [r.code for r in fresh_emulator.requests] == [14, 14, 0, 0]


def test_faults_disconnect_next_over_rest_breaks_the_body(
    fresh_emulator: Emulator,
) -> None:
    fresh_emulator.faults.disconnect_next(interface="rest")
    host, port = fresh_emulator.rest_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", f"{SCANS}/{RECORD}")
        response = connection.getresponse()
        status = response.status
        with pytest.raises(http.client.IncompleteRead):
            response.read()
    finally:
        connection.close()
    after = rest(fresh_emulator, "GET", f"{SCANS}/{RECORD}")

    assert status == 200  # the status line and headers arrived
    assert after.status == 200
    assert fresh_emulator.requests[0].code == code_pb2.UNAVAILABLE


def test_faults_latency_delays_answers_past_a_client_deadline(
    fresh_emulator: Emulator,
) -> None:
    fresh_emulator.faults.latency = 30

    with stub(fresh_emulator) as scanner, pytest.raises(grpc.RpcError) as caught:
        scanner.Get(GET, timeout=0.2)

    assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    # Recorded on arrival, long before the latency is over.
    assert _eventually(lambda: len(fresh_emulator.requests) == 1)
    assert [r.code for r in fresh_emulator.requests] == [IN_FLIGHT]


def test_faults_latency_delays_rest_answers_past_a_read_timeout(
    fresh_emulator: Emulator,
) -> None:
    fresh_emulator.faults.latency = 30

    with pytest.raises(TimeoutError):
        rest(fresh_emulator, "GET", f"{SCANS}/{RECORD}", timeout=0.2)

    assert [r.code for r in fresh_emulator.requests] == [IN_FLIGHT]


def test_faults_clear_empties_the_queue_and_the_latency(
    fresh_emulator: Emulator,
) -> None:
    fresh_emulator.faults.latency = 5
    fresh_emulator.faults.fail_next(code_pb2.UNAVAILABLE, times=3)
    fresh_emulator.faults.disconnect_next()

    fresh_emulator.faults.clear()

    assert fresh_emulator.faults.pending == 0
    assert fresh_emulator.faults.latency == 0
    assert _grpc_codes(fresh_emulator, 1) == [grpc.StatusCode.OK]


def test_faults_queue_mixes_kinds_in_order() -> None:
    faults = Faults()
    faults.fail_next(code_pb2.ABORTED)
    faults.html_502_next()
    faults.disconnect_next(interface="grpc")

    taken = [faults.take("rest"), faults.take("rest"), faults.take("rest")]
    from_grpc = faults.take("grpc")

    assert [fault.kind.value if fault else None for fault in taken] == [
        "fail",
        "html_502",
        None,
    ]
    assert from_grpc is not None
    assert from_grpc.kind.value == "disconnect"


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        ({"code": code_pb2.OK}, "other than OK"),
        ({"code": 99}, "google.rpc.Code"),
        ({"code": 14, "times": 0}, "times"),
        ({"code": 14, "interface": "http"}, "interface"),
        ({"code": 14, "retry_after": -1}, "retry_after"),
        ({"code": 14, "retry_after": math.nan}, "retry_after"),
    ],
)
def test_faults_fail_next_refuses_bad_arguments(
    arguments: dict[str, object], fragment: str
) -> None:
    with pytest.raises(ValueError, match=fragment):
        Faults().fail_next(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize("seconds", [-0.1, math.inf, math.nan])
def test_faults_latency_refuses_bad_values(seconds: float) -> None:
    with pytest.raises(ValueError, match="latency"):
        Faults().latency = seconds
