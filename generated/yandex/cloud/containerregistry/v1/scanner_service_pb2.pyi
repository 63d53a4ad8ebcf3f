from google.api import annotations_pb2 as _annotations_pb2
from scanner_grpc._generated.scannergrpc.constraints.v1 import constraints_pb2 as _constraints_pb2
from scanner_grpc._generated.yandex.cloud.containerregistry.v1 import scanner_pb2 as _scanner_pb2
from scanner_grpc._generated.yandex.cloud.operation import operation_pb2 as _operation_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ScanRequest(_message.Message):
    __slots__ = ("image_id",)
    IMAGE_ID_FIELD_NUMBER: _ClassVar[int]
    image_id: str
    def __init__(self, image_id: _Optional[str] = ...) -> None: ...

class ScanMetadata(_message.Message):
    __slots__ = ("scan_result_id",)
    SCAN_RESULT_ID_FIELD_NUMBER: _ClassVar[int]
    scan_result_id: str
    def __init__(self, scan_result_id: _Optional[str] = ...) -> None: ...

class GetScanResultRequest(_message.Message):
    __slots__ = ("scan_result_id",)
    SCAN_RESULT_ID_FIELD_NUMBER: _ClassVar[int]
    scan_result_id: str
    def __init__(self, scan_result_id: _Optional[str] = ...) -> None: ...

class GetLastScanResultRequest(_message.Message):
    __slots__ = ("image_id",)
    IMAGE_ID_FIELD_NUMBER: _ClassVar[int]
    image_id: str
    def __init__(self, image_id: _Optional[str] = ...) -> None: ...

class ListScanResultsRequest(_message.Message):
    __slots__ = ("image_id", "repository_id", "page_size", "page_token", "filter", "order_by")
    IMAGE_ID_FIELD_NUMBER: _ClassVar[int]
    REPOSITORY_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    image_id: str
    repository_id: str
    page_size: int
    page_token: str
    filter: str
    order_by: str
    def __init__(self, image_id: _Optional[str] = ..., repository_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ..., order_by: _Optional[str] = ...) -> None: ...

class ListScanResultsResponse(_message.Message):
    __slots__ = ("scan_results", "next_page_token")
    SCAN_RESULTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    scan_results: _containers.RepeatedCompositeFieldContainer[_scanner_pb2.ScanResult]
    next_page_token: str
    def __init__(self, scan_results: _Optional[_Iterable[_Union[_scanner_pb2.ScanResult, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListVulnerabilitiesRequest(_message.Message):
    __slots__ = ("scan_result_id", "page_size", "page_token", "filter", "order_by")
    SCAN_RESULT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    scan_result_id: str
    page_size: int
    page_token: str
    filter: str
    order_by: str
    def __init__(self, scan_result_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ..., order_by: _Optional[str] = ...) -> None: ...

class ListVulnerabilitiesResponse(_message.Message):
    __slots__ = ("vulnerabilities", "next_page_token")
    VULNERABILITIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    vulnerabilities: _containers.RepeatedCompositeFieldContainer[_scanner_pb2.Vulnerability]
    next_page_token: str
    def __init__(self, vulnerabilities: _Optional[_Iterable[_Union[_scanner_pb2.Vulnerability, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
