"""Who sent a request: its peer's address, or the address a trusted proxy says it saw.

``X-Forwarded-For`` is anyone's to write, so it is believed only when the peer is one of
``ARABIC_SEARCH_TRUSTED_PROXIES`` (addresses or networks, such as the nginx in front on
127.0.0.1). The client is then the right-most address in it that is not a trusted proxy: the
last one a trusted proxy appended, which no client can forge. The rate limiter counts by this
address and the access log records it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from ..settings import BY_NAME, SettingError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(text: str) -> tuple[Network, ...]:
    """The setting's comma-separated addresses and networks; a clear error for a bad one.

    >>> trusted_networks("127.0.0.1, 10.0.0.0/8")
    (IPv4Network('127.0.0.1/32'), IPv4Network('10.0.0.0/8'))
    """
    networks = []
    for part in (piece.strip() for piece in text.split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            variable = BY_NAME["TRUSTED_PROXIES"].variable
            raise SettingError(f"{variable}: {part!r} is not an address or network") from None
    return tuple(networks)


def _trusted(address: str, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(peer: str | None, forwarded_for: str, networks: tuple[Network, ...]) -> str:
    """The request's client address.

    >>> proxies = trusted_networks("127.0.0.1")
    >>> client_address("127.0.0.1", "6.6.6.6, 203.0.113.9", proxies)
    '203.0.113.9'
    >>> client_address("198.51.100.7", "203.0.113.9", proxies)  # not a proxy: not believed
    '198.51.100.7'
    """
    peer = peer or ""
    if not networks or not _trusted(peer, networks):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:  # a proxy that writes no address: believe nothing it says
                return peer
    return hops[0] if hops else peer
