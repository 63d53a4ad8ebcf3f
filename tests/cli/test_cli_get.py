"""``scanner-grpc get``, run as the installed console script against the emulator."""

from __future__ import annotations

import http.client
import json
import os
import pty
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import SCRIPT, clean_environment, run_cli
from google.protobuf import json_format
from google.rpc import code_pb2

from scanner_grpc._cli._exit_codes import EXIT_CODES, ExitCode
from scanner_grpc._cli._get import gate
from scanner_grpc._cli._output import SEVERITIES
from scanner_grpc._constraints import violations
from scanner_grpc.emulator import Emulator
from scanner_grpc.emulator._iam import generate_authorized_key
from scanner_grpc.types import GetScanResultRequest, ScanResult

# The sample record with a finding at every severity and a time with all nine
# fractional digits.
RICH_ID = "chescanwebapp0000001"
RICH_TIME = "2024-05-14T09:26:53.123456789Z"
ANSI = "\x1b["
REQUEST_ID = re.compile(r"\(request id [0-9a-f-]{8,}\)$")


def endpoint_args(emulator: Emulator, transport: str) -> list[str]:
    """The options that point ``get`` at ``emulator`` over ``transport``."""
    if transport == "grpc":
        return ["--transport", "grpc", "--endpoint", emulator.grpc_target, "--insecure"]
    return ["--transport", "rest", "--endpoint", emulator.rest_url]


def record(emulator: Emulator, scan_result_id: str) -> ScanResult:
    (found,) = [r for r in emulator.scan_results if r.id == scan_result_id]
    return found


def rest_body(emulator: Emulator, scan_result_id: str) -> object:
    """What the emulator's REST interface answers for the scan result, parsed."""
    host, port = emulator.rest_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", f"/container-registry/v1/scans/{scan_result_id}")
        response = connection.getresponse()
        assert response.status == 200
        return json.loads(response.read())
    finally:
        connection.close()


def assert_one_line_failure(
    completed: subprocess.CompletedProcess[str], status: ExitCode
) -> str:
    """Checks the exit status, empty stdout and one stderr line; returns it."""
    assert completed.returncode == status, completed.stderr
    assert completed.stdout == ""
    lines = completed.stderr.splitlines()
    assert len(lines) == 1, completed.stderr
    assert lines[0].startswith("scanner-grpc: ")
    return lines[0]


# -- output formats ----------------------------------------------------------


@pytest.mark.parametrize(
    ("transport", "format_args"),
    [
        ("grpc", ["--format", "json"]),
        # Not a terminal: json is the default.
        ("rest", []),
    ],
)
def test_get_json_is_the_rest_form_of_the_record(
    emulator: Emulator, transport: str, format_args: list[str]
) -> None:
    completed = run_cli(
        "get", RICH_ID, *endpoint_args(emulator, transport), *format_args
    )

    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""
    parsed = json_format.Parse(completed.stdout, ScanResult())
    assert parsed == record(emulator, RICH_ID)
    assert json.loads(completed.stdout) == rest_body(emulator, RICH_ID)
    assert f'"scannedAt": "{RICH_TIME}"' in completed.stdout


def test_get_json_keeps_int64_counts_as_strings(emulator: Emulator) -> None:
    huge = "chescanworker0000002"

    completed = run_cli("get", huge, *endpoint_args(emulator, "grpc"))

    assert completed.returncode == 0, completed.stderr
    counts = json.loads(completed.stdout)["vulnerabilities"]
    assert counts["critical"] == str(2**63 - 1)
    assert json_format.Parse(completed.stdout, ScanResult()) == record(emulator, huge)


