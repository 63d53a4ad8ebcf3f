"""How a failed emulated call becomes a ``google.rpc.Status``.

Handlers, the auth check and the fault queue all raise ``RpcFailure``; the
gRPC and REST front ends turn it into a Status here, in one place, so both
interfaces answer the same code, message and details for the same failure.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

import grpc
from google.protobuf import duration_pb2, json_format
from google.protobuf.message import Message
from google.rpc import code_pb2, error_details_pb2, status_pb2

from scanner_grpc._status_codes import HTTP_STATUS_BY_CODE

__all__ = [
    "GRPC_STATUS_BY_CODE",
    "RpcFailure",
    "build_status",
    "invalid_argument",
    "status_json",
]

GRPC_STATUS_BY_CODE: Mapping[int, grpc.StatusCode] = {
    status.value[0]: status for status in grpc.StatusCode
}
"""The ``grpc.StatusCode`` of each ``google.rpc.Code`` value."""


class RpcFailure(Exception):
    """Ends an emulated call with a non-OK ``google.rpc.Code``.

    Args:
        code: The ``google.rpc.Code`` to answer.
        message: The Status message, fit to show to a user.
        details: Detail messages to pack into the Status, before the
            ``RequestInfo`` that every error gets.
        retry_after: Seconds after which a retry makes sense; becomes a
            ``RetryInfo`` detail and, on REST, a ``Retry-After`` header.
        http_status: An HTTP status to answer instead of the one the code
            maps to (405 for a wrong HTTP method).
        http_headers: Extra REST response headers (``Allow`` with a 405).
    """

    def __init__(
        self,
        code: int,
        message: str,
        *,
        details: Sequence[Message] = (),
        retry_after: float | None = None,
        http_status: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = tuple(details)
        self.retry_after = retry_after
        self.http_status = (
            HTTP_STATUS_BY_CODE.get(code, 500) if http_status is None else http_status
        )
        self.http_headers = dict(http_headers or {})

    def __repr__(self) -> str:
        name = code_pb2.Code.Name(self.code)
        return f"RpcFailure({name}, {self.message!r})"


def invalid_argument(
    message: str, violations: Iterable[tuple[str, str]] = ()
) -> RpcFailure:
    """An ``INVALID_ARGUMENT`` failure with a ``BadRequest`` naming each field.

    Args:
        message: The Status message.
        violations: ``(field, description)`` pairs for the ``BadRequest``.
    """
    bad_request = error_details_pb2.BadRequest()
    for field, description in violations:
        bad_request.field_violations.add(field=field, description=description)
    details = (bad_request,) if bad_request.field_violations else ()
    return RpcFailure(code_pb2.INVALID_ARGUMENT, message, details=details)


def build_status(failure: RpcFailure, *, request_id: str) -> status_pb2.Status:
    """The Status that answers ``failure``, with ``RequestInfo`` last."""
    status = status_pb2.Status(code=failure.code, message=failure.message)
    for detail in failure.details:
        status.details.add().Pack(detail)
    if failure.retry_after is not None:
        delay = duration_pb2.Duration()
        delay.FromNanoseconds(round(failure.retry_after * 1e9))
        status.details.add().Pack(error_details_pb2.RetryInfo(retry_delay=delay))
    status.details.add().Pack(error_details_pb2.RequestInfo(request_id=request_id))
    return status


def status_json(status: status_pb2.Status) -> bytes:
    """The flat Status JSON body of a REST error."""
    # MessageToDict keeps every detail's "@type"; json.dumps makes it compact.
    body = json_format.MessageToDict(status)
    return json.dumps(body, ensure_ascii=False).encode("utf-8")
