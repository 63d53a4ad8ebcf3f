"""``scanner_grpc._constraints``: the limits in the protos, and their enforcement.

The table below restates the reference's limits, so that these tests catch a
proto that states a wrong limit as well as a check that enforces it wrongly.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from google.protobuf.message import Message

from scanner_grpc import types
from scanner_grpc._constraints import Violation, violations
from scanner_grpc._descriptors import POOL, options_of
from scanner_grpc._generated.scannergrpc.constraints.v1 import constraints_pb2
from scanner_grpc._generated.yandex.cloud.containerregistry.v1 import (
    scanner_pb2,
    scanner_service_pb2,
)
from scanner_grpc._generated.yandex.cloud.operation import (
    operation_pb2,
    operation_service_pb2,
)

# (message, field) -> the constraint options the reference calls for.
FIELD_LIMITS: dict[tuple[str, str], dict[str, Any]] = {
    ("ScanRequest", "image_id"): {"required": True, "max_length": 50},
    ("GetScanResultRequest", "scan_result_id"): {"required": True, "max_length": 50},
    ("GetLastScanResultRequest", "image_id"): {"max_length": 50},
    ("ListScanResultsRequest", "image_id"): {"max_length": 50},
    ("ListScanResultsRequest", "repository_id"): {"max_length": 50},
    ("ListScanResultsRequest", "page_size"): {"min_value": 0, "max_value": 1000},
    ("ListScanResultsRequest", "page_token"): {"max_length": 100},
    ("ListScanResultsRequest", "filter"): {"max_length": 1000},
    ("ListScanResultsRequest", "order_by"): {"max_length": 100},
    ("ListVulnerabilitiesRequest", "scan_result_id"): {
        "required": True,
        "max_length": 50,
    },
    ("ListVulnerabilitiesRequest", "page_size"): {"min_value": 0, "max_value": 1000},
    ("ListVulnerabilitiesRequest", "page_token"): {"max_length": 100},
    ("ListVulnerabilitiesRequest", "filter"): {"max_length": 1000},
    ("ListVulnerabilitiesRequest", "order_by"): {"max_length": 100},
    ("GetOperationRequest", "operation_id"): {"required": True},
    ("CancelOperationRequest", "operation_id"): {"required": True},
}
EXACTLY_ONE = {("ListScanResultsRequest", "id")}

_FILES = [
    scanner_pb2.DESCRIPTOR,
    scanner_service_pb2.DESCRIPTOR,
    operation_pb2.DESCRIPTOR,
    operation_service_pb2.DESCRIPTOR,
]


def _class(name: str) -> type[Message]:
    found = getattr(types, name, None) or getattr(operation_service_pb2, name)
    assert isinstance(found, type)
    return found


# A valid request of each kind, to break one field at a time.
VALID: dict[str, dict[str, Any]] = {
    "ScanRequest": {"image_id": "img1"},
    "GetScanResultRequest": {"scan_result_id": "crp1"},
    "GetLastScanResultRequest": {"image_id": "img1"},
    "ListScanResultsRequest": {"image_id": "img1"},
    "ListVulnerabilitiesRequest": {"scan_result_id": "crp1"},
    "GetOperationRequest": {"operation_id": "op1"},
    "CancelOperationRequest": {"operation_id": "op1"},
}

STRING_LIMITS = sorted(
    (message, field, limits["max_length"])
    for (message, field), limits in FIELD_LIMITS.items()
    if "max_length" in limits
)
REQUIRED = sorted(key for key, limits in FIELD_LIMITS.items() if limits.get("required"))
RANGES = sorted(
    (message, field, limits["min_value"], limits["max_value"])
    for (message, field), limits in FIELD_LIMITS.items()
    if "min_value" in limits
)


def _with(message: str, **fields: Any) -> Message:
    return _class(message)(**{**VALID[message], **fields})


def _declared() -> tuple[dict[tuple[str, str], dict[str, Any]], set[tuple[str, str]]]:
    """Every constraint option that our protos carry."""
    fields: dict[tuple[str, str], dict[str, Any]] = {}
    oneofs: set[tuple[str, str]] = set()
    for file in _FILES:
        for message in file.message_types_by_name.values():
            for field in message.fields:
                options = options_of(field)
                if options.HasExtension(constraints_pb2.field):
                    limits = options.Extensions[constraints_pb2.field]
                    fields[message.name, field.name] = {
                        descriptor.name: value
                        for descriptor, value in limits.ListFields()
                    }
            for oneof in message.oneofs:
                options = options_of(oneof)
                if options.Extensions[constraints_pb2.oneof].exactly_one:
                    oneofs.add((message.name, oneof.name))
    return fields, oneofs


def test_constraints_protos_state_the_reference_limits() -> None:
    fields, oneofs = _declared()
    assert fields == FIELD_LIMITS
    assert oneofs == EXACTLY_ONE


@pytest.mark.parametrize("message", sorted(VALID))
def test_constraints_valid_requests_pass(message: str) -> None:
    assert violations(_with(message)) == []


@pytest.mark.parametrize(("message", "field"), REQUIRED)
def test_constraints_required_field_missing(message: str, field: str) -> None:
    request = _with(message)
    request.ClearField(field)
    assert violations(request) == [Violation(field, f"{field} is required")]


@pytest.mark.parametrize(("message", "field", "limit"), STRING_LIMITS)
@pytest.mark.parametrize(
    "character",
    [
        "a",
        "я",  # two bytes in UTF-8: the limit counts characters, not bytes
        "\U0001f600",  # four bytes in UTF-8, two UTF-16 units: still one
    ],
)
def test_constraints_max_length_counts_code_points(
    message: str, field: str, limit: int, character: str
) -> None:
    assert violations(_with(message, **{field: character * limit})) == []
    too_long = violations(_with(message, **{field: character * (limit + 1)}))
    assert too_long == [
        Violation(
            field,
            f"{field} is {limit + 1} characters long; at most {limit} are allowed",
        )
    ]


@pytest.mark.parametrize(("message", "field", "least", "most"), RANGES)
def test_constraints_page_size_bounds(
    message: str, field: str, least: int, most: int
) -> None:
    for good in (least, least + 1, 100, most):
        assert violations(_with(message, **{field: good})) == [], good
    assert violations(_with(message, **{field: least - 1})) == [
        Violation(field, f"{field} is {least - 1}; the least allowed is {least}")
    ]
    assert violations(_with(message, **{field: most + 1})) == [
        Violation(field, f"{field} is {most + 1}; the most allowed is {most}")
    ]
    for extreme in (-(2**63), 2**63 - 1):
        assert [v.field for v in violations(_with(message, **{field: extreme}))] == [
            field
        ]


def test_constraints_exactly_one_of_the_oneof() -> None:
    assert violations(types.ListScanResultsRequest()) == [
        Violation("id", "exactly one of image_id or repository_id must be set")
    ]
    assert violations(types.ListScanResultsRequest(image_id="img1")) == []
    assert violations(types.ListScanResultsRequest(repository_id="repo1")) == []
    # Setting the other member replaces the first: there is never two.
    request = types.ListScanResultsRequest(image_id="img1")
    request.repository_id = "repo1"
    assert request.WhichOneof("id") == "repository_id"
    assert violations(request) == []


def test_constraints_unset_oneof_member_is_not_length_checked() -> None:
    request = types.ListScanResultsRequest(repository_id="r" * 50)
    assert violations(request) == []
    request.image_id = "i" * 51
    assert [v.field for v in violations(request)] == ["image_id"]


def test_constraints_every_violation_is_reported_at_once() -> None:
    request = types.ListScanResultsRequest(
        page_size=-1, page_token="t" * 101, filter="f" * 1001, order_by="o" * 101
    )
    assert sorted(v.field for v in violations(request)) == [
        "filter",
        "id",
        "order_by",
        "page_size",
        "page_token",
    ]


@pytest.mark.parametrize(
    "message",
    [
        types.ScanResult(),
        types.Vulnerability(),
        types.ListScanResultsResponse(),
        types.Operation(),
        types.ScanMetadata(),
    ],
)
def test_constraints_unconstrained_messages_never_violate(message: Message) -> None:
    assert violations(message) == []


def test_constraints_violation_is_frozen() -> None:
    violation = Violation("scan_result_id", "scan_result_id is required")
    with pytest.raises(dataclasses.FrozenInstanceError):
        violation.field = "other"  # type: ignore[misc]


def test_constraints_options_resolve_in_the_private_pool() -> None:
    field = types.GetScanResultRequest.DESCRIPTOR.fields_by_name["scan_result_id"]
    options = options_of(field)
    assert options.DESCRIPTOR.file.pool is POOL
    assert options.Extensions[constraints_pb2.field].max_length == 50
