"""Regenerate ``generated/`` from the protos in ``proto/``.

Run it as ``python tools/generate.py``; ``--check`` regenerates into a
temporary folder and fails when the committed tree differs from it.

The stubs come from ``grpc_tools.protoc``. Two mechanical rewrites follow,
both needed for the package to live beside other code that knows the same
protos (the official Yandex SDK among them):

* imports of our own proto modules move under ``scanner_grpc._generated``, so
  that the installed package adds no top-level ``yandex`` package;
* the modules register their descriptors in the package's private descriptor
  pool instead of protobuf's default one, where a different registration of
  the same file or message names would make either import fail.
"""

from __future__ import annotations

import argparse
import filecmp
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "proto"
OUTPUT = ROOT / "generated"
PACKAGE = "scanner_grpc._generated"

# Top-level proto packages that are ours to generate; everything else (google/*)
# is imported from the protobuf and googleapis-common-protos runtimes.
OWN_ROOTS = sorted(path.name for path in PROTO_ROOT.iterdir() if path.is_dir())

_IMPORT = re.compile(rf"^(from|import) ({'|'.join(OWN_ROOTS)})\b", re.MULTILINE)
_MODULE_NAME = re.compile(rf"'((?:{'|'.join(OWN_ROOTS)})\.[\w.]*_pb2)'")
_DEFAULT_POOL = "_descriptor_pool.Default().AddSerializedFile("
_PRIVATE_POOL = "_private_pool.add_serialized_file("
_POOL_IMPORT = "from google.protobuf import descriptor_pool as _descriptor_pool\n"


def _include_paths() -> list[Path]:
    import google.api
    import grpc_tools

    googleapis = Path(next(iter(google.api.__path__))).parent.parent
    well_known = Path(grpc_tools.__file__).parent / "_proto"
    return [PROTO_ROOT, googleapis, well_known]


def _rewrite(text: str) -> str:
    text = _IMPORT.sub(rf"\1 {PACKAGE}.\2", text)
    text = _MODULE_NAME.sub(rf"'{PACKAGE}.\1'", text)
    if _DEFAULT_POOL in text:
        text = text.replace(
            _POOL_IMPORT, "from scanner_grpc import _descriptors as _private_pool\n"
        )
        text = text.replace(_DEFAULT_POOL, _PRIVATE_POOL)
    return text


def generate(output: Path) -> None:
    protos = sorted(str(p.relative_to(PROTO_ROOT)) for p in PROTO_ROOT.rglob("*.proto"))
    command = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        *(f"--proto_path={path}" for path in _include_paths()),
        f"--python_out={output}",
        f"--pyi_out={output}",
        f"--grpc_python_out={output}",
        *protos,
    ]
    output.mkdir(parents=True, exist_ok=True)
    subprocess.run(command, check=True, cwd=PROTO_ROOT)

    for path in sorted(output.rglob("*.py*")):
        path.write_text(_rewrite(path.read_text()))
    for folder in [output, *sorted(p for p in output.rglob("*") if p.is_dir())]:
        (folder / "__init__.py").touch()


def _differences(left: Path, right: Path) -> list[str]:
    comparison = filecmp.dircmp(left, right, ignore=["__pycache__"])
    found = [f"only in {left.name}: {n}" for n in comparison.left_only]
    found += [f"only in a fresh generation: {n}" for n in comparison.right_only]
    found += [
        str((left / n).relative_to(ROOT))
        for n in comparison.common_files
        if not filecmp.cmp(left / n, right / n, shallow=False)
    ]
    for name in comparison.common_dirs:
        found += _differences(left / name, right / name)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="fail when generated/ differs from what the protos produce",
    )
    arguments = parser.parse_args()
    if not arguments.check:
        shutil.rmtree(OUTPUT, ignore_errors=True)
        generate(OUTPUT)
        return 0

    with tempfile.TemporaryDirectory() as scratch:
        fresh = Path(scratch) / "generated"
        generate(fresh)
        differences = _differences(OUTPUT, fresh) if OUTPUT.exists() else ["missing"]
    for difference in differences:
        print(f"generated/ is stale: {difference}", file=sys.stderr)
    if differences:
        print("run: python tools/generate.py", file=sys.stderr)
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
