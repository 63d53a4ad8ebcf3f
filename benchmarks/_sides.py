"""The two sides of each pair: the facade, and the same call made by hand.

Both sides of a pair send the same headers: ``user-agent`` (the facade's
``scanner-grpc/<version>``), a fresh ``x-client-trace-id`` and
``x-client-request-id`` per call, ``authorization: Bearer <token>`` when the
run has a token, and over REST ``accept: application/json``. Both give every
call the facade's default deadline of 30 s, read the same scan result, and
turn the answer into the same ``ScanResult`` message. The raw sides make the
identifiers and the request per call, as a program of their own would.

Each builder returns a ``Side``: a label, the call, and how to close what it
opened.
"""

from __future__ import annotations

import dataclasses
import urllib.parse
import uuid
from collections.abc import Awaitable, Callable

import scanner_grpc
from scanner_grpc.auth import Credentials, IamToken
from scanner_grpc.types import GetScanResultRequest, ScanResult

__all__ = [
    "USER_AGENT",
    "AsyncSide",
    "SyncSide",
    "facade_async",
    "facade_sync",
    "raw_aiohttp",
    "raw_grpc_aio",
    "raw_grpc_sync",
    "raw_urllib3",
]

USER_AGENT = f"scanner-grpc/{scanner_grpc.__version__}"
"""The ``user-agent`` that the facade sends, and so the raw sides too."""

TIMEOUT = 30.0
"""The facade's default timeout, given to the raw calls too."""

_GET_PATH = "/container-registry/v1/scans/"


@dataclasses.dataclass(frozen=True)
class SyncSide:
    """A blocking side: one call is ``call()``."""

    label: str
    call: Callable[[], ScanResult]
    close: Callable[[], object]


@dataclasses.dataclass(frozen=True)
class AsyncSide:
    """An asyncio side: one call is ``await call()``."""

    label: str
    call: Callable[[], Awaitable[ScanResult]]
    close: Callable[[], Awaitable[object]]


def _authorization(token: str | None) -> tuple[tuple[str, str], ...]:
    return () if token is None else (("authorization", f"Bearer {token}"),)


def _credentials(token: str | None) -> Credentials | None:
    # None makes the facade consult the environment, which run.py has
    # cleared of every YC_* variable: no authorization is sent.
    return None if token is None else IamToken(token)


# The facade.


def facade_sync(
    *,
    transport: str,
    endpoint: str,
    scan_result_id: str,
    token: str | None = None,
    credentials: Credentials | None = None,
    label: str = "ScannerClient",
) -> SyncSide:
    """``ScannerClient`` with its defaults, but for the endpoint and token."""
    client = scanner_grpc.ScannerClient(
        transport=transport,  # type: ignore[arg-type]
        endpoint=endpoint,
        insecure=transport == "grpc",
        credentials=credentials or _credentials(token),
    )
    get = client.get_scan_result

    def call() -> ScanResult:
        return get(scan_result_id)

    return SyncSide(f"{label}({transport})", call, client.close)


def facade_async(
    *, transport: str, endpoint: str, scan_result_id: str, token: str | None
) -> AsyncSide:
    """``AsyncScannerClient`` with its defaults, but for the endpoint and token."""
    client = scanner_grpc.AsyncScannerClient(
        transport=transport,  # type: ignore[arg-type]
        endpoint=endpoint,
        insecure=transport == "grpc",
        credentials=_credentials(token),
    )
    get = client.get_scan_result

    def call() -> Awaitable[ScanResult]:
        return get(scan_result_id)

    return AsyncSide(f"AsyncScannerClient({transport})", call, client.close)


# gRPC by hand: the generated stub on a plain channel.


