"""The emulator's REST gateway, driven with http.client and raw sockets."""

from __future__ import annotations

import http.client
import json

import pytest
from emulator_helpers import IMAGES, SCANS, raw_exchange, request_info_id, rest
from emulator_helpers import violated_fields as fields_of
from google.rpc import code_pb2

from scanner_grpc.emulator import Emulator
from scanner_grpc.emulator._rest import MAX_BODY, MAX_TARGET
from scanner_grpc.types import (
    ListScanResultsResponse,
    ListVulnerabilitiesResponse,
    ScanResult,
)

MAX_COUNTS = "chescanworker0000002"
WEBAPP_SCAN = "chescanwebapp0000001"


def test_rest_get_answers_json_with_int64_strings_and_nanos(
    emulator: Emulator,
) -> None:
    reply = rest(emulator, "GET", f"{SCANS}/{MAX_COUNTS}")

    assert reply.status == 200
    assert reply.headers["content-type"] == "application/json"
    document = reply.json()
    assert document["id"] == MAX_COUNTS
    assert document["imageId"] == "crpimageworker000002"
    assert document["scannedAt"] == "2038-01-19T03:14:08.000000001Z"
    assert document["vulnerabilities"]["critical"] == "9223372036854775807"
    assert document["status"] == "READY"


def test_rest_success_carries_request_and_trace_ids(emulator: Emulator) -> None:
    reply = rest(emulator, "GET", f"{SCANS}/{MAX_COUNTS}")

    assert reply.headers["x-request-id"]
    assert reply.headers["x-server-trace-id"]
    assert reply.headers["x-request-id"] != reply.headers["x-server-trace-id"]


def test_rest_get_unknown_id_is_404_status_with_request_info(
    emulator: Emulator,
) -> None:
    reply = rest(emulator, "GET", f"{SCANS}/nosuchid")

    assert reply.status == 404
    status = reply.status_message()
    assert status.code == code_pb2.NOT_FOUND
    assert request_info_id(status) == reply.headers["x-request-id"]
    assert reply.headers["x-server-trace-id"]


def test_rest_get_decodes_the_percent_encoded_id(emulator: Emulator) -> None:
    reply = rest(emulator, "GET", f"{SCANS}/a%2Fb%20c%C3%A9")

    assert reply.status == 404
    assert "'a/b cé'" in reply.status_message().message


def test_rest_get_overlong_id_is_400_naming_the_field(emulator: Emulator) -> None:
    reply = rest(emulator, "GET", f"{SCANS}/{'x' * 51}")

    assert reply.status == 400
    assert reply.status_message().code == code_pb2.INVALID_ARGUMENT
    assert fields_of(reply.status_message()) == ["scan_result_id"]


def test_rest_get_last_uses_the_verb_route(emulator: Emulator) -> None:
    reply = rest(emulator, "GET", f"{IMAGES}/crpimagewebapp000002:lastScanResult")

    assert reply.status == 200
    assert reply.json()["id"] == WEBAPP_SCAN


def test_rest_list_reads_query_parameters_by_either_name(emulator: Emulator) -> None:
    query = "repositoryId=crprepowebapp0000001&page_size=2&filter=status%3D%22READY%22"
    reply = rest(emulator, "GET", f"{SCANS}?{query}")

    assert reply.status == 200
    page = reply.into(ListScanResultsResponse())
    assert isinstance(page, ListScanResultsResponse)
    assert [r.status for r in page.scan_results] == [ScanResult.READY] * 2
    assert page.next_page_token == ""


def test_rest_list_pages_follow_next_page_token(emulator: Emulator) -> None:
    seen: list[str] = []
    token = ""
    for _ in range(10):
        query = f"repository_id=crprepowebapp0000001&page_size=1&page_token={token}"
        document = rest(emulator, "GET", f"{SCANS}?{query}").json()
        seen.extend(result["id"] for result in document.get("scanResults", []))
        token = document.get("nextPageToken", "")
        if not token:
            break

    assert seen == [WEBAPP_SCAN, "chescanwebapp0000002", "chescanwebapp0000003"]


def test_rest_list_vulnerabilities_filters_by_severity(emulator: Emulator) -> None:
    target = f"{SCANS}/{WEBAPP_SCAN}:listVulnerabilities?filter=severity%3D%22HIGH%22"
    reply = rest(emulator, "GET", target)

    assert reply.status == 200
    page = reply.into(ListVulnerabilitiesResponse())
    assert isinstance(page, ListVulnerabilitiesResponse)
    assert len(page.vulnerabilities) == 2
    assert reply.json()["vulnerabilities"][0]["severity"] == "HIGH"


