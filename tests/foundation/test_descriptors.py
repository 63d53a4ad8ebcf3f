"""``scanner_grpc._descriptors``: the private descriptor pool."""

from __future__ import annotations

import json

import pytest
from google.protobuf import descriptor_pool, json_format, timestamp_pb2
from google.rpc import error_details_pb2

from scanner_grpc import types
from scanner_grpc._descriptors import POOL, add_serialized_file, options_of
from scanner_grpc._generated.scannergrpc.constraints.v1 import constraints_pb2
from scanner_grpc._generated.yandex.cloud.containerregistry.v1 import scanner_pb2

from ._support import assert_ran, run_python


def test_descriptors_generated_files_stay_out_of_the_default_pool() -> None:
    # A fresh interpreter, so that nothing else has touched the default pool.
    script = """
    import importlib
    import pkgutil

    from google.protobuf import descriptor_pool

    import scanner_grpc
    import scanner_grpc._generated
    import scanner_grpc.types
    from scanner_grpc._descriptors import POOL

    for info in pkgutil.walk_packages(
        scanner_grpc._generated.__path__, "scanner_grpc._generated."
    ):
        importlib.import_module(info.name)
    default = descriptor_pool.Default()
    ours = [
        "scannergrpc/constraints/v1/constraints.proto",
        "yandex/cloud/containerregistry/v1/scanner.proto",
        "yandex/cloud/containerregistry/v1/scanner_service.proto",
        "yandex/cloud/operation/operation.proto",
        "yandex/cloud/operation/operation_service.proto",
    ]
    symbols = 0
    for name in ours:
        file = POOL.FindFileByName(name)
        try:
            default.FindFileByName(name)
        except KeyError:
            pass
        else:
            raise SystemExit(f"{name} is in the default pool")
        for message in file.message_types_by_name.values():
            try:
                default.FindMessageTypeByName(message.full_name)
            except KeyError:
                symbols += 1
            else:
                raise SystemExit(f"{message.full_name} is in the default pool")
    print(symbols)
    """
    assert_ran(run_python(script), "17")  # 2 + 4 + 8 + 1 + 2 messages


def test_descriptors_messages_live_in_the_private_pool() -> None:
    assert POOL is not descriptor_pool.Default()
    for name in types.__all__:
        assert getattr(types, name).DESCRIPTOR.file.pool is POOL, name


def test_descriptors_timestamp_is_the_private_pools_own() -> None:
    # The well-known types are copied in, so ScanResult.scanned_at is the
    # private pool's Timestamp class; the bytes are the same on both sides.
    result = types.ScanResult()
    result.scanned_at.FromJsonString("2023-11-14T22:13:20.123456789Z")
    assert type(result.scanned_at) is not timestamp_pb2.Timestamp
    assert result.scanned_at.DESCRIPTOR.file.pool is POOL
    default = timestamp_pb2.Timestamp.FromString(result.scanned_at.SerializeToString())
    assert default.ToJsonString() == "2023-11-14T22:13:20.123456789Z"


def test_descriptors_default_options_hide_our_extensions() -> None:
    # The reason options_of exists: the default pool's FieldOptions does not
    # know extensions declared in the private pool.
    field = types.GetScanResultRequest.DESCRIPTOR.fields_by_name["scan_result_id"]
    with pytest.raises(KeyError):
        field.GetOptions().HasExtension(constraints_pb2.field)


def test_descriptors_options_of_reads_field_and_oneof_extensions() -> None:
    message = types.ListScanResultsRequest.DESCRIPTOR
    page_size = options_of(message.fields_by_name["page_size"])
    assert page_size.Extensions[constraints_pb2.field].max_value == 1000
    assert page_size.Extensions[constraints_pb2.field].HasField("min_value")
    oneof = options_of(message.oneofs_by_name["id"])
    assert oneof.Extensions[constraints_pb2.oneof].exactly_one is True
    plain = options_of(types.ScanResult.DESCRIPTOR.fields_by_name["id"])
    assert not plain.HasExtension(constraints_pb2.field)


def test_descriptors_add_serialized_file_again_is_harmless() -> None:
    again = add_serialized_file(scanner_pb2.DESCRIPTOR.serialized_pb)
    assert again.name == "yandex/cloud/containerregistry/v1/scanner.proto"
    assert POOL.FindMessageTypeByName(
        "yandex.cloud.containerregistry.v1.ScanResult"
    ) is (types.ScanResult.DESCRIPTOR)


def test_descriptors_pool_resolves_rpc_error_details_in_an_operation() -> None:
    # A failed Scan operation carries ScanMetadata (only in the private pool)
    # and a google.rpc.Status whose details hold RequestInfo (only in the
    # default pool); neither pool alone can read or write its JSON.
    operation = types.Operation(id="op2", done=True)
    operation.metadata.Pack(types.ScanMetadata(scan_result_id="crp1"))
    operation.error.code = 3
    operation.error.details.add().Pack(error_details_pb2.RequestInfo(request_id="r1"))
    text = json_format.MessageToJson(operation, descriptor_pool=POOL)
    assert json.loads(text)["error"]["details"][0]["requestId"] == "r1"
    parsed = json_format.Parse(text, types.Operation(), descriptor_pool=POOL)
    assert parsed == operation
