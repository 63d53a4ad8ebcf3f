"""The errors that the scanner clients raise, one class per ``google.rpc.Code``.

The hierarchy::

    ScannerError                 any failed call, whichever transport carried it
     +-- Cancelled               CANCELLED (1)
     +-- Unknown                 UNKNOWN (2)
     +-- InvalidArgument         INVALID_ARGUMENT (3)
     +-- DeadlineExceeded        DEADLINE_EXCEEDED (4)
     +-- NotFound                NOT_FOUND (5)
     +-- AlreadyExists           ALREADY_EXISTS (6)
     +-- PermissionDenied        PERMISSION_DENIED (7)
     +-- ResourceExhausted       RESOURCE_EXHAUSTED (8)
     +-- FailedPrecondition      FAILED_PRECONDITION (9)
     +-- Aborted                 ABORTED (10)
     +-- OutOfRange              OUT_OF_RANGE (11)
     +-- Unimplemented           UNIMPLEMENTED (12)
     +-- Internal                INTERNAL (13)
     +-- Unavailable             UNAVAILABLE (14)
     +-- DataLoss                DATA_LOSS (15)
     +-- Unauthenticated         UNAUTHENTICATED (16)

The same failure raises the same class on every client: a status that the
service answers, a refused or reset connection (``Unavailable``), a spent
timeout (``DeadlineExceeded``), an invalid request caught before sending
(``InvalidArgument``). The factories that build these errors from a gRPC
error, an HTTP answer or a lower layer's exception live in
``scanner_grpc._transports._failures``.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType
from typing import Any, ClassVar

from google.protobuf.message import Message
from google.rpc import code_pb2

__all__ = [
    "Aborted",
    "AlreadyExists",
    "Cancelled",
    "DataLoss",
    "DeadlineExceeded",
    "FailedPrecondition",
    "Internal",
    "InvalidArgument",
    "NotFound",
    "OutOfRange",
    "PermissionDenied",
    "ResourceExhausted",
    "ScannerError",
    "Unauthenticated",
    "Unavailable",
    "Unimplemented",
    "Unknown",
    "error_class_for_code",
]


class ScannerError(Exception):
    """A call to the scanner failed.

    Attributes:
        code: The ``google.rpc.Code`` of the failure, an ``int``; the class
            says the same (``NotFound.code == code_pb2.NOT_FOUND``).
        message: The service's message, or the client's own when the failure
            happened on this side.
        details: The ``google.rpc.Status`` details, unpacked: messages from
            ``google/rpc/error_details.proto`` (``RequestInfo``,
            ``RetryInfo``, ``BadRequest``...) as such, any other type as a
            ``google.protobuf.Any`` (gRPC) or ``google.protobuf.Struct``
            (REST).
        request_id: The service's ``x-request-id`` for the call, when it
            answered; quote it to support.
        server_trace_id: The service's ``x-server-trace-id``, when it answered.
        client_request_id: The ``x-client-request-id`` that this client sent
            with the failed attempt; ``None`` when nothing was sent.
        client_trace_id: The ``x-client-trace-id`` shared by every attempt of
            the call; ``None`` when nothing was sent.
        http_status: The HTTP status of a REST answer; ``None`` over gRPC and
            when no answer came.
        retry_after: Seconds that the service asked the client to wait before
            trying again (``Retry-After`` or ``google.rpc.RetryInfo``).

    The constructor takes the message and, as keywords, the attributes above
    and ``retryable``: ``True`` or ``False`` overrides the retry policy's
    verdict by code for this error, ``None`` (the default) leaves it.
    """

    code: ClassVar[int] = code_pb2.UNKNOWN

    def __init__(
        self,
        message: str,
        *,
        details: Sequence[Message] = (),
        request_id: str | None = None,
        server_trace_id: str | None = None,
        client_request_id: str | None = None,
        client_trace_id: str | None = None,
        http_status: int | None = None,
        retry_after: float | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = tuple(details)
        self.request_id = request_id
        self.server_trace_id = server_trace_id
        self.client_request_id = client_request_id
        self.client_trace_id = client_trace_id
        self.http_status = http_status
        self.retry_after = retry_after
        # Overrides the retry policy's verdict by code: True for a gateway's
        # 502/503/504 page, False for a failure that repeats however often the
        # call is tried (a body over the size cap, say). None defers to the
        # policy.
        self._retryable = retryable

    @property
    def code_name(self) -> str:
        """The name of ``code``, such as ``"NOT_FOUND"``."""
        name: str = code_pb2.Code.Name(self.code)
        return name

    def __str__(self) -> str:
        ids = [
            f"{label}={value}"
            for label, value in (
                ("request_id", self.request_id),
                ("client_request_id", self.client_request_id),
            )
            if value is not None
        ]
        suffix = f" ({', '.join(ids)})" if ids else ""
        return f"{self.code_name}: {self.message}{suffix}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # The options are keyword-only, so pickle rebuilds the error from its
        # message and restores every attribute from the state.
        return (type(self), (self.message,), self.__dict__)


class Cancelled(ScannerError):
    """The call was cancelled, typically by the caller."""

    code = code_pb2.CANCELLED


class Unknown(ScannerError):
    """An error that says nothing more specific, or a code this client lacks."""

    code = code_pb2.UNKNOWN


class InvalidArgument(ScannerError):
    """The request is invalid, whatever the state of the system."""

    code = code_pb2.INVALID_ARGUMENT


class DeadlineExceeded(ScannerError):
    """The call's time budget ran out before it completed."""

    code = code_pb2.DEADLINE_EXCEEDED


