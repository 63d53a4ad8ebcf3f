"""Plain clients of the emulator for its tests: the generated stub and http.client.

Nothing here uses the project's client facade: the emulator is tested with
the bare stub and bare HTTP, so that a fault of the facade cannot hide one of
the emulator.
"""

from __future__ import annotations

import http.client
import json
import urllib.parse
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import json_format
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2

from scanner_grpc._generated.yandex.cloud.containerregistry.v1 import (
    scanner_service_pb2_grpc,
)
from scanner_grpc.emulator import Emulator

SERVICE_PATH = "/yandex.cloud.containerregistry.v1.ScannerService"
SCANS = "/container-registry/v1/scans"
IMAGES = "/container-registry/v1/images"


@dataclass
class Reply:
    """One HTTP answer, read whole."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def status_message(self) -> status_pb2.Status:
        """The body as a google.rpc.Status (fails the test if it is not one)."""
        return json_format.Parse(self.body, status_pb2.Status())

    def into(self, message: Message) -> Message:
        return json_format.Parse(self.body, message)


def rest(
    emulator: Emulator | str,
    method: str,
    target: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
) -> Reply:
    """Sends one request exactly as given (the target is not re-encoded).

    ``emulator`` is a running emulator or the base URL of one.
    """
    host, port = _host_port(emulator)
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request(method, target, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        data = response.read()
        found = {name.lower(): value for name, value in response.getheaders()}
        return Reply(response.status, found, data)
    finally:
        connection.close()


def raw_exchange(emulator: Emulator, request: bytes, *, timeout: float = 10.0) -> bytes:
    """Writes raw bytes to the REST port and reads until the server closes."""
    import socket

    host, port = _host_port(emulator)
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def _host_port(emulator: Emulator | str) -> tuple[str, int]:
    url = emulator if isinstance(emulator, str) else emulator.rest_url
    parsed = urllib.parse.urlsplit(url)
    assert parsed.hostname is not None
    assert parsed.port is not None
    return parsed.hostname, parsed.port


@contextmanager
def stub(emulator: Emulator) -> Iterator[scanner_service_pb2_grpc.ScannerServiceStub]:
    """The generated stub on an insecure channel to the emulator."""
    channel = grpc.insecure_channel(emulator.grpc_target)
    try:
        yield scanner_service_pb2_grpc.ScannerServiceStub(channel)
    finally:
        channel.close()


def grpc_status(error: grpc.RpcError) -> status_pb2.Status:
    """The google.rpc.Status in an error's ``grpc-status-details-bin``."""
    for name, value in error.trailing_metadata() or ():
        if name == "grpc-status-details-bin":
            return status_pb2.Status.FromString(value)
    raise AssertionError("the error carries no grpc-status-details-bin")


def metadata_value(metadata: Any, name: str) -> str:
    values = [value for key, value in metadata or () if key == name]
    assert len(values) == 1, f"{name} appears {len(values)} times in {metadata}"
    return str(values[0])


def details_of(status: status_pb2.Status) -> dict[str, Message]:
    """The status details by message type name, unpacked."""
    types = {
        "google.rpc.RequestInfo": error_details_pb2.RequestInfo,
        "google.rpc.BadRequest": error_details_pb2.BadRequest,
        "google.rpc.RetryInfo": error_details_pb2.RetryInfo,
    }
    found: dict[str, Message] = {}
    for detail in status.details:
        name = detail.TypeName()
        message = types[name]()
        assert detail.Unpack(message)
        found[name] = message
    return found


def violated_fields(status: status_pb2.Status) -> list[str]:
    bad_request = details_of(status)["google.rpc.BadRequest"]
    assert isinstance(bad_request, error_details_pb2.BadRequest)
    return [violation.field for violation in bad_request.field_violations]


def request_info_id(status: status_pb2.Status) -> str:
    info = details_of(status)["google.rpc.RequestInfo"]
    assert isinstance(info, error_details_pb2.RequestInfo)
    return info.request_id
