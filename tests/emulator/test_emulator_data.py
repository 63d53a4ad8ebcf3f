"""The emulator's data: the bundled sample, data files, and bad data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from emulator_helpers import SCANS, rest, stub

from scanner_grpc.emulator import Emulator, EmulatorDataError
from scanner_grpc.emulator._data import load_dataset
from scanner_grpc.types import GetScanResultRequest, ScanResult

GOOD_RECORD = {
    "id": "chemine0000000000001",
    "imageId": "crpmine000000000001",
    "scannedAt": "2024-01-02T03:04:05.000000006+03:00",
    "status": "READY",
    "vulnerabilities": {"high": 7, "low": "3"},
}
GOOD_VULNERABILITY = {
    "severity": "HIGH",
    "package": {"name": "CVE-2024-0001", "package": "zlib", "source": "dpkg"},
}


def _document(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "scanResults": [GOOD_RECORD],
        "vulnerabilities": {GOOD_RECORD["id"]: [GOOD_VULNERABILITY]},
    }
    document.update(changes)
    return document


def test_data_sample_has_every_status_and_extreme_values() -> None:
    data = load_dataset(None)

    statuses = {result.status for result in data.scan_results}
    assert statuses == set(ScanResult.Status.values())
    assert len({result.image_id for result in data.scan_results}) >= 4
    counts = [result.vulnerabilities.critical for result in data.scan_results]
    assert max(counts) == 2**63 - 1
    assert any(result.scanned_at.nanos % 1000 for result in data.scan_results)
    assert data.repositories
    assert sum(len(found) for found in data.vulnerabilities.values()) >= 9


def test_data_sample_counts_match_the_listed_vulnerabilities() -> None:
    data = load_dataset(None)

    for scan_result_id, listed in data.vulnerabilities.items():
        stats = data.scan_result(scan_result_id)
        assert stats is not None
        total = sum(
            getattr(stats.vulnerabilities, field.name)
            for field in stats.vulnerabilities.DESCRIPTOR.fields
        )
        assert total == len(listed), scan_result_id


def test_data_file_is_served(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_text(json.dumps(_document()), encoding="utf-8")

    with Emulator(data=path) as running:
        with stub(running) as scanner:
            over_grpc = scanner.Get(
                GetScanResultRequest(scan_result_id=GOOD_RECORD["id"])
            )
        reply = rest(running, "GET", f"{SCANS}/{GOOD_RECORD['id']}")

    assert over_grpc.vulnerabilities.high == 7
    assert over_grpc.scanned_at.ToJsonString() == "2024-01-02T00:04:05.000000006Z"
    assert reply.json()["scannedAt"] == "2024-01-02T00:04:05.000000006Z"
    assert len(running.vulnerabilities[GOOD_RECORD["id"]]) == 1


def test_data_can_be_given_as_a_parsed_object() -> None:
    emulator = Emulator(data=_document(vulnerabilities={}))

    assert [result.id for result in emulator.scan_results] == [GOOD_RECORD["id"]]
    assert dict(emulator.vulnerabilities) == {}


@pytest.mark.parametrize(
    ("document", "fragments"),
    [
        ({}, ["'scanResults' list is missing"]),
        (_document(scanResult=[]), ["unknown top-level key 'scanResult'"]),
        (_document(scanResults={}), ["'scanResults' must be a list"]),
        (_document(scanResults=["x"]), ["scanResults[0]", "must be a JSON object"]),
        (
            _document(scanResults=[GOOD_RECORD, {**GOOD_RECORD, "id": "b", "x": 1}]),
            ["scanResults[1] (id 'b')", '"x"'],
        ),
        (
            _document(scanResults=[{**GOOD_RECORD, "status": "DONE"}]),
            ["scanResults[0] (id 'chemine0000000000001')", "status", "DONE"],
        ),
        (
            _document(
                scanResults=[
                    {**GOOD_RECORD, "vulnerabilities": {"low": "9223372036854775808"}}
                ]
            ),
            ["scanResults[0]", "low"],
        ),
        (
            _document(scanResults=[{**GOOD_RECORD, "scannedAt": "yesterday"}]),
            ["scanResults[0]", "scannedAt"],
        ),
        (
            _document(scanResults=[{**GOOD_RECORD, "id": ""}]),
            ["scanResults[0]", "'id' is missing or empty"],
        ),
        (
            _document(scanResults=[{**GOOD_RECORD, "id": "x" * 51}]),
            ["scanResults[0]", "'id' cannot be requested", "at most 50"],
        ),
        (
            _document(scanResults=[{**GOOD_RECORD, "imageId": ""}]),
            ["scanResults[0]", "'imageId' is missing or empty"],
        ),
        (
            _document(scanResults=[GOOD_RECORD, GOOD_RECORD]),
            ["scanResults[1]", "repeats the id of scanResults[0]"],
        ),
        (
            _document(vulnerabilities={"nosuchid": []}),
            ["vulnerabilities['nosuchid']", "no scan result has this id"],
        ),
        (
            _document(vulnerabilities={GOOD_RECORD["id"]: {}}),
            ["must be a list of vulnerabilities"],
        ),
        (
            _document(vulnerabilities={GOOD_RECORD["id"]: [{"severity": "HIGH"}]}),
            [f"vulnerabilities['{GOOD_RECORD['id']}'][0]", "'package' must be set"],
        ),
        (
            _document(
                vulnerabilities={
                    GOOD_RECORD["id"]: [GOOD_VULNERABILITY, {"severity": "SEVERE"}]
                }
            ),
            ["[1]", "severity", "SEVERE"],
        ),
        (_document(repositories={"r": "crpmine"}), ["repositories['r']"]),
        (_document(repositories=[]), ["'repositories' must be an object"]),
    ],
)
def test_data_problems_name_the_record_and_the_field(
    document: Any, fragments: list[str]
) -> None:
    with pytest.raises(EmulatorDataError) as caught:
        Emulator(data=document)

    message = str(caught.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message


def test_data_file_holding_a_list_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text("[]", encoding="utf-8")

    with pytest.raises(EmulatorDataError, match="top level must be a JSON object"):
        Emulator(data=path)


def test_data_of_another_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="not list"):
        Emulator(data=[])  # type: ignore[arg-type]


def test_data_file_that_is_not_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"scanResults": [\n  {"id": }\n]}', encoding="utf-8")

    with pytest.raises(
        EmulatorDataError, match=r"broken\.json: not valid JSON at line 2"
    ):
        load_dataset(path)


def test_data_file_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    path = tmp_path / "missing.json"

    with pytest.raises(EmulatorDataError, match=r"missing\.json: cannot read the file"):
        load_dataset(str(path))


def test_data_error_is_a_value_error() -> None:
    assert issubclass(EmulatorDataError, ValueError)
