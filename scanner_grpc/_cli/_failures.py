"""How a subcommand reports what went wrong: one line on stderr, and a status.

The line names the problem and, when the server answered, its request id, the
number that support staff need. ``--debug`` puts the traceback before it. A
token given on the command line never reaches stderr, even inside a
traceback.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from collections.abc import Iterable
from typing import TextIO

from scanner_grpc._cli._exit_codes import ExitCode, UsageError, exit_code_for

__all__ = [
    "PROG",
    "Redactor",
    "enable_debug_logging",
    "failure_line",
    "quoted",
    "report_failure",
]

PROG = "scanner-grpc"

_WHITESPACE = re.compile(r"\s+")


class Redactor:
    """Replaces known secrets in text with ``***``."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        # Longest first, so that a secret containing another is hidden whole.
        self._secrets = sorted(
            {secret for secret in secrets if secret}, key=len, reverse=True
        )

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def failure_line(error: BaseException, *, subject: str | None = None) -> str:
    """The one line that tells what ``error`` means to the person who ran us.

    Args:
        error: what ended the command.
        subject: what the command was after, such as ``scan result "x"``; it
            replaces the server's wording when the answer is "not found".
    """
    from google.rpc import code_pb2

    from scanner_grpc.auth import CredentialsError
    from scanner_grpc.errors import ScannerError

    if isinstance(error, KeyboardInterrupt):
        return f"{PROG}: interrupted"
    if isinstance(error, UsageError):
        return f"{PROG}: usage: {_one_line(str(error))}"
    if isinstance(error, CredentialsError):
        return f"{PROG}: credentials: {_one_line(str(error))}"
    if not isinstance(error, ScannerError):
        # Not an answer from the service nor a credentials problem: a bug of
        # ours or of a library below, where the traceback is what helps.
        return (
            f"{PROG}: unexpected error: {type(error).__name__}: "
            f"{_one_line(str(error))} (--debug shows the traceback)"
        )

    label = code_pb2.Code.Name(error.code).lower().replace("_", " ")
    if error.code == code_pb2.DEADLINE_EXCEEDED:
        label = "timed out"
    detail = _one_line(error.message or "")
    if error.code == code_pb2.NOT_FOUND and subject:
        detail = subject
    line = f"{PROG}: {label}: {detail}" if detail else f"{PROG}: {label}"
    if error.request_id:
        line += f" (request id {error.request_id})"
    return line


def report_failure(
    error: BaseException,
    *,
    debug: bool,
    redact: Redactor,
    subject: str | None = None,
    stream: TextIO | None = None,
) -> ExitCode:
    """Writes the failure line (after the traceback with ``debug``) to stderr.

    Returns:
        The exit status that stands for ``error``.
    """
    stream = sys.stderr if stream is None else stream
    text = ""
    if debug:
        text = "".join(traceback.format_exception(error))
    text += failure_line(error, subject=subject) + "\n"
    stream.write(redact(text))
    stream.flush()
    return exit_code_for(error)


def enable_debug_logging(redact: Redactor) -> None:
    """Sends every log record to stderr, with known secrets hidden."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_RedactingFormatter(redact))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)


class _RedactingFormatter(logging.Formatter):
    def __init__(self, redact: Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self._redact(super().format(record))


def quoted(text: str) -> str:
    """``text`` in double quotes, with control characters escaped.

    Ids come from the command line or a server; escaping keeps a newline in
    one from breaking the one-line promise of the error output.
    """
    return json.dumps(text, ensure_ascii=False)


def _one_line(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()
