"""What a signed-in device is and where it signs in from, told cheaply and kept vague (stdlib only).

The profile lists a person's sessions as "Chrome on Android, from 203.0.113.0/24": enough to recognise
one's own phone, not a fingerprint. The User-Agent is read by a few substring checks, in an order that
matters (every Chromium browser also says "Chrome" and "Safari"); the address is cut to its network.
"""
from __future__ import annotations

import ipaddress

# (marker in the User-Agent, name shown). Checked in order: the first match wins.
BROWSERS = (
    ("Edg/", "Edge"), ("EdgA/", "Edge"), ("EdgiOS/", "Edge"),
    ("OPR/", "Opera"), ("Opera", "Opera"),
    ("YaBrowser/", "Yandex Browser"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"), ("Chrome/", "Chrome"), ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
PLATFORMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"), ("iPad", "iPad"), ("iPod", "iPhone"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Macintosh", "macOS"), ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)
USER_AGENT_MAX = 512  # longer headers are read only this far
IPV4_PREFIX, IPV6_PREFIX = 24, 48


def _first(user_agent: str, table: tuple[tuple[str, str], ...]) -> str:
    return next((name for marker, name in table if marker in user_agent), "")


def describe_user_agent(user_agent: str | None) -> tuple[str, str]:
    """(browser, platform) named in the User-Agent, each "" when not recognised."""
    text = (user_agent or "")[:USER_AGENT_MAX]
    return _first(text, BROWSERS), _first(text, PLATFORMS)


def address_prefix(address: str | None) -> str | None:
    """The client's network: /24 for IPv4 (and IPv4 mapped into IPv6), /48 for IPv6; None if unreadable."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    bits = IPV4_PREFIX if ip.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{ip}/{bits}", strict=False))
