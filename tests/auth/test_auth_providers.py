"""IamToken, EnvironmentToken, MetadataService and custom token sources."""

from __future__ import annotations

import asyncio

import pytest
from auth_helpers import METADATA_PATH, FakeClock, LocalIam, tokens_from_threads

from scanner_grpc.auth import (
    AccessToken,
    CachingCredentials,
    Credentials,
    CredentialsError,
    CredentialsTimeoutError,
    EnvironmentToken,
    IamToken,
    MetadataService,
    TokenSource,
)
from scanner_grpc.emulator._iam import TokenAuthority


def test_iam_token_returns_the_token() -> None:
    credentials = IamToken("t1.static-token")

    assert credentials.token() == "t1.static-token"
    assert isinstance(credentials, Credentials)


async def test_iam_token_returns_the_token_async() -> None:
    assert await IamToken("t1.static-token").token_async() == "t1.static-token"


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("", "empty"),  # nothing to quote; the message says what is wrong
        ("t1.abc\r\nx-injected: 1", "control"),
        ("t1 abc", "spaces"),
        ("t1.abcé", "non-ASCII"),
    ],
)
def test_iam_token_refuses_values_unfit_for_a_header(token: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as caught:
        IamToken(token)

    assert "abc" not in str(caught.value)


def test_environment_token_rereads_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("YC_IAM_TOKEN", "t1.first")
    credentials = EnvironmentToken()
    assert credentials.token() == "t1.first"

    monkeypatch.setenv("YC_IAM_TOKEN", " t1.rotated\n")
    assert credentials.token() == "t1.rotated"


async def test_environment_token_reads_a_named_variable_async(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MY_TOKEN", "t1.mine")

    credentials = EnvironmentToken("MY_TOKEN")

    assert await credentials.token_async() == "t1.mine"
    assert credentials.variable == "MY_TOKEN"


@pytest.mark.parametrize("value", [None, "", "   "])
def test_environment_token_unset_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv("YC_IAM_TOKEN", raising=False)
    else:
        monkeypatch.setenv("YC_IAM_TOKEN", value)

    with pytest.raises(CredentialsError, match="YC_IAM_TOKEN is not set"):
        EnvironmentToken().token()


def test_environment_token_unfit_value_is_not_quoted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("YC_IAM_TOKEN", "t1.secret part")

    with pytest.raises(CredentialsError, match="YC_IAM_TOKEN") as caught:
        EnvironmentToken().token()

    assert "secret" not in str(caught.value)


def test_metadata_service_fetches_with_the_flavor_header(
    iam: LocalIam, clock: FakeClock, authority: TokenAuthority
) -> None:
    credentials = MetadataService(iam.metadata_url, clock=clock)

    token = credentials.token()

    assert authority.is_valid(token)
    ((method, path, headers, _),) = iam.received
    assert (method, path) == ("GET", METADATA_PATH)
    assert headers["metadata-flavor"] == "Google"
    assert "authorization" not in headers


async def test_metadata_service_fetches_async(
    iam: LocalIam, clock: FakeClock, authority: TokenAuthority
) -> None:
    token = await MetadataService(iam.metadata_url, clock=clock).token_async()

    assert authority.is_valid(token)


def test_metadata_service_uses_expires_in(
    iam: LocalIam, clock: FakeClock, authority: TokenAuthority
) -> None:
    authority.token_ttl = 600  # margin: 10% of 600 s
    credentials = MetadataService(iam.metadata_url, clock=clock)
    first = credentials.token()

    clock.advance(539)
    assert credentials.token() == first
    clock.advance(1)
    second = credentials.token()

    assert second != first
    assert authority.is_valid(second)
    assert len(iam.received) == 2


def test_metadata_service_32_threads_share_one_request(
    iam: LocalIam, clock: FakeClock
) -> None:
    iam.delay = 0.2
    credentials = MetadataService(iam.metadata_url, clock=clock)
    tokens = tokens_from_threads(credentials)

    assert len(set(tokens)) == 1
    assert len(tokens) == 32
    assert len(iam.received) == 1


def test_metadata_service_slow_answer_hits_the_deadline(
    iam: LocalIam, clock: FakeClock
) -> None:
    iam.delay = 30
    credentials = MetadataService(iam.metadata_url, clock=clock, timeout=0.2)

    with pytest.raises(CredentialsTimeoutError):
        credentials.token()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"expires_in": 600}', "access_token"),
        (b'{"access_token": "t1.x"}', "expires_in"),
        (b'{"access_token": "t1.x", "expires_in": "600"}', "expires_in"),
        (b'{"access_token": "t1.x", "expires_in": 0}', "expires_in"),
        (
            b'{"access_token": "t1.x", "expires_in": 600, "token_type": "MAC"}',
            "not 'Bearer'",
        ),
    ],
)
def test_metadata_service_bad_answer_is_a_credentials_error(
    iam: LocalIam, clock: FakeClock, body: bytes, expected: str
) -> None:
    iam.canned.append((200, "application/json", body))

    with pytest.raises(CredentialsError, match=expected):
        MetadataService(iam.metadata_url, clock=clock).token()