def test_get_table_shows_id_image_status_time_and_counts(emulator: Emulator) -> None:
    expected = record(emulator, RICH_ID)

    completed = run_cli(
        "get", RICH_ID, *endpoint_args(emulator, "grpc"), "--format", "table"
    )

    assert completed.returncode == 0, completed.stderr
    table = completed.stdout
    assert ANSI not in table
    # "label   value" lines; the counts are indented under "vulnerabilities".
    rows = dict(
        [*re.split(r"\s{2,}", line.strip(), maxsplit=1), ""][:2]
        for line in table.splitlines()
    )
    assert rows["id"] == RICH_ID
    assert rows["image"] == expected.image_id
    assert rows["status"] == "READY"
    assert rows["scanned at"] == RICH_TIME
    for severity in (*SEVERITIES, "undefined"):
        assert rows[severity] == str(getattr(expected.vulnerabilities, severity))


@pytest.mark.parametrize(
    ("color", "environment", "coloured"),
    [
        ("always", {}, True),
        # An explicit choice wins over NO_COLOR, as https://no-color.org asks.
        ("always", {"NO_COLOR": "1"}, True),
        ("never", {}, False),
        # auto: stdout is a pipe here, not a terminal.
        ("auto", {}, False),
    ],
)
def test_get_table_colours_only_when_asked_or_on_a_terminal(
    emulator: Emulator,
    color: str,
    environment: dict[str, str],
    coloured: bool,
) -> None:
    completed = run_cli(
        "get",
        RICH_ID,
        *endpoint_args(emulator, "grpc"),
        "--format",
        "table",
        "--color",
        color,
        env=environment,
    )

    assert completed.returncode == 0, completed.stderr
    assert (ANSI in completed.stdout) is coloured
    assert RICH_TIME in completed.stdout


def run_on_terminal(args: list[str], environment: dict[str, str]) -> str:
    """Runs the script with stdout on a pseudo-terminal; returns what it showed."""
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(
            [str(SCRIPT), *args],
            stdout=terminal,
            stderr=subprocess.PIPE,
            env=clean_environment(environment),
        )
        os.close(terminal)
        terminal = -1
        shown = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # EIO: the script closed its end
                break
            if not chunk:
                break
            shown += chunk
        _, errors = process.communicate(timeout=60)
        assert process.returncode == 0, errors
    finally:
        os.close(controller)
        if terminal != -1:
            os.close(terminal)
    return shown.decode()


@pytest.mark.parametrize(
    ("environment", "coloured"),
    [({"TERM": "xterm"}, True), ({"TERM": "xterm", "NO_COLOR": "1"}, False)],
)
def test_get_on_a_terminal_defaults_to_a_table_coloured_unless_no_color(
    emulator: Emulator, environment: dict[str, str], coloured: bool
) -> None:
    shown = run_on_terminal(
        ["get", RICH_ID, *endpoint_args(emulator, "grpc")], environment
    )

    assert RICH_TIME in shown
    assert "{" not in shown
    assert (ANSI in shown) is coloured


# -- --fail-on ---------------------------------------------------------------

# One READY record per severity, holding findings at that severity only, and
# the records that no threshold can judge.
GATE_DATA = {
    "scanResults": [
        {
            "id": f"gate-{severity}",
            "imageId": f"crpgate{severity}",
            "scannedAt": "2024-01-02T03:04:05.000000006Z",
            "status": "READY",
            "vulnerabilities": {severity: str(rank + 1)},
        }
        for rank, severity in enumerate((*SEVERITIES, "undefined"))
    ]
    + [
        {"id": "gate-clean", "imageId": "crpgateclean", "status": "READY"},
        {"id": "gate-running", "imageId": "crpgaterunning", "status": "RUNNING"},
        {"id": "gate-error", "imageId": "crpgateerror", "status": "ERROR"},
    ]
}


@pytest.fixture(scope="module")
def gate_emulator() -> Iterator[Emulator]:
    with Emulator(data=GATE_DATA) as emulator:
        yield emulator


def expected_gate(threshold: str, found: str) -> ExitCode:
    if found in SEVERITIES and SEVERITIES.index(found) <= SEVERITIES.index(threshold):
        return ExitCode.VULNERABLE
    return ExitCode.OK


