"""Every failure of a call becomes a ``ScannerError`` here, and only here.

Three factories build the errors:

- ``from_grpc_error`` for a status that gRPC reports, with the
  ``google.rpc.Status`` of the ``grpc-status-details-bin`` trailer;
- ``from_http_response`` for a REST answer other than 200, whether its body
  is the flat ``google.rpc.Status`` JSON or a gateway's page;
- ``from_exception`` for whatever the layers below raise (urllib3, aiohttp,
  asyncio, sockets, the credentials), from one table, most specific class
  first; it hands gRPC errors to ``from_grpc_error``.

The clients raise each error ``from`` the exception it stands for.
"""

from __future__ import annotations

import email.utils
import json
import math
import re
import sys
import time
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple, Protocol

from google.protobuf import any_pb2, json_format, struct_pb2
from google.protobuf.message import DecodeError, Message
from google.rpc import code_pb2, error_details_pb2, status_pb2

from scanner_grpc._errors import ScannerError, error_class_for_code
from scanner_grpc._status_codes import code_for_http_status
from scanner_grpc._transports._headers import REQUEST_ID, SERVER_TRACE_ID

__all__ = [
    "LOWER_LAYER_ERRORS",
    "LowerLayerError",
    "from_exception",
    "from_grpc_error",
    "from_http_response",
]


class LowerLayerError(NamedTuple):
    """One row of the table of exceptions from the layers below."""

    module: str
    name: str
    code: int
    what: str
    """The start of the error's message: what happened, in a few words."""


# The first row whose class the exception is an instance of wins, so a class
# comes before its bases (a test checks the order). A class whose module is
# not imported cannot have been raised, so its row is skipped without
# importing anything: aiohttp stays unloaded in a program that never uses it.
LOWER_LAYER_ERRORS: tuple[LowerLayerError, ...] = (
    # The credentials, asked for a token before each attempt.
    LowerLayerError(
        "scanner_grpc.auth",
        "CredentialsTimeoutError",
        code_pb2.DEADLINE_EXCEEDED,
        "no IAM token came within the call's timeout",
    ),
    LowerLayerError(
        "scanner_grpc.auth",
        "CredentialsUnavailableError",
        code_pb2.UNAVAILABLE,
        "the token service is unreachable or overloaded",
    ),
    LowerLayerError(
        "scanner_grpc.auth",
        "CredentialsError",
        code_pb2.UNAUTHENTICATED,
        "could not obtain an IAM token",
    ),
    # urllib3 (sync REST). NewConnectionError derives from ConnectTimeoutError
    # for historical reasons, yet means that the connection failed.
    LowerLayerError(
        "urllib3.exceptions",
        "NewConnectionError",
        code_pb2.UNAVAILABLE,
        "could not connect",
    ),
    LowerLayerError(
        "urllib3.exceptions",
        "ConnectTimeoutError",
        code_pb2.DEADLINE_EXCEEDED,
        "the timeout expired while connecting",
    ),
    LowerLayerError(
        "urllib3.exceptions",
        "ReadTimeoutError",
        code_pb2.DEADLINE_EXCEEDED,
        "the timeout expired while waiting for the answer",
    ),
    LowerLayerError(
        "urllib3.exceptions",
        "SSLError",
        code_pb2.UNAVAILABLE,
        "the TLS connection failed",
    ),
    LowerLayerError(
        "urllib3.exceptions",
        "ProxyError",
        code_pb2.UNAVAILABLE,
        "the proxy failed",
    ),
    LowerLayerError(
        "urllib3.exceptions",
        "ProtocolError",
        code_pb2.UNAVAILABLE,
        "the connection broke",
    ),
    LowerLayerError(
        "urllib3.exceptions",
        "IncompleteRead",
        code_pb2.UNAVAILABLE,
        "the connection closed before the whole answer came",
    ),
    LowerLayerError(
        "urllib3.exceptions",
        "MaxRetryError",
        code_pb2.UNAVAILABLE,
        "the request failed",
    ),
    LowerLayerError(
        "urllib3.exceptions",
        "DecodeError",
        code_pb2.DATA_LOSS,
        "the answer's content encoding is corrupt",
    ),
    LowerLayerError(
        "urllib3.exceptions",
        "HTTPError",
        code_pb2.UNKNOWN,
        "the HTTP request failed",
    ),
    # aiohttp (asyncio REST). Its timeouts derive from its connection errors.
    LowerLayerError(
        "aiohttp",
        "ServerTimeoutError",
        code_pb2.DEADLINE_EXCEEDED,
        "the timeout expired",
    ),
    LowerLayerError(
        "aiohttp",
        "ClientConnectionError",
        code_pb2.UNAVAILABLE,
        "the connection failed",
    ),
    LowerLayerError(
        "aiohttp",
        "ClientPayloadError",
        code_pb2.UNAVAILABLE,
        "the connection broke while the answer came",
    ),
    LowerLayerError(
        "aiohttp",
        "ClientError",
        code_pb2.UNKNOWN,
        "the HTTP request failed",
    ),
    # The answer of a 200 is not a ScanResult; gRPC says INTERNAL when a
    # message does not deserialize, and so does REST.
    LowerLayerError(
        "google.protobuf.json_format",
        "ParseError",
        code_pb2.INTERNAL,
        "the answer is not a valid message",
    ),
    # asyncio's timeout is the builtin one from Python 3.11 on.
    LowerLayerError(
        "asyncio.exceptions",
        "TimeoutError",
        code_pb2.DEADLINE_EXCEEDED,
        "the timeout expired",
    ),
    LowerLayerError(
        "builtins",
        "TimeoutError",
        code_pb2.DEADLINE_EXCEEDED,
        "the timeout expired",
    ),
    LowerLayerError(
        "builtins",
        "OSError",
        code_pb2.UNAVAILABLE,
        "the connection failed",
    ),
)


