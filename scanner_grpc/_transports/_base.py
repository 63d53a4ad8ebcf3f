"""What a transport offers the clients."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Protocol

from scanner_grpc._transports._headers import Metadata
from scanner_grpc.types import GetScanResultRequest, ScanResult

__all__ = ["AsyncTransport", "SyncTransport"]


class SyncTransport(Protocol):
    """Makes one attempt of a call, blocking; safe to share between threads."""

    def get(
        self,
        request: GetScanResultRequest,
        *,
        timeout: float | None,
        trace_id: str,
        request_id: str,
        token: str | None,
        metadata: Metadata,
    ) -> ScanResult:
        """One attempt of ``ScannerService.Get``.

        Args:
            request: The checked request.
            timeout: Seconds left for the attempt; ``None`` for no limit.
            trace_id: The call's ``x-client-trace-id``.
            request_id: The attempt's ``x-client-request-id``.
            token: An IAM token to send as a bearer token, if any.
            metadata: The call's own metadata, beyond the client's.
        """
        ...

    def close(self) -> None:
        """Closes the channel or the connection pool."""
        ...


class AsyncTransport(Protocol):
    """Makes one attempt of a call in the running event loop."""

    def get(
        self,
        request: GetScanResultRequest,
        *,
        timeout: float | None,
        trace_id: str,
        request_id: str,
        token: str | None,
        metadata: Metadata,
    ) -> Awaitable[ScanResult]:
        """One attempt of ``ScannerService.Get``, to await; see ``SyncTransport``."""
        ...

    async def close(self) -> None:
        """Closes the channel or the session."""
        ...
