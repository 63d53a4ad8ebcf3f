"""The record of every request that the emulator receives, and its log line."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from google.rpc import code_pb2

__all__ = ["IN_FLIGHT", "Call", "Journal", "RecordedRequest"]

_LOGGER = logging.getLogger(__name__)

IN_FLIGHT = -1
"""The ``code`` of a request whose answer is still being prepared."""

_SECRET_HEADERS = frozenset({"authorization"})


@dataclass(frozen=True, repr=False)
class RecordedRequest:
    """One request that the emulator received.

    Attributes:
        interface: ``"grpc"`` or ``"rest"``.
        method: The RPC name, such as ``"Get"``; for a request that is not a
            ScannerService call, the HTTP method and path, such as
            ``"POST /iam/v1/tokens"``.
        headers: The request headers (gRPC: the metadata), names lower-cased.
            Binary gRPC metadata (``-bin``) is shown as ``repr`` of the bytes.
        code: The ``google.rpc.Code`` answered: ``UNAVAILABLE`` for a call
            cut by a fault or answered with the HTML 502 page, and ``-1``
            while the answer is still being prepared.
    """

    interface: str
    method: str
    headers: Mapping[str, str] = field(default_factory=dict)
    code: int = IN_FLIGHT

    def __repr__(self) -> str:
        # Tests print these in assertion messages: keep credentials out.
        shown = {
            name: ("<redacted>" if name in _SECRET_HEADERS else value)
            for name, value in self.headers.items()
        }
        return (
            f"RecordedRequest(interface={self.interface!r}, method={self.method!r}, "
            f"headers={shown!r}, code={self.code!r})"
        )


@dataclass
class Call:
    """One request being served: its record and the ids that its answer carries."""

    record: RecordedRequest
    request_id: str
    trace_id: str
    started: float

    @property
    def id_headers(self) -> tuple[tuple[str, str], ...]:
        """The ``x-request-id`` and ``x-server-trace-id`` of every answer."""
        return (("x-request-id", self.request_id), ("x-server-trace-id", self.trace_id))


MAX_RECORDS = 100_000
"""The most requests a journal remembers; older ones are forgotten."""


class Journal:
    """Keeps ``requests`` in the order of arrival and logs each request once.

    A request is recorded when it arrives, with ``code`` ``IN_FLIGHT``, and
    the record is replaced by the final one before the answer goes out; so a
    client that has seen an answer always finds its final record, and a call
    still in progress (one that the client gave up on) is already counted.
    An emulator that runs for long keeps only the last ``max_records``
    requests, so that its memory stays bounded.
    """

    def __init__(self, *, max_records: int = MAX_RECORDS) -> None:
        self.requests: list[RecordedRequest] = []
        self._max_records = max_records
        self._lock = threading.Lock()

    def begin(self, interface: str, method: str, headers: Mapping[str, str]) -> Call:
        """Records the arrival of a request and makes the ids of its answer."""
        record = RecordedRequest(interface, method, MappingProxyType(dict(headers)))
        call = Call(record, str(uuid.uuid4()), uuid.uuid4().hex, time.monotonic())
        with self._lock:
            self.requests.append(record)
            # Trimming in halves keeps the cost per request constant.
            if len(self.requests) > 2 * self._max_records:
                del self.requests[: len(self.requests) - self._max_records]
        return call

    def finish(self, call: Call, code: int, *, detail: str = "") -> None:
        """Records the code answered to ``call`` and logs the request's line.

        Args:
            call: What ``begin`` returned.
            code: The ``google.rpc.Code`` answered.
            detail: Added to the log line (the HTTP status and path on REST).
        """
        final = replace(call.record, code=code)
        with self._lock:
            # Search from the end: the call is almost always among the last.
            for index in range(len(self.requests) - 1, -1, -1):
                if self.requests[index] is call.record:
                    self.requests[index] = final
                    break
        call.record = final
        elapsed = (time.monotonic() - call.started) * 1000
        _LOGGER.info(
            "%s %s%s -> %s in %.1f ms, x-request-id %s",
            call.record.interface,
            call.record.method,
            detail,
            _code_name(code),
            elapsed,
            call.request_id,
        )


def _code_name(code: int) -> str:
    try:
        name: str = code_pb2.Code.Name(code)
    except ValueError:
        name = str(code)
    return name
