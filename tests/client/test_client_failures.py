"""The error hierarchy and the one table that maps the layers below."""

from __future__ import annotations

import inspect
import pickle
import re
import sys
import types

import aiohttp
import pytest
import urllib3.exceptions
from google.protobuf import struct_pb2
from google.rpc import code_pb2, error_details_pb2

from scanner_grpc import errors
from scanner_grpc._transports import _failures
from scanner_grpc._transports._failures import (
    LOWER_LAYER_ERRORS,
    from_exception,
    from_http_response,
    lower_layer_row,
)
from scanner_grpc.auth import CredentialsError, CredentialsTimeoutError

ERROR_CODES = [code for code in code_pb2.Code.values() if code != code_pb2.OK]


def _camel(code: int) -> str:
    return "".join(part.title() for part in code_pb2.Code.Name(code).split("_"))


# Library exceptions that no call of ours can raise, with the reason; they stay
# unmapped on purpose, and would surface as themselves: a bug, not a failure.
NOT_RAISED_BY_CALLS = {
    "ProxySchemeUnsupported": "a ValueError of proxy settings; no proxy is set",
    "WSMessageTypeError": "a TypeError of aiohttp's websockets; none are used",
}


def _exception_classes(module: types.ModuleType) -> list[type[BaseException]]:
    return [
        value
        for value in vars(module).values()
        if inspect.isclass(value)
        and issubclass(value, Exception)
        and not issubclass(value, Warning)
        and value.__module__.startswith(module.__name__.split(".")[0])
    ]


def _resolved_rows() -> list[tuple[type[BaseException], int]]:
    rows = []
    for row in LOWER_LAYER_ERRORS:
        module = sys.modules.get(row.module)
        assert module is not None, f"{row.module} is not imported by this test"
        error_class = getattr(module, row.name)
        rows.append((error_class, row.code))
    return rows


def test_error_class_for_code_has_a_class_per_code() -> None:
    classes = [errors.error_class_for_code(code) for code in ERROR_CODES]
    assert len(set(classes)) == len(ERROR_CODES)
    for code, error_class in zip(ERROR_CODES, classes, strict=True):
        assert error_class.code == code
        assert issubclass(error_class, errors.ScannerError)
        # Cancelled for CANCELLED, DeadlineExceeded for DEADLINE_EXCEEDED...
        assert error_class.__name__ == _camel(code)
        assert getattr(errors, error_class.__name__) is error_class
        assert error_class.__doc__


def test_error_class_for_code_refuses_ok() -> None:
    with pytest.raises(ValueError, match="OK"):
        errors.error_class_for_code(code_pb2.OK)


def test_error_class_for_code_maps_foreign_codes_to_unknown() -> None:
    assert errors.error_class_for_code(99) is errors.Unknown


def test_errors_module_exports_are_sorted_and_complete() -> None:
    exported = errors.__all__
    assert exported == sorted(exported)
    public = {
        name
        for name, value in vars(errors).items()
        if not name.startswith("_") and (inspect.isclass(value) or callable(value))
    }
    assert public == set(exported)


def test_scanner_error_pickles_with_every_attribute() -> None:
    error = errors.NotFound(
        "Scan result 'x' not found",
        details=(error_details_pb2.RequestInfo(request_id="r-1"),),
        request_id="r-1",
        server_trace_id="t-1",
        client_request_id="c-1",
        client_trace_id="ct-1",
        http_status=404,
        retry_after=1.5,
        retryable=False,
    )
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301  # our own bytes
    assert type(copy) is errors.NotFound
    assert vars(copy) == vars(error)
    assert str(copy) == str(error)
    assert copy.code_name == "NOT_FOUND"


def test_scanner_error_str_names_code_and_ids() -> None:
    error = errors.Unavailable("down", request_id="r-9", client_request_id="c-9")
    assert str(error) == "UNAVAILABLE: down (request_id=r-9, client_request_id=c-9)"
    assert str(errors.Internal("broken")) == "INTERNAL: broken"


def test_lower_layer_table_lists_subclasses_before_bases() -> None:
    rows = _resolved_rows()
    for index, (earlier, _) in enumerate(rows):
        for later, _ in rows[index + 1 :]:
            # A later row that derives from an earlier one could never match.
            assert later is earlier or not issubclass(later, earlier), (
                f"{later.__name__} must come before {earlier.__name__}"
            )


@pytest.mark.parametrize(
    "module", [urllib3.exceptions, aiohttp.client_exceptions], ids=lambda m: m.__name__
)
def test_lower_layer_table_maps_every_library_error(module: types.ModuleType) -> None:
    unmapped = [
        error_class.__name__
        for error_class in _exception_classes(module)
        if lower_layer_row(error_class.__new__(error_class)) is None
        and error_class.__name__ not in NOT_RAISED_BY_CALLS
    ]
    assert unmapped == []


