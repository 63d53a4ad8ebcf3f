"""The declared dependency floors agree with what the generated code demands.

``tools/minimums.py`` (run by CI) proves that the floors are high enough by
installing them. These tests prove the other direction cheaply: the floors
are not higher than needed, because they equal the versions that the
generated modules check for at import time.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest
import tomllib

from ._support import ROOT

PYPROJECT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
GENERATED = ROOT / "generated"


def _minimums() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "_minimums_under_test", ROOT / "tools" / "minimums.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


minimums = _minimums()

_GRPC_VERSION = re.compile(r"^GRPC_GENERATED_VERSION = '([^']+)'$", re.MULTILINE)
_PROTOBUF_VERSION = re.compile(
    r"ValidateProtobufRuntimeVersion\(\s*_runtime_version\.Domain\.PUBLIC,"
    r"\s*(\d+),\s*(\d+),\s*(\d+),\s*'([^']*)',"
)


def _modules(suffix: str) -> list[Path]:
    found = sorted(GENERATED.rglob(f"*{suffix}"))
    assert found, f"no *{suffix} in generated/"
    return found


def test_minimums_grpc_modules_declare_the_grpcio_floor() -> None:
    floor = minimums.declared_floors(PYPROJECT)["grpcio"]
    declared = {
        path.relative_to(GENERATED).as_posix(): _GRPC_VERSION.findall(path.read_text())
        for path in _modules("_pb2_grpc.py")
    }
    assert declared == {name: [floor] for name in declared}


def test_minimums_pb2_modules_validate_against_the_protobuf_floor() -> None:
    floor = minimums.declared_floors(PYPROJECT)["protobuf"]
    declared = {}
    for path in _modules("_pb2.py"):
        found = _PROTOBUF_VERSION.findall(path.read_text())
        assert len(found) == 1, path
        major, minor, patch, suffix = found[0]
        declared[path.relative_to(GENERATED).as_posix()] = (
            f"{major}.{minor}.{patch}{suffix}"
        )
    assert declared == {name: floor for name in declared}


def test_minimums_grpcio_tools_pin_matches_the_grpcio_floor() -> None:
    # The generator's version becomes GRPC_GENERATED_VERSION; a different pin
    # would make the next regeneration move the floor.
    project = tomllib.loads(PYPROJECT)["project"]
    pins = [
        requirement
        for extra in project["optional-dependencies"].values()
        for requirement in extra
        if minimums.normalize(requirement.split("=")[0].strip()) == "grpcio-tools"
    ]
    floor = minimums.declared_floors(PYPROJECT)["grpcio"]
    assert pins == [f"grpcio-tools=={floor}"]


@pytest.mark.parametrize(
    ("requirement", "expected"),
    [
        ("grpcio>=1.74.0,<2", "1.74.0"),
        ("grpcio <2, >= 1.74.0", "1.74.0"),  # any order, spaces
        ("PyJWT[crypto]>=2.9.0,<3", "2.9.0"),  # extras
        ("protobuf==6.31.1", "6.31.1"),  # an exact pin is its own floor
        ("protobuf>=6.31.1; python_version >= '3.10'", "6.31.1"),  # a marker
        ("protobuf<8", None),  # no lower bound
        ("protobuf>6.31", None),  # exclusive: no version to install
        ("protobuf==6.*", None),  # a wildcard names no single version
        ("protobuf", None),
    ],
)
def test_minimums_lower_bound_reads_requirements(
    requirement: str, expected: str | None
) -> None:
    assert minimums.lower_bound(requirement) == expected


def test_minimums_declared_floors_reads_pyproject() -> None:
    text = (
        "[project]\n"
        'dependencies = ["Grpcio>=1.1", "protobuf>=2.2,<9", '
        '"googleapis_common_protos >= 3.3", "urllib3"]\n'
    )
    assert minimums.declared_floors(text) == {
        "grpcio": "1.1",
        "protobuf": "2.2",
        "googleapis-common-protos": "3.3",
    }


def test_minimums_declared_floors_names_a_missing_bound() -> None:
    text = '[project]\ndependencies = ["grpcio<2", "protobuf>=1", "googleapis-common-protos>=1"]\n'  # noqa: E501
    with pytest.raises(minimums.MinimumsError, match=r"'grpcio<2' has no lower bound"):
        minimums.declared_floors(text)


def test_minimums_declared_floors_names_a_missing_requirement() -> None:
    text = '[project]\ndependencies = ["grpcio>=1", "protobuf>=1"]\n'
    with pytest.raises(
        minimums.MinimumsError, match="does not list googleapis-common-protos"
    ):
        minimums.declared_floors(text)
