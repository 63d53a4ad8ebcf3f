"""The emulator's gRPC interface: a servicer built from the service descriptor.

Every method of the service is registered with a generic handler that takes
and returns raw bytes, so the servicer decodes requests itself (a garbled
request is INVALID_ARGUMENT, not a library error) and needs no code per
method: ``Dispatcher`` finds the handler by method name. Any other method
path gets UNIMPLEMENTED from a catch-all handler, so that its answer, too,
carries the request ids and a Status.

The server listens on an ephemeral loopback port behind a ``Relay``, whose
address is the one clients use, so that a disconnect fault can cut the TCP
connection of a call.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator, Mapping
from concurrent import futures

import grpc
from google.protobuf import descriptor, message_factory
from google.protobuf.message import DecodeError, Message
from google.rpc import code_pb2

from scanner_grpc.emulator._calls import Dispatcher
from scanner_grpc.emulator._records import Call, Journal
from scanner_grpc.emulator._relay import Relay
from scanner_grpc.emulator._status import (
    GRPC_STATUS_BY_CODE,
    RpcFailure,
    build_status,
    invalid_argument,
)

__all__ = ["GrpcFrontend"]

# Enough workers for well over 64 calls in flight, each possibly sleeping an
# injected latency; the pool starts threads only as calls need them.
_WORKERS = 256
_STOP_GRACE = 1.0


class GrpcFrontend:
    """A gRPC server for one service, with a cuttable relay in front.

    Args:
        service: The service to serve.
        host: The loopback address to listen on.
        port: The port clients connect to; 0 picks a free one.
        dispatcher: Serves the calls.
        journal: Records them.
    """

    def __init__(
        self,
        *,
        service: descriptor.ServiceDescriptor,
        host: str,
        port: int,
        dispatcher: Dispatcher,
        journal: Journal,
    ) -> None:
        self._service = service
        self._dispatcher = dispatcher
        self._journal = journal
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        bracketed = f"[{host}]" if family == socket.AF_INET6 else host

        self._server = grpc.server(
            futures.ThreadPoolExecutor(
                max_workers=_WORKERS, thread_name_prefix="emulator-grpc"
            ),
            handlers=[self._generic_handler(), _UnknownMethods(self._unknown)],
            # Without this, a second server could silently share a fixed port.
            options=[("grpc.so_reuseport", 0)],
        )
        server_port = self._server.add_insecure_port(f"{bracketed}:0")
        if server_port == 0:
            raise OSError(f"cannot listen for gRPC on {bracketed}")
        try:
            self._relay = Relay(
                family=family, listen=(host, port), upstream=(host, server_port)
            )
        except OSError as error:
            raise OSError(
                f"cannot listen for gRPC on {bracketed}:{port}: {error.strerror}"
            ) from error
        self.target = f"{bracketed}:{self._relay.port}"

    def start(self) -> None:
        """Starts serving."""
        self._server.start()
        self._relay.start()

    def stop(self) -> None:
        """Stops serving; calls in flight get a short grace period."""
        self._relay.stop()
        self._server.stop(_STOP_GRACE).wait()

    def _generic_handler(self) -> grpc.GenericRpcHandler:
        handlers = {}
        for method in self._service.methods:
            handlers[method.name] = grpc.unary_unary_rpc_method_handler(
                self._behaviour(method)
            )
        return grpc.method_handlers_generic_handler(self._service.full_name, handlers)

    def _behaviour(
        self, method: descriptor.MethodDescriptor
    ) -> Callable[[bytes, grpc.ServicerContext], bytes]:
        request_class = message_factory.GetMessageClass(method.input_type)

        def serve(raw: bytes, context: grpc.ServicerContext) -> bytes:
            return self._serve(method, request_class, raw, context)

        return serve

    def _unknown(self, method_path: str, context: grpc.ServicerContext) -> None:
        headers = _headers(context.invocation_metadata())
        call = self._journal.begin("grpc", method_path, headers)
        failure = RpcFailure(
            code_pb2.UNIMPLEMENTED,
            f"The emulator serves no method {method_path}",
        )
        self._journal.finish(call, failure.code)
        _abort(context, call, failure)

    def _serve(
        self,
        method: descriptor.MethodDescriptor,
        request_class: type[Message],
        raw: bytes,
        context: grpc.ServicerContext,
    ) -> bytes:
        headers = _headers(context.invocation_metadata())
        call = self._journal.begin("grpc", method.name, headers)
        context.send_initial_metadata(call.id_headers)

        def decode() -> Message:
            try:
                return request_class.FromString(raw)
            except DecodeError:
                raise invalid_argument(
                    f"The request is not a valid {method.input_type.name}"
                ) from None

        outcome = self._dispatcher.dispatch(
            interface="grpc", method=method, headers=headers, decode=decode
        )
        self._journal.finish(call, outcome.code)

        if outcome.disconnect and self._relay.cut(context.peer()):
            # The client has lost the connection; end the call on this side.
            context.abort(grpc.StatusCode.UNAVAILABLE, "connection cut by a fault")
        if outcome.failure is not None:
            _abort(context, call, outcome.failure)
        context.set_trailing_metadata(call.id_headers)
        response = outcome.response
        return b"" if response is None else response.SerializeToString()


class _UnknownMethods(grpc.GenericRpcHandler):  # type: ignore[misc]
    """Answers every method that no other handler serves."""

    def __init__(self, answer: Callable[[str, grpc.ServicerContext], None]) -> None:
        self._answer = answer

    def service(self, details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler:
        method_path: str = details.method

        # A stream handler fits a call of any arity; the requests go unread.
        def answer(requests: object, context: grpc.ServicerContext) -> Iterator[bytes]:
            self._answer(method_path, context)
            yield from ()

        return grpc.stream_stream_rpc_method_handler(answer)


def _abort(context: grpc.ServicerContext, call: Call, failure: RpcFailure) -> None:
    """Ends the call with ``failure``: the Status in the trailers, and the ids."""
    status = build_status(failure, request_id=call.request_id)
    context.set_trailing_metadata(
        (*call.id_headers, ("grpc-status-details-bin", status.SerializeToString()))
    )
    context.abort(GRPC_STATUS_BY_CODE[status.code], status.message)


def _headers(metadata: tuple[tuple[str, str | bytes], ...] | None) -> Mapping[str, str]:
    found: dict[str, str] = {}
    for name, value in metadata or ():
        text = value if isinstance(value, str) else repr(value)
        key = name.lower()
        found[key] = f"{found[key]}, {text}" if key in found else text
    return found
