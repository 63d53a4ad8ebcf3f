"""Helpers for the credentials tests: a fake clock, and a small IAM and
metadata server on loopback backed by the emulator's token authority, with
knobs that the emulator does not offer for these routes (latency, canned
failures, a record of what was received)."""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from scanner_grpc.auth import Credentials
from scanner_grpc.emulator._iam import AuthorityError, TokenAuthority

IAM_PATH = "/iam/v1/tokens"
METADATA_PATH = "/computeMetadata/v1/instance/service-accounts/default/token"


class FakeClock:
    """A clock that moves only when told to; starts at the real time so that
    JWTs made with it are also acceptable to a real-time authority."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class LocalIam:
    """Serves POST /iam/v1/tokens and the metadata token route."""

    def __init__(self, authority: TokenAuthority, clock: FakeClock) -> None:
        self.authority = authority
        self.clock = clock
        self.delay = 0.0
        # Canned answers (status, content type, body) used before normal ones.
        self.canned: list[tuple[int, str, bytes]] = []
        self.received: list[tuple[str, str, dict[str, str], bytes]] = []
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.iam = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def iam_url(self) -> str:
        return self.base_url + IAM_PATH

    @property
    def metadata_url(self) -> str:
        return self.base_url + METADATA_PATH

    def posts(self) -> int:
        return sum(1 for method, *_ in self.received if method == "POST")

    def jwts(self) -> list[str]:
        return [
            json.loads(body)["jwt"]
            for method, _, _, body in self.received
            if method == "POST"
        ]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def answer(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in handler.headers.items()}
        with self._lock:
            self.received.append((method, handler.path, headers, body))
            canned = self.canned.pop(0) if self.canned else None
        if self.delay:
            self.release.wait(self.delay)
        if canned is not None:
            status, content_type, answer = canned
            # A canned answer may echo the JWT received, as a careless
            # server might in an error message.
            if b"{jwt}" in answer:
                answer = answer.replace(b"{jwt}", json.loads(body)["jwt"].encode())
            _send(handler, status, content_type, answer)
        elif method == "POST" and handler.path == IAM_PATH:
            self._exchange(handler, body)
        elif method == "GET" and handler.path == METADATA_PATH:
            self._metadata(handler, headers)
        else:
            _send_json(handler, 404, {"code": 5, "message": "no such route"})

    def _exchange(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        try:
            request = json.loads(body)
            issued = self.authority.exchange_jwt(request.get("jwt"))
        except AuthorityError as error:
            status = 401 if error.code == 16 else 400
            _send_json(handler, status, {"code": error.code, "message": error.message})
            return
        _send_json(
            handler,
            200,
            {"iamToken": issued.value, "expiresAt": issued.expires_at_rfc3339()},
        )

    def _metadata(
        self, handler: BaseHTTPRequestHandler, headers: dict[str, str]
    ) -> None:
        if headers.get("metadata-flavor") != "Google":
            _send_json(handler, 403, {"message": "Metadata-Flavor header missing"})
            return
        issued = self.authority.metadata_token()
        _send_json(
            handler,
            200,
            {
                "access_token": issued.value,
                "expires_in": issued.expires_in(self.clock()),
                "token_type": "Bearer",
            },
        )


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up early (a deadline test, an oversized answer
        # left unread) is part of the tests, not a failure of the server.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.server.iam.answer(self, "POST")  # type: ignore[attr-defined]

    def do_GET(self) -> None:
        self.server.iam.answer(self, "GET")  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: object) -> None:
        pass


def _send(
    handler: BaseHTTPRequestHandler, status: int, content_type: str, body: bytes
) -> None:
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
    except OSError:
        pass  # the client gave up (a deadline test); nothing to answer


def _send_json(handler: BaseHTTPRequestHandler, status: int, answer: object) -> None:
    _send(handler, status, "application/json", json.dumps(answer).encode())


def tokens_from_threads(credentials: Credentials, count: int = 32) -> list[str]:
    """Asks ``credentials`` for a token from ``count`` threads released at once."""
    barrier = threading.Barrier(count)
    tokens: list[str] = []

    def call() -> None:
        barrier.wait()
        tokens.append(credentials.token())

    threads = [threading.Thread(target=call) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tokens
