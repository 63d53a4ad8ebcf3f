"""What each ScannerService method answers, over either interface.

A handler takes the loaded data and a request that has already passed the
constraints of the protos, and returns the response message or raises
``RpcFailure``. ``HANDLERS`` is keyed by method name; the gRPC servicer and
the REST gateway find their methods in the service descriptor, so a method
added to the protos needs a handler here and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from google.protobuf.message import Message
from google.rpc import code_pb2

from scanner_grpc.emulator._data import Dataset
from scanner_grpc.emulator._queries import FilterField, order, page, select
from scanner_grpc.emulator._status import RpcFailure
from scanner_grpc.types import (
    GetLastScanResultRequest,
    GetScanResultRequest,
    ListScanResultsRequest,
    ListScanResultsResponse,
    ListVulnerabilitiesRequest,
    ListVulnerabilitiesResponse,
    ScanRequest,
    ScanResult,
    Vulnerability,
)

__all__ = ["HANDLERS", "Handler"]

Handler = Callable[[Dataset, Any], Message]
"""Answers one request from the data, or raises ``RpcFailure``."""


def _get(data: Dataset, request: GetScanResultRequest) -> ScanResult:
    found = data.scan_result(request.scan_result_id)
    if found is None:
        raise _not_found(f"Scan result {request.scan_result_id!r} not found")
    return _copy(found)


def _get_last(data: Dataset, request: GetLastScanResultRequest) -> ScanResult:
    newest: ScanResult | None = None
    for result in data.scan_results:
        # Later records win ties, as a rescan of the same moment would.
        if result.image_id == request.image_id and (
            newest is None or _moment(result) >= _moment(newest)
        ):
            newest = result
    if newest is None:
        raise _not_found(f"No scan result for image {request.image_id!r}")
    return _copy(newest)


def _list(data: Dataset, request: ListScanResultsRequest) -> ListScanResultsResponse:
    parent = request.WhichOneof("id")
    if parent == "repository_id":
        image_ids = data.repositories.get(request.repository_id)
        if image_ids is None:
            raise _not_found(f"Repository {request.repository_id!r} not found")
        parent_id = request.repository_id
    else:
        if not data.knows_image(request.image_id):
            raise _not_found(f"Image {request.image_id!r} not found")
        image_ids = (request.image_id,)
        parent_id = request.image_id
    results = [result for result in data.scan_results if result.image_id in image_ids]

    results = select(results, request.filter, _SCAN_RESULT_FILTERS)
    results = order(results, request.order_by, {"status": lambda r: r.status})
    shown, next_token = page(
        results,
        page_size=request.page_size,
        page_token=request.page_token,
        query=("List", str(parent), parent_id, request.filter, request.order_by),
    )
    response = ListScanResultsResponse(next_page_token=next_token)
    response.scan_results.extend(shown)
    return response


def _list_vulnerabilities(
    data: Dataset, request: ListVulnerabilitiesRequest
) -> ListVulnerabilitiesResponse:
    if data.scan_result(request.scan_result_id) is None:
        raise _not_found(f"Scan result {request.scan_result_id!r} not found")
    stored = data.vulnerabilities.get(request.scan_result_id, ())

    found = select(stored, request.filter, _VULNERABILITY_FILTERS)
    found = order(found, request.order_by, {"severity": lambda v: v.severity})
    shown, next_token = page(
        found,
        page_size=request.page_size,
        page_token=request.page_token,
        query=(
            "ListVulnerabilities",
            request.scan_result_id,
            request.filter,
            request.order_by,
        ),
    )
    response = ListVulnerabilitiesResponse(next_page_token=next_token)
    response.vulnerabilities.extend(shown)
    return response


def _scan(data: Dataset, request: ScanRequest) -> Message:
    raise RpcFailure(
        code_pb2.UNIMPLEMENTED,
        "The emulator does not start scans; it serves the scan results of its data",
    )


def _enum_parser(enum_type: Any) -> Callable[[str], object]:
    names = [
        name
        for name in enum_type.keys()  # noqa: SIM118 -- an enum wrapper, not a dict
        if not name.endswith("_UNSPECIFIED")
    ]

    def parse(text: str) -> object:
        if text not in names:
            raise ValueError(f"{text!r} is not one of {', '.join(names)}")
        return enum_type.Value(text)

    return parse


_SCAN_RESULT_FILTERS: Mapping[str, FilterField[ScanResult]] = {
    "status": FilterField(lambda r: r.status, _enum_parser(ScanResult.Status)),
}
_VULNERABILITY_FILTERS: Mapping[str, FilterField[Vulnerability]] = {
    "severity": FilterField(lambda v: v.severity, _enum_parser(Vulnerability.Severity)),
    "name": FilterField(lambda v: v.package.name, str),
}


def _moment(result: ScanResult) -> tuple[int, int]:
    return (result.scanned_at.seconds, result.scanned_at.nanos)


def _copy(result: ScanResult) -> ScanResult:
    # The loaded data stays untouched whatever the transport does with an answer.
    copy = ScanResult()
    copy.CopyFrom(result)
    return copy


def _not_found(message: str) -> RpcFailure:
    return RpcFailure(code_pb2.NOT_FOUND, message)


HANDLERS: Mapping[str, Handler] = MappingProxyType(
    {
        "Get": _get,
        "GetLast": _get_last,
        "List": _list,
        "ListVulnerabilities": _list_vulnerabilities,
        "Scan": _scan,
    }
)
"""The handler of each ScannerService method, by method name."""
