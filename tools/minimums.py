"""Prove that the lowest grpcio, protobuf and googleapis-common-protos allowed work.

    python tools/minimums.py [--keep]

``pyproject.toml`` promises that the package works with the lower bound of
each of these requirements. The generated stubs refuse, at import time, a
runtime older than the one they were generated for, so a floor that is too
low is a broken promise that no ordinary test run notices: CI installs the
newest versions. This script installs exactly the floors into a fresh
virtualenv, adds the project with ``--no-deps`` (nothing else, so importing
the package must not need the libraries it loads lazily), and then imports
every generated module and the package, round-trips messages, reads the
constraints and HTTP rules from the descriptors and makes a gRPC call over
loopback. It exits with 1 and says which step failed when anything does.

``--keep`` leaves the virtualenv in place and prints where it is.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import venv
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent

# The requirements whose floors the generated code depends on.
FLOORED = ("grpcio", "protobuf", "googleapis-common-protos")

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$")
_NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv*", ".tools", ".*_cache", "__pycache__", "*.egg-info", "build", "dist"
)


class MinimumsError(Exception):
    """A step of the check failed; the message says which and why."""


def normalize(name: str) -> str:
    """The canonical form of a distribution name (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def lower_bound(requirement: str) -> str | None:
    """The version that ``>=`` or ``==`` names in ``requirement``, if any."""
    match = _NAME.match(requirement.split(";", 1)[0])
    if match is None:
        return None
    for clause in match.group(3).split(","):
        clause = clause.strip()
        for operator in (">=", "=="):
            if clause.startswith(operator) and "*" not in clause:
                return clause[len(operator) :].strip()
    return None


def declared_floors(pyproject_text: str) -> dict[str, str]:
    """The lower bounds of ``FLOORED`` in ``[project].dependencies``.

    Raises:
        MinimumsError: a requirement is missing or has no lower bound.
    """
    dependencies = tomllib.loads(pyproject_text)["project"]["dependencies"]
    by_name: dict[str, str] = {}
    for requirement in dependencies:
        match = _NAME.match(requirement)
        if match is not None:
            by_name[normalize(match.group(1))] = requirement
    floors: dict[str, str] = {}
    for name in FLOORED:
        requirement = by_name.get(name)
        if requirement is None:
            raise MinimumsError(f"[project].dependencies does not list {name}")
        floor = lower_bound(requirement)
        if floor is None:
            raise MinimumsError(
                f"{requirement!r} has no lower bound; declare one with '>='"
            )
        floors[name] = floor
    return floors


# Runs inside the virtualenv; argv[1] is the floors as name=version pairs.
_CHECK = textwrap.dedent(
    """
    import importlib
    import importlib.metadata
    import pkgutil
    import sys
    from concurrent import futures

    expected = dict(pair.split("=", 1) for pair in sys.argv[1].split(","))
    for name, version in expected.items():
        found = importlib.metadata.version(name)
        assert found == version, f"{name} {found} is installed, not {version}"

    import grpc
    from google.protobuf import json_format

    import scanner_grpc
    import scanner_grpc._generated
    from scanner_grpc import types
    from scanner_grpc._constraints import violations
    from scanner_grpc._descriptors import POOL
    from scanner_grpc._http_rules import binding_of

    assert "site-packages" in scanner_grpc.__file__, scanner_grpc.__file__
    modules = [
        info.name
        for info in pkgutil.walk_packages(
            scanner_grpc._generated.__path__, "scanner_grpc._generated."
        )
    ]
    for name in modules:
        importlib.import_module(name)
    from scanner_grpc._generated.yandex.cloud.containerregistry.v1 import (
        scanner_service_pb2,
        scanner_service_pb2_grpc as service_grpc,
    )

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
    service = scanner_service_pb2.DESCRIPTOR.services_by_name["ScannerService"]
    path = binding_of(service.methods_by_name["Get"]).template.expand(
        types.GetScanResultRequest(scan_result_id="crp1")
    )
    assert path == "/container-registry/v1/scans/crp1", path

    class Scanner(service_grpc.ScannerServiceServicer):
        def Get(self, request, context):
            return types.ScanResult(id=request.scan_result_id)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=1))
    service_grpc.add_ScannerServiceServicer_to_server(Scanner(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = service_grpc.ScannerServiceStub(channel)
            request = types.GetScanResultRequest(scan_result_id="crp1")
            answer = stub.Get(request, timeout=10)
    finally:
        server.stop(None)
    assert answer == types.ScanResult(id="crp1"), answer
    print(f"imported scanner_grpc and {len(modules)} generated modules; "
          "messages, JSON, constraints, HTTP rules and a gRPC call work")
    """
)


def _run(step: str, command: list[str], *, cwd: Path) -> str:
    print(f"-- {step}", flush=True)
    done = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, check=False, timeout=300
    )
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()
        raise MinimumsError(f"{step} failed (exit code {done.returncode}):\n{output}")
    return done.stdout


def check(scratch: Path) -> None:
    """Runs every step in ``scratch``; raises MinimumsError on the first failure."""
    floors = declared_floors((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    print("declared floors: " + ", ".join(f"{n}=={v}" for n, v in floors.items()))

    environment = scratch / "venv"
    print(f"-- creating a virtualenv in {environment}", flush=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(environment)
    python = str(environment / "bin" / "python")
    pip = [python, "-m", "pip", "--disable-pip-version-check"]

    pins = [f"{name}=={version}" for name, version in floors.items()]
    _run(
        "installing " + " ".join(pins),
        [*pip, "install", "--quiet", *pins],
        cwd=scratch,
    )
    # A copy, so that the build leaves nothing in the checkout.
    source = scratch / "source"
    shutil.copytree(ROOT, source, symlinks=True, ignore=_NOT_SOURCE)
    _run(
        "installing the project with --no-deps",
        [*pip, "install", "--quiet", "--no-deps", str(source)],
        cwd=scratch,
    )
    installed = _run("listing", [*pip, "list", "--format=freeze"], cwd=scratch)
    print("installed:\n  " + "\n  ".join(installed.split()))

    pairs = ",".join(f"{name}={version}" for name, version in floors.items())
    report = _run(
        "importing and using the package",
        [python, "-W", "error", "-c", _CHECK, pairs],
        cwd=scratch,
    )
    print(report.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--keep", action="store_true", help="keep the virtualenv and print its path"
    )
    arguments = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="scanner-grpc-minimums-"))
    try:
        check(scratch)
    except MinimumsError as error:
        print(f"minimums: {error}", file=sys.stderr)
        return 1
    finally:
        if arguments.keep:
            print(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    print("minimums: the declared floors work")
    return 0


if __name__ == "__main__":
    sys.exit(main())
