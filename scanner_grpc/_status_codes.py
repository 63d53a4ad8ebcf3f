"""How ``google.rpc.Code`` values map to HTTP statuses, and back.

The table is the one the scanner's REST interface uses. The client reads it
to build errors from REST answers, the emulator to answer with the right
status; it is data, tested for every code.
"""

from __future__ import annotations

from types import MappingProxyType

from google.rpc import code_pb2

__all__ = ["HTTP_STATUS_BY_CODE", "code_for_http_status"]

HTTP_STATUS_BY_CODE = MappingProxyType(
    {
        code_pb2.OK: 200,
        code_pb2.CANCELLED: 499,
        code_pb2.UNKNOWN: 500,
        code_pb2.INVALID_ARGUMENT: 400,
        code_pb2.DEADLINE_EXCEEDED: 504,
        code_pb2.NOT_FOUND: 404,
        code_pb2.ALREADY_EXISTS: 409,
        code_pb2.PERMISSION_DENIED: 403,
        code_pb2.RESOURCE_EXHAUSTED: 429,
        code_pb2.FAILED_PRECONDITION: 400,
        code_pb2.ABORTED: 409,
        code_pb2.OUT_OF_RANGE: 400,
        code_pb2.UNIMPLEMENTED: 501,
        code_pb2.INTERNAL: 500,
        code_pb2.UNAVAILABLE: 503,
        code_pb2.DATA_LOSS: 500,
        code_pb2.UNAUTHENTICATED: 401,
    }
)

# For answers whose body is not a Status (a proxy's HTML page, say), the code
# that an HTTP status most plausibly stands for. Several codes share 400, 409
# and 500; the most general of each wins.
_CODE_BY_HTTP_STATUS = MappingProxyType(
    {
        400: code_pb2.INVALID_ARGUMENT,
        401: code_pb2.UNAUTHENTICATED,
        403: code_pb2.PERMISSION_DENIED,
        404: code_pb2.NOT_FOUND,
        409: code_pb2.ABORTED,
        429: code_pb2.RESOURCE_EXHAUSTED,
        499: code_pb2.CANCELLED,
        500: code_pb2.INTERNAL,
        501: code_pb2.UNIMPLEMENTED,
        502: code_pb2.UNAVAILABLE,
        503: code_pb2.UNAVAILABLE,
        504: code_pb2.DEADLINE_EXCEEDED,
    }
)


def code_for_http_status(status: int) -> int:
    """The ``google.rpc.Code`` for an HTTP status whose body says nothing more."""
    code: int
    if status in _CODE_BY_HTTP_STATUS:
        code = _CODE_BY_HTTP_STATUS[status]
    elif 200 <= status < 300:
        code = code_pb2.OK
    elif 400 <= status < 500:
        code = code_pb2.FAILED_PRECONDITION
    else:
        code = code_pb2.UNKNOWN
    return code
