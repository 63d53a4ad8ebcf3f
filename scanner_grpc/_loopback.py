"""Whether a host is this machine, the only place a credential may go in clear."""

from __future__ import annotations

import ipaddress

__all__ = ["is_loopback_host"]


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and any address in 127.0.0.0/8 or ``::1``.

    ``host`` may carry IPv6 brackets. Names other than ``localhost`` are not
    resolved: a name that happens to resolve to loopback today may not
    tomorrow, so it does not count.
    """
    host = host.strip().lower().removeprefix("[").removesuffix("]")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
