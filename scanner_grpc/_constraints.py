"""Request validation driven by the constraints written in the protos.

The protos mark fields with ``(scannergrpc.constraints.v1.field)`` and oneofs
with ``(scannergrpc.constraints.v1.oneof)``. This module reads those options
from the descriptors, once per message type, and checks messages against
them. The client runs the check before it sends anything and the emulator
runs it on everything it receives, so both agree with the protos by
construction and no limit is repeated in Python.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from google.protobuf import descriptor
from google.protobuf.message import Message

from scanner_grpc._descriptors import options_of
from scanner_grpc._generated.scannergrpc.constraints.v1 import constraints_pb2

# The generated stubs type extensions as plain field descriptors.
_FIELD_LIMITS: Any = constraints_pb2.field
_ONEOF_LIMITS: Any = constraints_pb2.oneof

__all__ = ["Violation", "violations"]


@dataclass(frozen=True)
class Violation:
    """One way in which a message breaks its constraints."""

    field: str
    """The proto name of the offending field (or oneof)."""

    description: str
    """What is wrong, in a sentence that can be shown to a user."""


_Check = Callable[[Message], Iterator[Violation]]


def violations(message: Message) -> list[Violation]:
    """Lists every constraint that ``message`` breaks; empty when it is valid."""
    return [found for check in _checks(message.DESCRIPTOR) for found in check(message)]


@functools.cache
def _checks(message_type: descriptor.Descriptor) -> tuple[_Check, ...]:
    checks: list[_Check] = []
    for field in message_type.fields:
        options = options_of(field)
        if options.HasExtension(_FIELD_LIMITS):
            limits: constraints_pb2.FieldConstraints = options.Extensions[_FIELD_LIMITS]
            checks.append(_field_check(field, limits))
    for oneof in message_type.oneofs:
        options = options_of(oneof)
        if (
            options.HasExtension(_ONEOF_LIMITS)
            and options.Extensions[_ONEOF_LIMITS].exactly_one
        ):
            checks.append(_exactly_one_check(oneof))
    return tuple(checks)


def _field_check(
    field: descriptor.FieldDescriptor, limits: constraints_pb2.FieldConstraints
) -> _Check:
    name = field.name
    in_oneof = field.containing_oneof is not None

    def check(message: Message) -> Iterator[Violation]:
        # A oneof member that is not the chosen one has nothing to check.
        if in_oneof and not message.HasField(name):
            return
        value = getattr(message, name)
        if limits.required and _is_empty(field, message, value):
            yield Violation(name, f"{name} is required")
            return
        if isinstance(value, str):
            yield from _length_violations(name, value, limits)
        elif isinstance(value, int) and not isinstance(value, bool):
            yield from _range_violations(name, value, limits)

    return check


def _is_empty(
    field: descriptor.FieldDescriptor, message: Message, value: object
) -> bool:
    if field.message_type is not None and not field.is_repeated:
        return not message.HasField(field.name)
    return not bool(value)


def _length_violations(
    name: str, value: str, limits: constraints_pb2.FieldConstraints
) -> Iterator[Violation]:
    length = len(value)
    if limits.HasField("max_length") and length > limits.max_length:
        yield Violation(
            name,
            f"{name} is {length} characters long; at most {limits.max_length} "
            "are allowed",
        )
    if limits.HasField("min_length") and 0 < length < limits.min_length:
        yield Violation(
            name,
            f"{name} is {length} characters long; at least {limits.min_length} "
            "are required",
        )


def _range_violations(
    name: str, value: int, limits: constraints_pb2.FieldConstraints
) -> Iterator[Violation]:
    if limits.HasField("min_value") and value < limits.min_value:
        yield Violation(
            name, f"{name} is {value}; the least allowed is {limits.min_value}"
        )
    if limits.HasField("max_value") and value > limits.max_value:
        yield Violation(
            name, f"{name} is {value}; the most allowed is {limits.max_value}"
        )


def _exactly_one_check(oneof: descriptor.OneofDescriptor) -> _Check:
    members = " or ".join(field.name for field in oneof.fields)

    def check(message: Message) -> Iterator[Violation]:
        if message.WhichOneof(oneof.name) is None:
            yield Violation(oneof.name, f"exactly one of {members} must be set")

    return check
