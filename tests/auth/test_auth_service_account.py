"""ServiceAccountKey against a real IAM endpoint on loopback."""

from __future__ import annotations

import asyncio
import json
import pathlib
from typing import Any

import pytest
from auth_helpers import FakeClock, LocalIam, tokens_from_threads
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from scanner_grpc.auth import (
    CredentialsError,
    CredentialsTimeoutError,
    CredentialsUnavailableError,
    InvalidKeyError,
    ServiceAccountKey,
)
from scanner_grpc.emulator._iam import TokenAuthority


def _credentials(
    key: dict[str, str], iam: LocalIam, clock: FakeClock, **options: Any
) -> ServiceAccountKey:
    return ServiceAccountKey(key, iam_url=iam.iam_url, clock=clock, **options)


def _without_comment(key: dict[str, str]) -> dict[str, str]:
    text = key["private_key"]
    return {**key, "private_key": text[text.index("-----BEGIN") :]}


def _write(tmp_path: pathlib.Path, content: object) -> pathlib.Path:
    path = tmp_path / "key.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_service_account_key_exchanges_a_jwt_for_a_token(
    authorized_key: dict[str, str],
    iam: LocalIam,
    clock: FakeClock,
    authority: TokenAuthority,
) -> None:
    credentials = _credentials(authorized_key, iam, clock)

    token = credentials.token()

    assert authority.is_valid(token)
    assert authority.exchanges == 1
    assert credentials.key_id == authorized_key["id"]
    assert credentials.service_account_id == authorized_key["service_account_id"]


def test_service_account_key_sends_the_expected_jwt(
    authorized_key: dict[str, str], iam: LocalIam, clock: FakeClock
) -> None:
    import jwt

    _credentials(authorized_key, iam, clock).token()

    (sent,) = iam.jwts()
    header = jwt.get_unverified_header(sent)
    claims = jwt.decode(sent, options={"verify_signature": False})
    assert header["alg"] == "PS256"
    assert header["kid"] == authorized_key["id"]
    assert claims["iss"] == authorized_key["service_account_id"]
    assert claims["aud"] == "https://iam.api.cloud.yandex.net/iam/v1/tokens"
    assert claims["iat"] == clock()
    assert claims["exp"] - claims["iat"] == 3600
    assert iam.received[0][2]["content-type"] == "application/json"


@pytest.mark.parametrize("comment", [True, False], ids=["comment-line", "pem-only"])
def test_service_account_key_from_file_reads_both_key_forms(
    authorized_key: dict[str, str],
    iam: LocalIam,
    clock: FakeClock,
    authority: TokenAuthority,
    tmp_path: pathlib.Path,
    comment: bool,
) -> None:
    key = authorized_key if comment else _without_comment(authorized_key)
    path = _write(tmp_path, key)

    credentials = ServiceAccountKey.from_file(path, iam_url=iam.iam_url, clock=clock)

    assert authority.is_valid(credentials.token())


async def test_service_account_key_token_async_exchanges(
    authorized_key: dict[str, str],
    iam: LocalIam,
    clock: FakeClock,
    authority: TokenAuthority,
) -> None:
    token = await _credentials(authorized_key, iam, clock).token_async()

    assert authority.is_valid(token)


def test_service_account_key_caches_until_the_margin_then_refreshes(
    authorized_key: dict[str, str],
    iam: LocalIam,
    clock: FakeClock,
    authority: TokenAuthority,
) -> None:
    # A one-hour token: the 5-minute margin is smaller than 10% of it.
    credentials = _credentials(authorized_key, iam, clock)
    first = credentials.token()

    clock.advance(3600 - 300 - 1)
    assert credentials.token() == first
    assert authority.exchanges == 1

    clock.advance(1)
    second = credentials.token()
    assert second != first
    assert authority.exchanges == 2
    assert credentials.token() == second


def test_service_account_key_margin_is_a_tenth_of_a_short_lifetime(
    authorized_key: dict[str, str],
    iam: LocalIam,
    clock: FakeClock,
    authority: TokenAuthority,
) -> None:
    authority.token_ttl = 600
    credentials = _credentials(authorized_key, iam, clock)
    first = credentials.token()

    clock.advance(539)
    assert credentials.token() == first
    clock.advance(1)
    assert credentials.token() != first
    assert authority.exchanges == 2


