"""How the command line shows a scan result: REST JSON or a table for people.

Everything here builds a complete string first; the caller writes it with one
call, so a failure never leaves half a document on standard output.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from scanner_grpc.types import ScanResult

__all__ = [
    "SEVERITIES",
    "add_output_options",
    "choose_format",
    "render",
    "render_json",
    "render_table",
    "use_color",
    "write_whole",
]

SEVERITIES = ("critical", "high", "medium", "low", "negligible")
"""The ranked severities, most severe first; also the ``VulnerabilityStats`` fields.

``undefined`` is left out: it counts vulnerabilities of any other severity,
which have no rank, so it is shown but never compared with a threshold.
"""

_ALL_COUNTS = (*SEVERITIES, "undefined")

_RESET = "\x1b[0m"
_SEVERITY_STYLE = {
    "critical": "\x1b[1;31m",  # bold red
    "high": "\x1b[31m",  # red
    "medium": "\x1b[33m",  # yellow
    "low": "\x1b[36m",  # cyan
    "negligible": "\x1b[37m",  # grey
    "undefined": "\x1b[37m",
}
_ZERO_STYLE = "\x1b[2m"  # dim: nothing to see
_STATUS_STYLE = {
    "READY": "\x1b[32m",  # green
    "RUNNING": "\x1b[33m",
    "ERROR": "\x1b[1;31m",
}
_LABEL_WIDTH = max(len(label) for label in ("scanned at", *_ALL_COUNTS)) + 4


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """Adds ``--format``, ``--color`` and ``--debug``, shared by the subcommands."""
    group = parser.add_argument_group("output")
    group.add_argument(
        "--format",
        choices=("json", "table"),
        default=None,
        help="json: the REST JSON form, for jq; table: for people "
        "(default: table on a terminal, json otherwise)",
    )
    group.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="highlight the table with ANSI colours (default: auto, which means "
        "on a terminal unless NO_COLOR is set)",
    )
    group.add_argument(
        "--debug",
        action="store_true",
        help="log each attempt and show the traceback of a failure on stderr",
    )


def choose_format(requested: str | None, stream: TextIO) -> str:
    """The output format: the one asked for, else table on a terminal, else json."""
    if requested is not None:
        return requested
    return "table" if _is_terminal(stream) else "json"


def use_color(
    mode: str, stream: TextIO, environ: Mapping[str, str] = os.environ
) -> bool:
    """Whether to write ANSI colours, following https://no-color.org.

    Args:
        mode: ``always``, ``never`` or ``auto``; an explicit choice overrides
            ``NO_COLOR``, as that convention asks.
        stream: where the output goes; ``auto`` colours only a terminal.
        environ: the environment to read ``NO_COLOR`` and ``TERM`` from.
    """
    if mode != "auto":
        return mode == "always"
    if environ.get("NO_COLOR", "") != "" or environ.get("TERM") == "dumb":
        return False
    return _is_terminal(stream)


def render(result: ScanResult, *, output_format: str, color: bool) -> str:
    """The whole text that shows ``result`` in ``output_format``."""
    if output_format == "json":
        return render_json(result)
    return render_table(result, color=color)


def render_json(result: ScanResult) -> str:
    """The REST JSON form of ``result``, exactly as the service's REST API sends it.

    camelCase names, int64 counts as strings, the time in RFC 3339 with every
    nanosecond, and no field that the message does not hold.
    """
    from google.protobuf import json_format

    return json_format.MessageToJson(result, indent=2) + "\n"


def render_table(result: ScanResult, *, color: bool) -> str:
    """``result`` as aligned lines for people, with the counts by severity."""
    status = result.Status.Name(result.status)
    scanned_at = (
        result.scanned_at.ToJsonString() if result.HasField("scanned_at") else "-"
    )
    counts = result.vulnerabilities
    rows = [
        ("id", result.id or "-"),
        ("image", result.image_id or "-"),
        ("status", _paint(status, _STATUS_STYLE.get(status), color)),
        ("scanned at", scanned_at),
        ("vulnerabilities", ""),
    ]
    width = max(len(str(getattr(counts, name))) for name in _ALL_COUNTS)
    for name in _ALL_COUNTS:
        count: int = getattr(counts, name)
        style = _SEVERITY_STYLE[name] if count else _ZERO_STYLE
        rows.append((f"  {name}", _paint(f"{count:>{width}}", style, color)))
    return "".join(
        f"{label:<{_LABEL_WIDTH}}{value}".rstrip() + "\n" for label, value in rows
    )


def write_whole(stream: TextIO, text: str) -> None:
    """Writes ``text`` in one call and flushes it.

    A reader that stops early (``| head``) is not an error of ours: the rest
    is dropped quietly, and standard output is pointed at the null device so
    that the interpreter's own flush at exit does not complain either.
    """
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, stream.fileno())
        finally:
            os.close(null)


def _paint(text: str, style: str | None, color: bool) -> str:
    if not color or style is None:
        return text
    return f"{style}{text}{_RESET}"


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except ValueError:  # a closed stream
        return False
