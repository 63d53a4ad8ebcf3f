"""``scanner_grpc`` beside other registrations of the same proto names.

Protobuf's default descriptor pool refuses a second, different registration
of a file name ("duplicate file name") or of a message name under another
file ("duplicate symbol"). The official SDK registers the scanner's protos
there, so a package that did the same could not be imported beside it, in
whichever order. Ours live in a private pool; these tests prove it in fresh
interpreters, first against hand-made conflicting registrations, then against
the real ``yandexcloud`` package.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ._support import assert_ran, run_python

# Registers, in the default pool, a file with our scanner.proto's name and
# package but other content: a ScanResult whose only field is an int32.
_SAME_FILE_NAME = """
from google.protobuf import descriptor_pb2, descriptor_pool

foreign = descriptor_pb2.FileDescriptorProto(
    name="yandex/cloud/containerregistry/v1/scanner.proto",
    package="yandex.cloud.containerregistry.v1",
    syntax="proto3",
)
message = foreign.message_type.add(name="ScanResult")
message.field.add(
    name="other",
    number=1,
    type=descriptor_pb2.FieldDescriptorProto.TYPE_INT32,
    label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL,
)
descriptor_pool.Default().AddSerializedFile(foreign.SerializeToString())
"""

# Registers, in the default pool and under another file name, messages and a
# service with our full names: ScanResult, GetScanResultRequest, Operation,
# ScannerService.
_SAME_SYMBOLS = """
from google.protobuf import descriptor_pb2, descriptor_pool

_OPTIONAL = descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL
_INT32 = descriptor_pb2.FieldDescriptorProto.TYPE_INT32
foreign = descriptor_pb2.FileDescriptorProto(
    name="vendor/copy_of_the_scanner.proto",
    package="yandex.cloud.containerregistry.v1",
    syntax="proto3",
)
for name in ("ScanResult", "GetScanResultRequest"):
    message = foreign.message_type.add(name=name)
    message.field.add(name="other", number=1, type=_INT32, label=_OPTIONAL)
service = foreign.service.add(name="ScannerService")
service.method.add(
    name="Get",
    input_type=".yandex.cloud.containerregistry.v1.GetScanResultRequest",
    output_type=".yandex.cloud.containerregistry.v1.ScanResult",
)
descriptor_pool.Default().AddSerializedFile(foreign.SerializeToString())

operation = descriptor_pb2.FileDescriptorProto(
    name="vendor/copy_of_operation.proto",
    package="yandex.cloud.operation",
    syntax="proto3",
)
message = operation.message_type.add(name="Operation")
message.field.add(name="other", number=1, type=_INT32, label=_OPTIONAL)
descriptor_pool.Default().AddSerializedFile(operation.SerializeToString())
"""

# Uses our messages and the modules that read their descriptors.
_USE_OURS = """
from google.protobuf import json_format

from scanner_grpc import types
from scanner_grpc._constraints import violations
from scanner_grpc._descriptors import POOL
from scanner_grpc._generated.yandex.cloud.containerregistry.v1 import (
    scanner_service_pb2,
    scanner_service_pb2_grpc,
)
from scanner_grpc._http_rules import binding_of, bindings_of

result = types.ScanResult(id="crp1", status=types.ScanResult.READY)
result.scanned_at.FromJsonString("2023-11-14T22:13:20.123456789Z")
result.vulnerabilities.critical = 2**63 - 1
assert types.ScanResult.FromString(result.SerializeToString()) == result
operation = types.Operation(id="op1", done=True)
operation.response.Pack(result)
text = json_format.MessageToJson(operation, descriptor_pool=POOL)
assert json_format.Parse(text, types.Operation(), descriptor_pool=POOL) == operation
assert [v.field for v in violations(types.GetScanResultRequest())] == [
    "scan_result_id"
]
assert [v.field for v in violations(types.ListScanResultsRequest())] == ["id"]
service = scanner_service_pb2.DESCRIPTOR.services_by_name["ScannerService"]
assert len(bindings_of(service)) == 5
get = binding_of(service.methods_by_name["Get"])
request = types.GetScanResultRequest(scan_result_id="a/b")
assert get.template.expand(request) == "/container-registry/v1/scans/a%2Fb"
assert scanner_service_pb2_grpc.ScannerServiceStub is not None
"""

# The conflicting registration must still be there, untouched by ours.
_FOREIGN_INTACT = """
from google.protobuf import descriptor_pool

default = descriptor_pool.Default()
foreign = default.FindMessageTypeByName("yandex.cloud.containerregistry.v1.ScanResult")
assert [f.name for f in foreign.fields] == ["other"], foreign.file.name
assert foreign.file.pool is not POOL
"""

# Our scanner.proto would clash in the default pool: the conflict is real.
_CONFLICT_IS_REAL = """
from google.protobuf import descriptor_pool

from scanner_grpc._generated.yandex.cloud.containerregistry.v1 import scanner_pb2

