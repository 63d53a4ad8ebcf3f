"""``scanner-grpc emulator`` run as a subprocess, as a user would run it."""

from __future__ import annotations

import json
import re
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import jwt
import pytest
from emulator_helpers import SCANS, rest

from scanner_grpc._generated.yandex.cloud.containerregistry.v1 import (
    scanner_service_pb2_grpc,
)
from scanner_grpc.emulator._iam import IAM_AUDIENCE, generate_authorized_key
from scanner_grpc.types import GetScanResultRequest

RECORD = "chescanworker0000002"
READY = re.compile(
    r"^scanner-grpc emulator: grpc (127\.0\.0\.1:\d+) rest (http://127\.0\.0\.1:\d+)$"
)
COMMAND = [sys.executable, "-m", "scanner_grpc", "emulator"]
FREE_PORTS = ["--grpc-port", "0", "--rest-port", "0"]


class Running:
    """An emulator subprocess that has printed its ready line."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        line = _read_line(process, timeout=60)
        found = READY.match(line.rstrip("\n"))
        assert found, f"not a ready line: {line!r}"
        self.grpc_target, self.rest_url = found.groups()

    def get(self, target: str) -> tuple[int, dict[str, str]]:
        reply = rest(self.rest_url, "GET", target)
        return reply.status, reply.headers

    def stop(self, signal_number: int = signal.SIGTERM) -> tuple[int, str]:
        self.process.send_signal(signal_number)
        _, stderr = self.process.communicate(timeout=30)
        return self.process.returncode, stderr


def _read_line(process: subprocess.Popen[str], *, timeout: float) -> str:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise AssertionError("the emulator printed no ready line")
    return process.stdout.readline()


def _start(*arguments: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*COMMAND, *FREE_PORTS, *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def launch() -> Iterator[Callable[..., Running]]:
    started: list[subprocess.Popen[str]] = []

    def launch(*arguments: str) -> Running:
        process = _start(*arguments)
        started.append(process)
        return Running(process)

    yield launch
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)


def test_cli_emulator_serves_both_interfaces_until_sigterm(
    launch: Callable[..., Running],
) -> None:
    running: Running = launch()

    status, headers = running.get(f"{SCANS}/{RECORD}")
    with grpc.insecure_channel(running.grpc_target) as channel:
        stub = scanner_service_pb2_grpc.ScannerServiceStub(channel)
        over_grpc = stub.Get(GetScanResultRequest(scan_result_id=RECORD), timeout=10)
    code, stderr = running.stop()

    assert status == 200
    assert headers["x-request-id"]
    assert over_grpc.id == RECORD
    assert code == 0
    log = stderr.splitlines()
    assert any(" rest Get " in line and "-> OK" in line for line in log)
    assert any(" grpc Get -> OK" in line for line in log)
    assert log[-1] == "scanner-grpc emulator: stopped"
    assert "Traceback" not in stderr


def test_cli_emulator_stops_cleanly_on_sigint(launch: Callable[..., Running]) -> None:
    running: Running = launch()

    code, stderr = running.stop(signal.SIGINT)

    assert code == 0
    assert "Traceback" not in stderr


def test_cli_emulator_fault_flags_queue_in_order(
    launch: Callable[..., Running],
) -> None:
    running: Running = launch(
        "--fail-next", "RESOURCE_EXHAUSTED:2", "--retry-after", "1", "--html-502-next"
    )

    answers = [running.get(f"{SCANS}/{RECORD}") for _ in range(4)]
    running.stop()

    assert [status for status, _ in answers] == [429, 429, 502, 200]
    assert answers[0][1]["retry-after"] == "1"


def test_cli_emulator_auth_flag_requires_a_token(
    launch: Callable[..., Running],
) -> None:
    running: Running = launch("--auth")

    status, _ = running.get(f"{SCANS}/{RECORD}")
    running.stop()

    assert status == 401


def test_cli_emulator_registers_authorized_key_files(
    launch: Callable[..., Running], tmp_path: Path
) -> None:
    key = generate_authorized_key()
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(key), encoding="utf-8")
    now = int(time.time())
    signed = jwt.encode(
        {
            "iss": key["service_account_id"],
            "aud": IAM_AUDIENCE,
            "iat": now,
            "exp": now + 600,
        },
        key["private_key"][key["private_key"].index("-----BEGIN") :],
        algorithm="PS256",
        headers={"kid": key["id"]},
    )

    running = launch("--auth", "--authorized-key", str(key_file))
    token = rest(
        running.rest_url,
        "POST",
        "/iam/v1/tokens",
        body=json.dumps({"jwt": signed}).encode(),
    ).json()["iamToken"]
    with grpc.insecure_channel(running.grpc_target) as channel:
        stub = scanner_service_pb2_grpc.ScannerServiceStub(channel)
        over_grpc = stub.Get(
            GetScanResultRequest(scan_result_id=RECORD),
            metadata=[("authorization", f"Bearer {token}")],
            timeout=10,
        )
    code, stderr = running.stop()

    assert over_grpc.id == RECORD
    assert code == 0
    assert token not in stderr


def _run_to_exit(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, *arguments], capture_output=True, text=True, timeout=60
    )


def test_cli_emulator_bad_data_file_exits_2_naming_record_and_field(
    tmp_path: Path,
) -> None:
    path = tmp_path / "data.json"
    path.write_text(
        json.dumps({"scanResults": [{"id": "a", "imageId": "b", "status": "DONE"}]}),
        encoding="utf-8",
    )

    finished = _run_to_exit(*FREE_PORTS, "--data", str(path))

    assert finished.returncode == 2
    assert finished.stdout == ""
    lines = finished.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("scanner-grpc emulator: error: ")
    assert "scanResults[0] (id 'a')" in lines[0]
    assert "status" in lines[0]


def test_cli_emulator_bad_key_file_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "key.json"
    path.write_text('{"id": "k"}', encoding="utf-8")

    finished = _run_to_exit(*FREE_PORTS, "--authorized-key", str(path))

    assert finished.returncode == 2
    assert "key.json" in finished.stderr
    assert "service_account_id" in finished.stderr
    assert "Traceback" not in finished.stderr


@pytest.mark.parametrize(
    "arguments",
    [
        ["--fail-next", "OK"],  # not a failure
        ["--fail-next", "UNAVAILABLE:0"],  # no calls
        ["--grpc-port", "70000"],  # not a port
        ["--latency", "-1"],  # negative
    ],
)
def test_cli_emulator_bad_option_exits_2(arguments: list[str]) -> None:
    finished = _run_to_exit(*arguments)

    assert finished.returncode == 2
    assert "Traceback" not in finished.stderr


def test_cli_emulator_busy_port_exits_1_naming_it() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        finished = _run_to_exit("--grpc-port", "0", "--rest-port", str(port))

    assert finished.returncode == 1
    assert f"127.0.0.1:{port}" in finished.stderr
    assert "Traceback" not in finished.stderr
