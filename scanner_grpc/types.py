"""The scanner API's messages, as generated from the protos.

They live in the package's private descriptor pool (see the README's section
on coexistence), so they work beside any other registration of the same proto
names, such as the official Yandex SDK's.
"""

from scanner_grpc._generated.yandex.cloud.containerregistry.v1.scanner_pb2 import (
    PackageVulnerability,
    ScanResult,
    Vulnerability,
    VulnerabilityStats,
)
from scanner_grpc._generated.yandex.cloud.containerregistry.v1.scanner_service_pb2 import (  # noqa: E501
    GetLastScanResultRequest,
    GetScanResultRequest,
    ListScanResultsRequest,
    ListScanResultsResponse,
    ListVulnerabilitiesRequest,
    ListVulnerabilitiesResponse,
    ScanMetadata,
    ScanRequest,
)
from scanner_grpc._generated.yandex.cloud.operation.operation_pb2 import Operation

__all__ = [
    "GetLastScanResultRequest",
    "GetScanResultRequest",
    "ListScanResultsRequest",
    "ListScanResultsResponse",
    "ListVulnerabilitiesRequest",
    "ListVulnerabilitiesResponse",
    "Operation",
    "PackageVulnerability",
    "ScanMetadata",
    "ScanRequest",
    "ScanResult",
    "Vulnerability",
    "VulnerabilityStats",
]