class NotFound(ScannerError):
    """The requested entity, such as a scan result, does not exist."""

    code = code_pb2.NOT_FOUND


class AlreadyExists(ScannerError):
    """The entity that the call would create exists already."""

    code = code_pb2.ALREADY_EXISTS


class PermissionDenied(ScannerError):
    """The caller is known but may not perform the call."""

    code = code_pb2.PERMISSION_DENIED


class ResourceExhausted(ScannerError):
    """A quota or a rate limit ran out, or a size limit was hit."""

    code = code_pb2.RESOURCE_EXHAUSTED


class FailedPrecondition(ScannerError):
    """The system is not in the state the call requires."""

    code = code_pb2.FAILED_PRECONDITION


class Aborted(ScannerError):
    """The call was aborted by a concurrency conflict."""

    code = code_pb2.ABORTED


class OutOfRange(ScannerError):
    """The call went past a valid range."""

    code = code_pb2.OUT_OF_RANGE


class Unimplemented(ScannerError):
    """The service does not offer the call."""

    code = code_pb2.UNIMPLEMENTED


class Internal(ScannerError):
    """An invariant of the service or of the protocol broke."""

    code = code_pb2.INTERNAL


class Unavailable(ScannerError):
    """The service could not be reached or is down for now; retrying may help."""

    code = code_pb2.UNAVAILABLE


class DataLoss(ScannerError):
    """Data was lost or corrupted beyond recovery."""

    code = code_pb2.DATA_LOSS


class Unauthenticated(ScannerError):
    """The call carries no valid credentials."""

    code = code_pb2.UNAUTHENTICATED


_CLASS_BY_CODE: MappingProxyType[int, type[ScannerError]] = MappingProxyType(
    {
        error_class.code: error_class
        for error_class in (
            Cancelled,
            Unknown,
            InvalidArgument,
            DeadlineExceeded,
            NotFound,
            AlreadyExists,
            PermissionDenied,
            ResourceExhausted,
            FailedPrecondition,
            Aborted,
            OutOfRange,
            Unimplemented,
            Internal,
            Unavailable,
            DataLoss,
            Unauthenticated,
        )
    }
)


def error_class_for_code(code: int) -> type[ScannerError]:
    """The error class for a ``google.rpc.Code``; ``Unknown`` for any other int.

    Raises:
        ValueError: ``code`` is ``OK``, which is no error.
    """
    if code == code_pb2.OK:
        raise ValueError("code OK (0) stands for success and has no error class")
    return _CLASS_BY_CODE.get(code, Unknown)
