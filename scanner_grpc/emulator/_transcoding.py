"""HTTP/JSON to request message, by a method's ``google.api.http`` binding.

The path variables, the query parameters and the body fill the request as
``google/api/http.proto`` describes: a path variable sets the field it
names; each query parameter sets a field that neither the path nor the body
fills, by its proto name or its JSON name, with dots for nested fields and
one parameter per element of a repeated field; the body fills the field that
the binding names, or the whole request for ``*``. Values are parsed by the
type of the field they set, strictly: an integer must be written in decimal
and fit the field, an enum is a value name or number, a bool is ``true`` or
``false``. Anything else is ``INVALID_ARGUMENT`` naming the parameter.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any, cast

from google.protobuf import descriptor, json_format, message_factory
from google.protobuf.message import Message

from scanner_grpc._http_rules import HttpBinding
from scanner_grpc.emulator._status import RpcFailure, invalid_argument

__all__ = ["MAX_QUERY_PARAMETERS", "decode_request"]

MAX_QUERY_PARAMETERS = 100
"""The most query parameters a request may carry."""

_FD = descriptor.FieldDescriptor
_INTEGER = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_MALFORMED_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_INTEGER_RANGES = {
    _FD.CPPTYPE_INT32: (-(2**31), 2**31 - 1),
    _FD.CPPTYPE_INT64: (-(2**63), 2**63 - 1),
    _FD.CPPTYPE_UINT32: (0, 2**32 - 1),
    _FD.CPPTYPE_UINT64: (0, 2**64 - 1),
}
_SPECIAL_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def decode_request(
    binding: HttpBinding, path_values: Mapping[str, str], query: str, body: bytes
) -> Message:
    """Builds the request message of ``binding`` from an HTTP request.

    Args:
        binding: The matched binding.
        path_values: The decoded path variables, by field path.
        query: The raw query string, without the ``?``.
        body: The request body.

    Raises:
        RpcFailure: ``INVALID_ARGUMENT`` naming the parameter or the problem.
    """
    request = message_factory.GetMessageClass(binding.method.input_type)()

    # 1. The body, when the binding takes one.
    if binding.body:
        target = request if binding.body == "*" else getattr(request, binding.body)
        _parse_body(body, target)
    elif body:
        raise invalid_argument(
            f"{binding.http_method} {binding.template.text} takes no request body"
        )

    # 2. The path variables.
    for field_path, value in path_values.items():
        _assign(request, field_path, value, parameter=field_path, what="path value")

    # 3. The query parameters.
    allowed = {field.name for field in binding.query_fields()}
    seen: set[str] = set()
    for name, value in _query_pairs(query):
        field_path, field = _field_path(binding.method.input_type, name, allowed)
        if not field.is_repeated and field_path in seen:
            raise invalid_argument(
                f"Query parameter {name!r} is given more than once",
                [(name, "given more than once")],
            )
        seen.add(field_path)
        _assign(request, field_path, value, parameter=name, what="query parameter")
    return request


def _parse_body(body: bytes, target: Message) -> None:
    if not body.strip():
        return
    try:
        json_format.Parse(body.decode("utf-8"), target)
    except (UnicodeDecodeError, json_format.ParseError) as error:
        reason = str(error).splitlines()[0].rstrip(".")
        raise invalid_argument(f"The request body is not valid: {reason}") from None


def _query_pairs(query: str) -> list[tuple[str, str]]:
    if not query:
        return []
    if _MALFORMED_ESCAPE.search(query):
        raise invalid_argument("The query string holds malformed percent-encoding")
    try:
        return urllib.parse.parse_qsl(
            query,
            keep_blank_values=True,
            strict_parsing=True,
            errors="strict",
            max_num_fields=MAX_QUERY_PARAMETERS,
        )
    except UnicodeDecodeError:
        raise invalid_argument("The query string does not decode as UTF-8") from None
    except ValueError as error:
        if "Max number of fields" in str(error):
            reason = f"more than {MAX_QUERY_PARAMETERS} query parameters"
        else:
            reason = "every parameter must read name=value, joined by '&'"
        raise invalid_argument(f"The query string is malformed: {reason}") from None


def _field_path(
    message_type: descriptor.Descriptor, name: str, allowed: set[str]
) -> tuple[str, descriptor.FieldDescriptor]:
    """Resolves a query parameter's name to a proto field path and its last field.

    Each dotted part may be the proto name or the JSON name of a field.
    """
    names: list[str] = []
    current: descriptor.Descriptor | None = message_type
    field: descriptor.FieldDescriptor | None = None
    through_list = False
    for part in name.split("."):
        field = _find_field(current, part) if current is not None else None
        if field is None or (not names and field.name not in allowed):
            bound = field is not None and not names
            raise invalid_argument(
                f"Query parameter {name!r} "
                + ("is set by the path or the body" if bound else "is not known"),
                [(name, "set by the path or the body" if bound else "unknown")],
            )
        if through_list:
            raise invalid_argument(
                f"Query parameter {name!r} reaches into a list of messages, "
                "which the URL cannot carry",
                [(name, "cannot be set in the URL")],
            )
        names.append(field.name)
        through_list = field.is_repeated
        current = field.message_type
    if field is None:
        raise invalid_argument(f"Query parameter {name!r} is not known")
    return ".".join(names), field


def _find_field(
    message_type: descriptor.Descriptor, name: str
) -> descriptor.FieldDescriptor | None:
    field = message_type.fields_by_name.get(name)
    if field is None:
        field = next((f for f in message_type.fields if f.json_name == name), None)
    return field


def _assign(
    request: Message, field_path: str, text: str, *, parameter: str, what: str
) -> None:
    *parents, last = field_path.split(".")
    holder = request
    for name in parents:
        holder = getattr(holder, name)
    field = cast(descriptor.FieldDescriptor, holder.DESCRIPTOR.fields_by_name[last])
    if field.is_repeated and field.message_type is not None:
        raise invalid_argument(
            f"{what.capitalize()} {parameter!r} sets a list of messages, "
            "which the URL cannot carry",
            [(parameter, "cannot be set in the URL")],
        )
    if field.message_type is not None:
        _assign_message(getattr(holder, last), text, parameter, what)
        return
    value = _scalar(field, text, parameter, what)
    if field.is_repeated:
        getattr(holder, last).append(value)
        return
    oneof = field.containing_oneof
    if oneof is not None:
        chosen = holder.WhichOneof(oneof.name)
        if chosen is not None and chosen != last:
            raise invalid_argument(
                f"{chosen} and {last} cannot both be set; they are alternatives",
                [(oneof.name, f"both {chosen} and {last} are set")],
            )
    setattr(holder, last, value)


def _assign_message(target: Message, text: str, parameter: str, what: str) -> None:
    # Well-known types (Timestamp, Duration, FieldMask, wrappers) have a JSON
    # string form; other messages are set field by field with dotted names.
    if not target.DESCRIPTOR.full_name.startswith("google.protobuf."):
        raise invalid_argument(
            f"{what.capitalize()} {parameter!r} names a message; set its fields "
            f"as {parameter}.<field>",
            [(parameter, "names a message")],
        )
    try:
        json_format.Parse(json.dumps(text), target)
    except json_format.ParseError:
        raise _bad_value(parameter, what, text, target.DESCRIPTOR.name) from None


def _scalar(
    field: descriptor.FieldDescriptor, text: str, parameter: str, what: str
) -> Any:
    parse = _PARSERS[field.cpp_type]
    try:
        return parse(field, text)
    except ValueError as error:
        raise _bad_value(parameter, what, text, str(error)) from None


def _parse_integer(field: descriptor.FieldDescriptor, text: str) -> int:
    low, high = _INTEGER_RANGES[field.cpp_type]
    if not _INTEGER.fullmatch(text):
        raise ValueError("an integer")
    value = int(text)
    if not low <= value <= high:
        raise ValueError(f"an integer from {low} to {high}")
    return value


def _parse_float(field: descriptor.FieldDescriptor, text: str) -> float:
    if text in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[text]
    if not _FLOAT.fullmatch(text):
        raise ValueError("a number")
    return float(text)


def _parse_bool(field: descriptor.FieldDescriptor, text: str) -> bool:
    if text not in ("true", "false"):
        raise ValueError("true or false")
    return text == "true"


def _parse_enum(field: descriptor.FieldDescriptor, text: str) -> int:
    enum_type = field.enum_type
    if enum_type is None:
        raise ValueError("an enum value")
    by_name = enum_type.values_by_name.get(text)
    if by_name is not None:
        number: int = by_name.number
        return number
    if _INTEGER.fullmatch(text) and int(text) in enum_type.values_by_number:
        return int(text)
    raise ValueError("one of " + ", ".join(enum_type.values_by_name))


def _parse_string(field: descriptor.FieldDescriptor, text: str) -> str | bytes:
    if field.type != _FD.TYPE_BYTES:
        return text
    try:
        padded = text + "=" * (-len(text) % 4)
        return base64.b64decode(
            padded.replace("-", "+").replace("_", "/"), validate=True
        )
    except (binascii.Error, ValueError):
        raise ValueError("base64-encoded bytes") from None


_PARSERS: Mapping[int, Callable[[descriptor.FieldDescriptor, str], Any]] = {
    _FD.CPPTYPE_INT32: _parse_integer,
    _FD.CPPTYPE_INT64: _parse_integer,
    _FD.CPPTYPE_UINT32: _parse_integer,
    _FD.CPPTYPE_UINT64: _parse_integer,
    _FD.CPPTYPE_FLOAT: _parse_float,
    _FD.CPPTYPE_DOUBLE: _parse_float,
    _FD.CPPTYPE_BOOL: _parse_bool,
    _FD.CPPTYPE_ENUM: _parse_enum,
    _FD.CPPTYPE_STRING: _parse_string,
}


def _bad_value(parameter: str, what: str, text: str, expected: str) -> RpcFailure:
    shown = text if len(text) <= 40 else text[:40] + "..."
    return invalid_argument(
        f"{what.capitalize()} {parameter!r} must be {expected}, not {shown!r}",
        [(parameter, f"must be {expected}")],
    )
