"""Failures raise the same error class, with the same facts, on every client."""

from __future__ import annotations

import pickle

import pytest
from client_helpers import Connect, Kind, gets, rest_only
from google.rpc import code_pb2, error_details_pb2

from scanner_grpc import errors
from scanner_grpc._status_codes import HTTP_STATUS_BY_CODE
from scanner_grpc.emulator import Emulator

# Every google.rpc.Code but OK, by name for readable test ids.
ERROR_CODES = [code for code in code_pb2.Code.values() if code != code_pb2.OK]
ERROR_CODE_IDS = [code_pb2.Code.Name(code) for code in ERROR_CODES]


def _an_id(emulator: Emulator) -> str:
    scan_result_id: str = emulator.scan_results[0].id
    return scan_result_id


@pytest.mark.parametrize("code", ERROR_CODES, ids=ERROR_CODE_IDS)
async def test_get_scan_result_raises_the_class_of_every_code(
    fresh_emulator: Emulator, connect: Connect, kind: Kind, code: int
) -> None:
    fresh_emulator.faults.fail_next(code, message="injected fault")
    client = connect(fresh_emulator, retry=None)

    with pytest.raises(errors.ScannerError) as caught:
        await client.get(_an_id(fresh_emulator))

    error = caught.value
    assert type(error) is errors.error_class_for_code(code)
    assert error.code == code
    assert error.message == "injected fault"
    (seen,) = gets(fresh_emulator)
    assert seen.code == code
    assert error.client_request_id == seen.headers["x-client-request-id"]
    assert error.client_trace_id == seen.headers["x-client-trace-id"]
    assert error.request_id
    assert error.server_trace_id
    request_info = [
        detail
        for detail in error.details
        if isinstance(detail, error_details_pb2.RequestInfo)
    ]
    assert [info.request_id for info in request_info] == [error.request_id]
    expected_status = HTTP_STATUS_BY_CODE[code] if kind.is_rest else None
    assert error.http_status == expected_status


async def test_get_scan_result_errors_survive_pickling(
    fresh_emulator: Emulator, connect: Connect
) -> None:
    fresh_emulator.faults.fail_next(code_pb2.RESOURCE_EXHAUSTED, retry_after=3)
    client = connect(fresh_emulator, retry=None)
    with pytest.raises(errors.ResourceExhausted) as caught:
        await client.get(_an_id(fresh_emulator))

    error = caught.value
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301  # our own bytes

    assert type(copy) is errors.ResourceExhausted
    assert str(copy) == str(error)
    assert copy.details == error.details
    assert copy.retry_after == error.retry_after == 3
    for name in (
        "message",
        "request_id",
        "server_trace_id",
        "client_request_id",
        "client_trace_id",
        "http_status",
    ):
        assert getattr(copy, name) == getattr(error, name)


@rest_only
async def test_get_scan_result_html_502_maps_by_status(
    fresh_emulator: Emulator, connect: Connect
) -> None:
    fresh_emulator.faults.html_502_next()
    client = connect(fresh_emulator, retry=None)

    with pytest.raises(errors.Unavailable) as caught:
        await client.get(_an_id(fresh_emulator))

    error = caught.value
    assert error.http_status == 502
    assert error.details == ()
    assert "not a google.rpc.Status" in error.message
    assert "502 Bad Gateway" in error.message
    assert "<" not in error.message  # the excerpt is text, not markup
    assert len(error.message) < 250


async def test_get_scan_result_refused_connection_is_unavailable(
    connect: Connect, kind: Kind, closed_port: int
) -> None:
    client = connect(None, retry=None, **kind.options_for_port(closed_port))

    with pytest.raises(errors.Unavailable) as caught:
        await client.get("crpanyid")

    error = caught.value
    assert error.request_id is None  # no server answered
    assert error.http_status is None
    assert error.client_request_id is not None
    assert isinstance(error.__cause__, Exception)


