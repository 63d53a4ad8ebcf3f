"""``ScannerService.Get`` over gRPC, through the generated stub."""

from __future__ import annotations

from typing import Any

import grpc

from scanner_grpc._generated.yandex.cloud.containerregistry.v1 import (
    scanner_service_pb2_grpc,
)
from scanner_grpc._transports._endpoints import GrpcEndpoint
from scanner_grpc._transports._headers import (
    AUTHORIZATION,
    CLIENT_REQUEST_ID,
    CLIENT_TRACE_ID,
    Metadata,
)
from scanner_grpc.types import GetScanResultRequest, ScanResult

__all__ = ["Authorization", "GrpcTransport", "channel_settings"]


def channel_settings(
    endpoint: GrpcEndpoint, *, user_agent: str
) -> tuple[Any, list[tuple[str, Any]]]:
    """The channel credentials (``None`` for plain text) and the options."""
    options: list[tuple[str, Any]] = [("grpc.primary_user_agent", user_agent)]
    if endpoint.secure:
        return grpc.ssl_channel_credentials(), options
    return None, options


class Authorization:
    """The ``authorization`` metadata of the latest token, made once per token.

    The token travels as plain call metadata rather than as gRPC call
    credentials: a metadata plugin costs a thread hand-off per call, which
    doubles the time of a call to a nearby server. The guarantee that call
    credentials would add, no token over a plain-text channel to another
    host, is the clients' own: they refuse credentials with an insecure
    endpoint that is not loopback.
    """

    __slots__ = ("_latest",)

    def __init__(self) -> None:
        self._latest: tuple[str, Metadata] = ("", ())

    def for_token(self, token: str) -> Metadata:
        """``(("authorization", "Bearer <token>"),)``."""
        latest = self._latest
        if latest[0] == token:
            return latest[1]
        pair = ((AUTHORIZATION, f"Bearer {token}"),)
        # One tuple assignment: threads see either the old pair or the new.
        self._latest = (token, pair)
        return pair


class GrpcTransport:
    """Blocking gRPC; one channel, shared by every thread."""

    def __init__(
        self,
        endpoint: GrpcEndpoint,
        *,
        user_agent: str,
        metadata: Metadata,
    ) -> None:
        channel_credentials, options = channel_settings(endpoint, user_agent=user_agent)
        if channel_credentials is None:
            self._channel = grpc.insecure_channel(endpoint.target, options=options)
        else:
            self._channel = grpc.secure_channel(
                endpoint.target, channel_credentials, options=options
            )
        self._get = scanner_service_pb2_grpc.ScannerServiceStub(  # type: ignore[no-untyped-call]
            self._channel
        ).Get
        self._metadata = metadata
        self._authorization = Authorization()

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
        """One attempt; raises ``grpc.RpcError`` on failure."""
        result: ScanResult = self._get(
            request,
            timeout=timeout,
            metadata=(
                (CLIENT_TRACE_ID, trace_id),
                (CLIENT_REQUEST_ID, request_id),
                *self._metadata,
                *metadata,
                *(() if token is None else self._authorization.for_token(token)),
            ),
        )
        return result

    def close(self) -> None:
        """Closes the channel; calls in flight are cancelled."""
        self._channel.close()