def test_gate_judges_every_severity_against_every_threshold() -> None:
    # In process: the full table is cheap here, and the script runs below.
    for entry in GATE_DATA["scanResults"][:6]:
        result = json_format.ParseDict(entry, ScanResult())
        found = entry["id"].removeprefix("gate-")
        for threshold in SEVERITIES:
            status, verdict = gate(result, threshold)
            assert status == expected_gate(threshold, found), (threshold, found)
            assert (verdict is None) == (status == ExitCode.OK)


@pytest.mark.parametrize(
    ("threshold", "found", "status"),
    [
        # Each severity on both sides of the threshold it names.
        ("critical", "critical", ExitCode.VULNERABLE),
        ("critical", "high", ExitCode.OK),
        ("high", "high", ExitCode.VULNERABLE),
        ("high", "medium", ExitCode.OK),
        ("medium", "medium", ExitCode.VULNERABLE),
        ("medium", "low", ExitCode.OK),
        ("low", "low", ExitCode.VULNERABLE),
        ("low", "negligible", ExitCode.OK),
        ("negligible", "negligible", ExitCode.VULNERABLE),
        # Above the threshold fails too; unranked and no findings never do.
        ("low", "critical", ExitCode.VULNERABLE),
        ("negligible", "undefined", ExitCode.OK),
        ("negligible", "clean", ExitCode.OK),
    ],
)
def test_get_fail_on_exits_3_at_or_above_the_threshold(
    gate_emulator: Emulator,
    threshold: str,
    found: str,
    status: ExitCode,
) -> None:
    completed = run_cli(
        "get",
        f"gate-{found}",
        *endpoint_args(gate_emulator, "rest"),
        "--fail-on",
        threshold,
    )

    assert completed.returncode == status, completed.stderr
    # The result is shown either way, so that the log says what failed.
    assert json_format.Parse(completed.stdout, ScanResult()).id == f"gate-{found}"
    if status == ExitCode.VULNERABLE:
        assert completed.stderr == (
            f'scanner-grpc: vulnerable: scan result "gate-{found}" has '
            f"vulnerabilities at or above {threshold}: "
            f"{found} {SEVERITIES.index(found) + 1}\n"
        )
    else:
        assert completed.stderr == ""


@pytest.mark.parametrize(
    ("scan_result_id", "fail_on", "status"),
    [
        ("gate-running", ["--fail-on", "critical"], ExitCode.NOT_READY),
        ("gate-error", ["--fail-on", "negligible"], ExitCode.NOT_READY),
        # Without --fail-on, showing a scan that is not ready is a success.
        ("gate-running", [], ExitCode.OK),
    ],
)
def test_get_fail_on_exits_4_when_the_scan_is_not_ready(
    gate_emulator: Emulator,
    scan_result_id: str,
    fail_on: list[str],
    status: ExitCode,
) -> None:
    completed = run_cli(
        "get", scan_result_id, *endpoint_args(gate_emulator, "grpc"), *fail_on
    )

    assert completed.returncode == status, completed.stderr
    assert json_format.Parse(completed.stdout, ScanResult()).id == scan_result_id
    if status == ExitCode.NOT_READY:
        assert completed.stderr.startswith(
            f'scanner-grpc: not ready: scan result "{scan_result_id}" is '
        )
        assert len(completed.stderr.splitlines()) == 1


# -- failures ----------------------------------------------------------------


@pytest.mark.parametrize("transport", ["grpc", "rest"])
def test_get_unknown_id_exits_5_naming_it_and_the_request_id(
    emulator: Emulator, transport: str
) -> None:
    completed = run_cli("get", "nosuchscan", *endpoint_args(emulator, transport))

    line = assert_one_line_failure(completed, ExitCode.NOT_FOUND)
    assert line.startswith('scanner-grpc: not found: scan result "nosuchscan" ')
    assert REQUEST_ID.search(line), line