class _GrpcCall(Protocol):
    # What a ``grpc.RpcError`` that is also a ``grpc.Call`` offers.
    def code(self) -> Any: ...
    def details(self) -> str | None: ...
    def initial_metadata(self) -> Iterable[tuple[str, Any]] | None: ...
    def trailing_metadata(self) -> Iterable[tuple[str, Any]] | None: ...


def from_exception(
    exception: BaseException,
    *,
    client_request_id: str | None,
    client_trace_id: str | None,
) -> ScannerError | None:
    """The error for an exception that a call raised.

    Returns:
        The ``ScannerError`` that stands for ``exception`` (``exception``
        itself if it is one), or ``None`` when it is no failure of the call
        but a bug or a misuse, to be raised as it is.
    """
    if isinstance(exception, ScannerError):
        return exception
    grpc = sys.modules.get("grpc")
    if grpc is not None and isinstance(exception, grpc.RpcError):
        return from_grpc_error(
            exception,
            client_request_id=client_request_id,
            client_trace_id=client_trace_id,
        )
    row = lower_layer_row(exception)
    if row is None:
        return None
    return error_class_for_code(row.code)(
        f"{row.what}: {_describe(exception)}",
        client_request_id=client_request_id,
        client_trace_id=client_trace_id,
    )


def lower_layer_row(exception: BaseException) -> LowerLayerError | None:
    """The first row of ``LOWER_LAYER_ERRORS`` that matches ``exception``."""
    for row in LOWER_LAYER_ERRORS:
        module = sys.modules.get(row.module)
        error_class = getattr(module, row.name, None)
        if isinstance(error_class, type) and isinstance(exception, error_class):
            return row
    return None


def from_grpc_error(
    error: Any,
    *,
    client_request_id: str | None,
    client_trace_id: str | None,
) -> ScannerError:
    """The error for a failed gRPC call (a ``grpc.RpcError``, sync or aio)."""
    if not callable(getattr(error, "code", None)):
        # An RpcError that is no Call carries no status at all.
        return error_class_for_code(code_pb2.UNKNOWN)(
            f"gRPC failed: {_describe(error)}",
            client_request_id=client_request_id,
            client_trace_id=client_trace_id,
        )
    call: _GrpcCall = error
    status_code = call.code()
    # grpc.StatusCode values are (int, name) pairs.
    code = int(status_code.value[0]) if status_code is not None else code_pb2.UNKNOWN
    message = call.details() or ""
    metadata: dict[str, Any] = {}
    for pairs in (call.initial_metadata(), call.trailing_metadata()):
        for key, value in pairs or ():
            metadata[key] = value

    details: tuple[Message, ...] = ()
    packed = metadata.get("grpc-status-details-bin")
    if isinstance(packed, bytes):
        try:
            status = status_pb2.Status.FromString(packed)
        except DecodeError:
            status = None
        # A Status that disagrees with the call's code belongs to nothing.
        if status is not None and status.code == code:
            message = status.message or message
            details = tuple(_unpack(detail) for detail in status.details)
    if code == code_pb2.OK:
        code = code_pb2.UNKNOWN
        message = f"gRPC failed without a status: {message}"

    return error_class_for_code(code)(
        message,
        details=details,
        request_id=_text(metadata.get(REQUEST_ID)) or _request_info_id(details),
        server_trace_id=_text(metadata.get(SERVER_TRACE_ID)),
        client_request_id=client_request_id,
        client_trace_id=client_trace_id,
        retry_after=_retry_info_delay(details),
    )