try:
    descriptor_pool.Default().AddSerializedFile(scanner_pb2.DESCRIPTOR.serialized_pb)
except (TypeError, ValueError) as error:
    assert "duplicate" in str(error).lower(), error
else:
    raise SystemExit("the foreign registration does not conflict with ours")
print("ok")
"""

_CONFLICTS = {"same_file_name": _SAME_FILE_NAME, "same_symbols": _SAME_SYMBOLS}


@pytest.mark.parametrize("conflict", sorted(_CONFLICTS))
def test_coexistence_foreign_registration_first(conflict: str) -> None:
    script = _CONFLICTS[conflict] + _USE_OURS + _FOREIGN_INTACT + _CONFLICT_IS_REAL
    assert_ran(run_python(script), "ok")


@pytest.mark.parametrize("conflict", sorted(_CONFLICTS))
def test_coexistence_scanner_grpc_first(conflict: str) -> None:
    script = (
        _USE_OURS
        + _CONFLICTS[conflict]
        + _USE_OURS
        + _FOREIGN_INTACT
        + _CONFLICT_IS_REAL
    )
    assert_ran(run_python(script), "ok")


# The official SDK: its messages, registered in the default pool.
_USE_YANDEXCLOUD = """
import yandexcloud
from yandex.cloud.containerregistry.v1 import scanner_pb2 as their_scanner_pb2
from yandex.cloud.containerregistry.v1 import scanner_service_pb2 as their_service_pb2

theirs = their_scanner_pb2.ScanResult(id="crp1", image_id="img1")
assert their_scanner_pb2.ScanResult.FromString(theirs.SerializeToString()) == theirs
assert their_service_pb2.GetScanResultRequest(scan_result_id="crp1").scan_result_id
assert their_scanner_pb2.DESCRIPTOR.pool is descriptor_pool.Default()
assert their_scanner_pb2.DESCRIPTOR.name == (
    "yandex/cloud/containerregistry/v1/scanner.proto"
)
"""

_DEFAULT_POOL_IMPORT = "from google.protobuf import descriptor_pool\n"


# Installing the SDK from the package index takes a while on a cold cache.
@pytest.mark.timeout(600)
def test_coexistence_yandexcloud_first(sdk_python: Path) -> None:
    script = _DEFAULT_POOL_IMPORT + _USE_YANDEXCLOUD + _USE_OURS + _USE_YANDEXCLOUD
    assert_ran(run_python(script + "print('ok')", python=sdk_python), "ok")


# Installing the SDK from the package index takes a while on a cold cache.
@pytest.mark.timeout(600)
def test_coexistence_yandexcloud_after_scanner_grpc(sdk_python: Path) -> None:
    script = _DEFAULT_POOL_IMPORT + _USE_OURS + _USE_YANDEXCLOUD + _USE_OURS
    assert_ran(run_python(script + "print('ok')", python=sdk_python), "ok")


# Wire compatibility with the SDK's classes, in both directions: bytes, JSON,
# the structure of every message, and real gRPC calls over loopback.
_WIRE_COMPATIBILITY = """
from concurrent import futures

import grpc
from google.protobuf import json_format

import yandexcloud
from yandex.cloud.containerregistry.v1 import scanner_pb2 as their_pb2
from yandex.cloud.containerregistry.v1 import scanner_service_pb2 as their_svc_pb2
from yandex.cloud.containerregistry.v1 import scanner_service_pb2_grpc as their_grpc
from yandex.cloud.operation import operation_pb2 as their_operation_pb2

from scanner_grpc import types
from scanner_grpc._descriptors import POOL
from scanner_grpc._generated.yandex.cloud.containerregistry.v1 import (
    scanner_pb2 as our_pb2,
    scanner_service_pb2 as our_svc_pb2,
    scanner_service_pb2_grpc as our_grpc,
)
from scanner_grpc._generated.yandex.cloud.operation import (
    operation_pb2 as our_operation_pb2,
)

# 1. Every field of ours has the SDK's number, name, type and shape.
def shape(field):
    return (
        field.name,
        field.type,
        field.is_repeated,
        field.message_type.full_name if field.message_type else None,
        field.enum_type.full_name if field.enum_type else None,
        field.containing_oneof.name if field.containing_oneof else None,
    )

def messages(message_type):
    yield message_type
    for nested in message_type.nested_types:
        yield from messages(nested)

compared = 0
for ours_file, their_file in [
    (our_pb2.DESCRIPTOR, their_pb2.DESCRIPTOR),
    (our_svc_pb2.DESCRIPTOR, their_svc_pb2.DESCRIPTOR),
    (our_operation_pb2.DESCRIPTOR, their_operation_pb2.DESCRIPTOR),
]:
    for top in ours_file.message_types_by_name.values():
        for ours in messages(top):
            theirs = their_file.pool.FindMessageTypeByName(ours.full_name)
            for field in ours.fields:
                their_field = theirs.fields_by_number.get(field.number)
                assert their_field is not None, (ours.full_name, field.name)
                assert shape(field) == shape(their_field), (ours.full_name, field.name)
                compared += 1
            for enum in ours.enum_types:
                their_enum = theirs.enum_types_by_name[enum.name]
                assert {v.name: v.number for v in enum.values} == {
                    v.name: v.number for v in their_enum.values
                }, enum.full_name