@pytest.mark.parametrize(
    ("exception", "error_class"),
    [
        (
            urllib3.exceptions.NewConnectionError(None, "refused"),  # type: ignore[arg-type]
            errors.Unavailable,
        ),
        (
            urllib3.exceptions.ConnectTimeoutError("slow connect"),
            errors.DeadlineExceeded,
        ),
        (
            urllib3.exceptions.ReadTimeoutError(None, "/x", "slow"),  # type: ignore[arg-type]
            errors.DeadlineExceeded,
        ),
        (urllib3.exceptions.ProtocolError("reset"), errors.Unavailable),
        (aiohttp.ServerDisconnectedError(), errors.Unavailable),
        (aiohttp.ConnectionTimeoutError(), errors.DeadlineExceeded),
        (aiohttp.SocketTimeoutError(), errors.DeadlineExceeded),
        (aiohttp.ClientPayloadError("cut"), errors.Unavailable),
        (TimeoutError(), errors.DeadlineExceeded),
        (ConnectionResetError(), errors.Unavailable),
        (CredentialsTimeoutError("no token in time"), errors.DeadlineExceeded),
        (CredentialsError("bad key"), errors.Unauthenticated),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else "",
)
def test_from_exception_maps_the_lower_layers(
    exception: Exception, error_class: type[errors.ScannerError]
) -> None:
    error = from_exception(exception, client_request_id="c", client_trace_id="t")
    assert type(error) is error_class
    assert error.client_request_id == "c"
    assert error.client_trace_id == "t"
    assert type(exception).__name__ in error.message


@pytest.mark.parametrize(
    "exception", [TypeError("bug"), KeyError("bug"), ValueError("misuse")], ids=repr
)
def test_from_exception_leaves_bugs_alone(exception: Exception) -> None:
    assert from_exception(exception, client_request_id="c", client_trace_id="t") is None


def test_from_http_response_reads_a_retry_after_date() -> None:
    error = from_http_response(
        429,
        {"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"},
        b"",
        client_request_id="c",
        client_trace_id="t",
    )
    assert type(error) is errors.ResourceExhausted
    assert error.retry_after == 0.0  # a date in the past means now


def test_from_http_response_keeps_unknown_details_as_struct() -> None:
    body = (
        b'{"code": 9, "message": "not now", "details": ['
        b'{"@type": "type.example.com/acme.Hint", "hint": "later"},'
        b'{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1.5s"}]}'
    )
    error = from_http_response(
        400, {}, body, client_request_id="c", client_trace_id="t"
    )
    assert type(error) is errors.FailedPrecondition
    struct, retry_info = error.details
    assert isinstance(struct, struct_pb2.Struct)
    assert struct["hint"] == "later"
    assert isinstance(retry_info, error_details_pb2.RetryInfo)
    assert error.retry_after == 1.5


@pytest.mark.parametrize(
    ("status", "body", "error_class"),
    [
        (502, b"<html><body>Bad Gateway</body></html>", errors.Unavailable),
        (503, b"", errors.Unavailable),
        (504, b"upstream timed out", errors.DeadlineExceeded),
        (500, b'{"error": "not a Status"}', errors.Internal),
        (418, b"teapot", errors.FailedPrecondition),
        (404, b'{"code": 0, "message": "OK is no error"}', errors.NotFound),
    ],
    ids=lambda value: str(value) if isinstance(value, int) else "",
)
def test_from_http_response_maps_other_bodies_by_status(
    status: int, body: bytes, error_class: type[errors.ScannerError]
) -> None:
    error = from_http_response(
        status, {}, body, client_request_id="c", client_trace_id="t"
    )
    assert type(error) is error_class
    assert error.http_status == status
    assert f"HTTP {status}" in error.message


def test_from_http_response_quotes_a_short_excerpt() -> None:
    page = b"<html><head><title>502</title></head><body>" + b"x " * 5000 + b"</body>"
    error = from_http_response(
        502, {}, page, client_request_id="c", client_trace_id="t"
    )
    excerpt = error.message.split(": ", 1)[1]
    assert excerpt.startswith("'502 x x")
    assert excerpt.endswith("...'")
    assert len(excerpt) < 130
    assert not re.search(r"[<>]", error.message)


def test_failures_module_is_the_only_mapping_place() -> None:
    # The transports and clients never name a library's exception class.
    import scanner_grpc

    root = scanner_grpc.__path__[0]
    mapped = {row.name for row in LOWER_LAYER_ERRORS} - {"TimeoutError", "OSError"}
    for path in (
        "_client.py",
        "_async_client.py",
        "_transports/_grpc.py",
        "_transports/_grpc_aio.py",
        "_transports/_rest.py",
        "_transports/_rest_aio.py",
        "_transports/_http.py",
    ):
        with open(f"{root}/{path}", encoding="utf-8") as source:
            text = source.read()
        assert not [name for name in mapped if name in text], path
        assert "RpcError" not in text.replace("AioRpcError", "").replace(
            "``grpc.RpcError``", ""
        ), path
    assert _failures.__doc__
