"""A client for the Yandex Cloud Container Registry vulnerability scanner.

``get_scan_result`` over gRPC or REST, sync or asyncio, returning the
scanner's own protobuf messages (``scanner_grpc.types``).
"""

import logging

from scanner_grpc._version import __version__

__all__ = ["__version__"]

logging.getLogger(__name__).addHandler(logging.NullHandler())
