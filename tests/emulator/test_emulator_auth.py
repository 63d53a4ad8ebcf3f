"""Auth on the emulator: bearer checks, the IAM exchange and the metadata token."""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Iterator

import grpc
import jwt
import pytest
from emulator_helpers import SCANS, grpc_status, request_info_id, rest, stub
from google.rpc import code_pb2

from scanner_grpc.emulator import Emulator
from scanner_grpc.emulator._iam import IAM_AUDIENCE, generate_authorized_key
from scanner_grpc.types import GetScanResultRequest

RECORD = "chescanworker0000002"
GET = GetScanResultRequest(scan_result_id=RECORD)
START = 1_750_000_000.0
TOKEN_TTL = 12 * 3600


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def authorized_key() -> dict[str, str]:
    # Making an RSA key takes a while: one for the module.
    return generate_authorized_key(
        "ajeemulatortestsa001", key_id="ajeemulatortestkey01"
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def secured(clock: FakeClock, authorized_key: dict[str, str]) -> Iterator[Emulator]:
    with Emulator(auth=True, clock=clock) as running:
        running.authority.register_authorized_key(authorized_key)
        yield running


def _signed_jwt(
    key: dict[str, str], *, now: float, lifetime: float = 3600, **changes: object
) -> str:
    claims = {
        "iss": key["service_account_id"],
        "aud": IAM_AUDIENCE,
        "iat": int(now),
        "exp": int(now + lifetime),
        **changes,
    }
    private_key = key["private_key"][key["private_key"].index("-----BEGIN") :]
    return jwt.encode(
        claims, private_key, algorithm="PS256", headers={"kid": key["id"]}
    )


def _exchange(emulator: Emulator, body: bytes) -> tuple[int, dict[str, object]]:
    reply = rest(
        emulator,
        "POST",
        emulator.iam_url.removeprefix(emulator.rest_url),
        body=body,
        headers={"Content-Type": "application/json"},
    )
    return reply.status, reply.json()


def _metadata_token(emulator: Emulator) -> str:
    reply = rest(
        emulator,
        "GET",
        emulator.metadata_url.removeprefix(emulator.rest_url),
        headers={"Metadata-Flavor": "Google"},
    )
    assert reply.status == 200
    return str(reply.json()["access_token"])


def _grpc_code(emulator: Emulator, token: str | None) -> grpc.StatusCode:
    metadata = [("authorization", f"Bearer {token}")] if token else []
    with stub(emulator) as scanner:
        try:
            scanner.Get(GET, metadata=metadata, timeout=10)
        except grpc.RpcError as error:
            return error.code()
    return grpc.StatusCode.OK


def _rest_status(emulator: Emulator, authorization: str | None) -> int:
    headers = {"Authorization": authorization} if authorization else {}
    return rest(emulator, "GET", f"{SCANS}/{RECORD}", headers=headers).status


def test_auth_is_off_by_default(fresh_emulator: Emulator) -> None:
    assert fresh_emulator.auth_required is False
    assert _grpc_code(fresh_emulator, None) == grpc.StatusCode.OK
    assert _rest_status(fresh_emulator, None) == 200


@pytest.mark.parametrize(
    "authorization",
    [
        None,  # no header
        "Basic dXNlcjpwYXNz",  # not a bearer token
        "Bearer",  # no token
        "Bearer t1.not-issued-by-the-emulator",  # unknown token
    ],
)
def test_auth_refuses_rest_calls_without_a_valid_token(
    secured: Emulator, authorization: str | None
) -> None:
    reply = rest(
        secured,
        "GET",
        f"{SCANS}/{RECORD}",
        headers={"Authorization": authorization} if authorization else {},
    )

    assert reply.status == 401
    status = reply.status_message()
    assert status.code == code_pb2.UNAUTHENTICATED
    assert request_info_id(status) == reply.headers["x-request-id"]


def test_auth_refuses_grpc_calls_without_a_valid_token(secured: Emulator) -> None:
    with stub(secured) as scanner, pytest.raises(grpc.RpcError) as caught:
        scanner.Get(GET, metadata=[("authorization", "Bearer t1.unknown")])

    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert grpc_status(caught.value).message == "Token is invalid or has expired."
    assert _grpc_code(secured, None) == grpc.StatusCode.UNAUTHENTICATED


def test_auth_accepts_a_metadata_token_on_both_interfaces(secured: Emulator) -> None:
    token = _metadata_token(secured)

    assert _grpc_code(secured, token) == grpc.StatusCode.OK
    assert _rest_status(secured, f"Bearer {token}") == 200


def test_auth_can_be_switched_at_run_time(fresh_emulator: Emulator) -> None:
    fresh_emulator.auth_required = True
    refused = _grpc_code(fresh_emulator, None)
    fresh_emulator.auth_required = False

    assert refused == grpc.StatusCode.UNAUTHENTICATED
    assert _grpc_code(fresh_emulator, None) == grpc.StatusCode.OK


def test_auth_rejects_a_token_once_the_clock_passes_its_expiry(
    secured: Emulator, clock: FakeClock
) -> None:
    token = secured.authority.issue_token(ttl=60).value
    accepted = _grpc_code(secured, token)

    clock.now += 61

    assert accepted == grpc.StatusCode.OK
    assert _grpc_code(secured, token) == grpc.StatusCode.UNAUTHENTICATED
    assert _rest_status(secured, f"Bearer {token}") == 401


def test_auth_iam_exchange_end_to_end(
    secured: Emulator, clock: FakeClock, authorized_key: dict[str, str]
) -> None:
    signed = _signed_jwt(authorized_key, now=clock.now)

    status, answer = _exchange(secured, json.dumps({"jwt": signed}).encode())
    token = str(answer["iamToken"])

    assert status == 200
    expires_at = datetime.datetime.fromisoformat(
        str(answer["expiresAt"]).replace("Z", "+00:00")
    )
    assert expires_at.timestamp() == START + TOKEN_TTL
    assert secured.authority.exchanges == 1
    assert _grpc_code(secured, token) == grpc.StatusCode.OK
    assert _rest_status(secured, f"Bearer {token}") == 200
    clock.now += TOKEN_TTL
    assert _grpc_code(secured, token) == grpc.StatusCode.UNAUTHENTICATED


@pytest.mark.parametrize(
    ("changes", "expected_status"),
    [
        ({"aud": "https://example.invalid/"}, 401),  # wrong audience
        ({"iss": "ajesomeoneelse"}, 401),  # not the key's service account
        ({"exp": int(START) - 10, "iat": int(START) - 100}, 401),  # expired
        ({"exp": int(START) + 7200}, 401),  # lives longer than an hour
    ],
)
def test_auth_iam_exchange_refuses_bad_jwts(
    secured: Emulator,
    authorized_key: dict[str, str],
    changes: dict[str, object],
    expected_status: int,
) -> None:
    signed = _signed_jwt(authorized_key, now=START, **changes)

    status, answer = _exchange(secured, json.dumps({"jwt": signed}).encode())

    assert status == expected_status
    assert answer["code"] == code_pb2.UNAUTHENTICATED
    assert secured.authority.exchanges == 0


def test_auth_iam_exchange_refuses_an_unregistered_key(secured: Emulator) -> None:
    stranger = generate_authorized_key("ajestranger00000001")
    signed = _signed_jwt(stranger, now=START)

    status, answer = _exchange(secured, json.dumps({"jwt": signed}).encode())

    assert status == 401
    assert answer["code"] == code_pb2.UNAUTHENTICATED
    assert "kid" in str(answer["message"])


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b"{}",
        b'{"jwt": 42}',
        b'{"jwt": "not.a.jwt"}',
        b'{"yandexPassportOauthToken": "y0_x"}',
    ],
)
def test_auth_iam_exchange_malformed_request_is_400_status(
    secured: Emulator, body: bytes
) -> None:
    status, answer = _exchange(secured, body)

    assert status == 400
    assert answer["code"] == code_pb2.INVALID_ARGUMENT
    assert answer["details"][-1]["@type"].endswith("google.rpc.RequestInfo")


