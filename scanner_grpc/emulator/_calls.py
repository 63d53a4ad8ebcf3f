"""The steps of every ScannerService call, whichever interface it came on.

1. Sleep the added latency, if any.
2. Take the next queued fault: an injected status or the HTML 502 page
   answers at once, before auth, as a proxy in front of the service would.
3. Check the bearer token, when auth is on.
4. Decode the request (the transport's job, passed in as ``decode``).
5. Check it against the constraints of the protos.
6. Run the method's handler.

A queued disconnect does not stop these steps: the call is served and the
transport then cuts the connection in the middle of the answer.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from google.protobuf import descriptor
from google.protobuf.message import Message
from google.rpc import code_pb2

from scanner_grpc._constraints import violations
from scanner_grpc.emulator._auth import Authority, check_bearer
from scanner_grpc.emulator._data import Dataset
from scanner_grpc.emulator._faults import FaultKind, Faults
from scanner_grpc.emulator._service import Handler
from scanner_grpc.emulator._status import RpcFailure, invalid_argument

__all__ = ["Dispatcher", "Outcome"]

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """How one call ends.

    Attributes:
        response: The response message, when the call succeeded.
        failure: Why it failed, otherwise.
        html_502: Answer the proxy's HTML 502 page instead (REST only).
        disconnect: Cut the connection in the middle of the answer.
    """

    response: Message | None = None
    failure: RpcFailure | None = None
    html_502: bool = False
    disconnect: bool = False

    @property
    def code(self) -> int:
        """The ``google.rpc.Code`` that the client ends up with."""
        code: int = code_pb2.OK
        if self.html_502 or self.disconnect:
            code = code_pb2.UNAVAILABLE
        elif self.failure is not None:
            code = self.failure.code
        return code


class Dispatcher:
    """Serves ScannerService calls from the data, with faults and auth.

    Args:
        dataset: What the handlers serve.
        handlers: The handler of each method, by name.
        faults: The emulator's fault queue and latency.
        authority: Judges bearer tokens.
    """

    def __init__(
        self,
        *,
        dataset: Dataset,
        handlers: Mapping[str, Handler],
        faults: Faults,
        authority: Authority,
    ) -> None:
        self.dataset = dataset
        self.auth_required = False
        # Set while the emulator stops, so that no call sleeps out its latency.
        self.stopping = threading.Event()
        self._handlers = handlers
        self._faults = faults
        self._authority = authority

    def dispatch(
        self,
        *,
        interface: str,
        method: descriptor.MethodDescriptor,
        headers: Mapping[str, str],
        decode: Callable[[], Message],
    ) -> Outcome:
        """Serves one call.

        Args:
            interface: ``"grpc"`` or ``"rest"``.
            method: The ScannerService method called.
            headers: The request headers or metadata, names lower-cased.
            decode: Builds the request message; raises ``RpcFailure`` when
                the request cannot be decoded.
        """
        latency = self._faults.latency
        if latency > 0:
            self.stopping.wait(latency)
        fault = self._faults.take(interface)
        if fault is not None and fault.kind is FaultKind.HTML_502:
            return Outcome(html_502=True)
        if fault is not None and fault.kind is FaultKind.FAIL:
            _LOGGER.debug("answering an injected %s", fault.code)
            failure = RpcFailure(
                fault.code, fault.message, retry_after=fault.retry_after
            )
            return Outcome(failure=failure)

        disconnect = fault is not None and fault.kind is FaultKind.DISCONNECT
        try:
            response = self._serve(method, headers, decode)
        except RpcFailure as failure:
            return Outcome(failure=failure, disconnect=disconnect)
        return Outcome(response=response, disconnect=disconnect)

    def _serve(
        self,
        method: descriptor.MethodDescriptor,
        headers: Mapping[str, str],
        decode: Callable[[], Message],
    ) -> Message:
        if self.auth_required:
            check_bearer(headers, self._authority)
        request = decode()
        found = violations(request)
        if found:
            raise invalid_argument(
                "; ".join(violation.description for violation in found),
                [(violation.field, violation.description) for violation in found],
            )
        handler = self._handlers.get(method.name)
        if handler is None:
            raise RpcFailure(
                code_pb2.UNIMPLEMENTED,
                f"The emulator does not implement {method.name}",
            )
        try:
            return handler(self.dataset, request)
        except RpcFailure:
            raise
        except Exception:
            # A bug of the emulator must still answer a Status, not a traceback.
            _LOGGER.exception("the %s handler failed", method.name)
            raise RpcFailure(
                code_pb2.INTERNAL, "The emulator failed to serve the call"
            ) from None