def test_get_too_long_id_exits_6_without_sending_anything(
    fresh_emulator: Emulator,
) -> None:
    too_long = "x" * 51
    # The limit lives in the protos; this keeps the test honest if it changes.
    assert violations(GetScanResultRequest(scan_result_id=too_long))

    completed = run_cli("get", too_long, *endpoint_args(fresh_emulator, "grpc"))

    line = assert_one_line_failure(completed, ExitCode.INVALID_ARGUMENT)
    assert line.startswith("scanner-grpc: invalid argument: ")
    assert "scan_result_id" in line
    assert "request id" not in line
    assert fresh_emulator.requests == []


@pytest.mark.parametrize(
    "credential_args",
    [
        pytest.param([], id="no-token"),
        pytest.param(["--iam-token", "t1.not-a-token-it-issued"], id="unknown-token"),
    ],
)
def test_get_without_a_valid_token_exits_7(
    fresh_emulator: Emulator, credential_args: list[str]
) -> None:
    fresh_emulator.auth_required = True

    completed = run_cli(
        "get", RICH_ID, *endpoint_args(fresh_emulator, "rest"), *credential_args
    )

    line = assert_one_line_failure(completed, ExitCode.AUTH)
    assert line.startswith("scanner-grpc: unauthenticated: ")
    assert REQUEST_ID.search(line), line
    assert "not-a-token" not in completed.stderr


def test_get_permission_denied_exits_7(fresh_emulator: Emulator) -> None:
    fresh_emulator.faults.fail_next(code_pb2.PERMISSION_DENIED, message="no access")

    completed = run_cli("get", RICH_ID, *endpoint_args(fresh_emulator, "grpc"))

    line = assert_one_line_failure(completed, ExitCode.AUTH)
    assert line.startswith("scanner-grpc: permission denied: no access ")


@pytest.mark.parametrize("where", ["flag", "environment"])
def test_get_with_an_issued_token_succeeds_and_never_shows_it(
    fresh_emulator: Emulator, where: str
) -> None:
    fresh_emulator.auth_required = True
    token = fresh_emulator.authority.issue_token().value
    if where == "flag":
        extra, environment = ["--iam-token", token, "--debug"], {}
    else:
        extra, environment = ["--debug"], {"YC_IAM_TOKEN": token}

    completed = run_cli(
        "get", RICH_ID, *endpoint_args(fresh_emulator, "grpc"), *extra, env=environment
    )

    assert completed.returncode == 0, completed.stderr
    assert json_format.Parse(completed.stdout, ScanResult()).id == RICH_ID
    assert token not in completed.stdout + completed.stderr
    (call,) = [r for r in fresh_emulator.requests if r.method == "Get"]
    assert call.code == code_pb2.OK


def test_get_with_metadata_credentials_succeeds(fresh_emulator: Emulator) -> None:
    fresh_emulator.auth_required = True

    completed = run_cli(
        "get",
        RICH_ID,
        *endpoint_args(fresh_emulator, "rest"),
        "--metadata",
        "--metadata-url",
        fresh_emulator.metadata_url,
    )

    assert completed.returncode == 0, completed.stderr
    assert json_format.Parse(completed.stdout, ScanResult()).id == RICH_ID


def test_get_with_a_service_account_key_succeeds(
    fresh_emulator: Emulator, tmp_path: Path
) -> None:
    fresh_emulator.auth_required = True
    key = generate_authorized_key()
    fresh_emulator.authority.register_authorized_key(key)
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(key), encoding="utf-8")

    completed = run_cli(
        "get",
        RICH_ID,
        *endpoint_args(fresh_emulator, "grpc"),
        "--sa-key-file",
        str(key_file),
        "--iam-url",
        fresh_emulator.iam_url,
    )

    assert completed.returncode == 0, completed.stderr
    assert json_format.Parse(completed.stdout, ScanResult()).id == RICH_ID
    assert fresh_emulator.authority.exchanges == 1


