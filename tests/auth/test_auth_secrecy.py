"""No token, JWT or private key in a repr, an error message or a log line;
and the package's import cost and exports."""

from __future__ import annotations

import logging
import pickle
import subprocess
import sys

import pytest
from auth_helpers import FakeClock, LocalIam

import scanner_grpc.auth
from scanner_grpc.auth import (
    CachingCredentials,
    CredentialsError,
    CredentialsTimeoutError,
    EnvironmentToken,
    IamToken,
    InvalidKeyError,
    MetadataService,
    ServiceAccountKey,
)


def _key_lines(key: dict[str, str]) -> list[str]:
    """The base64 lines of the private key: any of them would leak it."""
    return [
        line
        for line in key["private_key"].splitlines()
        if line and not line.startswith("-----") and "Key ID" not in line
    ]


def test_auth_secrets_stay_out_of_reprs_errors_and_logs(
    authorized_key: dict[str, str],
    iam: LocalIam,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("YC_IAM_TOKEN", "t1.environment secret")
    by_key = ServiceAccountKey(authorized_key, iam_url=iam.iam_url, clock=clock)
    by_metadata = MetadataService(iam.metadata_url, clock=clock)
    static = IamToken("t1.static-secret")
    errors: list[CredentialsError] = []

    tokens = [by_key.token(), by_metadata.token(), static.token()]
    iam.canned.append((400, "application/json", b'{"message": "bad jwt {jwt}"}'))
    iam.canned.append((500, "text/html", b"<p>you sent {jwt}</p>"))
    for _ in range(2):
        by_key.invalidate()
        with pytest.raises(CredentialsError) as caught:
            by_key.token()
        errors.append(caught.value)
    with pytest.raises(CredentialsError) as caught:
        EnvironmentToken().token()
    errors.append(caught.value)

    secrets = [*tokens, *iam.jwts(), *_key_lines(authorized_key), "environment secret"]
    visible = [
        caplog.text,
        *map(repr, (by_key, by_metadata, static, EnvironmentToken())),
        *(text for error in errors for text in (str(error), repr(error))),
    ]
    assert len(iam.jwts()) == 3
    assert "<redacted>" in str(errors[0])
    assert "DEBUG" in caplog.text
    for secret in secrets:
        for text in visible:
            assert secret not in text


def test_auth_key_errors_never_quote_the_private_key(
    authorized_key: dict[str, str],
) -> None:
    # A damaged key: the base64 body with one line dropped.
    lines = authorized_key["private_key"].splitlines()
    damaged = "\n".join(lines[:3] + lines[4:])

    with pytest.raises(InvalidKeyError) as caught:
        ServiceAccountKey({**authorized_key, "private_key": damaged})

    for line in _key_lines(authorized_key):
        assert line not in str(caught.value)
        assert line not in repr(caught.value)


def test_auth_caching_credentials_repr_names_its_source(clock: FakeClock) -> None:
    class Source:
        def __repr__(self) -> str:
            return "Source()"

        def fetch(self, *, timeout: float) -> object:
            raise AssertionError("not called")

    assert repr(CachingCredentials(Source(), clock=clock)) == (  # type: ignore[arg-type]
        "CachingCredentials(Source())"
    )


def test_auth_errors_survive_pickling() -> None:
    error = CredentialsTimeoutError("IAM did not answer", http_status=504)

    # Our own bytes, not untrusted data.
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301

    assert type(copy) is CredentialsTimeoutError
    assert (copy.message, copy.http_status) == ("IAM did not answer", 504)


def test_auth_import_loads_no_heavy_module() -> None:
    code = (
        "import sys, scanner_grpc.auth\n"
        "heavy = ('jwt', 'cryptography', 'urllib3', 'aiohttp')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )

    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()

    assert loaded == "[]"


def test_auth_all_is_sorted_and_complete() -> None:
    exported = scanner_grpc.auth.__all__

    # The order that ruff keeps (RUF022): constants, classes, functions.
    def kind(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert exported == sorted(exported, key=kind)
    for name in exported:
        assert hasattr(scanner_grpc.auth, name)
    public = {name for name in vars(scanner_grpc.auth) if not name.startswith("_")}
    assert public - set(exported) == set()
