"""A client for the Yandex Cloud Container Registry vulnerability scanner.

``get_scan_result`` over gRPC or REST, sync or asyncio, returning the
scanner's own protobuf messages (``scanner_grpc.types``)::

    from scanner_grpc import ScannerClient

    with ScannerClient() as client:
        result = client.get_scan_result("crp1234567890abcdefg")

Errors are in ``scanner_grpc.errors``, credentials in ``scanner_grpc.auth``.
"""

import logging

from scanner_grpc._async_client import AsyncScannerClient
from scanner_grpc._client import ScannerClient
from scanner_grpc._errors import ScannerError
from scanner_grpc._retry import Retry
from scanner_grpc._version import __version__

__all__ = [
    "AsyncScannerClient",
    "Retry",
    "ScannerClient",
    "ScannerError",
    "__version__",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
