"""``scanner-grpc get``: fetch one scan result, show it, and gate a pipeline on it."""

from __future__ import annotations

import argparse
import math
import os
import sys
from typing import TYPE_CHECKING, Any

from scanner_grpc._cli._exit_codes import ExitCode, UsageError, exit_codes_help
from scanner_grpc._cli._failures import (
    PROG,
    Redactor,
    enable_debug_logging,
    quoted,
    report_failure,
)
from scanner_grpc._cli._output import (
    SEVERITIES,
    add_output_options,
    choose_format,
    render,
    use_color,
    write_whole,
)
from scanner_grpc._client import DEFAULT_TIMEOUT

if TYPE_CHECKING:
    from scanner_grpc.auth import Credentials
    from scanner_grpc.types import ScanResult

__all__ = ["add_parser", "gate", "run"]

_EXAMPLES = """\
examples:
  # Show a scan result, with a token that ps cannot show to other users
  export YC_IAM_TOKEN=$(yc iam create-token)
  scanner-grpc get crpabc123def456ghi789

  # Fail a deploy step on any high or critical vulnerability
  scanner-grpc get "$SCAN_ID" --fail-on high --format table

  # The critical count, over REST, through jq (int64 counts are JSON strings)
  scanner-grpc get "$SCAN_ID" --transport rest --format json \\
      | jq -r '.vulnerabilities.critical // "0"'

  # Authenticate with a service account's authorized key
  scanner-grpc get "$SCAN_ID" --sa-key-file key.json

  # A local emulator (see `scanner-grpc emulator --help`)
  scanner-grpc get chescanwebapp0000001 --endpoint 127.0.0.1:50051 --insecure

"""

_GATE_HELP = """\
--fail-on SEVERITY fails (status 3) when the scan found any vulnerability at
SEVERITY or above (critical > high > medium > low > negligible; "undefined"
ones have no rank and never fail it), and fails with status 4 when the scan
is not READY, since then there are no counts to judge.

"""


def add_parser(subcommands: Any) -> None:
    """Adds ``get`` to the ``scanner-grpc`` subcommands."""
    parser: argparse.ArgumentParser = subcommands.add_parser(
        "get",
        help="fetch one scan result by id",
        description="Fetch one vulnerability scan result by its id and show it.",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "scan_result_id", metavar="SCAN_RESULT_ID", help="the scan result to fetch"
    )

    connection = parser.add_argument_group("connection")
    connection.add_argument(
        "--transport",
        choices=("grpc", "rest"),
        default="grpc",
        help="the interface to call (default: grpc)",
    )
    connection.add_argument(
        "--endpoint",
        metavar="ENDPOINT",
        help="host:port for grpc, a URL for rest (default: the Yandex Cloud service)",
    )
    connection.add_argument(
        "--insecure",
        action="store_true",
        help="talk to a local gRPC --endpoint without TLS (for rest, give an "
        "http:// URL instead)",
    )
    connection.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=_seconds,
        help="give up after this long, retries included "
        f"(default: {DEFAULT_TIMEOUT:g})",
    )

    credentials = parser.add_argument_group(
        "credentials", "At most one; none means the library's default chain."
    )
    exclusive = credentials.add_mutually_exclusive_group()
    exclusive.add_argument(
        "--iam-token",
        metavar="TOKEN",
        help="an IAM token; prefer the YC_IAM_TOKEN environment variable, which "
        "other users cannot read in the process list",
    )
    exclusive.add_argument(
        "--sa-key-file",
        metavar="PATH",
        help="a service account's authorized key (JSON), exchanged for IAM tokens",
    )
    exclusive.add_argument(
        "--metadata",
        action="store_true",
        help="take tokens from the metadata service of the Yandex Cloud VM",
    )
    credentials.add_argument(
        "--iam-url",
        metavar="URL",
        help="where a service account key's JWT is exchanged for IAM tokens "
        "(default: Yandex Cloud IAM)",
    )
    credentials.add_argument(
        "--metadata-url",
        metavar="URL",
        help="the token URL of the metadata service (default: the VM's)",
    )

    gate_options = parser.add_argument_group("gate")
    gate_options.add_argument(
        "--fail-on",
        metavar="SEVERITY",
        choices=SEVERITIES,
        help="exit 3 when a vulnerability at SEVERITY or above was found, 4 when "
        f"the scan is not READY; SEVERITY is one of {', '.join(SEVERITIES)}",
    )
    add_output_options(parser)
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    """Runs ``get`` with parsed ``arguments``; returns the exit status."""
    from scanner_grpc.auth import DEFAULT_TOKEN_VARIABLE

    # The library never shows a token; this also covers tracebacks and
    # whatever a layer below might put in a message.
    redact = Redactor([arguments.iam_token, os.environ.get(DEFAULT_TOKEN_VARIABLE)])
    if arguments.debug:
        enable_debug_logging(redact)
    scan_result_id: str = arguments.scan_result_id
    try:
        result = _fetch(arguments)
    except (Exception, KeyboardInterrupt) as error:
        return report_failure(
            error,
            debug=arguments.debug,
            redact=redact,
            subject=f"scan result {quoted(scan_result_id)}",
        )

    output_format = choose_format(arguments.format, sys.stdout)
    color = use_color(arguments.color, sys.stdout)
    write_whole(sys.stdout, render(result, output_format=output_format, color=color))

    status, verdict = gate(result, arguments.fail_on)
    if verdict:
        sys.stderr.write(f"{PROG}: {verdict}\n")
    return status