ours_service = our_svc_pb2.DESCRIPTOR.services_by_name["ScannerService"]
their_service = their_svc_pb2.DESCRIPTOR.services_by_name["ScannerService"]
assert ours_service.full_name == their_service.full_name
for method in their_service.methods:
    ours = ours_service.methods_by_name[method.name]
    assert ours.input_type.full_name == method.input_type.full_name
    assert ours.output_type.full_name == method.output_type.full_name
assert compared > 40, compared

# 2. Bytes and JSON, their ScanResult to ours and back.
theirs = their_pb2.ScanResult(
    id="crp1",
    image_id="img1",
    status=their_pb2.ScanResult.READY,
    vulnerabilities=their_pb2.VulnerabilityStats(
        critical=2**63 - 1, high=2, medium=3, low=4, negligible=5, undefined=6
    ),
)
theirs.scanned_at.FromJsonString("2023-11-14T22:13:20.123456789Z")
ours = types.ScanResult.FromString(theirs.SerializeToString())
assert json_format.MessageToDict(ours) == json_format.MessageToDict(theirs)
assert ours.scanned_at.nanos == 123456789
assert their_pb2.ScanResult.FromString(ours.SerializeToString()) == theirs
assert json_format.Parse(json_format.MessageToJson(theirs), types.ScanResult()) == ours

# 3. A Vulnerability with every field the SDK knows, even those we lack.
their_vulnerability = their_pb2.Vulnerability(severity=their_pb2.Vulnerability.HIGH)
for field in their_pb2.PackageVulnerability.DESCRIPTOR.fields:
    setattr(their_vulnerability.package, field.name, f"value of {field.name}")
ours = types.Vulnerability.FromString(their_vulnerability.SerializeToString())
assert ours.package.name == "value of name"
assert ours.package.fixed_by == "value of fixed_by"
assert ours.SerializeToString() == their_vulnerability.SerializeToString()
text = json_format.MessageToJson(their_vulnerability)
parsed = json_format.Parse(text, types.Vulnerability(), ignore_unknown_fields=True)
assert parsed.package.name == "value of name"

# 4. Real gRPC calls over loopback: their stub against our servicer...
class OurScanner(our_grpc.ScannerServiceServicer):
    def Get(self, request, context):
        result = types.ScanResult(id=request.scan_result_id, image_id="img1")
        result.scanned_at.FromJsonString("2023-11-14T22:13:20.123456789Z")
        result.vulnerabilities.high = 2**63 - 1
        return result

class TheirScanner(their_grpc.ScannerServiceServicer):
    def Get(self, request, context):
        result = their_pb2.ScanResult(id=request.scan_result_id, image_id="img1")
        result.scanned_at.FromJsonString("2023-11-14T22:13:20.123456789Z")
        result.vulnerabilities.high = 2**63 - 1
        return result

def serve(servicer, add):
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    add(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, f"127.0.0.1:{port}"

server, target = serve(OurScanner(), our_grpc.add_ScannerServiceServicer_to_server)
with grpc.insecure_channel(target) as channel:
    got = their_grpc.ScannerServiceStub(channel).Get(
        their_svc_pb2.GetScanResultRequest(scan_result_id="crp/1"), timeout=10
    )
server.stop(None)
assert isinstance(got, their_pb2.ScanResult)
assert (got.id, got.image_id, got.vulnerabilities.high) == ("crp/1", "img1", 2**63 - 1)
assert got.scanned_at.ToJsonString() == "2023-11-14T22:13:20.123456789Z"

# ...and our stub against theirs.
server, target = serve(TheirScanner(), their_grpc.add_ScannerServiceServicer_to_server)
with grpc.insecure_channel(target) as channel:
    got = our_grpc.ScannerServiceStub(channel).Get(
        types.GetScanResultRequest(scan_result_id="crp/2"), timeout=10
    )
server.stop(None)
assert isinstance(got, types.ScanResult)
assert (got.id, got.image_id, got.vulnerabilities.high) == ("crp/2", "img1", 2**63 - 1)
assert got.scanned_at.ToJsonString() == "2023-11-14T22:13:20.123456789Z"
print("ok")
"""


# Installing the SDK from the package index takes a while on a cold cache.
@pytest.mark.timeout(600)
def test_coexistence_wire_compatible_with_yandexcloud(sdk_python: Path) -> None:
    assert_ran(run_python(_WIRE_COMPATIBILITY, python=sdk_python), "ok")