def test_rest_scan_is_501_unimplemented(emulator: Emulator) -> None:
    reply = rest(
        emulator,
        "POST",
        SCANS,
        body=b'{"imageId": "crpimagewebapp000001"}',
        headers={"Content-Type": "application/json"},
    )

    assert reply.status == 501
    assert reply.status_message().code == code_pb2.UNIMPLEMENTED


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b'{"imageId": ', "not valid"),  # not JSON
        (b'{"imageName": "x"}', "imageName"),  # no such field
        (b"\xff\xfe", "not valid"),  # not UTF-8
    ],
)
def test_rest_scan_bad_body_is_400(
    emulator: Emulator, body: bytes, fragment: str
) -> None:
    reply = rest(emulator, "POST", SCANS, body=body)

    assert reply.status == 400
    assert fragment in reply.status_message().message


def test_rest_scan_empty_body_fails_validation(emulator: Emulator) -> None:
    reply = rest(emulator, "POST", SCANS, body=b"")

    assert reply.status == 400
    assert fields_of(reply.status_message()) == ["image_id"]


def test_rest_scan_accepts_a_chunked_body(emulator: Emulator) -> None:
    body = b'{"imageId": "crpimagewebapp000001"}'
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    answer = raw_exchange(
        emulator,
        b"POST " + SCANS.encode() + b" HTTP/1.1\r\nHost: x\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunked,
    )

    assert answer.startswith(b"HTTP/1.1 501 ")


def test_rest_unknown_route_is_404_not_found(emulator: Emulator) -> None:
    reply = rest(emulator, "GET", "/container-registry/v1/registries")

    assert reply.status == 404
    assert reply.status_message().code == code_pb2.NOT_FOUND
    assert reply.headers["x-request-id"]


@pytest.mark.parametrize(
    ("method", "target", "allowed"),
    [
        ("DELETE", f"{SCANS}/{MAX_COUNTS}", "GET"),
        ("PUT", SCANS, "GET, POST"),
        ("GET", "/iam/v1/tokens", "POST"),
        ("PATCH", f"{IMAGES}/x:lastScanResult", "GET"),
    ],
)
def test_rest_wrong_method_is_405_unimplemented_with_allow(
    emulator: Emulator, method: str, target: str, allowed: str
) -> None:
    reply = rest(emulator, method, target)

    assert reply.status == 405
    assert reply.headers["allow"] == allowed
    assert reply.status_message().code == code_pb2.UNIMPLEMENTED


def test_rest_head_answers_headers_without_a_body(emulator: Emulator) -> None:
    reply = rest(emulator, "HEAD", f"{SCANS}/{MAX_COUNTS}")

    assert reply.status == 405
    assert reply.body == b""
    assert int(reply.headers["content-length"]) > 0


def test_rest_unknown_http_method_is_405(emulator: Emulator) -> None:
    reply = rest(emulator, "BREW", f"{SCANS}/{MAX_COUNTS}")

    assert reply.status == 405
    assert reply.status_message().code == code_pb2.UNIMPLEMENTED


@pytest.mark.parametrize(
    "target",
    [
        f"{SCANS}/abc%zz",  # not an escape
        f"{SCANS}/abc%4",  # truncated escape
        f"{SCANS}/%ff%fe",  # not UTF-8
    ],
)
def test_rest_bad_percent_encoding_in_path_is_400(
    emulator: Emulator, target: str
) -> None:
    reply = rest(emulator, "GET", target)

    assert reply.status == 400
    assert reply.status_message().code == code_pb2.INVALID_ARGUMENT


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("image_id=x&page_size=ten", "page_size"),  # not an integer
        ("image_id=x&page_size=1.5", "page_size"),  # not an integer
        ("image_id=x&page_size=9223372036854775808", "page_size"),  # over int64
        ("image_id=x&page_size=2000", "page_size"),  # over the proto's maximum
        ("image_id=x&colour=red", "colour"),  # no such field
        ("image_id=x&page_size=1&pageSize=2", "pageSize"),  # the same field twice
        ("image_id=x&repository_id=y", "id"),  # both members of a oneof
    ],
)
def test_rest_bad_query_parameter_is_400_naming_it(
    emulator: Emulator, query: str, field: str
) -> None:
    reply = rest(emulator, "GET", f"{SCANS}?{query}")

    assert reply.status == 400
    assert reply.status_message().code == code_pb2.INVALID_ARGUMENT
    assert fields_of(reply.status_message()) == [field]


def test_rest_query_parameter_bound_by_the_path_is_400(emulator: Emulator) -> None:
    reply = rest(emulator, "GET", f"{SCANS}/{MAX_COUNTS}?scan_result_id=other")

    assert reply.status == 400
    assert fields_of(reply.status_message()) == ["scan_result_id"]


