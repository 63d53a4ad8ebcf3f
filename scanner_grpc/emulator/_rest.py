"""The emulator's REST interface: a transcoding gateway on ``http.server``.

A threaded HTTP/1.1 server with keep-alive. Each request is routed by the
service's HTTP bindings (``_routing``), decoded into the request message
(``_transcoding``), served by the ``Dispatcher`` and answered with
``json_format`` (int64 as strings, nanoseconds kept). Errors answer the flat
``google.rpc.Status`` JSON with the HTTP status of the code, except the 405
of a wrong HTTP method.

Limits, each answered with a 400 INVALID_ARGUMENT Status, never a crash:

- The request target (path and query) may be at most ``MAX_TARGET`` bytes;
  a request line longer than 64 KiB also closes the connection.
- A body may be at most ``MAX_BODY`` bytes; a larger one is read and thrown
  away up to 1 MiB (the connection stays usable) and beyond that the
  connection closes after the answer.
- At most ``MAX_QUERY_PARAMETERS`` query parameters, and ``http.server``'s
  own limits on headers (100 lines of at most 64 KiB).
"""

from __future__ import annotations

import contextlib
import http.server
import json
import logging
import socket
import sys
import threading
from collections.abc import Callable, Mapping
from typing import Any

from google.protobuf import descriptor, json_format
from google.rpc import code_pb2

from scanner_grpc._http_rules import bindings_of
from scanner_grpc.emulator._auth import (
    IAM_TOKENS_PATH,
    METADATA_TOKEN_PATH,
    Authority,
    exchange_jwt,
    metadata_token,
)
from scanner_grpc.emulator._calls import Dispatcher, Outcome
from scanner_grpc.emulator._records import Call, Journal
from scanner_grpc.emulator._routing import LocalRoute, NoRoute, Route, Router, RpcRoute
from scanner_grpc.emulator._status import (
    RpcFailure,
    build_status,
    invalid_argument,
    status_json,
)
from scanner_grpc.emulator._transcoding import MAX_QUERY_PARAMETERS, decode_request

__all__ = ["MAX_BODY", "MAX_QUERY_PARAMETERS", "MAX_TARGET", "RestGateway"]

_LOGGER = logging.getLogger(__name__)

MAX_TARGET = 8 * 1024
"""The longest request target (path and query), in bytes."""

MAX_BODY = 64 * 1024
"""The largest request body, in bytes."""

_MAX_REQUEST_LINE = 64 * 1024
_DRAIN_LIMIT = 1024 * 1024
_LINGER_SECONDS = 0.5
_POLL_INTERVAL = 0.05
_JSON = "application/json"
_HTML_502 = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
    b"<body><h1>502 Bad Gateway</h1>\n"
    b"<p>The proxy got no valid answer from the service behind it.</p>\n"
    b"</body></html>\n"
)
_LOCAL_ROUTES = {
    ("POST", IAM_TOKENS_PATH): "iam",
    ("GET", METADATA_TOKEN_PATH): "metadata",
}


class _BodyError(Exception):
    """The request body cannot be read; answer ``failure``."""

    def __init__(self, failure: RpcFailure, *, close: bool) -> None:
        super().__init__(failure.message)
        self.failure = failure
        self.close = close


