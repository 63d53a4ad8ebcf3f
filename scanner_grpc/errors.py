"""The errors that the scanner clients raise.

Every failed call raises a subclass of ``ScannerError``, one class per
``google.rpc.Code``, the same class whichever client (gRPC or REST, sync or
asyncio) made the call::

    from scanner_grpc import errors

    try:
        result = client.get_scan_result(scan_result_id)
    except errors.NotFound:
        ...
    except errors.ScannerError as error:
        log.warning("scan failed: %s (request id %s)", error, error.request_id)
"""

from scanner_grpc._errors import (
    Aborted,
    AlreadyExists,
    Cancelled,
    DataLoss,
    DeadlineExceeded,
    FailedPrecondition,
    Internal,
    InvalidArgument,
    NotFound,
    OutOfRange,
    PermissionDenied,
    ResourceExhausted,
    ScannerError,
    Unauthenticated,
    Unavailable,
    Unimplemented,
    Unknown,
    error_class_for_code,
)

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
