"""How the REST clients read answers that the emulator never gives.

A small HTTP server on loopback answers whatever a test sets: JSON in every
spelling that the REST API allows, chunked bodies, broken bodies, redirects.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from client_helpers import Connect, rest_only

from scanner_grpc import errors
from scanner_grpc.types import ScanResult

pytestmark = rest_only


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    chunked: bool = False


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    answer = Answer()
    paths: list[str] = []  # noqa: RUF012  # replaced per server below

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that stops reading a capped body closes the connection
        # under the writer; that is the expected outcome, not an error.
        pass


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        self.server.paths.append(self.path)
        answer = self.server.answer
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json")
        for name, value in answer.headers.items():
            self.send_header(name, value)
        if answer.chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(answer.body), 100):
                piece = answer.body[start : start + 100]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: the tests read what they need from the server


@pytest.fixture(scope="module")
def canned() -> Iterator[_Server]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.paths = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def _url(server: _Server) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}"


async def test_get_scan_result_reads_every_json_spelling(
    canned: _Server, connect: Connect
) -> None:
    canned.answer = Answer(
        body=json.dumps(
            {
                "id": "crpscan1",
                "imageId": "crpimage1",
                # An offset, and nine fractional digits.
                "scannedAt": "2024-05-14T12:26:53.123456789+03:00",
                "status": 2,  # an enum as its number
                # int64 as a JSON number and as a string.
                "vulnerabilities": {"critical": 3, "high": "9223372036854775807"},
                # A field that the service may add some day.
                "riskScore": {"value": 7.5},
            }
        ).encode()
    )
    expected = ScanResult(id="crpscan1", image_id="crpimage1", status=ScanResult.READY)
    expected.scanned_at.FromJsonString("2024-05-14T09:26:53.123456789Z")
    expected.vulnerabilities.critical = 3
    expected.vulnerabilities.high = 2**63 - 1

    result = await connect(None, endpoint=_url(canned)).get("crpscan1")

    assert result == expected


async def test_get_scan_result_reads_a_chunked_body(
    canned: _Server, connect: Connect
) -> None:
    body = json.dumps({"id": "crpscan2", "imageId": "i" * 40}).encode()
    canned.answer = Answer(body=body, chunked=True)
    client = connect(None, endpoint=_url(canned), max_response_bytes=len(body))

    result = await client.get("crpscan2")

    assert result.image_id == "i" * 40


async def test_get_scan_result_caps_a_chunked_body(
    canned: _Server, connect: Connect
) -> None:
    body = json.dumps({"id": "crpscan3", "imageId": "i" * 5000}).encode()
    canned.answer = Answer(body=body, chunked=True)
    client = connect(None, endpoint=_url(canned), max_response_bytes=1000)

    with pytest.raises(errors.ResourceExhausted, match="max_response_bytes=1000"):
        await client.get("crpscan3")


async def test_get_scan_result_maps_a_body_that_is_no_scan_result(
    canned: _Server, connect: Connect
) -> None:
    canned.answer = Answer(body=b'{"id": 42, "status": "MAYBE"')
    client = connect(None, endpoint=_url(canned), retry=None)

    with pytest.raises(errors.Internal) as caught:
        await client.get("crpscan4")

    assert "not a valid message" in caught.value.message
    assert caught.value.__cause__ is not None


async def test_get_scan_result_does_not_follow_redirects(
    canned: _Server, connect: Connect
) -> None:
    canned.paths.clear()
    canned.answer = Answer(
        status=302, headers={"Location": "/elsewhere"}, body=b"moved"
    )
    client = connect(None, endpoint=_url(canned), retry=None)

    with pytest.raises(errors.ScannerError) as caught:
        await client.get("crpscan5")

    assert caught.value.http_status == 302
    assert canned.paths == ["/container-registry/v1/scans/crpscan5"]


async def test_get_scan_result_reads_retry_after_seconds(
    canned: _Server, connect: Connect
) -> None:
    canned.answer = Answer(
        status=429,
        headers={"Retry-After": "7", "x-request-id": "req-1"},
        body=b'{"code": 8, "message": "slow down"}',
    )
    client = connect(None, endpoint=_url(canned), retry=None)

    with pytest.raises(errors.ResourceExhausted) as caught:
        await client.get("crpscan6")

    assert caught.value.retry_after == 7.0
    assert caught.value.request_id == "req-1"
    assert caught.value.message == "slow down"
