"""``ScannerService.Get`` over REST for asyncio, on aiohttp."""

from __future__ import annotations

import aiohttp
import yarl

from scanner_grpc._transports._endpoints import RestEndpoint
from scanner_grpc._transports._headers import Metadata
from scanner_grpc._transports._http import RestRoute, too_large
from scanner_grpc.types import GetScanResultRequest, ScanResult

__all__ = ["AsyncRestTransport"]


class AsyncRestTransport:
    """REST on asyncio; one session, opened in the loop of the first call."""

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
        self._origin = endpoint.origin
        self._limit = max_response_bytes
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        # A session belongs to the event loop it is made in, so it is made in
        # the loop of the first call rather than in the constructor.
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self._max_connections),
            trust_env=False,
        )
        return self._session

    async def get(
        self,
        request: GetScanResultRequest,
        *,
        timeout: float | None,
        trace_id: str,
        request_id: str,
        token: str | None,
        metadata: Metadata,
    ) -> ScanResult:
        """One attempt; raises aiohttp's and asyncio's errors, or a ``ScannerError``."""
        session = self._session or self._open()
        route = self._route

        # Send, with the path from the method's HTTP rule. encoded=True keeps
        # yarl from decoding and normalising the percent-encoded id.
        url = yarl.URL(self._origin + route.path(request), encoded=True)
        async with session.request(
            route.http_method,
            url,
            headers=route.headers(
                trace_id=trace_id, request_id=request_id, token=token, metadata=metadata
            ),
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as response:
            # Read no more than the cap, and one byte to tell if it is exceeded.
            body = await self._read(response)
            if body is None:
                response.close()
                raise too_large(
                    self._limit,
                    status=response.status,
                    client_request_id=request_id,
                    client_trace_id=trace_id,
                )

        # Raise on an error status; parse the result.
        return route.result(
            response.status,
            response.headers,
            body,
            request_id=request_id,
            trace_id=trace_id,
        )

    async def _read(self, response: aiohttp.ClientResponse) -> bytes | None:
        # The body, or None when it is longer than the cap.
        limit = self._limit
        length = response.content_length
        if length is not None and "content-encoding" not in response.headers:
            return await response.read() if length <= limit else None
        body = b""
        while chunk := await response.content.read(limit + 1 - len(body)):
            body += chunk
            if len(body) > limit:
                return None
        return body

    async def close(self) -> None:
        """Closes the session, if a call ever opened it."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()
