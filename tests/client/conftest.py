"""Fixtures of the client tests.

Every test that takes ``connect`` runs once per client: gRPC and REST, sync
and asyncio.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from client_helpers import KIND_IDS, KINDS, Connect, Facade, FakeTime, Kind

from scanner_grpc.auth import (
    DEFAULT_TOKEN_VARIABLE,
    KEY_FILE_VARIABLE,
    METADATA_VARIABLE,
)
from scanner_grpc.emulator import Emulator


@pytest.fixture(params=KINDS, ids=KIND_IDS)
def kind(request: pytest.FixtureRequest) -> Kind:
    """Each of the four clients in turn."""
    kind: Kind = request.param
    return kind


@pytest.fixture
async def connect(kind: Kind) -> AsyncIterator[Connect]:
    """Makes clients of this test's kind; closes them after the test.

    ``connect(emulator, **options)`` reaches an emulator;
    ``connect(None, **options)`` takes the endpoint from ``options``.
    """
    made: list[Facade] = []

    def make(emulator: Emulator | None, **options: Any) -> Facade:
        if emulator is not None:
            options = {**kind.options_for(emulator), **options}
        facade = Facade(kind, **options)
        made.append(facade)
        return facade

    yield make
    for facade in made:
        await facade.close()


@pytest.fixture(autouse=True)
def _no_default_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    # credentials=None reads the environment; the tests decide what is in it.
    for variable in (DEFAULT_TOKEN_VARIABLE, KEY_FILE_VARIABLE, METADATA_VARIABLE):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture
def closed_port() -> int:
    """A loopback port on which nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()
