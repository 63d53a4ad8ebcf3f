"""The credentials that a program uses when it names none."""

from __future__ import annotations

import logging
import os

from scanner_grpc.auth._base import Credentials
from scanner_grpc.auth._metadata import DEFAULT_METADATA_URL, MetadataService
from scanner_grpc.auth._service_account import DEFAULT_IAM_URL, ServiceAccountKey
from scanner_grpc.auth._static import DEFAULT_TOKEN_VARIABLE, EnvironmentToken

__all__ = ["KEY_FILE_VARIABLE", "METADATA_VARIABLE", "default_credentials"]

_logger = logging.getLogger(__name__)

KEY_FILE_VARIABLE = "YC_SERVICE_ACCOUNT_KEY_FILE"
"""Names an authorized key file for ``default_credentials``."""

METADATA_VARIABLE = "YC_METADATA_CREDENTIALS"
"""Set to ``1`` to let ``default_credentials`` use the VM metadata service."""

_TRUE = frozenset({"1", "true", "yes", "on"})


def default_credentials(
    *,
    iam_url: str = DEFAULT_IAM_URL,
    metadata_url: str = DEFAULT_METADATA_URL,
) -> Credentials | None:
    """Credentials from the environment, tried in this order.

    1. ``YC_IAM_TOKEN`` set and not empty: ``EnvironmentToken()``, which
       re-reads the variable on every call.
    2. ``YC_SERVICE_ACCOUNT_KEY_FILE`` set and not empty:
       ``ServiceAccountKey.from_file`` of that path (``~`` expanded). A
       broken file raises ``InvalidKeyError`` rather than falling through
       to the next source.
    3. ``YC_METADATA_CREDENTIALS`` set to ``1`` (or ``true``, ``yes``,
       ``on``): ``MetadataService()``, for a program on a Yandex Cloud VM.
       It is never used unasked: outside a VM, its address leads nowhere.
    4. None of these: ``None``, for the caller to decide.

    Nothing is sent over the network to choose; the first token is fetched
    at the first call.

    Args:
        iam_url: Passed to ``ServiceAccountKey``.
        metadata_url: Passed to ``MetadataService``.
    """
    if os.environ.get(DEFAULT_TOKEN_VARIABLE, "").strip():
        _logger.debug("default credentials: %s", DEFAULT_TOKEN_VARIABLE)
        return EnvironmentToken(DEFAULT_TOKEN_VARIABLE)
    key_file = os.environ.get(KEY_FILE_VARIABLE, "").strip()
    if key_file:
        _logger.debug("default credentials: %s=%s", KEY_FILE_VARIABLE, key_file)
        return ServiceAccountKey.from_file(
            os.path.expanduser(key_file), iam_url=iam_url
        )
    if os.environ.get(METADATA_VARIABLE, "").strip().lower() in _TRUE:
        _logger.debug("default credentials: %s", METADATA_VARIABLE)
        return MetadataService(metadata_url)
    _logger.debug("default credentials: none found in the environment")
    return None
