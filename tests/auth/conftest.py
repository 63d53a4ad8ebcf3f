"""Fixtures of the credentials tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from auth_helpers import IAM_PATH, FakeClock, LocalIam

from scanner_grpc.emulator._iam import TokenAuthority, generate_authorized_key


@pytest.fixture(scope="session")
def authorized_key() -> dict[str, str]:
    """One RSA key for the session: generating one takes a while."""
    return generate_authorized_key(
        "ajetestserviceacc001", key_id="ajetestkey0000000001"
    )


@pytest.fixture(scope="session")
def other_key() -> dict[str, str]:
    return generate_authorized_key(
        "ajetestserviceacc002", key_id="ajetestkey0000000002"
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def authority(clock: FakeClock, authorized_key: dict[str, str]) -> TokenAuthority:
    authority = TokenAuthority(clock=clock, token_ttl=3600)
    authority.register_authorized_key(authorized_key)
    return authority


@pytest.fixture
def iam(authority: TokenAuthority, clock: FakeClock) -> Iterator[LocalIam]:
    server = LocalIam(authority, clock)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL on which nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{IAM_PATH}"