def test_service_account_key_refresh_margin_is_configurable(
    authorized_key: dict[str, str],
    iam: LocalIam,
    clock: FakeClock,
    authority: TokenAuthority,
) -> None:
    credentials = _credentials(authorized_key, iam, clock, refresh_margin=0)
    first = credentials.token()

    clock.advance(3599)
    assert credentials.token() == first
    clock.advance(1)
    assert credentials.token() != first


def test_service_account_key_invalidate_forces_a_new_exchange(
    authorized_key: dict[str, str],
    iam: LocalIam,
    clock: FakeClock,
    authority: TokenAuthority,
) -> None:
    credentials = _credentials(authorized_key, iam, clock)
    first = credentials.token()

    credentials.invalidate()

    assert credentials.token() != first
    assert authority.exchanges == 2


def test_service_account_key_32_threads_share_one_exchange(
    authorized_key: dict[str, str],
    iam: LocalIam,
    clock: FakeClock,
    authority: TokenAuthority,
) -> None:
    iam.delay = 0.2  # keeps the exchange in flight while all callers arrive
    credentials = _credentials(authorized_key, iam, clock)
    tokens = tokens_from_threads(credentials)

    assert len(tokens) == 32
    assert len(set(tokens)) == 1
    assert authority.exchanges == 1
    assert iam.posts() == 1


async def test_service_account_key_32_tasks_share_one_exchange(
    authorized_key: dict[str, str],
    iam: LocalIam,
    clock: FakeClock,
    authority: TokenAuthority,
) -> None:
    iam.delay = 0.2
    credentials = _credentials(authorized_key, iam, clock)

    tokens = await asyncio.gather(*(credentials.token_async() for _ in range(32)))

    assert len(set(tokens)) == 1
    assert authority.exchanges == 1
    assert iam.posts() == 1


async def test_service_account_key_threads_and_tasks_share_one_exchange(
    authorized_key: dict[str, str],
    iam: LocalIam,
    clock: FakeClock,
    authority: TokenAuthority,
) -> None:
    iam.delay = 0.2
    credentials = _credentials(authorized_key, iam, clock)

    from_threads = [asyncio.to_thread(credentials.token) for _ in range(4)]
    from_tasks = [credentials.token_async() for _ in range(4)]
    tokens = await asyncio.gather(*from_threads, *from_tasks)

    assert len(set(tokens)) == 1
    assert authority.exchanges == 1


def test_service_account_key_slow_iam_hits_the_deadline(
    authorized_key: dict[str, str], iam: LocalIam, clock: FakeClock
) -> None:
    iam.delay = 30
    credentials = _credentials(authorized_key, iam, clock, timeout=0.2)

    with pytest.raises(CredentialsTimeoutError, match="did not answer within"):
        credentials.token()


async def test_service_account_key_slow_iam_hits_the_deadline_async(
    authorized_key: dict[str, str], iam: LocalIam, clock: FakeClock
) -> None:
    iam.delay = 30
    credentials = _credentials(authorized_key, iam, clock, timeout=0.2)

    with pytest.raises(CredentialsTimeoutError):
        await credentials.token_async()


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
async def test_service_account_key_caller_timeout_leaves_the_refresh_running(
    authorized_key: dict[str, str],
    iam: LocalIam,
    clock: FakeClock,
    authority: TokenAuthority,
    use_async: bool,
) -> None:
    iam.delay = 0.5
    credentials = _credentials(authorized_key, iam, clock)

    with pytest.raises(CredentialsTimeoutError, match="no token within"):
        await (
            credentials.token_async(timeout=0.01)
            if use_async
            else asyncio.to_thread(credentials.token, timeout=0.01)
        )
    # The next caller joins the exchange already under way.
    token = await (
        credentials.token_async() if use_async else asyncio.to_thread(credentials.token)
    )

    assert authority.is_valid(token)
    assert authority.exchanges == 1


def test_service_account_key_unreachable_iam_is_a_credentials_error(
    authorized_key: dict[str, str], closed_port_url: str, clock: FakeClock
) -> None:
    credentials = ServiceAccountKey(
        authorized_key, iam_url=closed_port_url, clock=clock, timeout=2
    )

    with pytest.raises(CredentialsUnavailableError, match="cannot reach IAM") as caught:
        credentials.token()

    assert "Connection refused" in caught.value.message
    assert caught.value.http_status is None


