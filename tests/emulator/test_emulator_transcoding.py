"""HTTP to request message, on a message with every kind of field.

The scanner's requests hold only strings and int64s, so this test builds a
descriptor of its own, with enums, repeated fields, nested messages, a
oneof and a well-known type, to check the gateway's generic decoding.
"""

from __future__ import annotations

import math

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, timestamp_pb2
from google.protobuf.message import Message
from google.rpc import code_pb2, error_details_pb2

from scanner_grpc._http_rules import HttpBinding, PathTemplate
from scanner_grpc.emulator._status import RpcFailure
from scanner_grpc.emulator._transcoding import decode_request

_F = descriptor_pb2.FieldDescriptorProto


def _binding(body: str = "") -> HttpBinding:
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(timestamp_pb2.DESCRIPTOR.serialized_pb)
    file = descriptor_pb2.FileDescriptorProto(
        name="demo/v1/demo.proto",
        package="demo.v1",
        syntax="proto3",
        dependency=["google/protobuf/timestamp.proto"],
    )
    file.enum_type.add(name="Color").value.extend(
        [
            descriptor_pb2.EnumValueDescriptorProto(name="COLOR_UNSPECIFIED", number=0),
            descriptor_pb2.EnumValueDescriptorProto(name="RED", number=1),
            descriptor_pb2.EnumValueDescriptorProto(name="GREEN", number=2),
        ]
    )
    inner = file.message_type.add(name="Inner")
    inner.field.add(name="note", number=1, type=_F.TYPE_STRING, json_name="note")
    inner.field.add(name="big", number=2, type=_F.TYPE_INT64, json_name="big")
    request = file.message_type.add(name="Request")
    request.oneof_decl.add(name="choice")
    fields = [
        ("name", _F.TYPE_STRING, None, False),
        ("count", _F.TYPE_INT64, None, False),
        ("small", _F.TYPE_INT32, None, False),
        ("unsigned", _F.TYPE_UINT32, None, False),
        ("flag", _F.TYPE_BOOL, None, False),
        ("ratio", _F.TYPE_DOUBLE, None, False),
        ("blob", _F.TYPE_BYTES, None, False),
        ("color", _F.TYPE_ENUM, ".demo.v1.Color", False),
        ("tags", _F.TYPE_STRING, None, True),
        ("colors", _F.TYPE_ENUM, ".demo.v1.Color", True),
        ("inner", _F.TYPE_MESSAGE, ".demo.v1.Inner", False),
        ("at", _F.TYPE_MESSAGE, ".google.protobuf.Timestamp", False),
        ("inners", _F.TYPE_MESSAGE, ".demo.v1.Inner", True),
        ("page_size", _F.TYPE_INT64, None, False),
    ]
    for number, (name, kind, type_name, repeated) in enumerate(fields, start=1):
        field = request.field.add(
            name=name,
            number=number,
            type=kind,
            json_name="pageSize" if name == "page_size" else name,
            label=_F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL,
        )
        if type_name:
            field.type_name = type_name
    for number, name in ((20, "first"), (21, "second")):
        request.field.add(
            name=name, number=number, type=_F.TYPE_STRING, json_name=name, oneof_index=0
        )
    service = file.service.add(name="Demo")
    service.method.add(
        name="Do", input_type=".demo.v1.Request", output_type=".demo.v1.Request"
    )
    pool.Add(file)
    method = pool.FindMethodByName("demo.v1.Demo.Do")
    http_method = "POST" if body else "GET"
    template = PathTemplate.parse("/v1/things/{name}")
    return HttpBinding(method, http_method, template, body)


BINDING = _binding()


def _decode(query: str, *, path_name: str = "thing") -> Message:
    return decode_request(BINDING, {"name": path_name}, query, b"")


def _failure(query: str) -> RpcFailure:
    with pytest.raises(RpcFailure) as caught:
        _decode(query)
    assert caught.value.code == code_pb2.INVALID_ARGUMENT
    return caught.value


def _violated(failure: RpcFailure) -> list[str]:
    (bad_request,) = failure.details
    assert isinstance(bad_request, error_details_pb2.BadRequest)
    return [violation.field for violation in bad_request.field_violations]