def test_get_unreadable_key_file_exits_7(emulator: Emulator, tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"

    completed = run_cli(
        "get", RICH_ID, *endpoint_args(emulator, "grpc"), "--sa-key-file", str(missing)
    )

    line = assert_one_line_failure(completed, ExitCode.AUTH)
    assert line.startswith("scanner-grpc: credentials: ")
    assert str(missing) in line


@pytest.mark.parametrize("transport", ["grpc", "rest"])
def test_get_unreachable_endpoint_exits_8(closed_port: int, transport: str) -> None:
    endpoint = (
        ["--endpoint", f"127.0.0.1:{closed_port}", "--insecure"]
        if transport == "grpc"
        else ["--endpoint", f"http://127.0.0.1:{closed_port}"]
    )

    completed = run_cli("get", RICH_ID, "--transport", transport, *endpoint)

    line = assert_one_line_failure(completed, ExitCode.UNAVAILABLE)
    assert line.startswith("scanner-grpc: unavailable: ")


def test_get_slower_answer_than_timeout_exits_9(fresh_emulator: Emulator) -> None:
    fresh_emulator.faults.latency = 3.0

    completed = run_cli(
        "get", RICH_ID, *endpoint_args(fresh_emulator, "rest"), "--timeout", "0.3"
    )

    line = assert_one_line_failure(completed, ExitCode.TIMEOUT)
    assert line.startswith("scanner-grpc: timed out: ")


def test_get_other_service_error_exits_1(fresh_emulator: Emulator) -> None:
    fresh_emulator.faults.fail_next(code_pb2.INTERNAL, message="disk on fire")

    completed = run_cli("get", RICH_ID, *endpoint_args(fresh_emulator, "grpc"))

    line = assert_one_line_failure(completed, ExitCode.ERROR)
    assert line.startswith("scanner-grpc: internal: disk on fire ")
    assert REQUEST_ID.search(line), line


def test_get_debug_puts_the_traceback_before_the_line(emulator: Emulator) -> None:
    completed = run_cli(
        "get", "nosuchscan", *endpoint_args(emulator, "grpc"), "--debug"
    )

    assert completed.returncode == ExitCode.NOT_FOUND
    assert completed.stdout == ""
    assert "Traceback (most recent call last):" in completed.stderr
    assert "NotFound" in completed.stderr
    last = completed.stderr.splitlines()[-1]
    assert last.startswith('scanner-grpc: not found: scan result "nosuchscan" ')


@pytest.mark.parametrize(
    "args",
    [
        # No id.
        ["get"],
        ["get", RICH_ID, "--format", "xml"],
        ["get", RICH_ID, "--timeout", "-1"],
        ["get", RICH_ID, "--fail-on", "severe"],
        ["get", RICH_ID, "--iam-token", "t", "--metadata"],
    ],
)
def test_get_usage_errors_exit_2(args: list[str]) -> None:
    completed = run_cli(*args)

    assert completed.returncode == ExitCode.USAGE
    assert completed.stdout == ""
    assert "usage: scanner-grpc get" in completed.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["--transport", "rest", "--endpoint", "http://127.0.0.1:1", "--insecure"],
            "--insecure applies to grpc",
        ),
        (["--insecure"], "--insecure needs --endpoint"),
        (["--transport", "rest", "--endpoint", "127.0.0.1:1"], "must be a URL"),
    ],
)
def test_get_unusable_endpoint_options_exit_2(args: list[str], says: str) -> None:
    completed = run_cli("get", RICH_ID, *args)

    line = assert_one_line_failure(completed, ExitCode.USAGE)
    assert says in line


def test_get_help_shows_examples_and_every_exit_status() -> None:
    completed = run_cli("get", "--help")

    assert completed.returncode == 0
    assert "examples:" in completed.stdout
    assert "--fail-on high" in completed.stdout
    for code, meaning in EXIT_CODES:
        assert re.search(
            rf"^ +{int(code)}  {re.escape(meaning)}$", completed.stdout, re.M
        )