class RestGateway:
    """Serves one service over HTTP/JSON, plus the token endpoints.

    Args:
        service: The service whose HTTP bindings to serve.
        host: The loopback address to listen on.
        port: The port; 0 picks a free one.
        dispatcher: Serves ScannerService calls.
        journal: Records every request.
        authority: Serves the token endpoints.
        clock: The emulator's clock, for the metadata token's ``expires_in``.
    """

    def __init__(
        self,
        *,
        service: descriptor.ServiceDescriptor,
        host: str,
        port: int,
        dispatcher: Dispatcher,
        journal: Journal,
        authority: Authority,
        clock: Callable[[], float],
    ) -> None:
        self.router = Router(bindings_of(service), _LOCAL_ROUTES)
        self.dispatcher = dispatcher
        self.journal = journal
        self.authority = authority
        self.clock = clock
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        try:
            self._server = _Server((host, port), family, self)
        except OSError as error:
            shown = f"[{host}]" if family == socket.AF_INET6 else host
            raise OSError(
                error.errno,
                f"cannot listen for REST on {shown}:{port}: {error.strerror}",
            ) from error
        bound_port = self._server.server_address[1]
        self.url = (
            f"http://[{host}]:{bound_port}"
            if family == socket.AF_INET6
            else f"http://{host}:{bound_port}"
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": _POLL_INTERVAL},
            name=f"emulator-rest-{bound_port}",
            daemon=True,
        )

    def start(self) -> None:
        """Starts serving."""
        self._thread.start()

    def stop(self) -> None:
        """Stops serving and closes every connection."""
        self._server.shutdown()
        self._thread.join()
        self._server.close_connections()
        self._server.server_close()


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # Connection threads are ended by closing their sockets, not joined: a
    # client may hold a keep-alive connection open for as long as it likes.
    block_on_close = False
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        family: socket.AddressFamily,
        gateway: RestGateway,
    ) -> None:
        self.address_family = family
        self.gateway = gateway
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host name up, which can be slow
        # and is of no use on loopback.
        http.server.socketserver.TCPServer.server_bind(self)  # type: ignore[attr-defined]
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            # The client may have closed it first.
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that vanishes mid-request is routine for a test server.
        _LOGGER.debug(
            "REST connection from %s failed: %s", client_address, sys.exc_info()[1]
        )


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes; with Nagle's algorithm the second
    # waits for the client's delayed ACK, some 40 ms per answer.
    disable_nagle_algorithm = True
    server_version = "scanner-grpc-emulator"
    server: _Server
    _answering = False

    def version_string(self) -> str:
        return self.server_version

    # 1. Reading the request.

    def handle_one_request(self) -> None:
        # Nothing of the previous request on this connection may leak into
        # the record of a malformed one.
        self.command, self.path, self.requestline = "", "", ""
        vars(self).pop("headers", None)
        try:
            self.raw_requestline = self.rfile.readline(_MAX_REQUEST_LINE + 1)
        except OSError:
            self.close_connection = True
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        if len(self.raw_requestline) > _MAX_REQUEST_LINE:
            self._drain_line()
            self.request_version = "HTTP/1.1"
            self._reject(
                f"The request line is longer than {_MAX_REQUEST_LINE} bytes; "
                f"keep the URL under {MAX_TARGET} bytes"
            )
            return
        if not self.parse_request():
            return  # send_error has answered
        if self.request_version == "HTTP/0.9":
            self.request_version = "HTTP/1.0"
            self._reject("HTTP/0.9 requests are not supported")
            return
        self._answering = False
        try:
            self._serve()
        except OSError:
            raise  # the client went away; socketserver logs it at DEBUG
        except Exception:
            # A bug of the emulator: the traceback stays in the server's log,
            # the client gets a Status.
            _LOGGER.exception("the REST gateway failed on %s", self.requestline)
            self.close_connection = True
            if not self._answering:
                self._fail_internal()
            return
        self.wfile.flush()

    def send_error(
        self, code: int, message: str | None = None, explain: str | None = None
    ) -> None:
        # http.server calls this for requests it cannot parse; answer them
        # with a Status too, and never as HTTP/0.9 (without a status line).
        if getattr(self, "request_version", "HTTP/0.9") == "HTTP/0.9":
            self.request_version = "HTTP/1.0"
        self._reject(f"The HTTP request is malformed: {message or code}")

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # The journal logs each request once, without its query string,
        # which may carry anything, credentials included.
        return

    def log_message(self, format: str, *args: Any) -> None:
        # http.server's own lines; the journal logs each request once.
        _LOGGER.debug("REST %s", format % args)

    def _drain_line(self) -> None:
        remaining = _DRAIN_LIMIT
        while remaining > 0:
            chunk = self.rfile.readline(min(remaining, _MAX_REQUEST_LINE))
            if not chunk or chunk.endswith(b"\n"):
                return
            remaining -= len(chunk)

    def _headers(self) -> dict[str, str]:
        found: dict[str, str] = {}
        headers = getattr(self, "headers", None)
        for name, value in headers.items() if headers is not None else ():
            key = name.lower()
            found[key] = f"{found[key]}, {value}" if key in found else value
        return found

    def _read_body(self, headers: Mapping[str, str]) -> bytes:
        encoding = headers.get("transfer-encoding", "").strip().lower()
        if encoding:
            if encoding != "chunked":
                raise _BodyError(
                    invalid_argument(
                        f"Transfer-Encoding {encoding!r} is not supported"
                    ),
                    close=True,
                )
            return self._read_chunked()
        declared = headers.get("content-length", "0").strip()
        if not declared.isdigit():
            raise _BodyError(
                invalid_argument(f"Content-Length {declared!r} is not a number"),
                close=True,
            )
        length = int(declared)
        if length > MAX_BODY:
            if length <= _DRAIN_LIMIT:
                self.rfile.read(length)
                close = False
            else:
                close = True
            raise _BodyError(_too_large(length), close=close)
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes:
        body = bytearray()
        while True:
            line = self.rfile.readline(1024)
            size_text = line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                size = -1
            if size < 0 or not line.endswith(b"\n"):
                raise _BodyError(
                    invalid_argument("The chunked request body is malformed"),
                    close=True,
                )
            if size == 0:
                # Trailer fields, if any, end with an empty line.
                while self.rfile.readline(_MAX_REQUEST_LINE) not in (
                    b"\r\n",
                    b"\n",
                    b"",
                ):
                    pass
                return bytes(body)
            if len(body) + size > MAX_BODY:
                raise _BodyError(_too_large(len(body) + size), close=True)
            body += self.rfile.read(size)
            self.rfile.readline(3)

    # 2. Serving it.

    def _serve(self) -> None:
        gateway = self.server.gateway
        raw_path, _, query = self.path.partition("?")
        headers = self._headers()
        route: Route
        if len(self.path.encode("utf-8", "surrogateescape")) > MAX_TARGET:
            route = NoRoute(
                f"{self.command} {raw_path[:120]}...",
                invalid_argument(
                    f"The URL is longer than {MAX_TARGET} bytes",
                    [("url", f"at most {MAX_TARGET} bytes")],
                ),
            )
        else:
            route = gateway.router.route(self.command, raw_path)
        label = route.label
        call = gateway.journal.begin("rest", label, headers)

        try:
            body = self._read_body(headers)
        except _BodyError as error:
            self._answer_failure(call, error.failure, path=raw_path, close=error.close)
            return

        if isinstance(route, NoRoute):
            self._answer_failure(call, route.failure, path=raw_path)
        elif isinstance(route, LocalRoute):
            self._serve_local(call, route, headers, body, raw_path)
        else:
            self._serve_rpc(call, route, headers, query, body, raw_path)

    def _serve_rpc(
        self,
        call: Call,
        route: RpcRoute,
        headers: Mapping[str, str],
        query: str,
        body: bytes,
        path: str,
    ) -> None:
        outcome = self.server.gateway.dispatcher.dispatch(
            interface="rest",
            method=route.binding.method,
            headers=headers,
            decode=lambda: decode_request(
                route.binding, route.path_values, query, body
            ),
        )
        if outcome.html_502:
            self._finish(call, outcome.code, 502, path)
            self._write(call, 502, _HTML_502, content_type="text/html; charset=utf-8")
            return
        status, payload, extra = _rendered(outcome, call)
        self._finish(call, outcome.code, status, path)
        self._write(call, status, payload, extra=extra, cut=outcome.disconnect)

    def _serve_local(
        self,
        call: Call,
        route: LocalRoute,
        headers: Mapping[str, str],
        body: bytes,
        path: str,
    ) -> None:
        gateway = self.server.gateway
        try:
            if route.key == "iam":
                answer = exchange_jwt(body, gateway.authority)
            else:
                answer = metadata_token(headers, gateway.authority, gateway.clock)
        except RpcFailure as failure:
            self._answer_failure(call, failure, path=path)
            return
        self._finish(call, code_pb2.OK, 200, path)
        self._write(call, 200, json.dumps(answer).encode("utf-8"))

    # 3. Answering.

    def _reject(self, message: str) -> None:
        """Answers a request that could not be parsed, and closes the connection."""
        path = getattr(self, "path", "") or ""
        label = f"{getattr(self, 'command', '') or '-'} {path[:120]}".rstrip()
        call = self.server.gateway.journal.begin("rest", label, self._headers())
        self._answer_failure(call, invalid_argument(message), path=path, close=True)

    def _fail_internal(self) -> None:
        call = self.server.gateway.journal.begin("rest", "-", self._headers())
        failure = RpcFailure(code_pb2.INTERNAL, "The emulator failed to answer")
        self._answer_failure(call, failure, path=self.path, close=True)

    def _answer_failure(
        self, call: Call, failure: RpcFailure, *, path: str, close: bool = False
    ) -> None:
        status, payload, extra = _rendered(Outcome(failure=failure), call)
        self._finish(call, failure.code, status, path)
        self._write(call, status, payload, extra=extra, close=close)

    def _finish(self, call: Call, code: int, status: int, path: str) -> None:
        shown = path if len(path) <= 120 else path[:120] + "..."
        self.server.gateway.journal.finish(call, code, detail=f" ({status} {shown})")

    def _write(
        self,
        call: Call,
        status: int,
        payload: bytes,
        *,
        content_type: str = _JSON,
        extra: Mapping[str, str] | None = None,
        close: bool = False,
        cut: bool = False,
    ) -> None:
        self._answering = True
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (*call.id_headers, *(extra or {}).items()):
            self.send_header(name, value)
        if close or cut:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command == "HEAD":
            return
        if cut:
            # Part of the body, then the end of the stream: the client sees
            # fewer bytes than Content-Length promised.
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(payload)
        if close:
            self._linger()

    def _linger(self) -> None:
        # Closing with unread request bytes makes the kernel reset the
        # connection, which can destroy the answer before the client reads
        # it; read what the client still sends, briefly, before closing.
        self.wfile.flush()
        try:
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(_LINGER_SECONDS)
            drained = 0
            while drained < _DRAIN_LIMIT:
                chunk = self.connection.recv(65536)
                if not chunk:
                    break
                drained += len(chunk)
        except OSError:
            pass  # timed out or reset: nothing more to save


def _rendered(outcome: Outcome, call: Call) -> tuple[int, bytes, dict[str, str]]:
    """The HTTP status, body and extra headers that answer ``outcome``."""
    if outcome.failure is None:
        response = outcome.response
        text = (
            "{}"
            if response is None
            else json_format.MessageToJson(response, indent=None)
        )
        return 200, text.encode("utf-8"), {}
    failure = outcome.failure
    status = build_status(failure, request_id=call.request_id)
    extra = dict(failure.http_headers)
    if failure.retry_after is not None:
        extra["Retry-After"] = _seconds(failure.retry_after)
    return failure.http_status, status_json(status), extra


def _seconds(value: float) -> str:
    # Whole seconds as HTTP expects; a fraction is kept (as a decimal) rather
    # than rounded up, so that tests may ask for sub-second delays.
    return str(int(value)) if value == int(value) else f"{value:g}"


def _too_large(length: int) -> RpcFailure:
    return invalid_argument(
        f"The request body is {length} bytes; at most {MAX_BODY} are allowed",
        [("body", f"at most {MAX_BODY} bytes")],
    )
