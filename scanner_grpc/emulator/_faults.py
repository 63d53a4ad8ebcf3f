"""Faults that the emulator injects into ScannerService calls on demand.

Faults form one queue, consumed in order, one entry per call, by
ScannerService calls only (the IAM and metadata endpoints never see them).
A fault limited to one interface is skipped, and stays queued, when a call
arrives on the other one. ``latency`` is not queued: it delays every call
while it is set.
"""

from __future__ import annotations

import enum
import math
import threading
from dataclasses import dataclass

from google.rpc import code_pb2

__all__ = ["Fault", "FaultKind", "Faults"]

_INTERFACES = (None, "grpc", "rest")


class FaultKind(enum.Enum):
    """What a queued fault does to the call that takes it."""

    FAIL = "fail"
    """Answer a given status instead of serving the call."""

    HTML_502 = "html_502"
    """Answer a proxy's HTML 502 page instead of serving the call (REST)."""

    DISCONNECT = "disconnect"
    """Serve the call, then close the connection in the middle of the answer."""


@dataclass(frozen=True)
class Fault:
    """The fault that one call takes from the queue."""

    kind: FaultKind
    code: int = code_pb2.UNAVAILABLE
    message: str = ""
    retry_after: float | None = None


@dataclass
class _Queued:
    fault: Fault
    interface: str | None
    remaining: int


class Faults:
    """The fault queue and the added latency of one emulator.

    Thread-safe. Every method that queues a fault appends to the queue, so
    ``fail_next(UNAVAILABLE, times=2)`` followed by ``html_502_next()``
    answers two UNAVAILABLE errors, then a 502 page, then serves normally.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[_Queued] = []
        self._latency = 0.0

    def __repr__(self) -> str:
        return f"Faults(latency={self._latency!r}, pending={self.pending})"

    @property
    def latency(self) -> float:
        """Seconds slept before answering each ScannerService call; 0 for none."""
        return self._latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"latency must be a finite number >= 0, not {seconds!r}")
        self._latency = float(seconds)

    @property
    def pending(self) -> int:
        """How many calls the queued faults will still affect."""
        with self._lock:
            return sum(queued.remaining for queued in self._queue)

    def fail_next(
        self,
        code: int,
        *,
        times: int = 1,
        message: str = "injected fault",
        retry_after: float | None = None,
        interface: str | None = None,
    ) -> None:
        """Answers the next ``times`` calls with ``code`` instead of serving them.

        Args:
            code: A ``google.rpc.code_pb2`` value other than ``OK``.
            times: How many calls to fail.
            message: The Status message of the answers.
            retry_after: Seconds; adds a ``google.rpc.RetryInfo`` detail on
                both interfaces and a ``Retry-After`` header on REST.
            interface: ``"grpc"`` or ``"rest"`` to fail only calls on that
                interface; ``None`` for either.
        """
        if code == code_pb2.OK or code not in code_pb2.Code.values():
            raise ValueError(
                f"code must be a google.rpc.Code other than OK, not {code!r}"
            )
        if retry_after is not None and (
            not math.isfinite(retry_after) or retry_after < 0
        ):
            raise ValueError(
                f"retry_after must be a finite number >= 0, not {retry_after!r}"
            )
        fault = Fault(FaultKind.FAIL, code, message, retry_after)
        self._push(fault, times=times, interface=interface)

    def html_502_next(self, *, times: int = 1) -> None:
        """Answers the next ``times`` REST calls with a proxy-style HTML 502 page."""
        self._push(Fault(FaultKind.HTML_502), times=times, interface="rest")

    def disconnect_next(self, *, times: int = 1, interface: str | None = None) -> None:
        """Closes the connection in the middle of the next ``times`` answers.

        Over REST the status line, the headers and part of the body are sent
        before the socket closes; over gRPC the response headers are sent and
        the TCP connection is cut. The client sees a broken connection
        (UNAVAILABLE over gRPC).

        Args:
            times: How many calls to cut.
            interface: ``"grpc"``, ``"rest"`` or ``None`` for either.
        """
        self._push(Fault(FaultKind.DISCONNECT), times=times, interface=interface)

    def clear(self) -> None:
        """Empties the queue and sets ``latency`` back to 0."""
        with self._lock:
            self._queue.clear()
            self._latency = 0.0

    def take(self, interface: str) -> Fault | None:
        """Consumes the first queued fault that applies to a call on ``interface``.

        The emulator calls this once per ScannerService call.
        """
        with self._lock:
            for index, queued in enumerate(self._queue):
                if queued.interface not in (None, interface):
                    continue
                queued.remaining -= 1
                if queued.remaining == 0:
                    del self._queue[index]
                return queued.fault
        return None

    def _push(self, fault: Fault, *, times: int, interface: str | None) -> None:
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            raise ValueError(f"times must be an integer >= 1, not {times!r}")
        if interface not in _INTERFACES:
            raise ValueError(
                f"interface must be 'grpc', 'rest' or None, not {interface!r}"
            )
        with self._lock:
            self._queue.append(_Queued(fault, interface, times))
