"""Whether a registered domain exists in the DNS (``hiendien registrations verify``): its NS
records, asked with dnspython of the resolver set in ``HIENDIEN_DNS_SERVER`` (else the
system's).

What an answer means:

- NS records for the name → **verified**: the name is delegated, as every registered
  domain is (a registrar puts its name servers in the id.vn / biz.vn zone).
- NXDOMAIN → **not_found**: the name does not exist.
- An answer without NS records (NoAnswer): the name exists as a node, but is it a zone?
  If the answer's authority section holds the SOA *of the name itself*, the name is the
  apex of its own zone → **verified**; an SOA of a parent (id.vn) says the name is only a
  record inside the parent's zone, not a delegated registration → **not_found**.
- A timeout, or no server able to answer (SERVFAIL: a broken delegation, a resolver down)
  → **unknown**: the status recorded before is left unchanged and the report says
  "không kiểm tra được".

May import: bot.settings, the standard library and dnspython.
"""

from __future__ import annotations

import dns.exception
import dns.message
import dns.name
import dns.rdatatype
import dns.resolver

from bot.settings import Settings, dns_server

VERIFIED = "verified"
NOT_FOUND = "not_found"
UNKNOWN = "unknown"
TIMEOUT_SECONDS = 5.0


def resolver(settings: Settings, timeout: float = TIMEOUT_SECONDS) -> dns.resolver.Resolver:
    """The resolver of ``HIENDIEN_DNS_SERVER``, or the system's when it is unset."""
    if settings.hiendien_dns_server:
        address, port = dns_server(settings.hiendien_dns_server)
        found = dns.resolver.Resolver(configure=False)
        found.nameservers = [address]
        found.port = port
    else:
        found = dns.resolver.Resolver()
    found.lifetime = timeout
    found.timeout = timeout
    found.cache = None
    return found


def _own_zone(name: dns.name.Name, response: dns.message.Message | None) -> bool:
    """Whether a NoAnswer response says ``name`` is the apex of its own zone (its SOA)."""
    if response is None:
        return False
    return any(
        rrset.rdtype == dns.rdatatype.SOA and rrset.name == name for rrset in response.authority
    )


def check(domain: str, ask: dns.resolver.Resolver) -> str:
    """:data:`VERIFIED`, :data:`NOT_FOUND` or :data:`UNKNOWN` for ``domain`` (as stored:
    lower case, Unicode letters allowed — sent as IDNA)."""
    name = dns.name.from_text(domain)
    try:
        answer = ask.resolve(name, dns.rdatatype.NS, raise_on_no_answer=False)
    except dns.resolver.NXDOMAIN:
        return NOT_FOUND
    except dns.exception.DNSException:  # a timeout, SERVFAIL everywhere, a name too long…
        return UNKNOWN
    if answer.rrset is not None and len(answer.rrset) > 0:
        return VERIFIED
    return VERIFIED if _own_zone(name, answer.response) else NOT_FOUND
