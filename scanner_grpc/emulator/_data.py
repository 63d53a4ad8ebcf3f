"""The scan results that the emulator serves, and how they are loaded.

A data file is a JSON object::

    {
      "scanResults": [<ScanResult in its REST JSON form>, ...],
      "vulnerabilities": {"<scan result id>": [<Vulnerability>, ...], ...},
      "repositories": {"<repository id>": ["<image id>", ...], ...}
    }

``vulnerabilities`` and ``repositories`` are optional. ``repositories`` says
which images belong to a repository, for ``List`` by ``repository_id``; the
scanner's own messages do not carry that link. Records are parsed with
``json_format``, so every spelling that the REST API accepts is accepted, and
unknown fields are refused to catch typos. Each record is also checked for
what the emulator needs to serve it: an id that ``Get`` can ask for, unique,
and an image id.
"""

from __future__ import annotations

import importlib.resources
import json
import os
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

from scanner_grpc._constraints import violations
from scanner_grpc.types import (
    GetLastScanResultRequest,
    GetScanResultRequest,
    ScanResult,
    Vulnerability,
)

__all__ = ["DataSource", "Dataset", "EmulatorDataError", "load_dataset"]

DataSource = str | os.PathLike[str] | Mapping[str, Any] | None
"""A data file's path, its already parsed JSON object, or None for the sample."""

_SAMPLE = "sample_data.json"
_KEYS = ("scanResults", "vulnerabilities", "repositories")


class EmulatorDataError(ValueError):
    """The emulator's data is unusable; the message names the record and field."""


class Dataset:
    """Everything the emulator serves, immutable once loaded."""

    def __init__(
        self,
        scan_results: Sequence[ScanResult],
        vulnerabilities: Mapping[str, Sequence[Vulnerability]],
        repositories: Mapping[str, Sequence[str]],
    ) -> None:
        self.scan_results = tuple(scan_results)
        self.vulnerabilities: Mapping[str, tuple[Vulnerability, ...]] = (
            MappingProxyType(
                {key: tuple(value) for key, value in vulnerabilities.items()}
            )
        )
        self.repositories: Mapping[str, tuple[str, ...]] = MappingProxyType(
            {key: tuple(value) for key, value in repositories.items()}
        )
        self._by_id = {result.id: result for result in self.scan_results}
        images = {result.image_id for result in self.scan_results}
        for image_ids in self.repositories.values():
            images.update(image_ids)
        self._images = frozenset(images)

    def scan_result(self, scan_result_id: str) -> ScanResult | None:
        """The scan result with this id, or None."""
        return self._by_id.get(scan_result_id)

    def knows_image(self, image_id: str) -> bool:
        """Whether the image has a scan result or belongs to a repository."""
        return image_id in self._images


def load_dataset(source: DataSource) -> Dataset:
    """Loads the data the emulator serves.

    Args:
        source: A data file's path, the parsed JSON object of one, or None
            for the bundled sample data.

    Raises:
        EmulatorDataError: The data is unusable; the message names the file,
            the record (index and id) and the field.
    """
    if source is None:
        text = (
            importlib.resources.files(__package__)
            .joinpath(_SAMPLE)
            .read_text(encoding="utf-8")
        )
        return _parse(_decode(text, _SAMPLE), _SAMPLE)
    if isinstance(source, Mapping):
        return _parse(source, "data")
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(
            "data must be a file path, a parsed JSON object (a mapping) or None, "
            f"not {type(source).__name__}"
        )
    name = os.fspath(source)
    try:
        with open(name, encoding="utf-8") as file:
            text = file.read()
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else str(error)
        raise EmulatorDataError(f"{name}: cannot read the file: {reason}") from None
    return _parse(_decode(text, name), name)


