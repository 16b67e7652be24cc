"""Pure pieces of webhooks (standard library only): the signature header, its verification, the retry
back-off and the address rule.

The header is `X-Hackathon-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed by the secret>`
(the scheme Stripe uses): the timestamp is signed with the body, so a receiver that refuses old timestamps
refuses replays too.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
from datetime import timedelta

SIGNATURE_HEADER = "X-Hackathon-Signature"
EVENT_ID_HEADER = "X-Hackathon-Event-Id"
EVENT_KIND_HEADER = "X-Hackathon-Event"
DEFAULT_TOLERANCE = 300  # seconds a receiver should accept between the signed time and its clock


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of "<timestamp>.<body>" keyed by the secret."""
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def parse_header(header: str) -> tuple[int | None, list[str]]:
    """The timestamp and every v1 signature of a header (several v1 values are allowed, as with Stripe)."""
    timestamp, signatures = None, []
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isascii() and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value)
    return timestamp, signatures


def verify_signature(secret: str, header: str, body: bytes, now: float, tolerance: int = DEFAULT_TOLERANCE) -> bool:
    """True when the header signs exactly this body with this secret, at a time within `tolerance` seconds of
    `now` (unix seconds). An old timestamp (a replayed delivery) or one from the future is refused."""
    timestamp, signatures = parse_header(header)
    if timestamp is None or not signatures:
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)


def backoff(attempts: int) -> timedelta:
    """Wait after the n-th failed attempt: 30 s, 1, 2, 4, 8 ... minutes, at most six hours."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


def address_refused(address: str) -> bool:
    """True for an address a webhook must not reach: private, loopback, link-local, multicast, reserved,
    unspecified, shared (carrier-grade NAT), and IPv4-mapped or 6to4/Teredo forms of those."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None and address_refused(str(embedded)):
            return True
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or not ip.is_global)
