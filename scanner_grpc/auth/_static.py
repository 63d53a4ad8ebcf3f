"""Tokens given by the user: directly, or in an environment variable."""

from __future__ import annotations

import os

from scanner_grpc.auth._base import Credentials, CredentialsError, check_token_value

__all__ = ["DEFAULT_TOKEN_VARIABLE", "EnvironmentToken", "IamToken"]

# The name of a variable, not a secret.
DEFAULT_TOKEN_VARIABLE = "YC_IAM_TOKEN"  # noqa: S105
"""The environment variable that ``EnvironmentToken`` reads by default."""


class IamToken(Credentials):
    """A fixed IAM token, such as the output of ``yc iam create-token``.

    It is never refreshed: an IAM token lives at most 12 hours, after which
    calls fail with ``UNAUTHENTICATED``.

    Raises:
        ValueError: The token is empty or holds characters that cannot go in
            a header (the message does not quote it).
    """

    def __init__(self, token: str) -> None:
        try:
            self._token = check_token_value(token, origin="IamToken")
        except CredentialsError as error:
            raise ValueError(error.message) from None

    def __repr__(self) -> str:
        return "IamToken(<redacted>)"

    def token(self, *, timeout: float | None = None) -> str:
        return self._token

    async def token_async(self, *, timeout: float | None = None) -> str:
        return self._token


class EnvironmentToken(Credentials):
    """The IAM token held by an environment variable, ``YC_IAM_TOKEN`` by default.

    The variable is read on every call, not once: a process whose
    environment is updated with a fresh token (``os.environ[...] = ...``)
    uses it from the next call on. Surrounding whitespace, such as the
    newline of ``export YC_IAM_TOKEN=$(yc iam create-token)`` done badly, is
    ignored.
    """

    def __init__(self, variable: str = DEFAULT_TOKEN_VARIABLE) -> None:
        if not isinstance(variable, str) or not variable:
            raise ValueError("variable must name an environment variable")
        self._variable = variable

    def __repr__(self) -> str:
        return f"EnvironmentToken({self._variable!r})"

    @property
    def variable(self) -> str:
        """The name of the environment variable."""
        return self._variable

    def token(self, *, timeout: float | None = None) -> str:
        """Returns the variable's current value.

        Raises:
            CredentialsError: The variable is unset, empty or unusable.
        """
        value = os.environ.get(self._variable, "").strip()
        if not value:
            raise CredentialsError(
                f"the environment variable {self._variable} is not set or empty; "
                "set it to an IAM token (yc iam create-token)"
            )
        return check_token_value(
            value, origin=f"the environment variable {self._variable}"
        )

    async def token_async(self, *, timeout: float | None = None) -> str:
        return self.token(timeout=timeout)