def _decode(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise EmulatorDataError(
            f"{name}: not valid JSON at line {error.lineno}, column {error.colno}: "
            f"{error.msg}"
        ) from None


def _parse(document: Any, name: str) -> Dataset:
    if not isinstance(document, Mapping):
        raise EmulatorDataError(f"{name}: the top level must be a JSON object")
    unknown = sorted(set(document) - set(_KEYS))
    if unknown:
        raise EmulatorDataError(
            f"{name}: unknown top-level key {unknown[0]!r}; expected "
            + ", ".join(repr(key) for key in _KEYS)
        )
    if "scanResults" not in document:
        raise EmulatorDataError(f"{name}: the 'scanResults' list is missing")
    results = _scan_results(document["scanResults"], name)
    known = {result.id for result in results}
    vulnerabilities = _vulnerabilities(document.get("vulnerabilities", {}), known, name)
    repositories = _repositories(document.get("repositories", {}), name)
    return Dataset(results, vulnerabilities, repositories)


def _scan_results(records: Any, name: str) -> tuple[ScanResult, ...]:
    if not isinstance(records, list):
        raise EmulatorDataError(f"{name}: 'scanResults' must be a list")
    results: list[ScanResult] = []
    seen: dict[str, int] = {}
    for index, record in enumerate(records):
        where = f"{name}: scanResults[{index}]"
        if isinstance(record, Mapping) and isinstance(record.get("id"), str):
            where += f" (id {record['id']!r})"
        result = ScanResult()
        _parse_message(record, result, where)
        # A record must be reachable: Get and GetLast ask by these ids, under
        # the limits that the protos set.
        if not result.id:
            raise EmulatorDataError(f"{where}: field 'id' is missing or empty")
        _check_request(GetScanResultRequest(scan_result_id=result.id), where, "id")
        if not result.image_id:
            raise EmulatorDataError(f"{where}: field 'imageId' is missing or empty")
        _check_request(
            GetLastScanResultRequest(image_id=result.image_id), where, "imageId"
        )
        if result.id in seen:
            raise EmulatorDataError(
                f"{where}: field 'id' repeats the id of scanResults[{seen[result.id]}]"
            )
        seen[result.id] = index
        results.append(result)
    return tuple(results)


def _vulnerabilities(
    table: Any, known: set[str], name: str
) -> dict[str, tuple[Vulnerability, ...]]:
    if not isinstance(table, Mapping):
        raise EmulatorDataError(
            f"{name}: 'vulnerabilities' must be an object mapping a scan result id "
            "to a list"
        )
    found: dict[str, tuple[Vulnerability, ...]] = {}
    for scan_result_id, records in table.items():
        where = f"{name}: vulnerabilities[{scan_result_id!r}]"
        if scan_result_id not in known:
            raise EmulatorDataError(f"{where}: no scan result has this id")
        if not isinstance(records, list):
            raise EmulatorDataError(f"{where}: must be a list of vulnerabilities")
        parsed: list[Vulnerability] = []
        for index, record in enumerate(records):
            vulnerability = Vulnerability()
            _parse_message(record, vulnerability, f"{where}[{index}]")
            for oneof in vulnerability.DESCRIPTOR.oneofs:
                if vulnerability.WhichOneof(oneof.name) is None:
                    members = " or ".join(
                        repr(field.json_name) for field in oneof.fields
                    )
                    raise EmulatorDataError(
                        f"{where}[{index}]: one of {members} must be set"
                    )
            parsed.append(vulnerability)
        found[scan_result_id] = tuple(parsed)
    return found


def _repositories(table: Any, name: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(table, Mapping):
        raise EmulatorDataError(
            f"{name}: 'repositories' must be an object mapping a repository id to "
            "a list of image ids"
        )
    found: dict[str, tuple[str, ...]] = {}
    for repository_id, image_ids in table.items():
        if not isinstance(image_ids, list) or not all(
            isinstance(image_id, str) and image_id for image_id in image_ids
        ):
            raise EmulatorDataError(
                f"{name}: repositories[{repository_id!r}] must be a list of "
                "non-empty image id strings"
            )
        found[repository_id] = tuple(image_ids)
    return found


def _parse_message(record: Any, message: Message, where: str) -> None:
    if not isinstance(record, Mapping):
        raise EmulatorDataError(f"{where}: must be a JSON object")
    try:
        json_format.ParseDict(dict(record), message)
    except json_format.ParseError as error:
        raise EmulatorDataError(f"{where}: {_tidy(str(error))}") from None


def _check_request(request: Message, where: str, json_name: str) -> None:
    for violation in violations(request):
        raise EmulatorDataError(
            f"{where}: field {json_name!r} cannot be requested: {violation.description}"
        )


def _tidy(message: str) -> str:
    # json_format's messages run over several lines and end in doubled dots.
    first_line = message.splitlines()[0] if message else "malformed record"
    return first_line.rstrip(".")