def test_service_account_key_refused_jwt_names_the_reason(
    other_key: dict[str, str], iam: LocalIam, clock: FakeClock
) -> None:
    credentials = _credentials(other_key, iam, clock)  # never registered

    with pytest.raises(CredentialsError) as caught:
        credentials.token()

    assert caught.value.http_status == 401
    assert not isinstance(caught.value, CredentialsUnavailableError)
    assert "HTTP 401" in caught.value.message
    assert "not a known key id" in caught.value.message


@pytest.mark.parametrize(
    ("status", "content_type", "body", "expected"),
    [
        (502, "text/html", b"<html><body>Bad Gateway</body></html>", "Bad Gateway"),
        (503, "application/json", b'{"code": 14, "message": "try later"}', "try later"),
        (200, "text/plain", b"not json", "not a JSON object"),
        (200, "application/json", b'{"expiresAt": "2030-01-01T00:00:00Z"}', "iamToken"),
        (200, "application/json", b'{"iamToken": "t1.x"}', "expiresAt"),
        (
            200,
            "application/json",
            b'{"iamToken": "t1.x", "expiresAt": "tomorrow"}',
            "RFC 3339",
        ),
        (
            200,
            "application/json",
            b'{"iamToken": "t1 x", "expiresAt": "2030-01-01T00:00:00Z"}',
            "authorization header",
        ),
        (
            200,
            "application/json",
            b'{"iamToken": "t1.x", "expiresAt": "2000-01-01T00:00:00Z"}',
            "already expired",
        ),
    ],
    ids=[
        "html-502",
        "status-503",
        "not-json",
        "no-token",
        "no-expiry",
        "bad-expiry",
        "token-with-space",
        "expired-on-arrival",
    ],
)
def test_service_account_key_bad_iam_answer_is_a_credentials_error(
    authorized_key: dict[str, str],
    iam: LocalIam,
    clock: FakeClock,
    status: int,
    content_type: str,
    body: bytes,
    expected: str,
) -> None:
    iam.canned.append((status, content_type, body))
    credentials = _credentials(authorized_key, iam, clock)

    with pytest.raises(CredentialsError, match=expected):
        credentials.token()


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_service_account_key_transient_iam_status_is_unavailable(
    authorized_key: dict[str, str], iam: LocalIam, clock: FakeClock, status: int
) -> None:
    iam.canned.append((status, "text/plain", b"busy"))

    with pytest.raises(CredentialsUnavailableError) as caught:
        _credentials(authorized_key, iam, clock).token()

    assert caught.value.http_status == status


def test_service_account_key_oversized_answer_is_refused(
    authorized_key: dict[str, str], iam: LocalIam, clock: FakeClock
) -> None:
    iam.canned.append((200, "application/json", b" " * 100_000 + b"{}"))
    credentials = _credentials(authorized_key, iam, clock)

    with pytest.raises(CredentialsError, match="more than 65536 bytes"):
        credentials.token()


def test_service_account_key_failure_is_not_cached(
    authorized_key: dict[str, str],
    iam: LocalIam,
    clock: FakeClock,
    authority: TokenAuthority,
) -> None:
    iam.canned.append((503, "text/plain", b"unavailable"))
    credentials = _credentials(authorized_key, iam, clock)
    with pytest.raises(CredentialsError):
        credentials.token()

    assert authority.is_valid(credentials.token())
    assert iam.posts() == 2


@pytest.mark.parametrize(
    ("expires", "epoch"),
    [
        ("2100-01-01T00:00:00.123456789Z", 4102444800.123456789),
        ("2100-01-01T03:00:00+03:00", 4102444800.0),
        ("2099-12-31T20:30:00.5-03:30", 4102444800.5),
    ],
)
def test_service_account_key_reads_expires_at_exactly(
    authorized_key: dict[str, str],
    iam: LocalIam,
    clock: FakeClock,
    expires: str,
    epoch: float,
) -> None:
    answer = {"iamToken": "t1.static", "expiresAt": expires}
    iam.canned.append((200, "application/json", json.dumps(answer).encode()))
    iam.canned.append((503, "text/plain", b"down"))
    credentials = _credentials(authorized_key, iam, clock)
    assert credentials.token() == "t1.static"

    # Refreshed 300 s before the parsed expiry, to the millisecond.
    clock.now = epoch - 300 - 0.001
    assert credentials.token() == "t1.static"
    clock.now = epoch - 300 + 0.001
    with pytest.raises(CredentialsError, match="HTTP 503"):
        credentials.token()