def test_auth_metadata_token_needs_the_flavor_header(secured: Emulator) -> None:
    reply = rest(secured, "GET", secured.metadata_url.removeprefix(secured.rest_url))

    assert reply.status == 403
    assert reply.status_message().code == code_pb2.PERMISSION_DENIED


def test_auth_metadata_token_counts_expiry_by_the_clock(
    secured: Emulator, clock: FakeClock
) -> None:
    secured.authority.token_ttl = 600
    reply = rest(
        secured,
        "GET",
        secured.metadata_url.removeprefix(secured.rest_url),
        headers={"Metadata-Flavor": "Google"},
    )

    assert reply.json()["expires_in"] == 600
    assert reply.json()["token_type"] == "Bearer"


def test_auth_endpoints_are_recorded_by_path(secured: Emulator) -> None:
    _metadata_token(secured)
    _exchange(secured, b"{}")

    methods = [record.method for record in secured.requests]
    assert methods == [
        "GET /computeMetadata/v1/instance/service-accounts/default/token",
        "POST /iam/v1/tokens",
    ]
    assert [record.code for record in secured.requests] == [0, 3]


def test_auth_tokens_never_reach_the_log_or_the_record_repr(
    secured: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="scanner_grpc.emulator")
    token = _metadata_token(secured)
    _grpc_code(secured, token)
    _rest_status(secured, f"Bearer {token}")

    assert len(caplog.records) >= 3
    assert token not in caplog.text
    assert all(token not in repr(record) for record in secured.requests)
    assert secured.requests[-1].headers["authorization"] == f"Bearer {token}"
