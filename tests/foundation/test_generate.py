"""``tools/generate.py``: regenerating the stubs is reproducible and current."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from ._support import ROOT


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "_generate_under_test", ROOT / "tools" / "generate.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path, caches left out."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.fixture(scope="module")
def two_generations(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, bytes]]:
    generator = _generator()
    trees = []
    for attempt in ("first", "second"):
        output = tmp_path_factory.mktemp(attempt) / "generated"
        generator.generate(output)
        trees.append(_tree(output))
    return trees


def test_generate_twice_gives_byte_identical_trees(
    two_generations: list[dict[str, bytes]],
) -> None:
    first, second = two_generations
    assert "yandex/cloud/containerregistry/v1/scanner_service_pb2_grpc.py" in first
    assert first == second


def test_generate_matches_the_committed_tree(
    two_generations: list[dict[str, bytes]],
) -> None:
    committed = _tree(ROOT / "generated")
    fresh = two_generations[0]
    assert sorted(set(committed) ^ set(fresh)) == [], "files added or missing"
    stale = [name for name in sorted(fresh) if fresh[name] != committed[name]]
    assert stale == [], "generated/ is stale: run python tools/generate.py"


def test_generate_output_uses_only_our_namespace_and_pool(
    two_generations: list[dict[str, bytes]],
) -> None:
    modules = {
        name: data.decode()
        for name, data in two_generations[0].items()
        if name.endswith(".py")
    }
    for name, text in modules.items():
        # No import of a top-level yandex or scannergrpc package survives...
        assert "\nfrom yandex" not in text, name
        assert "\nimport yandex" not in text, name
        assert "\nfrom scannergrpc" not in text, name
        # ...and nothing registers in protobuf's default pool.
        assert "_descriptor_pool.Default()" not in text, name
    registering = [n for n, t in modules.items() if "AddSerializedFile" in t]
    assert registering == []
    assert sum("_private_pool.add_serialized_file(" in t for t in modules.values()) == 5
