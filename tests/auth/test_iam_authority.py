"""The emulator's token authority, called directly."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import jwt
import pytest
from auth_helpers import FakeClock
from cryptography.hazmat.primitives import serialization
from google.rpc import code_pb2

from scanner_grpc.emulator._iam import (
    IAM_AUDIENCE,
    AuthorityError,
    IssuedToken,
    TokenAuthority,
    generate_authorized_key,
)


def _pem(key: dict[str, str]) -> str:
    text = key["private_key"]
    return text[text.index("-----BEGIN") :]


def _jwt(
    key: dict[str, str],
    clock: FakeClock,
    *,
    algorithm: str = "PS256",
    signing_key: Any = None,
    lifetime: float = 3600,
    headers: dict[str, Any] | None = None,
    **claims: Any,
) -> str:
    payload = {
        "iss": key["service_account_id"],
        "aud": IAM_AUDIENCE,
        "iat": int(clock()),
        "exp": int(clock()) + lifetime,
    }
    payload.update(claims)
    payload = {name: value for name, value in payload.items() if value is not None}
    return jwt.encode(
        payload,
        _pem(key) if signing_key is None else signing_key,
        algorithm=algorithm,
        headers={"kid": key["id"], **(headers or {})},
    )


def _refusal(authority: TokenAuthority, token: str) -> AuthorityError:
    with pytest.raises(AuthorityError) as caught:
        authority.exchange_jwt(token)
    assert authority.exchanges == 0
    return caught.value


def test_authority_exchanges_a_good_jwt(
    authority: TokenAuthority, authorized_key: dict[str, str], clock: FakeClock
) -> None:
    issued = authority.exchange_jwt(_jwt(authorized_key, clock))

    assert issued.value.startswith("t1.emu.")
    assert issued.expires_at == clock() + 3600
    assert authority.is_valid(issued.value)
    assert authority.exchanges == 1


def test_authority_tokens_expire_by_its_clock(
    authority: TokenAuthority, clock: FakeClock
) -> None:
    issued = authority.issue_token(ttl=60)
    clock.advance(59.9)
    assert authority.is_valid(issued.value)
    clock.advance(0.1)
    assert not authority.is_valid(issued.value)


def test_authority_token_ttl_is_settable(
    authority: TokenAuthority, clock: FakeClock
) -> None:
    authority.token_ttl = 10
    assert authority.issue_token().expires_at == clock() + 10
    assert authority.metadata_token().expires_at == clock() + 10


def test_authority_rejects_unknown_and_empty_tokens(authority: TokenAuthority) -> None:
    authority.issue_token()
    assert not authority.is_valid("t1.emu.unknown")
    assert not authority.is_valid("")


def test_authority_issues_distinct_tokens(authority: TokenAuthority) -> None:
    values = {authority.issue_token().value for _ in range(100)}
    assert len(values) == 100


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"aud": "https://example.invalid/tokens"}, "aud"),
        ({"iss": "ajesomeoneelse0000000"}, "iss"),
        ({"exp": None}, "'exp'"),
        ({"iat": None}, "'iat'"),
        ({"lifetime": 3601}, "at most 3600"),
    ],
    ids=["wrong-aud", "wrong-iss", "no-exp", "no-iat", "too-long"],
)
def test_authority_rejects_bad_claims(
    authority: TokenAuthority,
    authorized_key: dict[str, str],
    clock: FakeClock,
    change: dict[str, Any],
    reason: str,
) -> None:
    error = _refusal(authority, _jwt(authorized_key, clock, **change))

    assert error.code == code_pb2.UNAUTHENTICATED
    assert reason in error.message


def test_authority_rejects_an_expired_jwt(
    authority: TokenAuthority, authorized_key: dict[str, str], clock: FakeClock
) -> None:
    token = _jwt(authorized_key, clock, lifetime=60)
    clock.advance(60)

    error = _refusal(authority, token)

    assert error.code == code_pb2.UNAUTHENTICATED
    assert "expired" in error.message


def test_authority_rejects_a_jwt_issued_in_its_future(
    authority: TokenAuthority, authorized_key: dict[str, str], clock: FakeClock
) -> None:
    token = _jwt(authorized_key, clock)
    clock.advance(-30)

    error = _refusal(authority, token)

    assert error.code == code_pb2.UNAUTHENTICATED
    assert "future" in error.message


def test_authority_rejects_an_unknown_kid(
    authority: TokenAuthority, authorized_key: dict[str, str], clock: FakeClock
) -> None:
    token = _jwt(authorized_key, clock, headers={"kid": "ajenosuchkey00000000"})

    error = _refusal(authority, token)

    assert error.code == code_pb2.UNAUTHENTICATED
    assert "ajenosuchkey00000000" in error.message


def test_authority_rejects_a_jwt_signed_by_another_key(
    authority: TokenAuthority,
    authorized_key: dict[str, str],
    other_key: dict[str, str],
    clock: FakeClock,
) -> None:
    token = _jwt(authorized_key, clock, signing_key=_pem(other_key))

    error = _refusal(authority, token)

    assert error.code == code_pb2.UNAUTHENTICATED
    assert "signature" in error.message


@pytest.mark.parametrize(
    ("algorithm", "use_key"),
    [
        ("RS256", True),  # the right key, the wrong padding
        ("HS256", False),  # a shared secret instead of a signature
    ],
)
def test_authority_rejects_other_algorithms(
    authority: TokenAuthority,
    authorized_key: dict[str, str],
    clock: FakeClock,
    algorithm: str,
    use_key: bool,
) -> None:
    signing_key = (
        _pem(authorized_key) if use_key else "a-shared-secret-of-32-bytes-long!"
    )
    token = _jwt(authorized_key, clock, algorithm=algorithm, signing_key=signing_key)

    error = _refusal(authority, token)

    assert error.code == code_pb2.UNAUTHENTICATED
    assert "PS256" in error.message


@pytest.mark.parametrize("request_jwt", ["", "not-a-jwt", "a.b.c", None, 42])
def test_authority_answers_invalid_argument_to_malformed_requests(
    authority: TokenAuthority, request_jwt: Any
) -> None:
    error = _refusal(authority, request_jwt)

    assert error.code == code_pb2.INVALID_ARGUMENT


def test_authority_error_never_quotes_the_jwt(
    authority: TokenAuthority, authorized_key: dict[str, str], clock: FakeClock
) -> None:
    token = _jwt(authorized_key, clock, aud="https://example.invalid/")

    error = _refusal(authority, token)

    assert token not in str(error)
    assert token not in repr(error)
    assert token.split(".")[2] not in error.message


def test_authority_counts_exchanges_from_many_threads(
    authority: TokenAuthority, authorized_key: dict[str, str], clock: FakeClock
) -> None:
    tokens = [_jwt(authorized_key, clock, jti=str(n)) for n in range(16)]
    threads = [
        threading.Thread(target=authority.exchange_jwt, args=(token,))
        for token in tokens
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert authority.exchanges == 16


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("id", None, "'id'"),
        ("service_account_id", "", "'service_account_id'"),
        ("public_key", None, "'public_key'"),
        (
            "public_key",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
            "PEM",
        ),
        ("key_algorithm", "ED25519", "key_algorithm"),
    ],
)
def test_authority_register_rejects_a_bad_key(
    authorized_key: dict[str, str], field: str, value: str | None, reason: str
) -> None:
    key: dict[str, Any] = dict(authorized_key)
    if value is None:
        del key[field]
    else:
        key[field] = value

    with pytest.raises(AuthorityError) as caught:
        TokenAuthority().register_authorized_key(key)

    assert caught.value.code == code_pb2.INVALID_ARGUMENT
    assert reason in caught.value.message


def test_generate_authorized_key_makes_a_key_file_object() -> None:
    key = generate_authorized_key("ajeserviceaccount001", key_id="ajekey")

    assert set(key) == {
        "id",
        "service_account_id",
        "created_at",
        "key_algorithm",
        "public_key",
        "private_key",
    }
    assert key["id"] == "ajekey"
    assert key["service_account_id"] == "ajeserviceaccount001"
    assert key["key_algorithm"] == "RSA_2048"
    created = datetime.datetime.fromisoformat(key["created_at"].replace("Z", "+00:00"))
    assert created.tzinfo is not None
    comment, header = key["private_key"].split("\n")[:2]
    assert comment
    assert not comment.startswith("-----")
    assert header == "-----BEGIN PRIVATE KEY-----"
    private = serialization.load_pem_private_key(_pem(key).encode(), password=None)
    public = serialization.load_pem_public_key(key["public_key"].encode())
    assert private.public_key().public_numbers() == public.public_numbers()  # type: ignore[union-attr]
    assert private.key_size == 2048  # type: ignore[union-attr]


def test_generate_authorized_key_makes_fresh_ids() -> None:
    first, second = generate_authorized_key(), generate_authorized_key()
    assert first["id"] != second["id"]
    assert first["public_key"] != second["public_key"]


def test_issued_token_repr_hides_the_value() -> None:
    issued = IssuedToken(value="t1.emu.secretvalue", expires_at=1.0)
    assert "secretvalue" not in repr(issued)
    assert issued.expires_at_rfc3339() == "1970-01-01T00:00:01.000000Z"