def raw_grpc_sync(*, target: str, scan_result_id: str, token: str | None) -> SyncSide:
    """The generated ``ScannerServiceStub`` on ``grpc.insecure_channel``."""
    import grpc

    from scanner_grpc._generated.yandex.cloud.containerregistry.v1 import (
        scanner_service_pb2_grpc,
    )

    channel = grpc.insecure_channel(
        target, options=[("grpc.primary_user_agent", USER_AGENT)]
    )
    get = scanner_service_pb2_grpc.ScannerServiceStub(channel).Get  # type: ignore[no-untyped-call]
    authorization = _authorization(token)

    def call() -> ScanResult:
        metadata = (
            ("x-client-trace-id", str(uuid.uuid4())),
            ("x-client-request-id", str(uuid.uuid4())),
            *authorization,
        )
        request = GetScanResultRequest(scan_result_id=scan_result_id)
        result: ScanResult = get(request, timeout=TIMEOUT, metadata=metadata)
        return result

    return SyncSide("ScannerServiceStub", call, channel.close)


def raw_grpc_aio(*, target: str, scan_result_id: str, token: str | None) -> AsyncSide:
    """The generated stub on ``grpc.aio.insecure_channel``; make it in the loop."""
    import grpc.aio

    from scanner_grpc._generated.yandex.cloud.containerregistry.v1 import (
        scanner_service_pb2_grpc,
    )

    channel = grpc.aio.insecure_channel(
        target, options=[("grpc.primary_user_agent", USER_AGENT)]
    )
    get = scanner_service_pb2_grpc.ScannerServiceStub(channel).Get  # type: ignore[no-untyped-call]
    authorization = _authorization(token)

    async def call() -> ScanResult:
        metadata = (
            ("x-client-trace-id", str(uuid.uuid4())),
            ("x-client-request-id", str(uuid.uuid4())),
            *authorization,
        )
        request = GetScanResultRequest(scan_result_id=scan_result_id)
        result: ScanResult = await get(request, timeout=TIMEOUT, metadata=metadata)
        return result

    return AsyncSide("grpc.aio stub", call, channel.close)


# REST by hand: an HTTP library and json_format.


def _url(rest_url: str, scan_result_id: str) -> str:
    return rest_url + _GET_PATH + urllib.parse.quote(scan_result_id, safe="")


def raw_urllib3(*, rest_url: str, scan_result_id: str, token: str | None) -> SyncSide:
    """``urllib3.PoolManager().request`` and ``json_format.Parse``.

    The pool manager neither retries nor redirects, like the facade's.
    """
    import urllib3
    from google.protobuf import json_format

    manager = urllib3.PoolManager(retries=False)
    fixed = {
        "user-agent": USER_AGENT,
        "accept": "application/json",
        **dict(_authorization(token)),
    }

    def call() -> ScanResult:
        headers = {
            **fixed,
            "x-client-trace-id": str(uuid.uuid4()),
            "x-client-request-id": str(uuid.uuid4()),
        }
        response = manager.request(
            "GET", _url(rest_url, scan_result_id), headers=headers, timeout=TIMEOUT
        )
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {response.data[:200]!r}")
        return json_format.Parse(
            response.data, ScanResult(), ignore_unknown_fields=True
        )

    return SyncSide("urllib3 + json_format", call, manager.clear)


def raw_aiohttp(
    *, rest_url: str, scan_result_id: str, token: str | None, max_connections: int
) -> AsyncSide:
    """An ``aiohttp.ClientSession`` and ``json_format.Parse``; make it in the loop.

    The session keeps at most ``max_connections`` connections, as the
    facade's does, and ignores proxy variables, as the facade's does.
    """
    import aiohttp
    from google.protobuf import json_format

    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=max_connections),
        timeout=aiohttp.ClientTimeout(total=TIMEOUT),
        trust_env=False,
    )
    fixed = {
        "user-agent": USER_AGENT,
        "accept": "application/json",
        **dict(_authorization(token)),
    }

    async def call() -> ScanResult:
        headers = {
            **fixed,
            "x-client-trace-id": str(uuid.uuid4()),
            "x-client-request-id": str(uuid.uuid4()),
        }
        async with session.get(_url(rest_url, scan_result_id), headers=headers) as r:
            body = await r.read()
            if r.status != 200:
                raise RuntimeError(f"HTTP {r.status}: {body[:200]!r}")
        return json_format.Parse(body, ScanResult(), ignore_unknown_fields=True)

    return AsyncSide("aiohttp + json_format", call, session.close)
