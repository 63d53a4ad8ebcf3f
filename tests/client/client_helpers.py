"""What the client tests share: the four clients behind one interface.

The sync clients are called straight from the tests' event loop; they block
it, which is harmless since the emulator runs in threads of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import pytest

from scanner_grpc import AsyncScannerClient, Retry, ScannerClient
from scanner_grpc.emulator import Emulator, RecordedRequest
from scanner_grpc.types import ScanResult


@dataclass(frozen=True)
class Kind:
    """One of the four clients."""

    transport: Literal["grpc", "rest"]
    asyncio: bool

    @property
    def is_rest(self) -> bool:
        return self.transport == "rest"

    def options_for(self, emulator: Emulator) -> dict[str, Any]:
        """The endpoint options that reach ``emulator``."""
        if self.is_rest:
            return {"endpoint": emulator.rest_url}
        return {"endpoint": emulator.grpc_target, "insecure": True}

    def options_for_port(self, port: int) -> dict[str, Any]:
        """The endpoint options for a loopback port."""
        if self.is_rest:
            return {"endpoint": f"http://127.0.0.1:{port}"}
        return {"endpoint": f"127.0.0.1:{port}", "insecure": True}


GRPC_SYNC = Kind("grpc", asyncio=False)
GRPC_ASYNCIO = Kind("grpc", asyncio=True)
REST_SYNC = Kind("rest", asyncio=False)
REST_ASYNCIO = Kind("rest", asyncio=True)
KINDS = (GRPC_SYNC, GRPC_ASYNCIO, REST_SYNC, REST_ASYNCIO)
KIND_IDS = ("grpc-sync", "grpc-asyncio", "rest-sync", "rest-asyncio")


class Facade:
    """A sync or asyncio client, called the same way from an async test."""

    def __init__(self, kind: Kind, **options: Any) -> None:
        self.kind = kind
        client_class = AsyncScannerClient if kind.asyncio else ScannerClient
        self.client: ScannerClient | AsyncScannerClient = client_class(
            transport=kind.transport, **options
        )

    async def get(self, scan_result_id: str, **options: Any) -> ScanResult:
        if isinstance(self.client, AsyncScannerClient):
            return await self.client.get_scan_result(scan_result_id, **options)
        return self.client.get_scan_result(scan_result_id, **options)

    async def close(self) -> None:
        if isinstance(self.client, AsyncScannerClient):
            await self.client.close()
        else:
            self.client.close()


Connect = Callable[..., Facade]


@dataclass
class FakeTime:
    """A clock that moves only when the client sleeps, and records the sleeps."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)

    def retry(self, **options: Any) -> Retry:
        """A policy on this clock, with exact (unjittered) waits by default."""
        options.setdefault("jitter", 0.0)
        return Retry(
            clock=self.clock,
            sleep=self.sleep,
            async_sleep=self.async_sleep,
            **options,
        )


def gets(emulator: Emulator) -> list[RecordedRequest]:
    """The ScannerService.Get requests that ``emulator`` received, in order."""
    return [seen for seen in emulator.requests if seen.method == "Get"]


# Marks that narrow the ``kind`` fixture (and so ``connect``) to some clients.
rest_only = pytest.mark.parametrize(
    "kind",
    [REST_SYNC, REST_ASYNCIO],
    ids=["rest-sync", "rest-asyncio"],
    indirect=True,
)
sync_only = pytest.mark.parametrize(
    "kind",
    [GRPC_SYNC, REST_SYNC],
    ids=["grpc-sync", "rest-sync"],
    indirect=True,
)