def test_transcoding_parses_each_scalar_by_its_field_type() -> None:
    request = _decode(
        "count=-9223372036854775808&small=%2B7&unsigned=4294967295&flag=true"
        "&ratio=1.5e3&blob=_-8&color=GREEN&pageSize=3"
    )

    assert request.name == "thing"  # type: ignore[attr-defined]
    assert request.count == -(2**63)  # type: ignore[attr-defined]
    assert request.small == 7  # type: ignore[attr-defined]
    assert request.unsigned == 2**32 - 1  # type: ignore[attr-defined]
    assert request.flag is True  # type: ignore[attr-defined]
    assert request.ratio == 1500.0  # type: ignore[attr-defined]
    assert request.blob == b"\xff\xef"  # type: ignore[attr-defined]
    assert request.color == 2  # type: ignore[attr-defined]
    assert request.page_size == 3  # type: ignore[attr-defined]


def test_transcoding_collects_repeated_parameters_in_order() -> None:
    request = _decode("tags=b&tags=a&colors=RED&colors=2&tags=b")

    assert list(request.tags) == ["b", "a", "b"]  # type: ignore[attr-defined]
    assert list(request.colors) == [1, 2]  # type: ignore[attr-defined]


def test_transcoding_sets_nested_fields_by_dotted_names() -> None:
    request = _decode("inner.note=hello+world&inner.big=12")

    assert request.inner.note == "hello world"  # type: ignore[attr-defined]
    assert request.inner.big == 12  # type: ignore[attr-defined]


def test_transcoding_reads_well_known_types_in_json_form() -> None:
    request = _decode("at=2024-01-02T03:04:05.123456789Z")

    assert request.at.nanos == 123456789  # type: ignore[attr-defined]


def test_transcoding_reads_special_floats() -> None:
    assert math.isnan(_decode("ratio=NaN").ratio)  # type: ignore[attr-defined]
    assert _decode("ratio=-Infinity").ratio == -math.inf  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("small=2147483648", "small"),  # over int32
        ("unsigned=-1", "unsigned"),  # negative unsigned
        ("count=1_000", "count"),  # Python's digit separators are not decimal
        ("count=%200", "count"),  # leading space
        ("flag=yes", "flag"),  # only true or false
        ("ratio=fast", "ratio"),  # not a number
        ("blob=%%%", None),  # malformed percent-encoding: no field to name
        ("blob=a$b", "blob"),  # not base64
        ("color=BLUE", "color"),  # no such value
        ("color=7", "color"),  # no such number
        ("inner=x", "inner"),  # a message, not a value
        ("inners.note=x", "inners.note"),  # a list of messages
        ("inner.missing=x", "inner.missing"),  # no such nested field
        ("at=yesterday", "at"),  # not a timestamp
        ("name=other", "name"),  # bound by the path
        ("count=1&count=2", "count"),  # twice, not repeated
        ("first=a&second=b", "choice"),  # both members of a oneof
    ],
)
def test_transcoding_bad_parameter_names_it(query: str, field: str | None) -> None:
    failure = _failure(query)

    if field is None:
        assert failure.details == ()
    else:
        assert _violated(failure) == [field]


def test_transcoding_fills_the_whole_request_from_a_body() -> None:
    binding = _binding(body="*")

    request = decode_request(
        binding, {"name": "thing"}, "", b'{"count": "5", "tags": ["x"]}'
    )

    assert request.count == 5  # type: ignore[attr-defined]
    assert list(request.tags) == ["x"]  # type: ignore[attr-defined]
    assert request.name == "thing"  # type: ignore[attr-defined]


def test_transcoding_takes_no_query_parameters_beside_a_whole_body() -> None:
    binding = _binding(body="*")

    with pytest.raises(RpcFailure, match="is set by the path or the body"):
        decode_request(binding, {"name": "thing"}, "count=1", b"{}")


def test_transcoding_fills_one_field_from_a_body() -> None:
    binding = _binding(body="inner")

    request = decode_request(binding, {"name": "x"}, "count=2", b'{"note": "n"}')

    assert request.inner.note == "n"  # type: ignore[attr-defined]
    assert request.count == 2  # type: ignore[attr-defined]