def test_metadata_service_error_status_is_reported(
    iam: LocalIam, clock: FakeClock
) -> None:
    iam.canned.append((404, "text/plain", b"no service account attached"))

    with pytest.raises(CredentialsError, match="HTTP 404") as caught:
        MetadataService(iam.metadata_url, clock=clock).token()

    assert caught.value.http_status == 404
    assert "no service account attached" in caught.value.message


def test_metadata_service_unreachable_is_a_credentials_error(
    closed_port_url: str,
) -> None:
    with pytest.raises(CredentialsError, match="cannot reach the metadata service"):
        MetadataService(closed_port_url, timeout=2).token()


def test_metadata_service_rejects_a_url_that_is_not_http() -> None:
    with pytest.raises(ValueError, match="metadata service URL"):
        MetadataService("file:///etc/passwd")


class _CountingSource:
    def __init__(self, clock: FakeClock, lifetime: float = 1000) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.calls = 0

    def fetch(self, *, timeout: float) -> AccessToken:
        self.calls += 1
        return AccessToken(
            f"t1.custom-{self.calls}", expires_at=self.clock() + self.lifetime
        )


def test_caching_credentials_wraps_a_custom_source(clock: FakeClock) -> None:
    source = _CountingSource(clock)
    credentials = CachingCredentials(source, clock=clock)

    assert isinstance(source, TokenSource)
    assert credentials.token() == "t1.custom-1"
    clock.advance(899)
    assert credentials.token() == "t1.custom-1"
    clock.advance(1)
    assert credentials.token() == "t1.custom-2"
    assert source.calls == 2


async def test_caching_credentials_custom_source_async(clock: FakeClock) -> None:
    source = _CountingSource(clock)
    credentials = CachingCredentials(source, clock=clock)

    tokens = await asyncio.gather(*(credentials.token_async() for _ in range(8)))

    assert set(tokens) == {"t1.custom-1"}
    assert source.calls == 1


def test_caching_credentials_wraps_a_foreign_error_without_its_message(
    clock: FakeClock,
) -> None:
    class Failing:
        def fetch(self, *, timeout: float) -> AccessToken:
            raise RuntimeError("password=hunter2")

    with pytest.raises(CredentialsError, match="RuntimeError") as caught:
        CachingCredentials(Failing(), clock=clock).token()

    assert "hunter2" not in str(caught.value)
    assert isinstance(caught.value.__cause__, RuntimeError)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("t1.plain-string", "not an AccessToken"),
        (AccessToken("t1.old", expires_at=0.0), "already expired"),
        (AccessToken("", expires_at=1e12), "empty"),
    ],
)
def test_caching_credentials_checks_what_the_source_returns(
    clock: FakeClock, answer: object, expected: str
) -> None:
    class Source:
        def fetch(self, *, timeout: float) -> object:
            return answer

    with pytest.raises(CredentialsError, match=expected):
        CachingCredentials(Source(), clock=clock).token()  # type: ignore[arg-type]


def test_caching_credentials_rejects_a_source_without_fetch() -> None:
    with pytest.raises(TypeError, match="fetch"):
        CachingCredentials(object())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "name"),
    [({"timeout": 0}, "timeout"), ({"refresh_margin": -1}, "margin")],
)
def test_caching_credentials_rejects_bad_options(
    clock: FakeClock, options: dict[str, float], name: str
) -> None:
    with pytest.raises(ValueError, match=name):
        CachingCredentials(_CountingSource(clock), **options)  # type: ignore[arg-type]
