"""Where visitors' phones reach the kiosk: the address its QR codes hold.

``serve.public_url`` when the scene gives one; else, when the kiosk listens on every address
(``--host 0.0.0.0``), this machine's address on its network (the interface its default route
leaves by: found without sending anything); else the address it listens on, when that is not
loopback. Served on loopback alone, no phone can reach it: the codes hold the page's own address,
and the start line and the page say that they work only on this machine.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from dataclasses import dataclass

__all__ = ["Address", "visitors_address", "is_loopback", "machine_names"]


@dataclass(frozen=True)
class Address:
    """The base of the addresses visitors are given (None: the address the page was opened at)."""

    base: str | None
    local_only: bool  #: no phone can reach it
    said: str  #: for the start line

    def of(self, request_base: str) -> str:
        return (self.base or request_base).rstrip("/")


def visitors_address(host: str, port: int, public_url: str | None) -> Address:
    if public_url:
        return Address(public_url.rstrip("/"), False, f"the QR codes point at {public_url}")
    if host in ("0.0.0.0", "::", ""):
        found = _network_address(ipv6=host == "::")
        if found:
            base = f"http://{_bracketed(found)}:{port}"
            return Address(base, False, f"the QR codes point at {base} (this machine on its network; set "
                                        "serve.public_url to choose another)")
        return Address(None, True, "no network address found: the QR codes work only on this machine until "
                                   "serve.public_url is set")
    if not is_loopback(host):
        base = f"http://{_bracketed(host)}:{port}"
        return Address(base, False, f"the QR codes point at {base}")
    return Address(None, True, "served on loopback only: the QR codes work only on this machine (serve on "
                               "--host 0.0.0.0, or set serve.public_url, for visitors' phones)")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    return False


def _network_address(ipv6: bool) -> str | None:
    """The address this machine's default route leaves by (a UDP socket connected, nothing sent)."""
    family, probe = (socket.AF_INET6, "2001:db8::1") if ipv6 else (socket.AF_INET, "192.0.2.1")
    with contextlib.suppress(OSError), socket.socket(family, socket.SOCK_DGRAM) as udp:
        udp.connect((probe, 9))
        address = udp.getsockname()[0]
        if not is_loopback(address) and address not in ("0.0.0.0", "::"):
            return address
    return None


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def machine_names() -> set[str]:
    """This machine's names and addresses, as a phone or a browser may call it: loopback's, its host
    name (with ``.local``, as mDNS gives it), its fully qualified name, every address of its network
    interfaces (IPv4 and IPv6, bracketed too)."""
    names = {"127.0.0.1", "localhost", "::1", "[::1]"}
    with contextlib.suppress(OSError):
        host = socket.gethostname()
        names |= {host, f"{host}.local", socket.getfqdn()}
        for *_, address in socket.getaddrinfo(host, None):
            names.add(str(address[0]))
    with contextlib.suppress(OSError, AttributeError):
        import fcntl
        import struct

        for _, interface in socket.if_nameindex():
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                with contextlib.suppress(OSError):
                    packed = fcntl.ioctl(probe.fileno(), 0x8915, struct.pack("256s", interface[:15].encode()))  # SIOCGIFADDR
                    names.add(socket.inet_ntoa(packed[20:24]))
    with contextlib.suppress(OSError, ValueError):
        for line in open("/proc/net/if_inet6", encoding="ascii"):
            raw = line.split()[0]
            names.add(str(ipaddress.IPv6Address(int(raw, 16))))
    for found in (_network_address(False), _network_address(True)):
        if found:
            names.add(found)
    return names | {f"[{n}]" for n in names if ":" in n and not n.startswith("[")}
