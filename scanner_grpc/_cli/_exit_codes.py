"""The exit statuses of the command line, and the one place errors map to them.

A CI pipeline branches on these numbers, so each kind of failure has its own
and none of them ever changes meaning. The help text of every subcommand is
written from ``EXIT_CODES``, so the documentation cannot drift from the code.
"""

from __future__ import annotations

import enum

__all__ = [
    "EXIT_CODES",
    "ExitCode",
    "UsageError",
    "exit_code_for",
    "exit_codes_help",
]


class ExitCode(enum.IntEnum):
    """What the process's exit status means."""

    OK = 0
    ERROR = 1
    USAGE = 2
    VULNERABLE = 3
    NOT_READY = 4
    NOT_FOUND = 5
    INVALID_ARGUMENT = 6
    AUTH = 7
    UNAVAILABLE = 8
    TIMEOUT = 9
    INTERRUPTED = 130


class UsageError(Exception):
    """An option that argparse accepted but that turned out unusable.

    Such as an endpoint that the client cannot parse; it exits with
    ``ExitCode.USAGE``, like argparse's own errors.
    """


EXIT_CODES: tuple[tuple[ExitCode, str], ...] = (
    (ExitCode.OK, "success; with --fail-on, the scan passed the gate"),
    (ExitCode.ERROR, "any other failure"),
    (ExitCode.USAGE, "usage error: a bad option or argument"),
    (ExitCode.VULNERABLE, "--fail-on: vulnerabilities at or above it were found"),
    (ExitCode.NOT_READY, "--fail-on: the scan is not READY (RUNNING or ERROR)"),
    (ExitCode.NOT_FOUND, "not found: no scan result has this id"),
    (ExitCode.INVALID_ARGUMENT, "invalid argument, such as an id that is too long"),
    (ExitCode.AUTH, "authentication or permission denied, or unusable credentials"),
    (ExitCode.UNAVAILABLE, "service unavailable or endpoint unreachable"),
    (ExitCode.TIMEOUT, "no answer within --timeout"),
    (ExitCode.INTERRUPTED, "interrupted (Ctrl-C)"),
)
"""Every exit status with its meaning, in the order the help text lists them."""


def exit_codes_help() -> str:
    """The exit status table, as it appears in the help text."""
    lines = ["exit status:"]
    lines.extend(f"  {int(code):>3}  {meaning}" for code, meaning in EXIT_CODES)
    return "\n".join(lines)


def exit_code_for(error: BaseException) -> ExitCode:
    """The exit status that reports ``error``; the only mapping of errors to codes.

    Args:
        error: anything that ended a command: a ``ScannerError`` from the
            client, a ``CredentialsError`` from obtaining a token, or any
            other exception.
    """
    # Imported here so that ``--help`` and argument errors stay fast.
    from google.rpc import code_pb2

    from scanner_grpc.auth import CredentialsError, CredentialsTimeoutError
    from scanner_grpc.errors import ScannerError

    if isinstance(error, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    if isinstance(error, UsageError):
        return ExitCode.USAGE
    if isinstance(error, CredentialsTimeoutError):
        return ExitCode.TIMEOUT
    if isinstance(error, CredentialsError):
        return ExitCode.AUTH
    if not isinstance(error, ScannerError):
        return ExitCode.ERROR
    by_code = {
        code_pb2.NOT_FOUND: ExitCode.NOT_FOUND,
        code_pb2.INVALID_ARGUMENT: ExitCode.INVALID_ARGUMENT,
        code_pb2.UNAUTHENTICATED: ExitCode.AUTH,
        code_pb2.PERMISSION_DENIED: ExitCode.AUTH,
        code_pb2.UNAVAILABLE: ExitCode.UNAVAILABLE,
        code_pb2.DEADLINE_EXCEEDED: ExitCode.TIMEOUT,
    }
    return by_code.get(error.code, ExitCode.ERROR)
