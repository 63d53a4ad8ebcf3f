"""``ScannerService.Get`` over REST, on urllib3."""

from __future__ import annotations

import urllib3

from scanner_grpc._transports._endpoints import RestEndpoint
from scanner_grpc._transports._headers import Metadata
from scanner_grpc._transports._http import RestRoute, too_large
from scanner_grpc.types import GetScanResultRequest, ScanResult

__all__ = ["RestTransport"]


class RestTransport:
    """Blocking REST; one connection pool, shared by every thread."""

    def __init__(
        self,
        endpoint: RestEndpoint,
        *,
        user_agent: str,
        metadata: Metadata,
        max_response_bytes: int,
        max_connections: int,
    ) -> None:
        self._route = RestRoute(
            prefix=endpoint.prefix, user_agent=user_agent, metadata=metadata
        )
        self._limit = max_response_bytes
        # The clients retry on their own; urllib3 must neither retry nor
        # follow redirects. Threads beyond max_connections open connections
        # of their own that are dropped after use.
        self._manager = urllib3.PoolManager(
            num_pools=1, maxsize=max_connections, retries=False
        )
        self._pool = self._manager.connection_from_url(endpoint.origin)

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
        """One attempt; raises urllib3's errors, or a ``ScannerError``."""
        route = self._route

        # Send, with the path from the method's HTTP rule.
        response = self._pool.urlopen(
            route.http_method,
            route.path(request),
            headers=route.headers(
                trace_id=trace_id, request_id=request_id, token=token, metadata=metadata
            ),
            retries=False,
            redirect=False,
            timeout=timeout,
            preload_content=False,
        )

        # Read no more than the cap, and one byte to tell if it is exceeded.
        body = self._read(response)
        if body is None:
            # The rest stays unread: the connection cannot serve another call.
            response.close()
            response.release_conn()
            raise too_large(
                self._limit,
                status=response.status,
                client_request_id=request_id,
                client_trace_id=trace_id,
            )
        response.release_conn()

        # Raise on an error status; parse the result.
        return route.result(
            response.status,
            response.headers,
            body,
            request_id=request_id,
            trace_id=trace_id,
        )

    def _read(self, response: urllib3.BaseHTTPResponse) -> bytes | None:
        # The body, or None when it is longer than the cap.
        limit = self._limit
        length = response.length_remaining
        if length is not None and "content-encoding" not in response.headers:
            return response.read() if length <= limit else None
        body = response.read(limit + 1)
        return body if len(body) <= limit else None

    def close(self) -> None:
        """Closes every pooled connection."""
        self._manager.clear()
