"""The emulator, served by ``python -m scanner_grpc emulator`` in a process of its own.

In its own process the emulator's work does not share the benchmark's
interpreter lock, so what is timed is the client's work and the wait for an
answer, as against a real service.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from typing import IO

__all__ = ["EmulatorProcess", "fetch_metadata_token", "running_emulator"]

_READY_TIMEOUT = 60.0
_STOP_TIMEOUT = 10.0
# scanner-grpc emulator: grpc 127.0.0.1:PORT rest http://127.0.0.1:PORT
_READY = re.compile(r"\bgrpc (?P<grpc>\S+) rest (?P<rest>http://\S+)")
_METADATA_PATH = "/computeMetadata/v1/instance/service-accounts/default/token"


class EmulatorProcess:
    """Where the emulator serves, once it has said it is ready."""

    def __init__(self, grpc_target: str, rest_url: str, pid: int) -> None:
        self.grpc_target = grpc_target
        self.rest_url = rest_url
        self.pid = pid

    @property
    def iam_url(self) -> str:
        """The IAM token exchange of the emulator."""
        return self.rest_url + "/iam/v1/tokens"


@contextlib.contextmanager
def running_emulator(
    *, auth: bool, authorized_key: Mapping[str, str] | None
) -> Iterator[EmulatorProcess]:
    """Starts the emulator on free loopback ports, and stops it at the end.

    Args:
        auth: Whether ScannerService calls need a token that it issued.
        authorized_key: A service account key whose JWTs its IAM endpoint
            accepts; only the public part is handed over.

    Raises:
        RuntimeError: It did not start; the message holds its stderr.
    """
    with tempfile.TemporaryDirectory(prefix="scanner-grpc-bench-") as directory:
        command = [
            sys.executable,
            "-m",
            "scanner_grpc",
            "emulator",
            "--grpc-port",
            "0",
            "--rest-port",
            "0",
        ]
        if auth:
            command.append("--auth")
        if authorized_key is not None:
            public = {k: v for k, v in authorized_key.items() if k != "private_key"}
            key_path = os.path.join(directory, "public-key.json")
            with open(key_path, "w", encoding="utf-8") as file:
                json.dump(public, file)
            command += ["--authorized-key", key_path]
        # The emulator logs a line per request on stderr: a file, rather than
        # a pipe that nobody reads and that would block it once full.
        log_path = os.path.join(directory, "emulator.log")
        with open(log_path, "w+b") as log:
            process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL
            )
            try:
                assert process.stdout is not None
                line = _ready_line(process.stdout)
                found = _READY.search(line)
                if found is None:
                    raise RuntimeError(
                        f"the emulator did not start: {line!r}\n{_tail(log_path)}"
                    )
                yield EmulatorProcess(
                    found.group("grpc"), found.group("rest").rstrip("/"), process.pid
                )
            finally:
                _stop(process)


def _ready_line(stdout: IO[bytes]) -> str:
    # readline blocks; a thread lets the wait end in a timeout.
    lines: list[bytes] = []
    reader = threading.Thread(target=lambda: lines.append(stdout.readline()))
    reader.daemon = True
    reader.start()
    reader.join(_READY_TIMEOUT)
    return lines[0].decode("utf-8", "replace").strip() if lines else ""


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdout is not None:
        process.stdout.close()


def _tail(path: str, lines: int = 20) -> str:
    with open(path, encoding="utf-8", errors="replace") as file:
        return "".join(file.readlines()[-lines:])


def fetch_metadata_token(rest_url: str) -> str:
    """A token from the emulator's VM metadata endpoint, valid for its checks."""
    import urllib3

    response = urllib3.request(
        "GET",
        rest_url + _METADATA_PATH,
        headers={"Metadata-Flavor": "Google"},
        timeout=10.0,
        retries=False,
    )
    if response.status != 200:
        raise RuntimeError(f"the metadata endpoint answered HTTP {response.status}")
    token: str = response.json()["access_token"]
    return token