@pytest.mark.parametrize(
    "url",
    [
        "http://iam.invalid/iam/v1/tokens",
        "http://10.0.0.1/iam/v1/tokens",
        "http://169.254.169.254/iam/v1/tokens",
    ],
)
def test_service_account_key_refuses_plain_http_to_a_remote_host(
    authorized_key: dict[str, str], url: str
) -> None:
    # Refused while the credentials are made: no request exists to be sent.
    with pytest.raises(ValueError, match="refusing to send credentials in clear"):
        ServiceAccountKey(authorized_key, iam_url=url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:1/iam/v1/tokens",
        "http://[::1]:1/iam/v1/tokens",
        "http://localhost:1/iam/v1/tokens",
        "https://iam.invalid/iam/v1/tokens",
    ],
)
def test_service_account_key_accepts_tls_or_loopback(
    authorized_key: dict[str, str], url: str
) -> None:
    assert ServiceAccountKey(authorized_key, iam_url=url).key_id


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1/tokens", "127.0.0.1:8080", "http://", "http://[::1"]
)
def test_service_account_key_rejects_malformed_iam_urls(
    authorized_key: dict[str, str], url: str
) -> None:
    with pytest.raises(ValueError, match="IAM URL"):
        ServiceAccountKey(authorized_key, iam_url=url)


@pytest.mark.parametrize("field", ["id", "service_account_id", "private_key"])
def test_service_account_key_file_missing_field_is_named(
    authorized_key: dict[str, str], tmp_path: pathlib.Path, field: str
) -> None:
    key = {name: value for name, value in authorized_key.items() if name != field}
    path = _write(tmp_path, key)

    with pytest.raises(InvalidKeyError) as caught:
        ServiceAccountKey.from_file(path)

    assert str(path) in caught.value.message
    assert f"the {field!r} field is missing" in caught.value.message
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("private_key", "expected"),
    [
        ("just some text", "no PEM block"),
        (
            "comment\n-----BEGIN PRIVATE KEY-----\n"
            "bm90IGEga2V5\n-----END PRIVATE KEY-----\n",
            "not a readable PEM private key",
        ),
        (42, "not a non-empty string"),
    ],
    ids=["no-pem", "bad-pem", "not-a-string"],
)
def test_service_account_key_bad_private_key_is_named(
    authorized_key: dict[str, str], private_key: object, expected: str
) -> None:
    key = {**authorized_key, "private_key": private_key}

    with pytest.raises(InvalidKeyError, match=expected) as caught:
        ServiceAccountKey(key)

    assert "'private_key'" in caught.value.message


def test_service_account_key_refuses_a_non_rsa_key(
    authorized_key: dict[str, str],
) -> None:
    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )

    with pytest.raises(InvalidKeyError, match="not an RSA key"):
        ServiceAccountKey({**authorized_key, "private_key": pem})


def test_service_account_key_refuses_an_encrypted_key(
    authorized_key: dict[str, str],
) -> None:
    text = authorized_key["private_key"]
    private = serialization.load_pem_private_key(
        text[text.index("-----BEGIN") :].encode(), password=None
    )
    encrypted = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"password"),
    ).decode()

    with pytest.raises(InvalidKeyError, match="encrypted"):
        ServiceAccountKey({**authorized_key, "private_key": encrypted})


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "is not valid JSON: .* line 1 column 2"),
        ("[1, 2]", "must be a JSON object"),
    ],
)
def test_service_account_key_file_that_is_no_key_is_named(
    tmp_path: pathlib.Path, content: str, expected: str
) -> None:
    path = _write(tmp_path, content)

    with pytest.raises(InvalidKeyError, match=expected) as caught:
        ServiceAccountKey.from_file(path)

    assert str(path) in caught.value.message


def test_service_account_key_missing_file_is_named(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "absent.json"

    with pytest.raises(InvalidKeyError, match="cannot read") as caught:
        ServiceAccountKey.from_file(path)

    assert str(path) in caught.value.message


def test_service_account_key_given_a_path_hints_at_from_file(
    tmp_path: pathlib.Path,
) -> None:
    with pytest.raises(InvalidKeyError, match="from_file"):
        ServiceAccountKey(str(tmp_path / "key.json"))  # type: ignore[arg-type]
