"""``scanner_grpc._status_codes``: google.rpc.Code to HTTP status and back."""

from __future__ import annotations

import pytest
from google.rpc import code_pb2

from scanner_grpc._status_codes import HTTP_STATUS_BY_CODE, code_for_http_status

# The reference's table, by code name.
FACTS = {
    "OK": 200,
    "CANCELLED": 499,
    "UNKNOWN": 500,
    "INVALID_ARGUMENT": 400,
    "DEADLINE_EXCEEDED": 504,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "PERMISSION_DENIED": 403,
    "RESOURCE_EXHAUSTED": 429,
    "FAILED_PRECONDITION": 400,
    "ABORTED": 409,
    "OUT_OF_RANGE": 400,
    "UNIMPLEMENTED": 501,
    "INTERNAL": 500,
    "UNAVAILABLE": 503,
    "DATA_LOSS": 500,
    "UNAUTHENTICATED": 401,
}


def test_status_codes_table_covers_every_code_as_the_reference_says() -> None:
    every_code = dict(code_pb2.Code.items())
    assert set(every_code) == set(FACTS), "google.rpc.Code changed"
    assert {name: HTTP_STATUS_BY_CODE[every_code[name]] for name in FACTS} == FACTS
    assert set(HTTP_STATUS_BY_CODE) == set(every_code.values())


def test_status_codes_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        HTTP_STATUS_BY_CODE[code_pb2.OK] = 201  # type: ignore[index]


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (502, code_pb2.UNAVAILABLE),  # a proxy's bad gateway: worth a retry
        (503, code_pb2.UNAVAILABLE),
        (504, code_pb2.DEADLINE_EXCEEDED),
        (429, code_pb2.RESOURCE_EXHAUSTED),
        (418, code_pb2.FAILED_PRECONDITION),  # any other 4xx: the caller's fault
        (400, code_pb2.INVALID_ARGUMENT),
        (401, code_pb2.UNAUTHENTICATED),
        (403, code_pb2.PERMISSION_DENIED),
        (404, code_pb2.NOT_FOUND),
        (409, code_pb2.ABORTED),
        (499, code_pb2.CANCELLED),
        (500, code_pb2.INTERNAL),
        (501, code_pb2.UNIMPLEMENTED),
        (200, code_pb2.OK),
        (204, code_pb2.OK),
        (505, code_pb2.UNKNOWN),  # any other 5xx
        (302, code_pb2.UNKNOWN),  # a redirect that was not followed
        (101, code_pb2.UNKNOWN),
    ],
)
def test_status_codes_code_for_http_status(status: int, code: int) -> None:
    assert code_for_http_status(status) == code


@pytest.mark.parametrize("status", sorted(set(HTTP_STATUS_BY_CODE.values())))
def test_status_codes_round_trip_keeps_the_status(status: int) -> None:
    # The code chosen for a status is one that answers with that status.
    assert HTTP_STATUS_BY_CODE[code_for_http_status(status)] == status


def test_status_codes_unknown_client_errors_stay_client_errors() -> None:
    for status in (402, 405, 406, 410, 411, 412, 413, 415, 418, 422, 451):
        assert 400 <= HTTP_STATUS_BY_CODE[code_for_http_status(status)] < 500
    for status in (505, 507, 511, 599):
        assert HTTP_STATUS_BY_CODE[code_for_http_status(status)] == 500
