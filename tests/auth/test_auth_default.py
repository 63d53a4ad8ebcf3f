"""default_credentials: the order in which the environment is consulted."""

from __future__ import annotations

import json
import pathlib

import pytest
from auth_helpers import LocalIam

from scanner_grpc.auth import (
    EnvironmentToken,
    InvalidKeyError,
    MetadataService,
    ServiceAccountKey,
    default_credentials,
)
from scanner_grpc.emulator._iam import TokenAuthority

_VARIABLES = ("YC_IAM_TOKEN", "YC_SERVICE_ACCOUNT_KEY_FILE", "YC_METADATA_CREDENTIALS")


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in _VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def key_file(tmp_path: pathlib.Path, authorized_key: dict[str, str]) -> str:
    path = tmp_path / "key.json"
    path.write_text(json.dumps(authorized_key))
    return str(path)


def test_default_credentials_none_without_configuration(
    environ: pytest.MonkeyPatch,
) -> None:
    assert default_credentials() is None


def test_default_credentials_metadata_is_not_used_unasked(
    environ: pytest.MonkeyPatch,
) -> None:
    environ.setenv("YC_METADATA_CREDENTIALS", "0")

    assert default_credentials() is None


def test_default_credentials_prefers_the_token_variable(
    environ: pytest.MonkeyPatch, key_file: str
) -> None:
    environ.setenv("YC_IAM_TOKEN", "t1.from-env")
    environ.setenv("YC_SERVICE_ACCOUNT_KEY_FILE", key_file)
    environ.setenv("YC_METADATA_CREDENTIALS", "1")

    credentials = default_credentials()

    assert isinstance(credentials, EnvironmentToken)
    assert credentials.token() == "t1.from-env"


def test_default_credentials_then_the_key_file(
    environ: pytest.MonkeyPatch, key_file: str, authorized_key: dict[str, str]
) -> None:
    environ.setenv("YC_IAM_TOKEN", "")
    environ.setenv("YC_SERVICE_ACCOUNT_KEY_FILE", key_file)
    environ.setenv("YC_METADATA_CREDENTIALS", "1")

    credentials = default_credentials()

    assert isinstance(credentials, ServiceAccountKey)
    assert credentials.key_id == authorized_key["id"]


@pytest.mark.parametrize("value", ["1", "true", "YES", "on"])
def test_default_credentials_then_the_metadata_service_when_enabled(
    environ: pytest.MonkeyPatch, value: str
) -> None:
    environ.setenv("YC_METADATA_CREDENTIALS", value)

    assert isinstance(default_credentials(), MetadataService)


def test_default_credentials_broken_key_file_is_an_error(
    environ: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    environ.setenv("YC_SERVICE_ACCOUNT_KEY_FILE", str(tmp_path / "missing.json"))
    environ.setenv("YC_METADATA_CREDENTIALS", "1")

    with pytest.raises(InvalidKeyError, match=r"missing\.json"):
        default_credentials()


def test_default_credentials_endpoints_are_overridable(
    environ: pytest.MonkeyPatch,
    key_file: str,
    iam: LocalIam,
    authority: TokenAuthority,
) -> None:
    environ.setenv("YC_SERVICE_ACCOUNT_KEY_FILE", key_file)
    by_key = default_credentials(iam_url=iam.iam_url)
    environ.delenv("YC_SERVICE_ACCOUNT_KEY_FILE")
    environ.setenv("YC_METADATA_CREDENTIALS", "1")
    by_metadata = default_credentials(metadata_url=iam.metadata_url)

    assert by_key is not None
    assert by_metadata is not None
    assert authority.is_valid(by_key.token())
    assert authority.is_valid(by_metadata.token())
