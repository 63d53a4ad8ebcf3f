"""``scanner-grpc emulator``: serve the local emulator until stopped.

It prints one line with both addresses on stdout once it serves, then one log
line per request on stderr, and stops cleanly on SIGINT or SIGTERM with exit
status 0. A data file it cannot use stops it before it serves, with one line
on stderr naming the record and the field, and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from scanner_grpc._cli._exit_codes import ExitCode

__all__ = ["add_parser", "ready_line", "run"]

_NAME = "scanner-grpc emulator"
_EMULATOR_LOGGER = "scanner_grpc.emulator"

_EPILOG = """\
Faults are queued in the order given and each affects one ScannerService
call (gRPC or REST) before the emulator serves normally again:

  scanner-grpc emulator --fail-next UNAVAILABLE:2 --html-502-next

answers UNAVAILABLE twice, then a proxy's HTML 502 page to the next REST
call, then serves. With --auth, get a token from the metadata endpoint:

  curl -H 'Metadata-Flavor: Google' \\
    http://127.0.0.1:8080/computeMetadata/v1/instance/service-accounts/default/token

exit status:
    0  stopped by SIGINT or SIGTERM
    1  a port cannot be listened on
    2  a bad option, data file or key file
"""


def add_parser(subcommands: Any) -> None:
    """Adds ``emulator`` to the ``scanner-grpc`` subcommands."""
    parser: argparse.ArgumentParser = subcommands.add_parser(
        "emulator",
        help="serve a local emulator of the scanner over gRPC and REST",
        description="Serve ScannerService over gRPC and REST on 127.0.0.1 from "
        "the bundled sample data or a data file, until SIGINT or SIGTERM.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--grpc-port",
        type=_port,
        default=50051,
        metavar="N",
        help="gRPC port; 0 picks a free one (default: %(default)s)",
    )
    parser.add_argument(
        "--rest-port",
        type=_port,
        default=8080,
        metavar="M",
        help="REST port; 0 picks a free one (default: %(default)s)",
    )
    parser.add_argument(
        "--data",
        metavar="FILE",
        help="JSON file with 'scanResults' (and optionally 'vulnerabilities' and "
        "'repositories') in REST JSON form; default: the bundled sample data",
    )
    parser.add_argument(
        "--auth",
        action="store_true",
        help="require 'Authorization: Bearer <token>' with a token that the "
        "emulator issued (IAM exchange or metadata endpoint)",
    )
    parser.add_argument(
        "--authorized-key",
        metavar="FILE",
        action="append",
        default=[],
        help="accept JWTs signed by this service account authorized key file at "
        "the IAM endpoint (repeatable)",
    )
    faults = parser.add_argument_group("faults")
    faults.add_argument(
        "--latency",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="sleep this long before answering each call",
    )
    faults.add_argument(
        "--fail-next",
        dest="faults",
        action="append",
        type=_failure,
        metavar="CODE[:TIMES]",
        help="answer the next TIMES calls (default 1) with a google.rpc.Code, "
        "by name (UNAVAILABLE) or number (repeatable)",
    )
    faults.add_argument(
        "--retry-after",
        type=_seconds,
        metavar="SECONDS",
        help="add RetryInfo (and Retry-After on REST) to the --fail-next answers",
    )
    faults.add_argument(
        "--html-502-next",
        dest="faults",
        action="append",
        nargs="?",
        const=("html_502", 1),
        type=_times("html_502"),
        metavar="TIMES",
        help="answer the next TIMES REST calls (default 1) with an HTML 502 page",
    )
    faults.add_argument(
        "--disconnect-next",
        dest="faults",
        action="append",
        nargs="?",
        const=("disconnect", 1),
        type=_times("disconnect"),
        metavar="TIMES",
        help="close the connection in the middle of the next TIMES answers (default 1)",
    )
    parser.set_defaults(run=run, faults=[])


def ready_line(grpc_target: str, rest_url: str) -> str:
    """The line printed once the emulator serves."""
    return f"{_NAME}: grpc {grpc_target} rest {rest_url}"


def run(arguments: argparse.Namespace) -> int:
    """Runs ``emulator`` with parsed ``arguments``; returns the exit status."""
    from scanner_grpc.emulator import Emulator, EmulatorDataError

    try:
        emulator = Emulator(
            grpc_port=arguments.grpc_port,
            rest_port=arguments.rest_port,
            data=arguments.data,
            auth=arguments.auth,
        )
        for path in arguments.authorized_key:
            _register_key(emulator, path)
        _queue_faults(emulator, arguments)
    except (EmulatorDataError, _KeyFileError) as error:
        return _fail(str(error), ExitCode.USAGE)

    stop = threading.Event()
    with _stopped_by_signals(stop), _request_log():
        try:
            emulator.start()
        except OSError as error:
            return _fail(str(error), ExitCode.ERROR)
        try:
            print(ready_line(emulator.grpc_target, emulator.rest_url), flush=True)
            while not stop.wait(1.0):
                pass
        finally:
            emulator.stop()
    print(f"{_NAME}: stopped", file=sys.stderr, flush=True)
    return ExitCode.OK


class _KeyFileError(Exception):
    """An authorized key file that cannot be used."""


def _register_key(emulator: Any, path: str) -> None:
    from scanner_grpc.emulator._iam import AuthorityError

    try:
        with open(path, encoding="utf-8") as file:
            key = json.load(file)
    except OSError as error:
        message = f"{path}: cannot read the key file: {error.strerror}"
        raise _KeyFileError(message) from None
    except (ValueError, UnicodeDecodeError) as error:
        raise _KeyFileError(f"{path}: not a JSON key file: {error}") from None
    if not isinstance(key, dict):
        raise _KeyFileError(f"{path}: the key file must hold a JSON object")
    try:
        emulator.authority.register_authorized_key(key)
    except AuthorityError as error:
        raise _KeyFileError(f"{path}: {error.message}") from None


def _queue_faults(emulator: Any, arguments: argparse.Namespace) -> None:
    emulator.faults.latency = arguments.latency
    for kind, *rest in arguments.faults:
        if kind == "fail":
            code, times = rest
            emulator.faults.fail_next(
                code, times=times, retry_after=arguments.retry_after
            )
        elif kind == "html_502":
            emulator.faults.html_502_next(times=rest[0])
        else:
            emulator.faults.disconnect_next(times=rest[0])


@contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[None]:
    def handle(number: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {
        number: signal.signal(number, handle)
        for number in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextmanager
def _request_log() -> Iterator[None]:
    logger = logging.getLogger(_EMULATOR_LOGGER)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    previous = (logger.level, logger.propagate)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous[0])
        logger.propagate = previous[1]


def _fail(message: str, status: ExitCode) -> int:
    print(f"{_NAME}: error: {message}", file=sys.stderr, flush=True)
    return status


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port from 0 to 65535")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds >= 0")
    return value


def _failure(text: str) -> tuple[str, int, int]:
    from google.rpc import code_pb2

    name, _, times_text = text.partition(":")
    try:
        code = int(name) if name.isdigit() else code_pb2.Code.Value(name.upper())
    except ValueError:
        code = -1
    if code not in code_pb2.Code.values() or code == code_pb2.OK:
        raise argparse.ArgumentTypeError(
            f"{name!r} is not a google.rpc.Code other than OK, such as UNAVAILABLE"
        )
    times = _count(times_text) if times_text else 1
    return ("fail", code, times)


def _times(kind: str) -> Any:
    def parse(text: str) -> tuple[str, int]:
        return (kind, _count(text))

    return parse


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 1")
    return int(text)
