"""Sources of IAM tokens for the scanner clients.

Every source is a ``Credentials``: the clients call ``token()`` (or
``await token_async()``) before each attempt and send
``authorization: Bearer <token>``.

- ``IamToken(token)``: a token that you already have.
- ``EnvironmentToken()``: the ``YC_IAM_TOKEN`` variable, read at each call.
- ``ServiceAccountKey.from_file(path)``: a service account's authorized key;
  signs a JWT and exchanges it at IAM.
- ``MetadataService()``: the service account of the Yandex Cloud VM.
- ``default_credentials()``: the first of these that the environment sets up.

Tokens that expire are cached and refreshed by ``CachingCredentials``: a
token is reused until ``min(refresh_margin, 10% of its lifetime)`` before it
expires (``refresh_margin`` defaults to ``DEFAULT_REFRESH_MARGIN``, 5
minutes), one refresh runs at a time however many threads and tasks wait,
and each request for a new token has a deadline (``DEFAULT_TIMEOUT``, 10 s).

A token source of your own needs one method, ``fetch``, that returns an
``AccessToken``; ``CachingCredentials`` adds the rest::

    import time

    from scanner_grpc.auth import AccessToken, CachingCredentials

    class VaultToken:
        def fetch(self, *, timeout: float) -> AccessToken:
            secret = my_vault.read("yc-iam-token", timeout=timeout)
            return AccessToken(secret["token"], expires_at=secret["expires"])

    credentials = CachingCredentials(VaultToken())

No token, JWT or private key ever appears in a ``repr``, a log line or an
error message. Importing this package loads neither ``jwt``,
``cryptography`` nor ``urllib3``: they are imported when a key is read or a
token fetched.
"""

from scanner_grpc.auth._base import (
    AccessToken,
    Credentials,
    CredentialsError,
    CredentialsTimeoutError,
    CredentialsUnavailableError,
    InvalidKeyError,
    TokenSource,
)
from scanner_grpc.auth._caching import (
    DEFAULT_REFRESH_MARGIN,
    DEFAULT_TIMEOUT,
    CachingCredentials,
)
from scanner_grpc.auth._default import (
    KEY_FILE_VARIABLE,
    METADATA_VARIABLE,
    default_credentials,
)
from scanner_grpc.auth._metadata import DEFAULT_METADATA_URL, MetadataService
from scanner_grpc.auth._service_account import DEFAULT_IAM_URL, ServiceAccountKey
from scanner_grpc.auth._static import (
    DEFAULT_TOKEN_VARIABLE,
    EnvironmentToken,
    IamToken,
)

__all__ = [
    "DEFAULT_IAM_URL",
    "DEFAULT_METADATA_URL",
    "DEFAULT_REFRESH_MARGIN",
    "DEFAULT_TIMEOUT",
    "DEFAULT_TOKEN_VARIABLE",
    "KEY_FILE_VARIABLE",
    "METADATA_VARIABLE",
    "AccessToken",
    "CachingCredentials",
    "Credentials",
    "CredentialsError",
    "CredentialsTimeoutError",
    "CredentialsUnavailableError",
    "EnvironmentToken",
    "IamToken",
    "InvalidKeyError",
    "MetadataService",
    "ServiceAccountKey",
    "TokenSource",
    "default_credentials",
]