@pytest.mark.parametrize(
    "query",
    [
        "image_id=x&&page_size=1",  # an empty field
        "image_id",  # no '='
        "image_id=%zz",  # not an escape
        "image_id=%ff",  # not UTF-8
        "&".join(f"a{i}=1" for i in range(101)),  # too many parameters
    ],
)
def test_rest_malformed_query_string_is_400(emulator: Emulator, query: str) -> None:
    reply = rest(emulator, "GET", f"{SCANS}?{query}")

    assert reply.status == 400
    assert reply.status_message().code == code_pb2.INVALID_ARGUMENT


def test_rest_get_with_a_body_is_400(emulator: Emulator) -> None:
    reply = rest(emulator, "GET", f"{SCANS}/{MAX_COUNTS}", body=b"{}")

    assert reply.status == 400
    assert "takes no request body" in reply.status_message().message


def test_rest_overlong_url_is_400_and_the_connection_survives(
    emulator: Emulator,
) -> None:
    connection = http.client.HTTPConnection(
        *emulator.rest_url.removeprefix("http://").split(":"), timeout=10
    )
    try:
        connection.request("GET", f"{SCANS}/{'x' * MAX_TARGET}")
        too_long = connection.getresponse()
        too_long_body = too_long.read()
        connection.request("GET", f"{SCANS}/{MAX_COUNTS}")
        after = connection.getresponse()
        after.read()
    finally:
        connection.close()

    assert too_long.status == 400
    assert json.loads(too_long_body)["code"] == code_pb2.INVALID_ARGUMENT
    assert after.status == 200


def test_rest_request_line_over_64_kib_is_400_and_closes(emulator: Emulator) -> None:
    answer = raw_exchange(
        emulator, b"GET /" + b"x" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    )

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert b"connection: close" in head.lower()
    assert json.loads(body)["code"] == code_pb2.INVALID_ARGUMENT


def test_rest_oversized_body_is_400_and_the_connection_survives(
    emulator: Emulator,
) -> None:
    connection = http.client.HTTPConnection(
        *emulator.rest_url.removeprefix("http://").split(":"), timeout=10
    )
    try:
        connection.request("POST", SCANS, body=b" " * (MAX_BODY + 1))
        too_large = connection.getresponse()
        too_large_body = too_large.read()
        connection.request("GET", f"{SCANS}/{MAX_COUNTS}")
        after = connection.getresponse()
        after.read()
    finally:
        connection.close()

    assert too_large.status == 400
    assert json.loads(too_large_body)["code"] == code_pb2.INVALID_ARGUMENT
    assert after.status == 200


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"NONSENSE\r\n\r\n",  # one word
        b"GET / HTTP/9.9\r\n\r\n",  # no such version
        b"GET /x HTTP/1.1\r\nX: " + b"y" * 70000 + b"\r\n\r\n",  # header too long
        b"GET /x\r\n\r\n",  # HTTP/0.9
        b"POST /x HTTP/1.1\r\nContent-Length: lots\r\n\r\n",  # bad length
        b"POST /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",  # unsupported
        b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",  # bad chunk
    ],
)
def test_rest_malformed_http_is_a_400_status_not_a_crash(
    emulator: Emulator, request_bytes: bytes
) -> None:
    answer = raw_exchange(emulator, request_bytes)
    after = rest(emulator, "GET", f"{SCANS}/{MAX_COUNTS}")

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.")
    assert b" 400 " in head.split(b"\r\n")[0]
    assert b"x-request-id: " in head.lower()
    assert json.loads(body)["code"] == code_pb2.INVALID_ARGUMENT
    assert after.status == 200


def test_rest_keeps_the_connection_alive(fresh_emulator: Emulator) -> None:
    host, port = fresh_emulator.rest_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        statuses = []
        for target in (f"{SCANS}/{MAX_COUNTS}", f"{SCANS}/nosuchid", SCANS):
            connection.request("GET", target)
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
    finally:
        connection.close()

    assert statuses == [200, 404, 400]
    assert len(fresh_emulator.requests) == 3


def test_rest_requests_are_recorded_with_headers_and_code(
    fresh_emulator: Emulator,
) -> None:
    rest(fresh_emulator, "GET", f"{SCANS}/{MAX_COUNTS}", headers={"X-Trace": "t1"})
    rest(fresh_emulator, "GET", "/nowhere")

    first, second = fresh_emulator.requests
    assert (first.interface, first.method, first.code) == ("rest", "Get", 0)
    assert first.headers["x-trace"] == "t1"
    assert (second.method, second.code) == ("GET /nowhere", code_pb2.NOT_FOUND)
