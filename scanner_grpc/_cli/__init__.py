"""The ``scanner-grpc`` command line.

Each subcommand lives in a module of its own that offers
``add_parser(subcommands)``; the parser it adds sets ``run``, a function that
takes the parsed arguments and returns the exit status.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType

from scanner_grpc._version import __version__


def _subcommand_modules() -> tuple[ModuleType, ...]:
    from scanner_grpc._cli import _demo, _emulator, _get

    return (_get, _demo, _emulator)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scanner-grpc",
        description="Read Container Registry vulnerability scan results.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    subcommands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for module in _subcommand_modules():
        module.add_parser(subcommands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    arguments = parser.parse_args(argv)
    run = getattr(arguments, "run", None)
    if run is None:
        parser.print_help(sys.stderr)
        return 2
    status: int = run(arguments)
    return status
