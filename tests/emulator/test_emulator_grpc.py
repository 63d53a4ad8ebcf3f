"""The emulator's gRPC interface, driven with the generated stub."""

from __future__ import annotations

import grpc
import pytest
from emulator_helpers import (
    SERVICE_PATH,
    grpc_status,
    metadata_value,
    request_info_id,
    stub,
    violated_fields,
)
from google.rpc import code_pb2

from scanner_grpc.emulator import Emulator
from scanner_grpc.types import (
    GetLastScanResultRequest,
    GetScanResultRequest,
    ListScanResultsRequest,
    ListVulnerabilitiesRequest,
    ScanRequest,
    ScanResult,
    Vulnerability,
)

MAX_COUNTS = "chescanworker0000002"
WEBAPP_SCAN = "chescanwebapp0000001"


def _error(call: object, request: object) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(request, timeout=10)  # type: ignore[operator]
    return caught.value


def test_grpc_get_returns_the_record_with_full_precision(emulator: Emulator) -> None:
    with stub(emulator) as scanner:
        result = scanner.Get(GetScanResultRequest(scan_result_id=MAX_COUNTS))

    assert result.id == MAX_COUNTS
    assert result.status == ScanResult.READY
    assert result.vulnerabilities.critical == 2**63 - 1
    assert result.vulnerabilities.undefined == 2**63 - 1
    assert result.scanned_at.nanos == 1


def test_grpc_get_answers_request_and_trace_ids_in_both_metadata(
    emulator: Emulator,
) -> None:
    with stub(emulator) as scanner:
        _, call = scanner.Get.with_call(GetScanResultRequest(scan_result_id=MAX_COUNTS))

    request_id = metadata_value(call.initial_metadata(), "x-request-id")
    trace_id = metadata_value(call.initial_metadata(), "x-server-trace-id")
    assert metadata_value(call.trailing_metadata(), "x-request-id") == request_id
    assert metadata_value(call.trailing_metadata(), "x-server-trace-id") == trace_id
    assert request_id != trace_id


def test_grpc_get_unknown_id_is_not_found_with_request_info(
    emulator: Emulator,
) -> None:
    with stub(emulator) as scanner:
        error = _error(scanner.Get, GetScanResultRequest(scan_result_id="nosuchid"))

    assert error.code() == grpc.StatusCode.NOT_FOUND
    status = grpc_status(error)
    assert status.code == code_pb2.NOT_FOUND
    assert "nosuchid" in status.message
    request_id = metadata_value(error.trailing_metadata(), "x-request-id")
    assert request_info_id(status) == request_id
    assert metadata_value(error.initial_metadata(), "x-request-id") == request_id


@pytest.mark.parametrize(
    "scan_result_id",
    [
        "",  # required
        "x" * 51,  # longer than the proto allows
    ],
)
def test_grpc_get_bad_id_is_invalid_argument_naming_the_field(
    emulator: Emulator, scan_result_id: str
) -> None:
    with stub(emulator) as scanner:
        error = _error(scanner.Get, GetScanResultRequest(scan_result_id=scan_result_id))

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violated_fields(grpc_status(error)) == ["scan_result_id"]


def test_grpc_garbled_request_is_invalid_argument(emulator: Emulator) -> None:
    channel = grpc.insecure_channel(emulator.grpc_target)
    try:
        call = channel.unary_unary(f"{SERVICE_PATH}/Get")
        with pytest.raises(grpc.RpcError) as caught:
            call(b"\xff\xff\xff", timeout=10)
    finally:
        channel.close()

    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "GetScanResultRequest" in grpc_status(caught.value).message


def test_grpc_unknown_method_is_unimplemented(emulator: Emulator) -> None:
    channel = grpc.insecure_channel(emulator.grpc_target)
    try:
        call = channel.unary_unary(f"{SERVICE_PATH}/Delete")
        with pytest.raises(grpc.RpcError) as caught:
            call(b"", timeout=10)
    finally:
        channel.close()

    assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED
    status = grpc_status(caught.value)
    assert "Delete" in status.message
    assert request_info_id(status) == metadata_value(
        caught.value.trailing_metadata(), "x-request-id"
    )


def test_grpc_method_of_another_service_is_unimplemented(
    fresh_emulator: Emulator,
) -> None:
    channel = grpc.insecure_channel(fresh_emulator.grpc_target)
    try:
        call = channel.stream_stream("/other.v1.Service/Chat")
        with pytest.raises(grpc.RpcError) as caught:
            list(call(iter([b"a", b"b"]), timeout=10))
    finally:
        channel.close()

    assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert [(r.method, r.code) for r in fresh_emulator.requests] == [
        ("/other.v1.Service/Chat", code_pb2.UNIMPLEMENTED)
    ]


