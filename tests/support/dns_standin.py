"""A DNS server on loopback for the tests (and bench/): answers NS queries for the names it
is given, says NXDOMAIN for every other name, and can stay silent for a name (a timeout).
Built with dnspython's message and rrset APIs on a plain UDP socket, served from a thread,
so a command run as a subprocess can ask it too.

May import: dnspython and the standard library.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from types import TracebackType

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset

TTL = 300


def _soa(zone: str) -> dns.rrset.RRset:
    return dns.rrset.from_text(
        zone, TTL, "IN", "SOA", f"ns1.{zone} hostmaster.{zone} 1 3600 600 86400 300"
    )


def _parent(name: str) -> str:
    return name.split(".", 1)[1] if "." in name else name


@dataclass
class DnsStandIn:
    """``delegated``: name → its name servers (NS answers). ``zones``: names that are the
    apex of a zone of their own but answer NS with nothing (NoAnswer, their own SOA).
    ``records``: names that exist only as records of their parent zone (NoAnswer, the
    parent's SOA). ``silent``: names never answered. Everything else: NXDOMAIN."""

    delegated: dict[str, list[str]] = field(default_factory=dict)
    zones: set[str] = field(default_factory=set)
    records: set[str] = field(default_factory=set)
    silent: set[str] = field(default_factory=set)
    queries: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.settimeout(0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def address(self) -> str:
        """What ``HIENDIEN_DNS_SERVER`` is set to: "127.0.0.1:PORT"."""
        host, port = self._sock.getsockname()
        return f"{host}:{port}"

    def __enter__(self) -> DnsStandIn:
        self._thread.start()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _exc: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self._sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                query = dns.message.from_wire(data)
            except dns.exception.DNSException:
                continue
            response = self.answer(query)
            if response is not None:
                self._sock.sendto(response.to_wire(), peer)

    def answer(self, query: dns.message.Message) -> dns.message.Message | None:
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        self.queries.append(name)
        if name in self.silent:
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.RA
        if name in self.delegated and question.rdtype == dns.rdatatype.NS:
            targets = [t if t.endswith(".") else t + "." for t in self.delegated[name]]
            response.answer.append(dns.rrset.from_text(name + ".", TTL, "IN", "NS", *targets))
        elif name in self.delegated or name in self.zones:
            response.authority.append(_soa(name + "."))
        elif name in self.records:
            response.authority.append(_soa(_parent(name) + "."))
        else:
            response.set_rcode(dns.rcode.NXDOMAIN)
            response.authority.append(_soa(_parent(name) + "."))
        return response