async def test_get_scan_result_reset_mid_answer_is_unavailable(
    fresh_emulator: Emulator, connect: Connect
) -> None:
    fresh_emulator.faults.disconnect_next()
    client = connect(fresh_emulator, retry=None)

    with pytest.raises(errors.Unavailable) as caught:
        await client.get(_an_id(fresh_emulator))

    assert caught.value.http_status is None
    assert len(gets(fresh_emulator)) == 1
    # The client is still usable: the broken connection was dropped.
    assert await client.get(_an_id(fresh_emulator)) == fresh_emulator.scan_results[0]


async def test_get_scan_result_expired_timeout_is_deadline_exceeded(
    fresh_emulator: Emulator, connect: Connect
) -> None:
    fresh_emulator.faults.latency = 0.5
    client = connect(fresh_emulator)

    with pytest.raises(errors.DeadlineExceeded) as caught:
        await client.get(_an_id(fresh_emulator), timeout=0.1)

    assert caught.value.http_status is None
    assert len(gets(fresh_emulator)) == 1  # a spent budget is not retried


async def test_get_scan_result_client_timeout_applies(
    fresh_emulator: Emulator, connect: Connect
) -> None:
    fresh_emulator.faults.latency = 0.5
    client = connect(fresh_emulator, timeout=0.1)

    with pytest.raises(errors.DeadlineExceeded):
        await client.get(_an_id(fresh_emulator))


@pytest.mark.parametrize(
    ("scan_result_id", "fragment"),
    [
        ("", "scan_result_id is required"),
        ("x" * 51, "at most 50"),
        ("ж" * 51, "at most 50"),  # characters, not bytes
        ("crp\ud800", "not valid Unicode"),  # a lone surrogate
    ],
    ids=["empty", "51-ascii", "51-cyrillic", "lone-surrogate"],
)
async def test_get_scan_result_rejects_invalid_id_before_sending(
    emulator: Emulator, connect: Connect, scan_result_id: str, fragment: str
) -> None:
    client = connect(emulator)
    before = len(emulator.requests)

    with pytest.raises(errors.InvalidArgument) as caught:
        await client.get(scan_result_id)

    error = caught.value
    assert fragment in error.message
    assert error.request_id is None  # the client's own verdict
    assert error.client_request_id is None
    (bad_request,) = error.details
    assert isinstance(bad_request, error_details_pb2.BadRequest)
    assert [v.field for v in bad_request.field_violations] == ["scan_result_id"]
    assert len(emulator.requests) == before


async def test_get_scan_result_accepts_fifty_characters(
    emulator: Emulator, connect: Connect
) -> None:
    # The limit itself is allowed: the service answers, and finds nothing.
    with pytest.raises(errors.NotFound):
        await connect(emulator).get("x" * 50)


@pytest.mark.parametrize("scan_result_id", [None, 42, b"crpid"], ids=repr)
async def test_get_scan_result_rejects_non_string_id(
    emulator: Emulator, connect: Connect, scan_result_id: object
) -> None:
    with pytest.raises(TypeError, match="scan_result_id must be a str"):
        await connect(emulator).get(scan_result_id)  # type: ignore[arg-type]


@rest_only
async def test_get_scan_result_caps_the_body(
    fresh_emulator: Emulator, connect: Connect
) -> None:
    small = fresh_emulator.scan_results[0]
    large = max(fresh_emulator.scan_results, key=lambda r: r.ByteSize())
    client = connect(fresh_emulator, max_response_bytes=300)
    assert await client.get(small.id) == small

    with pytest.raises(errors.ResourceExhausted) as caught:
        await client.get(large.id)

    assert "max_response_bytes=300" in caught.value.message
    assert caught.value.http_status == 200
    assert len(gets(fresh_emulator)) == 2  # not retried: it would fail again
    # The connection that held the unread rest was dropped, not reused.
    assert await client.get(small.id) == small