def test_grpc_get_last_returns_the_newest_scan_of_the_image(
    emulator: Emulator,
) -> None:
    with stub(emulator) as scanner:
        result = scanner.GetLast(
            GetLastScanResultRequest(image_id="crpimagelegacy000001")
        )

    assert result.id == "chescanlegacy0000002"  # scanned at 9999-12-31


def test_grpc_get_last_unknown_image_is_not_found(emulator: Emulator) -> None:
    with stub(emulator) as scanner:
        error = _error(scanner.GetLast, GetLastScanResultRequest(image_id="noimage"))

    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_grpc_list_by_image_returns_its_scans(emulator: Emulator) -> None:
    with stub(emulator) as scanner:
        page = scanner.List(ListScanResultsRequest(image_id="crpimagewebapp000002"))

    assert [r.id for r in page.scan_results] == [WEBAPP_SCAN, "chescanwebapp0000003"]
    assert page.next_page_token == ""


def test_grpc_list_by_repository_pages_through_every_image(
    emulator: Emulator,
) -> None:
    seen: list[str] = []
    request = ListScanResultsRequest(repository_id="crprepowebapp0000001", page_size=2)
    with stub(emulator) as scanner:
        for _ in range(10):
            page = scanner.List(request)
            seen.extend(result.id for result in page.scan_results)
            if not page.next_page_token:
                break
            request.page_token = page.next_page_token

    assert seen == [WEBAPP_SCAN, "chescanwebapp0000002", "chescanwebapp0000003"]


def test_grpc_list_filters_on_status(emulator: Emulator) -> None:
    request = ListScanResultsRequest(
        repository_id="crprepowebapp0000001", filter='status="READY"'
    )
    with stub(emulator) as scanner:
        page = scanner.List(request)

    assert [r.status for r in page.scan_results] == [ScanResult.READY] * 2


def test_grpc_list_orders_by_status_descending(emulator: Emulator) -> None:
    request = ListScanResultsRequest(
        repository_id="crprepolegacy000001", order_by="status desc"
    )
    with stub(emulator) as scanner:
        page = scanner.List(request)

    statuses = [result.status for result in page.scan_results]
    assert statuses == sorted(statuses, reverse=True)
    assert len(statuses) == 3


@pytest.mark.parametrize(
    ("request_fields", "field"),
    [
        ({}, "id"),  # neither image_id nor repository_id
        ({"image_id": "x", "page_size": 1001}, "page_size"),  # over the maximum
        ({"image_id": "x", "page_size": -1}, "page_size"),  # under the minimum
        ({"image_id": "x", "filter": 'severity="HIGH"'}, "filter"),  # wrong field
        ({"image_id": "x", "filter": "status=NOPE"}, "filter"),  # unknown value
        ({"image_id": "x", "order_by": "image_id"}, "order_by"),  # unsupported
        ({"image_id": "x", "page_token": "garbage"}, "page_token"),  # not ours
    ],
)
def test_grpc_list_invalid_request_names_the_field(
    emulator: Emulator, request_fields: dict[str, object], field: str
) -> None:
    if "image_id" in request_fields:
        request_fields = {**request_fields, "image_id": "crpimagewebapp000002"}
    with stub(emulator) as scanner:
        error = _error(scanner.List, ListScanResultsRequest(**request_fields))

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violated_fields(grpc_status(error)) == [field]


def test_grpc_list_page_token_of_another_query_is_refused(emulator: Emulator) -> None:
    with stub(emulator) as scanner:
        first = scanner.List(
            ListScanResultsRequest(repository_id="crprepowebapp0000001", page_size=1)
        )
        error = _error(
            scanner.List,
            ListScanResultsRequest(
                repository_id="crprepowebapp0000001",
                page_size=1,
                filter='status="READY"',
                page_token=first.next_page_token,
            ),
        )

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violated_fields(grpc_status(error)) == ["page_token"]


@pytest.mark.parametrize(
    "request_fields",
    [
        {"image_id": "noimage"},
        {"repository_id": "norepository"},
    ],
)
def test_grpc_list_unknown_parent_is_not_found(
    emulator: Emulator, request_fields: dict[str, str]
) -> None:
    with stub(emulator) as scanner:
        error = _error(scanner.List, ListScanResultsRequest(**request_fields))

    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_grpc_list_of_a_known_image_without_scans_is_empty(
    emulator: Emulator,
) -> None:
    with stub(emulator) as scanner:
        page = scanner.List(ListScanResultsRequest(image_id="crpimagelegacy000003"))

    assert list(page.scan_results) == []


