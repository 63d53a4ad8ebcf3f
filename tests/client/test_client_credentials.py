"""Credentials on the client side: the bearer token, and where it may go."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from client_helpers import Connect, gets
from google.rpc import code_pb2

from scanner_grpc import AsyncScannerClient, Retry, ScannerClient, errors
from scanner_grpc.auth import (
    DEFAULT_TOKEN_VARIABLE,
    Credentials,
    CredentialsError,
    CredentialsTimeoutError,
    CredentialsUnavailableError,
    IamToken,
)
from scanner_grpc.emulator import Emulator


def _an_id(emulator: Emulator) -> str:
    scan_result_id: str = emulator.scan_results[0].id
    return scan_result_id


class _Failing(Credentials):
    """Credentials whose every attempt to get a token fails."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls = 0

    def token(self, *, timeout: float | None = None) -> str:
        self.calls += 1
        raise self.error


class _Recording(Credentials):
    """Hands out one token and records the timeouts it was given."""

    def __init__(self, token: str) -> None:
        self._token = token
        self.timeouts: list[float | None] = []

    def token(self, *, timeout: float | None = None) -> str:
        self.timeouts.append(timeout)
        return self._token


async def test_get_scan_result_authorizes_with_a_token(
    fresh_emulator: Emulator, connect: Connect
) -> None:
    fresh_emulator.auth_required = True
    token = fresh_emulator.authority.issue_token().value
    client = connect(fresh_emulator, credentials=IamToken(token))

    assert await client.get(_an_id(fresh_emulator)) == fresh_emulator.scan_results[0]
    assert gets(fresh_emulator)[-1].headers["authorization"] == f"Bearer {token}"


async def test_get_scan_result_without_token_is_unauthenticated(
    fresh_emulator: Emulator, connect: Connect
) -> None:
    fresh_emulator.auth_required = True
    client = connect(fresh_emulator)

    with pytest.raises(errors.Unauthenticated):
        await client.get(_an_id(fresh_emulator))


async def test_get_scan_result_with_expired_token_is_unauthenticated(
    fresh_emulator: Emulator, connect: Connect
) -> None:
    fresh_emulator.auth_required = True
    expired = fresh_emulator.authority.issue_token(ttl=0).value
    client = connect(fresh_emulator, credentials=IamToken(expired))

    with pytest.raises(errors.Unauthenticated) as caught:
        await client.get(_an_id(fresh_emulator))

    assert expired not in str(caught.value)
    assert caught.value.request_id  # the service's verdict, with its id


async def test_get_scan_result_asks_for_a_token_per_attempt_within_budget(
    fresh_emulator: Emulator, connect: Connect
) -> None:
    # The asyncio clients go through Credentials.token_async, whose default
    # runs token() in a thread.
    fresh_emulator.faults.fail_next(code_pb2.UNAVAILABLE)
    credentials = _Recording(fresh_emulator.authority.issue_token().value)
    client = connect(fresh_emulator, credentials=credentials, timeout=20.0)

    await client.get(_an_id(fresh_emulator))

    assert len(credentials.timeouts) == 2
    assert all(t is not None and 0 < t <= 20.0 for t in credentials.timeouts)


@pytest.mark.parametrize(
    ("failure", "error_class"),
    [
        (CredentialsError("the key was revoked"), errors.Unauthenticated),
        (CredentialsTimeoutError("IAM did not answer"), errors.DeadlineExceeded),
    ],
    ids=["CredentialsError", "CredentialsTimeoutError"],
)
async def test_get_scan_result_maps_credential_failures(
    fresh_emulator: Emulator,
    connect: Connect,
    failure: Exception,
    error_class: type[errors.ScannerError],
) -> None:
    credentials = _Failing(failure)
    client = connect(fresh_emulator, credentials=credentials)

    with pytest.raises(error_class) as caught:
        await client.get(_an_id(fresh_emulator))

    assert caught.value.__cause__ is failure
    assert str(failure) in caught.value.message
    assert gets(fresh_emulator) == []  # nothing was sent without a token
    assert credentials.calls == 1  # neither is retried


async def test_get_scan_result_retries_while_the_token_service_is_down(
    fresh_emulator: Emulator, connect: Connect
) -> None:
    # An IAM outage is transient: the call is tried again, and fails with
    # UNAVAILABLE once the attempts run out, not as a failed login.
    failure = CredentialsUnavailableError("IAM answered 503")
    credentials = _Failing(failure)
    client = connect(fresh_emulator, credentials=credentials)

    with pytest.raises(errors.Unavailable) as caught:
        await client.get(_an_id(fresh_emulator))

    assert caught.value.__cause__ is failure
    assert credentials.calls == Retry().max_attempts
    assert gets(fresh_emulator) == []


