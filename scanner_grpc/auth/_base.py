"""What every source of IAM tokens offers the clients."""

from __future__ import annotations

import abc
import asyncio

__all__ = ["Credentials"]


class Credentials(abc.ABC):
    """Supplies the IAM token that authorizes calls to the scanner.

    Implementations cache the token they obtain and refresh it before it
    expires; ``token`` is safe to call from many threads at once, and
    ``token_async`` from many tasks. Neither a token nor any secret it is
    made from ever appears in a ``repr``, a log line or an error message.
    """

    @abc.abstractmethod
    def token(self, *, timeout: float | None = None) -> str:
        """Returns a valid IAM token, obtaining a new one if needed.

        ``timeout`` bounds the time spent obtaining it, in seconds.
        """

    async def token_async(self, *, timeout: float | None = None) -> str:
        """Like ``token``, without blocking the event loop."""
        return await asyncio.to_thread(self.token, timeout=timeout)