def from_http_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    client_request_id: str,
    client_trace_id: str,
) -> ScannerError:
    """The error for a REST answer whose HTTP status is not 200.

    Args:
        status: The HTTP status.
        headers: The answer's headers; ``get`` must ignore case.
        body: The answer's body, as much of it as was read.
        client_request_id: The attempt's ``x-client-request-id``.
        client_trace_id: The call's ``x-client-trace-id``.
    """
    parsed = _parse_status(body)
    retryable: bool | None = None
    if parsed is not None:
        code, message, details = parsed
    else:
        # A proxy or gateway answered with a page of its own; the status is
        # all there is to go by.
        code = code_for_http_status(status)
        if code == code_pb2.OK:
            code = code_pb2.UNKNOWN
        message = f"HTTP {status} with a body that is not a google.rpc.Status: "
        message += _excerpt(body)
        details = ()
        if status in (502, 503, 504):
            retryable = True

    retry_after = _retry_after_header(headers.get("retry-after"))
    if retry_after is None:
        retry_after = _retry_info_delay(details)
    return error_class_for_code(code)(
        message,
        details=details,
        request_id=headers.get(REQUEST_ID) or _request_info_id(details),
        server_trace_id=headers.get(SERVER_TRACE_ID),
        client_request_id=client_request_id,
        client_trace_id=client_trace_id,
        http_status=status,
        retry_after=retry_after,
        retryable=retryable,
    )


def _parse_status(body: bytes) -> tuple[int, str, tuple[Message, ...]] | None:
    # The flat google.rpc.Status JSON: {"code": 5, "message": "...", "details":
    # [...]}. Anything else (HTML, other JSON) is None.
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    code = data.get("code")
    if isinstance(code, str) and code.isdigit():
        code = int(code)
    if not isinstance(code, int) or isinstance(code, bool) or code == code_pb2.OK:
        return None
    message = data.get("message")
    raw_details = data.get("details")
    details = (
        tuple(_detail_from_json(item) for item in raw_details if isinstance(item, dict))
        if isinstance(raw_details, list)
        else ()
    )
    return code, message if isinstance(message, str) else "", details


def _detail_from_json(item: dict[str, Any]) -> Message:
    packed = any_pb2.Any()
    try:
        json_format.ParseDict(item, packed, ignore_unknown_fields=True)
    except json_format.ParseError:
        # A detail type that this client does not know stays readable as JSON.
        struct = struct_pb2.Struct()
        struct.update(item)
        return struct
    return _unpack(packed)


_DETAIL_TYPES: dict[str, type[Message]] = {
    descriptor.full_name: getattr(error_details_pb2, name)
    for name, descriptor in error_details_pb2.DESCRIPTOR.message_types_by_name.items()
}


def _unpack(packed: any_pb2.Any) -> Message:
    detail_type = _DETAIL_TYPES.get(packed.TypeName())
    if detail_type is None:
        return packed
    detail = detail_type()
    if not packed.Unpack(detail):
        return packed
    return detail


def _request_info_id(details: tuple[Message, ...]) -> str | None:
    for detail in details:
        if isinstance(detail, error_details_pb2.RequestInfo) and detail.request_id:
            request_id: str = detail.request_id
            return request_id
    return None


def _retry_info_delay(details: tuple[Message, ...]) -> float | None:
    for detail in details:
        if isinstance(detail, error_details_pb2.RetryInfo) and detail.HasField(
            "retry_delay"
        ):
            delay: float = detail.retry_delay.ToTimedelta().total_seconds()
            return max(0.0, delay)
    return None


def _retry_after_header(value: str | None) -> float | None:
    # Retry-After is either delay-seconds or an HTTP date (RFC 9110, 10.2.3).
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = moment.timestamp() - time.time()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


_EXCERPT_LENGTH = 120
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def _excerpt(body: bytes) -> str:
    # Enough of a gateway's page to recognise it, as one line of text.
    text = body[: _EXCERPT_LENGTH * 8].decode("utf-8", errors="replace")
    text = _SPACE.sub(" ", _TAG.sub(" ", text)).strip()
    if not text:
        return "(empty)"
    if len(text) > _EXCERPT_LENGTH:
        text = text[:_EXCERPT_LENGTH].rstrip() + "..."
    return repr(text)


def _describe(exception: BaseException) -> str:
    text = str(exception).strip()
    return f"{type(exception).__name__}: {text}" if text else type(exception).__name__


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        return value.decode("ascii", errors="replace")
    return value if isinstance(value, str) and value else None
