"""Which addresses outgoing calls may reach: public ones, and those in OUTBOUND_ALLOWED_NETWORKS.

Hosts are read the way resolvers read them, so another spelling of a refused address is refused
too: a trailing dot (`127.0.0.1.`, `localhost.`), the forms C's inet_aton accepts (`2130706433`,
`0177.0.0.1`, `0x7f.1`, `127.1`), fullwidth digits, IPv4 inside IPv6 (`::ffff:127.0.0.1`, 6to4,
Teredo, NAT64, IPv4-compatible), and `localhost` names, which never leave the machine (RFC 6761)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import unicodedata

from domain.outbound.config import outbound_config

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
LOOPBACK = ipaddress.IPv4Address("127.0.0.1")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# Checked in this order, so an address is named by its most telling property.
_KINDS = (
    ("is_loopback", "loopback"),
    ("is_unspecified", "unspecified"),
    ("is_link_local", "link-local"),
    ("is_multicast", "multicast"),
    ("is_reserved", "reserved"),
    ("is_private", "private"),
)


def normalise_host(host: str) -> str:
    """The host as resolvers read it: compatibility characters folded (fullwidth digits), lower
    case, no IPv6 brackets, no trailing dot."""
    host = unicodedata.normalize("NFKC", host).strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host.rstrip(".")


def literal_address(host: str) -> IPAddress | None:
    """The address a host spells out, in any form a resolver accepts; None for a DNS name."""
    host = normalise_host(host)
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.split("%", 1)[0])  # without a zone (fe80::1%eth0)
        except ValueError:
            return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):  # ValueError: a NUL character
        return None


def is_loopback_name(host: str) -> bool:
    host = normalise_host(host)
    return host == "localhost" or host.endswith(".localhost")


def _embedded(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries (and would reach through a translator or tunnel)."""
    found = [inner for inner in (address.ipv4_mapped, address.sixtofour) if inner is not None]
    found += list(address.teredo or ())
    if (
        address in _NAT64 or int(address) >> 32 == 0
    ):  # NAT64, or the deprecated IPv4-compatible ::a.b.c.d
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def refusal(address: IPAddress) -> str | None:
    """Why outgoing calls may not reach `address` (e.g. "loopback address 127.0.0.1"); None if they may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(
        address.version == network.version and address in network
        for network in outbound_config().allowed_networks
    ):
        return None
    kind = next((label for attribute, label in _KINDS if getattr(address, attribute)), None)
    if kind is None and not address.is_global:
        kind = "non-public"  # e.g. 100.64.0.0/10, shared by carrier-grade NAT
    if kind is not None:
        return f"{kind} address {address}"
    if isinstance(address, ipaddress.IPv6Address):
        for inner in _embedded(address):
            reason = refusal(inner)
            if reason is not None:
                return f"{address} carries the {reason}"
    return None


async def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses a connection to `host` may go to: the literal address, the loopback address
    for localhost names, else what DNS answers (socket.gaierror when it has no answer)."""
    literal = literal_address(host)
    if literal is not None:
        return [literal]
    if is_loopback_name(host):
        return [LOOPBACK]
    infos = await asyncio.get_running_loop().getaddrinfo(
        normalise_host(host), port, type=socket.SOCK_STREAM
    )
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def refusal_of(host: str, addresses: list[IPAddress]) -> str | None:
    """Why a connection to `host` at these addresses is refused (every one must be allowed), as
    a log or a field error shows it: "refused: localhost is loopback address 127.0.0.1 ..."."""
    reasons = [reason for reason in map(refusal, addresses) if reason is not None]
    if not reasons:
        return None
    if literal_address(host) is None and not is_loopback_name(host):
        subject = f"{host} resolves to "
    else:
        subject = "" if normalise_host(host) == str(addresses[0]) else f"{host} is "
    return (
        f"refused: {subject}{', '.join(reasons)} (outgoing calls may not reach private, loopback or reserved "
        "addresses unless OUTBOUND_ALLOWED_NETWORKS allows them)"
    )