def test_grpc_list_vulnerabilities_pages_in_data_order(emulator: Emulator) -> None:
    expected = [v.package.name for v in emulator.vulnerabilities[WEBAPP_SCAN]]
    seen: list[str] = []
    request = ListVulnerabilitiesRequest(scan_result_id=WEBAPP_SCAN, page_size=4)
    with stub(emulator) as scanner:
        for _ in range(10):
            page = scanner.ListVulnerabilities(request)
            assert len(page.vulnerabilities) <= 4
            seen.extend(v.package.name for v in page.vulnerabilities)
            if not page.next_page_token:
                break
            request.page_token = page.next_page_token

    assert seen == expected
    assert len(seen) == 9


@pytest.mark.parametrize(
    ("filter_text", "expected"),
    [
        ('severity="HIGH"', ["CVE-2023-38545", "CVE-2023-44487"]),
        ("severity = CRITICAL", ["CVE-2024-3094"]),
        ('name="CVE-2023-5678"', ["CVE-2023-5678", "CVE-2023-5678"]),
        ('severity="MEDIUM" AND name="CVE-2023-4911"', ["CVE-2023-4911"]),
        ('name="CVE-0000-0000"', []),
    ],
)
def test_grpc_list_vulnerabilities_filters(
    emulator: Emulator, filter_text: str, expected: list[str]
) -> None:
    request = ListVulnerabilitiesRequest(scan_result_id=WEBAPP_SCAN, filter=filter_text)
    with stub(emulator) as scanner:
        page = scanner.ListVulnerabilities(request)

    assert [v.package.name for v in page.vulnerabilities] == expected


def test_grpc_list_vulnerabilities_orders_by_severity(emulator: Emulator) -> None:
    request = ListVulnerabilitiesRequest(
        scan_result_id=WEBAPP_SCAN, order_by="severity desc"
    )
    with stub(emulator) as scanner:
        page = scanner.ListVulnerabilities(request)

    severities = [v.severity for v in page.vulnerabilities]
    assert severities[0] == Vulnerability.UNDEFINED
    assert severities == sorted(severities, reverse=True)


@pytest.mark.parametrize(
    "filter_text",
    [
        'status="READY"',  # a field of scan results, not vulnerabilities
        'severity="SEVERE"',  # no such severity
        'severity!="HIGH"',  # only = is supported
        'severity="HIGH" OR name="x"',  # only AND joins terms
        'severity="HIGH',  # unterminated quote
    ],
)
def test_grpc_list_vulnerabilities_bad_filter_is_invalid_argument(
    emulator: Emulator, filter_text: str
) -> None:
    request = ListVulnerabilitiesRequest(scan_result_id=WEBAPP_SCAN, filter=filter_text)
    with stub(emulator) as scanner:
        error = _error(scanner.ListVulnerabilities, request)

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violated_fields(grpc_status(error)) == ["filter"]


def test_grpc_list_vulnerabilities_unknown_scan_is_not_found(
    emulator: Emulator,
) -> None:
    request = ListVulnerabilitiesRequest(scan_result_id="nosuchscan")
    with stub(emulator) as scanner:
        error = _error(scanner.ListVulnerabilities, request)

    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_grpc_list_vulnerabilities_of_a_scan_without_any_is_empty(
    emulator: Emulator,
) -> None:
    request = ListVulnerabilitiesRequest(scan_result_id="chescanworker0000001")
    with stub(emulator) as scanner:
        page = scanner.ListVulnerabilities(request)

    assert list(page.vulnerabilities) == []
    assert page.next_page_token == ""


def test_grpc_scan_is_unimplemented(emulator: Emulator) -> None:
    with stub(emulator) as scanner:
        error = _error(scanner.Scan, ScanRequest(image_id="crpimagewebapp000001"))

    assert error.code() == grpc.StatusCode.UNIMPLEMENTED
    assert grpc_status(error).code == code_pb2.UNIMPLEMENTED


def test_grpc_scan_without_image_is_invalid_argument(emulator: Emulator) -> None:
    with stub(emulator) as scanner:
        error = _error(scanner.Scan, ScanRequest())

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violated_fields(grpc_status(error)) == ["image_id"]


def test_grpc_requests_are_recorded_with_metadata_and_code(
    fresh_emulator: Emulator,
) -> None:
    with stub(fresh_emulator) as scanner:
        scanner.Get(
            GetScanResultRequest(scan_result_id=MAX_COUNTS),
            metadata=[("x-client-request-id", "abc")],
        )
        _error(scanner.Get, GetScanResultRequest(scan_result_id="nosuchid"))

    first, second = fresh_emulator.requests
    assert (first.interface, first.method, first.code) == ("grpc", "Get", code_pb2.OK)
    assert first.headers["x-client-request-id"] == "abc"
    assert second.code == code_pb2.NOT_FOUND
