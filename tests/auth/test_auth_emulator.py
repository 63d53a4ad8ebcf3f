"""Every credential source end to end against the emulator: tokens that it
issues are accepted by its ScannerService, and refused once expired."""

from __future__ import annotations

import json
import pathlib
from collections.abc import Iterator

import pytest
import urllib3
from auth_helpers import FakeClock, tokens_from_threads

from scanner_grpc.auth import (
    CredentialsError,
    CredentialsUnavailableError,
    IamToken,
    MetadataService,
    ServiceAccountKey,
    default_credentials,
)
from scanner_grpc.emulator import Emulator


@pytest.fixture
def emu(clock: FakeClock, authorized_key: dict[str, str]) -> Iterator[Emulator]:
    with Emulator(
        host="127.0.0.1", grpc_port=0, rest_port=0, auth=True, clock=clock
    ) as emulator:
        emulator.authority.register_authorized_key(authorized_key)
        yield emulator


def _get_status(emu: Emulator, token: str | None) -> int:
    """The HTTP status of a REST Get sent with ``token`` as bearer."""
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    scan_id = emu.scan_results[0].id
    with urllib3.PoolManager() as pool:
        response = pool.request(
            "GET",
            f"{emu.rest_url}/container-registry/v1/scans/{scan_id}",
            headers=headers,
            retries=False,
            timeout=10,
        )
    return response.status


def test_service_account_key_token_is_accepted_by_the_emulator(
    emu: Emulator, authorized_key: dict[str, str], clock: FakeClock
) -> None:
    credentials = ServiceAccountKey(authorized_key, iam_url=emu.iam_url, clock=clock)

    token = credentials.token()

    assert _get_status(emu, token) == 200
    assert _get_status(emu, None) == 401
    assert emu.authority.exchanges == 1
    assert [(request.method, request.code) for request in emu.requests] == [
        ("POST /iam/v1/tokens", 0),
        ("Get", 0),
        ("Get", 16),
    ]


async def test_service_account_key_token_async_is_accepted_by_the_emulator(
    emu: Emulator, authorized_key: dict[str, str], clock: FakeClock
) -> None:
    credentials = ServiceAccountKey(authorized_key, iam_url=emu.iam_url, clock=clock)

    token = await credentials.token_async()

    assert emu.authority.is_valid(token)


def test_service_account_key_refreshes_before_the_emulator_expires_it(
    emu: Emulator, authorized_key: dict[str, str], clock: FakeClock
) -> None:
    # The emulator's tokens live 12 hours; refreshed 5 minutes before.
    credentials = ServiceAccountKey(authorized_key, iam_url=emu.iam_url, clock=clock)
    first = credentials.token()

    clock.advance(12 * 3600 - 301)
    assert credentials.token() == first
    assert _get_status(emu, first) == 200
    clock.advance(1)
    second = credentials.token()
    clock.advance(300)

    assert second != first
    assert _get_status(emu, first) == 401
    assert _get_status(emu, second) == 200
    assert emu.authority.exchanges == 2


def test_service_account_key_32_threads_share_one_emulator_exchange(
    emu: Emulator, authorized_key: dict[str, str], clock: FakeClock
) -> None:
    credentials = ServiceAccountKey(authorized_key, iam_url=emu.iam_url, clock=clock)
    tokens = tokens_from_threads(credentials)

    assert len(tokens) == 32
    assert len(set(tokens)) == 1
    assert emu.authority.exchanges == 1


def test_service_account_key_unregistered_key_is_refused_by_the_emulator(
    emu: Emulator, other_key: dict[str, str], clock: FakeClock
) -> None:
    credentials = ServiceAccountKey(other_key, iam_url=emu.iam_url, clock=clock)

    with pytest.raises(CredentialsError, match="HTTP 401") as caught:
        credentials.token()

    assert caught.value.http_status == 401
    assert not isinstance(caught.value, CredentialsUnavailableError)


def test_metadata_service_token_is_accepted_by_the_emulator(
    emu: Emulator, clock: FakeClock
) -> None:
    credentials = MetadataService(emu.metadata_url, clock=clock)
    first = credentials.token()

    clock.advance(12 * 3600 - 300)
    second = credentials.token()

    assert second != first
    assert _get_status(emu, second) == 200
    assert emu.authority.exchanges == 0


def test_iam_token_issued_by_the_emulator_expires(
    emu: Emulator, clock: FakeClock
) -> None:
    credentials = IamToken(emu.authority.issue_token(ttl=60).value)

    assert _get_status(emu, credentials.token()) == 200
    clock.advance(60)
    assert _get_status(emu, credentials.token()) == 401


def test_default_credentials_key_file_works_with_the_shared_fixture(
    fresh_emulator: Emulator,
    authorized_key: dict[str, str],
    tmp_path: pathlib.Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "key.json"
    path.write_text(json.dumps(authorized_key))
    monkeypatch.delenv("YC_IAM_TOKEN", raising=False)
    monkeypatch.setenv("YC_SERVICE_ACCOUNT_KEY_FILE", str(path))
    fresh_emulator.auth_required = True
    fresh_emulator.authority.register_authorized_key(authorized_key)

    credentials = default_credentials(iam_url=fresh_emulator.iam_url)

    assert credentials is not None
    assert _get_status(fresh_emulator, credentials.token()) == 200
