"""Both interfaces answer every record of the sample data with equal messages."""

from __future__ import annotations

import pytest
from emulator_helpers import IMAGES, SCANS, rest, stub

from scanner_grpc.emulator import Emulator
from scanner_grpc.emulator._data import load_dataset
from scanner_grpc.types import (
    GetLastScanResultRequest,
    GetScanResultRequest,
    ListScanResultsRequest,
    ListScanResultsResponse,
    ListVulnerabilitiesRequest,
    ListVulnerabilitiesResponse,
    ScanResult,
)

SAMPLE = load_dataset(None)
SCAN_IDS = [result.id for result in SAMPLE.scan_results]
IMAGE_IDS = sorted({result.image_id for result in SAMPLE.scan_results})
REPOSITORY_IDS = sorted(SAMPLE.repositories)


@pytest.mark.parametrize("scan_result_id", SCAN_IDS)
def test_parity_get_answers_equal_messages(
    emulator: Emulator, scan_result_id: str
) -> None:
    with stub(emulator) as scanner:
        over_grpc = scanner.Get(GetScanResultRequest(scan_result_id=scan_result_id))
    reply = rest(emulator, "GET", f"{SCANS}/{scan_result_id}")

    assert reply.status == 200
    assert reply.into(ScanResult()) == over_grpc
    assert over_grpc == SAMPLE.scan_result(scan_result_id)


@pytest.mark.parametrize("scan_result_id", SCAN_IDS)
def test_parity_list_vulnerabilities_answers_equal_messages(
    emulator: Emulator, scan_result_id: str
) -> None:
    with stub(emulator) as scanner:
        over_grpc = scanner.ListVulnerabilities(
            ListVulnerabilitiesRequest(scan_result_id=scan_result_id, page_size=1000)
        )
    reply = rest(
        emulator,
        "GET",
        f"{SCANS}/{scan_result_id}:listVulnerabilities?pageSize=1000",
    )

    assert reply.status == 200
    assert reply.into(ListVulnerabilitiesResponse()) == over_grpc
    assert list(over_grpc.vulnerabilities) == list(
        SAMPLE.vulnerabilities.get(scan_result_id, ())
    )


@pytest.mark.parametrize("image_id", IMAGE_IDS)
def test_parity_get_last_and_list_by_image_answer_equal_messages(
    emulator: Emulator, image_id: str
) -> None:
    with stub(emulator) as scanner:
        last = scanner.GetLast(GetLastScanResultRequest(image_id=image_id))
        listed = scanner.List(ListScanResultsRequest(image_id=image_id))
    last_reply = rest(emulator, "GET", f"{IMAGES}/{image_id}:lastScanResult")
    list_reply = rest(emulator, "GET", f"{SCANS}?imageId={image_id}")

    assert last_reply.into(ScanResult()) == last
    assert list_reply.into(ListScanResultsResponse()) == listed
    assert last in listed.scan_results


@pytest.mark.parametrize("repository_id", REPOSITORY_IDS)
def test_parity_list_by_repository_answers_equal_messages(
    emulator: Emulator, repository_id: str
) -> None:
    with stub(emulator) as scanner:
        over_grpc = scanner.List(ListScanResultsRequest(repository_id=repository_id))
    reply = rest(emulator, "GET", f"{SCANS}?repository_id={repository_id}")

    assert reply.into(ListScanResultsResponse()) == over_grpc
    images = set(SAMPLE.repositories[repository_id])
    assert {result.image_id for result in over_grpc.scan_results} <= images