@pytest.mark.parametrize(
    ("transport", "endpoint", "insecure", "fix"),
    [
        ("grpc", "10.0.0.7:50051", True, "drop insecure=True"),
        ("grpc", "scanner.internal:443", True, "drop insecure=True"),
        ("rest", "http://10.0.0.7:8080", False, "https://"),
        ("rest", "http://scanner.example.com", False, "https://"),
        # A name that may resolve to loopback today is not trusted.
        ("rest", "http://127.0.0.1.nip.io", False, "https://"),
    ],
    ids=["grpc-ip", "grpc-name", "rest-ip", "rest-name", "rest-lookalike"],
)
@pytest.mark.parametrize("client_class", [ScannerClient, AsyncScannerClient])
def test_scanner_client_refuses_credentials_in_plain_text(
    client_class: Any, transport: str, endpoint: str, insecure: bool, fix: str
) -> None:
    with pytest.raises(ValueError, match="plain text") as caught:
        client_class(
            transport=transport,
            endpoint=endpoint,
            insecure=insecure,
            credentials=IamToken("t1.secret-token"),
        )
    assert fix in str(caught.value)
    assert "secret-token" not in str(caught.value)


def test_scanner_client_refuses_default_credentials_in_plain_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(DEFAULT_TOKEN_VARIABLE, "t1.from-the-environment")
    with pytest.raises(ValueError, match="plain text"):
        ScannerClient(transport="rest", endpoint="http://10.0.0.7:8080")
    # Without credentials in the environment, plain text is the caller's call.
    monkeypatch.delenv(DEFAULT_TOKEN_VARIABLE)
    ScannerClient(transport="rest", endpoint="http://10.0.0.7:8080").close()


@pytest.mark.parametrize(
    ("transport", "endpoint", "insecure"),
    [
        ("grpc", "127.0.0.1:50051", True),
        ("grpc", "localhost:50051", True),
        ("grpc", "[::1]:50051", True),
        ("grpc", "scanner.example.com:443", False),
        ("grpc", None, False),
        ("rest", "http://127.0.0.1:8080", False),
        ("rest", "http://[::1]:8080", False),
        ("rest", "https://scanner.example.com", False),
        ("rest", None, False),
    ],
    ids=[
        "grpc-loopback",
        "grpc-localhost",
        "grpc-ipv6-loopback",
        "grpc-tls",
        "grpc-default",
        "rest-loopback",
        "rest-ipv6-loopback",
        "rest-tls",
        "rest-default",
    ],
)
def test_scanner_client_allows_credentials_over_tls_or_loopback(
    transport: str, endpoint: str | None, insecure: bool
) -> None:
    # Only constructed: no call ever goes to a host that is not loopback.
    client = ScannerClient(
        transport=transport,  # type: ignore[arg-type]
        endpoint=endpoint,
        insecure=insecure,
        credentials=IamToken("t1.secret-token"),
    )
    try:
        assert "secret-token" not in repr(client)
        assert "IamToken" in repr(client)
    finally:
        client.close()


async def test_get_scan_result_never_logs_the_token(
    fresh_emulator: Emulator, connect: Connect, caplog: pytest.LogCaptureFixture
) -> None:
    fresh_emulator.auth_required = True
    token = fresh_emulator.authority.issue_token().value
    fresh_emulator.faults.fail_next(code_pb2.UNAVAILABLE)
    caplog.set_level(logging.DEBUG)
    client = connect(fresh_emulator, credentials=IamToken(token))

    await client.get(_an_id(fresh_emulator))

    assert caplog.records  # the attempts and the retry were logged...
    assert token not in caplog.text  # ...without the token


class _Static(Credentials):
    """Hands out whatever it was given, checked or not."""

    def __init__(self, token: str) -> None:
        self._token = token

    def token(self, *, timeout: float | None = None) -> str:
        return self._token


@pytest.mark.parametrize(
    "token",
    ["", "t1.has space", "t1.line\r\nbreak", "t1.ünicode"],
    ids=["empty", "space", "line-break", "non-ascii"],
)
async def test_get_scan_result_refuses_a_token_that_cannot_be_sent(
    fresh_emulator: Emulator, connect: Connect, token: str
) -> None:
    client = connect(fresh_emulator, credentials=_Static(token))

    with pytest.raises(errors.Unauthenticated) as caught:
        await client.get(_an_id(fresh_emulator))

    if token:
        assert token not in str(caught.value)
    assert gets(fresh_emulator) == []