def gate(result: ScanResult, threshold: str | None) -> tuple[ExitCode, str | None]:
    """Judges ``result`` against ``--fail-on``.

    Returns:
        The exit status, and the line that explains a failure (else None).
    """
    if threshold is None:
        return ExitCode.OK, None
    name = quoted(result.id)
    if result.status != result.READY:
        status = result.Status.Name(result.status)
        return (
            ExitCode.NOT_READY,
            f"not ready: scan result {name} is {status}, so --fail-on cannot pass",
        )
    ranked = SEVERITIES[: SEVERITIES.index(threshold) + 1]
    found = [
        f"{severity} {count}"
        for severity in ranked
        if (count := getattr(result.vulnerabilities, severity))
    ]
    if not found:
        return ExitCode.OK, None
    return (
        ExitCode.VULNERABLE,
        f"vulnerable: scan result {name} has vulnerabilities at or above "
        f"{threshold}: {', '.join(found)}",
    )


def _fetch(arguments: argparse.Namespace) -> ScanResult:
    from scanner_grpc import ScannerClient
    from scanner_grpc.auth import CredentialsError

    # The client refuses these too, in words meant for Python callers.
    if arguments.insecure and arguments.transport == "rest":
        raise UsageError(
            "--insecure applies to grpc; for rest without TLS, give an http:// "
            "URL as --endpoint"
        )
    if arguments.insecure and arguments.endpoint is None:
        raise UsageError(
            "--insecure needs --endpoint, such as 127.0.0.1:50051: the real "
            "service accepts TLS only"
        )
    options: dict[str, Any] = {
        "transport": arguments.transport,
        "insecure": arguments.insecure,
    }
    if arguments.endpoint is not None:
        options["endpoint"] = arguments.endpoint
    if arguments.timeout is not None:
        options["timeout"] = arguments.timeout
    try:
        client = ScannerClient(credentials=_credentials(arguments), **options)
    except CredentialsError:
        raise
    except ValueError as error:
        # An option that the client refuses (a malformed endpoint, a token
        # that cannot go in a header): the command line was wrong.
        raise UsageError(str(error)) from error
    with client:
        return client.get_scan_result(arguments.scan_result_id)


def _credentials(arguments: argparse.Namespace) -> Credentials | None:
    from scanner_grpc import auth

    urls: dict[str, str] = {}
    if arguments.iam_url:
        urls["iam_url"] = arguments.iam_url
    if arguments.metadata_url:
        urls["metadata_url"] = arguments.metadata_url

    if arguments.iam_token:
        return auth.IamToken(arguments.iam_token)
    if arguments.sa_key_file:
        return auth.ServiceAccountKey.from_file(
            arguments.sa_key_file, iam_url=urls.get("iam_url", auth.DEFAULT_IAM_URL)
        )
    if arguments.metadata:
        return auth.MetadataService(urls.get("metadata_url", auth.DEFAULT_METADATA_URL))
    return auth.default_credentials(**urls)


def _epilog() -> str:
    from scanner_grpc import auth

    credentials = f"""\
credentials, the first that applies (as in the library's default_credentials):
  --iam-token, --sa-key-file or --metadata
  {auth.DEFAULT_TOKEN_VARIABLE}: an IAM token
  {auth.KEY_FILE_VARIABLE}: the path of an authorized key file
  {auth.METADATA_VARIABLE}=1: the metadata service of the VM
  none of these: no token, for an endpoint that needs none

"""
    return _EXAMPLES + credentials + _GATE_HELP + exit_codes_help()


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds: {text!r}")
    return value
