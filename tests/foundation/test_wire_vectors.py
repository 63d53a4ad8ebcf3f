"""Wire vectors: the binary and JSON encodings of the scanner's messages.

``vectors/wire_vectors.json`` is the contract that code in any language can
test against (``vectors/README.md`` describes its format). This module is its
Python check and, more importantly, the derivation of its bytes: every
expected encoding below is written out by hand from the field numbers in the
protos, so that the vectors do not merely repeat what protobuf happens to
produce.

How the bytes are derived:

* a field starts with a tag, the varint of ``field_number << 3 | wire_type``;
  wire type 0 is a varint (int64, enum, bool), 2 is length-delimited
  (string, message), so field 1 LEN is ``0a``, field 4 VARINT is ``20``;
* a varint stores 7 bits per byte, least significant group first, with the
  high bit set on every byte but the last; a negative int64 is its 64-bit
  two's complement, so it always takes ten bytes;
* a length-delimited field is tag, varint length, then the bytes;
* proto3 writes no field that holds its default (0, "", unset message),
  except a oneof member, which is written whenever it is set.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format
from google.protobuf.message import Message
from google.rpc import error_details_pb2

from scanner_grpc import types
from scanner_grpc._descriptors import POOL

from ._support import message_class

VECTORS_FILE = Path(__file__).parent / "vectors" / "wire_vectors.json"
VECTORS: dict[str, Any] = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))

SCANNER = "yandex.cloud.containerregistry.v1"

# 1700000000 s = 2023-11-14T22:13:20Z; 0x6553F100, 7-bit groups from the low
# end 00 62 4f 2a 06, so the varint is 80 e2 cf aa 06 (five bytes).
SECONDS_1700000000 = "80 e2 cf aa 06"
# 123456789 = 0x75BCD15, groups 15 1a 6f 3a: 95 9a ef 3a (four bytes).
NANOS_123456789 = "95 9a ef 3a"
# 2^63 - 1: nine groups of seven 1-bits, the last one 0x7f.
INT64_MAX = "ff ff ff ff ff ff ff ff 7f"

TYPE_URL_SCAN_METADATA = b"type.googleapis.com/" + f"{SCANNER}.ScanMetadata".encode()
TYPE_URL_SCAN_RESULT = b"type.googleapis.com/" + f"{SCANNER}.ScanResult".encode()
TYPE_URL_REQUEST_INFO = b"type.googleapis.com/google.rpc.RequestInfo"


def _hex(*parts: str | bytes) -> bytes:
    """Joins hex strings ("0a 04") and raw bytes (b"crp1") into one payload."""
    return b"".join(bytes.fromhex(p) if isinstance(p, str) else p for p in parts)


# The expected encodings, by case name. Each line is one tag, length or value.
# fmt: off
HAND_DERIVED: dict[str, bytes] = {
    "scan_result_every_field": _hex(
        "0a 04", b"crp1",  # 1 id: (1 << 3 | 2) = 0a, 4 bytes
        "12 04", b"img1",  # 2 image_id: (2 << 3 | 2) = 12
        "1a 0b",  # 3 scanned_at: (3 << 3 | 2) = 1a, 1 + 5 + 1 + 4 = 11 bytes
        "08", SECONDS_1700000000,  # Timestamp.seconds = 1 VARINT: 08
        "10", NANOS_123456789,  # Timestamp.nanos = 2 VARINT: 10
        "20 02",  # 4 status = READY (2): (4 << 3 | 0) = 20
        "2a 0c",  # 5 vulnerabilities: (5 << 3 | 2) = 2a, 6 fields of 2 bytes
        "08 01 10 02 18 03 20 04 28 05 30 06",  # critical=1 ... undefined=6
    ),
    "vulnerability_stats_int64_max": _hex(
        "08", INT64_MAX,  # 1 critical
        "10", INT64_MAX,  # 2 high
        "18", INT64_MAX,  # 3 medium
        "20", INT64_MAX,  # 4 low
        "28", INT64_MAX,  # 5 negligible
        "30", INT64_MAX,  # 6 undefined
    ),
    "vulnerability_stats_negative": _hex(
        # 1 critical = -1: 2^64 - 1, sixty-four 1-bits, ten bytes.
        "08 ff ff ff ff ff ff ff ff ff 01",
        # 2 high = -2^63: only bit 63 set, nine empty groups then 01.
        "10 80 80 80 80 80 80 80 80 80 01",
    ),
    "vulnerability_stats_zeros_omitted": _hex(
        "18 07",  # 3 medium = 7; the five zero counts are not written
    ),
    "scan_result_epoch_timestamp": _hex(
        "1a 00",  # 3 scanned_at, set, holding 0 s and 0 ns: an empty message
    ),
    "scan_result_whole_second": _hex(
        "1a 06", "08", SECONDS_1700000000,  # nanos = 0 is not written
    ),
    "scan_result_milliseconds": _hex(
        "1a 0b", "08", SECONDS_1700000000,
        "10 80 9c 9c 39",  # nanos = 120000000 = 0x7270E00: groups 00 1c 1c 39
    ),
    "scan_result_microseconds": _hex(
        "1a 0b", "08", SECONDS_1700000000,
        "10 80 94 ef 3a",  # nanos = 123456000 = 0x75BCA00: groups 00 14 6f 3a
    ),
    "scan_result_earliest_timestamp": _hex(
        # seconds = -62135596800 (0001-01-01T00:00:00Z), negative: ten bytes.
        "1a 0b", "08 80 92 b8 c3 98 fe ff ff ff 01",
    ),
    "scan_result_latest_timestamp": _hex(
        "1a 0d",  # 1 + 6 + 1 + 5 = 13 bytes
        "08 ff 82 d1 ff af 07",  # seconds = 253402300799 (9999-12-31T23:59:59Z)
        "10 ff 93 eb dc 03",  # nanos = 999999999
    ),
    "scan_result_unknown_status": _hex(
        "20 07",  # 4 status = 7, a value the enum does not name
    ),
    "vulnerability_unknown_severity": _hex(
        "08 09",  # 1 severity = 9
    ),
    "vulnerability_package": _hex(
        "08 02",  # 1 severity = HIGH (2)
        "12 34",  # 2 package (oneof): 12 + 18 + 6 + 6 + 5 + 5 = 52 = 0x34 bytes
        "0a 0a", b"CVE-2024-1",  # 1 name
        "12 10", b"https://x.test/1",  # 2 link, 16 bytes
        "1a 04", b"zlib",  # 3 package
        "22 04", b"dpkg",  # 4 source
        "2a 03", b"1.2",  # 5 version
        "32 03", b"1.3",  # 6 fixed_by
    ),
    "vulnerability_empty_package": _hex(
        "12 00",  # 2 package: a oneof member is written when set, even empty
    ),
    "scan_result_empty": b"",
    "get_scan_result_request_empty": b"",
    "list_scan_results_response_empty": b"",
    "get_scan_result_request": _hex("0a 04", b"crp1"),  # 1 scan_result_id
    "get_last_scan_result_request": _hex("0a 04", b"img1"),  # 1 image_id
    "scan_request": _hex("0a 04", b"img1"),  # 1 image_id
    "list_scan_results_request": _hex(
        "12 04", b"repo",  # 2 repository_id (oneof id)
        "18 e8 07",  # 3 page_size = 1000 = 0x3E8: groups 68 07
        "22 02", b"t1",  # 4 page_token
        "2a 0e", b'status="READY"',  # 5 filter, 14 bytes
        "32 06", b"status",  # 6 order_by
    ),
    "list_scan_results_request_empty_image_id": _hex(
        "0a 00",  # 1 image_id = "": set in the oneof, so written
    ),
    "list_vulnerabilities_request": _hex(
        "0a 04", b"crp1",  # 1 scan_result_id
        "10 32",  # 2 page_size = 50
        "1a 02", b"t2",  # 3 page_token
        "22 0f", b'severity="HIGH"',  # 4 filter, 15 bytes
        "2a 08", b"severity",  # 5 order_by
    ),
    "list_scan_results_response": _hex(
        "0a 05", "0a 01", b"a", "20 02",  # 1 scan_results[0]: id "a", READY
        "0a 05", "0a 01", b"b", "20 01",  # 1 scan_results[1]: id "b", RUNNING
        "12 01", b"n",  # 2 next_page_token
    ),
    "list_vulnerabilities_response": _hex(
        "0a 0b",  # 1 vulnerabilities[0], 2 + 2 + 7 = 11 bytes
        "08 01",  # severity = CRITICAL
        "12 07", "0a 05", b"CVE-1",  # package { name }
    ),
    "operation_done_with_response": _hex(
        "0a 03", b"op1",  # 1 id
        "1a 06", "08", SECONDS_1700000000,  # 3 created_at
        "22 03", b"sa1",  # 4 created_by
        "30 01",  # 6 done = true: (6 << 3 | 0) = 30
        "3a 4c",  # 7 metadata (Any): 2 + 66 + 2 + 6 = 76 = 0x4c bytes
        "0a 42", TYPE_URL_SCAN_METADATA,  # Any.type_url, 66 bytes
        "12 06", "0a 04", b"crp1",  # Any.value: ScanMetadata.scan_result_id
        "4a 4c",  # 9 response (Any): (9 << 3 | 2) = 4a, 2 + 64 + 2 + 8 = 76
        "0a 40", TYPE_URL_SCAN_RESULT,  # Any.type_url, 64 bytes
        "12 08", "0a 04", b"crp1", "20 02",  # Any.value: ScanResult id, READY
    ),
    "operation_failed": _hex(
        "0a 03", b"op2",  # 1 id
        "30 01",  # 6 done = true
        "3a 4c",  # 7 metadata (Any), as above
        "0a 42", TYPE_URL_SCAN_METADATA,
        "12 06", "0a 04", b"crp1",
        "42 43",  # 8 error (google.rpc.Status): 2 + 11 + 2 + 54 = 67 = 0x43
        "08 03",  # Status.code = INVALID_ARGUMENT (3)
        "12 09", b"bad image",  # Status.message
        "1a 34",  # Status.details[0] (Any): 2 + 42 + 2 + 6 = 52 = 0x34 bytes
        "0a 2a", TYPE_URL_REQUEST_INFO,  # 42 bytes
        "12 06", "0a 04", b"req1",  # RequestInfo.request_id
    ),
}
# fmt: on


def _timestamp(message: Any, seconds: int, nanos: int = 0) -> None:
    message.seconds = seconds
    message.nanos = nanos


def _operation_done_with_response() -> Message:
    operation = types.Operation(id="op1", created_by="sa1", done=True)
    _timestamp(operation.created_at, 1700000000)
    operation.metadata.Pack(types.ScanMetadata(scan_result_id="crp1"))
    operation.response.Pack(types.ScanResult(id="crp1", status=types.ScanResult.READY))
    return operation


def _operation_failed() -> Message:
    operation = types.Operation(id="op2", done=True)
    operation.metadata.Pack(types.ScanMetadata(scan_result_id="crp1"))
    operation.error.code = 3
    operation.error.message = "bad image"
    operation.error.details.add().Pack(error_details_pb2.RequestInfo(request_id="req1"))
    return operation


def _scan_result_with_time(seconds: int, nanos: int = 0) -> Message:
    result = types.ScanResult()
    _timestamp(result.scanned_at, seconds, nanos)
    return result


def _scan_result_every_field() -> Message:
    result = types.ScanResult(
        id="crp1",
        image_id="img1",
        status=types.ScanResult.READY,
        vulnerabilities=types.VulnerabilityStats(
            critical=1, high=2, medium=3, low=4, negligible=5, undefined=6
        ),
    )
    _timestamp(result.scanned_at, 1700000000, 123456789)
    return result


_MAX = 2**63 - 1

# How Python builds the message of each case in the vectors file.
BUILDERS: dict[str, Callable[[], Message]] = {
    "scan_result_every_field": _scan_result_every_field,
    "vulnerability_stats_int64_max": lambda: types.VulnerabilityStats(
        critical=_MAX, high=_MAX, medium=_MAX, low=_MAX, negligible=_MAX, undefined=_MAX
    ),
    "vulnerability_stats_negative": lambda: types.VulnerabilityStats(
        critical=-1, high=-(2**63)
    ),
    "vulnerability_stats_zeros_omitted": lambda: types.VulnerabilityStats(
        critical=0, high=0, medium=7
    ),
    "scan_result_epoch_timestamp": lambda: _scan_result_with_time(0),
    "scan_result_whole_second": lambda: _scan_result_with_time(1700000000),
    "scan_result_milliseconds": lambda: _scan_result_with_time(1700000000, 120000000),
    "scan_result_microseconds": lambda: _scan_result_with_time(1700000000, 123456000),
    "scan_result_earliest_timestamp": lambda: _scan_result_with_time(-62135596800),
    "scan_result_latest_timestamp": lambda: _scan_result_with_time(
        253402300799, 999999999
    ),
    "scan_result_unknown_status": lambda: types.ScanResult(status=7),
    "vulnerability_unknown_severity": lambda: types.Vulnerability(severity=9),
    "vulnerability_package": lambda: types.Vulnerability(
        severity=types.Vulnerability.HIGH,
        package=types.PackageVulnerability(
            name="CVE-2024-1",
            link="https://x.test/1",
            package="zlib",
            source="dpkg",
            version="1.2",
            fixed_by="1.3",
        ),
    ),
    "vulnerability_empty_package": lambda: types.Vulnerability(
        package=types.PackageVulnerability()
    ),
    "scan_result_empty": types.ScanResult,
    "get_scan_result_request_empty": types.GetScanResultRequest,
    "list_scan_results_response_empty": types.ListScanResultsResponse,
    "get_scan_result_request": lambda: types.GetScanResultRequest(
        scan_result_id="crp1"
    ),
    "get_last_scan_result_request": lambda: types.GetLastScanResultRequest(
        image_id="img1"
    ),
    "scan_request": lambda: types.ScanRequest(image_id="img1"),
    "list_scan_results_request": lambda: types.ListScanResultsRequest(
        repository_id="repo",
        page_size=1000,
        page_token="t1",
        filter='status="READY"',
        order_by="status",
    ),
    "list_scan_results_request_empty_image_id": lambda: types.ListScanResultsRequest(
        image_id=""
    ),
    "list_vulnerabilities_request": lambda: types.ListVulnerabilitiesRequest(
        scan_result_id="crp1",
        page_size=50,
        page_token="t2",
        filter='severity="HIGH"',
        order_by="severity",
    ),
    "list_scan_results_response": lambda: types.ListScanResultsResponse(
        scan_results=[
            types.ScanResult(id="a", status=types.ScanResult.READY),
            types.ScanResult(id="b", status=types.ScanResult.RUNNING),
        ],
        next_page_token="n",
    ),
    "list_vulnerabilities_response": lambda: types.ListVulnerabilitiesResponse(
        vulnerabilities=[
            types.Vulnerability(
                severity=types.Vulnerability.CRITICAL,
                package=types.PackageVulnerability(name="CVE-1"),
            )
        ]
    ),
    "operation_done_with_response": _operation_done_with_response,
    "operation_failed": _operation_failed,
}

CASES = {case["name"]: case for case in VECTORS["cases"]}
JSON_READER_CASES = {case["name"]: case for case in VECTORS["json_reader_cases"]}
BINARY_READER_CASES = {case["name"]: case for case in VECTORS["binary_reader_cases"]}

# RFC 3339 in UTC with "Z" and 0, 3, 6 or 9 fractional digits.
_RFC3339_UTC = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6}|\.\d{9})?Z$"
)


def _parse_json(
    text: str, name: str, *, ignore_unknown_fields: bool = False
) -> Message:
    return json_format.Parse(
        text,
        message_class(name)(),
        ignore_unknown_fields=ignore_unknown_fields,
        descriptor_pool=POOL,
    )


def _timestamps_in(value: object) -> list[str]:
    """Every string in a JSON value that looks like a timestamp."""
    if isinstance(value, dict):
        return [t for item in value.values() for t in _timestamps_in(item)]
    if isinstance(value, list):
        return [t for item in value for t in _timestamps_in(item)]
    if isinstance(value, str) and re.match(r"^\d{4}-\d\d-\d\dT", value):
        return [value]
    return []


def test_vectors_file_names_every_hand_derived_case() -> None:
    assert set(CASES) == set(HAND_DERIVED) == set(BUILDERS)
    assert len(CASES) == len(VECTORS["cases"]), "case names must be unique"
    assert len(JSON_READER_CASES) == len(VECTORS["json_reader_cases"])
    assert len(BINARY_READER_CASES) == len(VECTORS["binary_reader_cases"])


@pytest.mark.parametrize("name", sorted(HAND_DERIVED))
def test_vectors_file_binary_equals_hand_derivation(name: str) -> None:
    assert bytes.fromhex(CASES[name]["binary_hex"]) == HAND_DERIVED[name]


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_wire_vector_serializes_to_hand_derived_bytes(name: str) -> None:
    message = BUILDERS[name]()
    assert message.DESCRIPTOR.full_name == CASES[name]["message"]
    assert message.SerializeToString() == HAND_DERIVED[name]


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_wire_vector_parses_from_hand_derived_bytes(name: str) -> None:
    parsed = message_class(CASES[name]["message"]).FromString(HAND_DERIVED[name])
    assert parsed == BUILDERS[name]()
    # Nothing was left over as an unknown field.
    assert parsed.SerializeToString() == HAND_DERIVED[name]


@pytest.mark.parametrize("name", sorted(CASES))
def test_wire_vector_json_writer_gives_expected_json(name: str) -> None:
    case = CASES[name]
    message = message_class(case["message"]).FromString(HAND_DERIVED[name])
    written = json_format.MessageToJson(message, descriptor_pool=POOL)
    assert json.loads(written) == case["json"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_wire_vector_json_reader_reads_expected_json(name: str) -> None:
    case = CASES[name]
    parsed = _parse_json(json.dumps(case["json"]), case["message"])
    assert parsed.SerializeToString() == HAND_DERIVED[name]


def test_wire_vector_json_timestamps_are_rfc3339_utc() -> None:
    written = [
        json.loads(
            json_format.MessageToJson(
                message_class(case["message"]).FromString(HAND_DERIVED[name]),
                descriptor_pool=POOL,
            )
        )
        for name, case in CASES.items()
        if name.startswith("scan_result_") or name == "operation_done_with_response"
    ]
    stamps = [stamp for value in written for stamp in _timestamps_in(value)]
    assert "2023-11-14T22:13:20.123456789Z" in stamps
    assert "9999-12-31T23:59:59.999999999Z" in stamps
    assert "0001-01-01T00:00:00Z" in stamps
    assert [s for s in stamps if not _RFC3339_UTC.match(s)] == []


def test_wire_vector_json_writes_int64_as_strings() -> None:
    stats = json.loads(
        json_format.MessageToJson(BUILDERS["vulnerability_stats_int64_max"]())
    )
    assert stats["critical"] == "9223372036854775807"
    assert all(isinstance(value, str) for value in stats.values())


def test_wire_vector_json_writes_camel_case_names() -> None:
    written = json.loads(
        json_format.MessageToJson(BUILDERS["scan_result_every_field"]())
    )
    assert set(written) == {"id", "imageId", "scannedAt", "status", "vulnerabilities"}


def test_wire_vector_unknown_enum_value_survives_binary_round_trip() -> None:
    parsed = types.ScanResult.FromString(HAND_DERIVED["scan_result_unknown_status"])
    assert parsed.status == 7
    assert parsed.SerializeToString() == bytes.fromhex("20 07")
    written = json.loads(json_format.MessageToJson(parsed))
    assert written == {"status": 7}


@pytest.mark.parametrize("name", sorted(JSON_READER_CASES))
def test_wire_vector_json_reader_accepts_lenient_input(name: str) -> None:
    case = JSON_READER_CASES[name]
    parsed = _parse_json(
        case["json_text"],
        case["message"],
        ignore_unknown_fields=case["ignore_unknown_fields"],
    )
    assert parsed.SerializeToString().hex() == case["binary_hex"]


def test_wire_vector_json_reader_refuses_unknown_fields_unless_told() -> None:
    # The cases that need ignore_unknown_fields must fail without it; otherwise
    # the flag would prove nothing.
    needing = [c for c in JSON_READER_CASES.values() if c["ignore_unknown_fields"]]
    assert needing
    for case in needing:
        with pytest.raises(json_format.ParseError):
            _parse_json(case["json_text"], case["message"])


@pytest.mark.parametrize("name", sorted(BINARY_READER_CASES))
def test_wire_vector_binary_reader_accepts_foreign_bytes(name: str) -> None:
    case = BINARY_READER_CASES[name]
    parsed = message_class(case["message"]).FromString(
        bytes.fromhex(case["binary_hex"])
    )
    assert parsed.SerializeToString().hex() == case["canonical_hex"]
    written = json_format.MessageToJson(parsed, descriptor_pool=POOL)
    assert json.loads(written) == case["json"]


def test_wire_vector_binary_reader_keeps_unknown_fields_of_newer_servers() -> None:
    # PackageVulnerability fields 7 and 8 are what a newer service may send.
    case = BINARY_READER_CASES["package_vulnerability_with_newer_fields"]
    parsed = types.PackageVulnerability.FromString(bytes.fromhex(case["binary_hex"]))
    assert parsed.name == "CVE-1"
    assert parsed.SerializeToString().hex() == case["binary_hex"]
