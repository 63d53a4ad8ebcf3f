"""The public names: sorted ``__all__`` lists whose every name imports."""

from __future__ import annotations

from types import ModuleType

import pytest

import scanner_grpc
import scanner_grpc.types
from scanner_grpc._generated.yandex.cloud.containerregistry.v1 import (
    scanner_pb2,
    scanner_service_pb2,
)


@pytest.mark.parametrize("module", [scanner_grpc, scanner_grpc.types])
def test_public_api_all_is_sorted_and_unique(module: ModuleType) -> None:
    assert module.__all__ == sorted(set(module.__all__))


@pytest.mark.parametrize("module", [scanner_grpc, scanner_grpc.types])
def test_public_api_every_name_in_all_imports(module: ModuleType) -> None:
    namespace: dict[str, object] = {}
    exec(f"from {module.__name__} import *", namespace)  # noqa: S102
    assert sorted(set(namespace) - {"__builtins__"}) == sorted(module.__all__)
    assert all(namespace[name] is not None for name in module.__all__)


def test_public_api_types_exports_every_scanner_message() -> None:
    messages = {
        name
        for file in (scanner_pb2.DESCRIPTOR, scanner_service_pb2.DESCRIPTOR)
        for name in file.message_types_by_name
    }
    assert set(scanner_grpc.types.__all__) == messages | {"Operation"}
    for name in scanner_grpc.types.__all__:
        cls = getattr(scanner_grpc.types, name)
        assert cls.DESCRIPTOR.name == name
