"""Network ACL entries as rules, evaluated in rule-number order as AWS does."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from harness.template._values import Key, as_int

ALL_PROTOCOLS = -1
TCP = 6
_PROTOCOL_NAMES = {"all": -1, "tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58}
Interval = tuple[int, int]


def normalize_protocol(value: Any) -> int | None:
    """Return an IP protocol number: 6 for "6", 6 or "tcp"; -1 for all."""
    number = as_int(value)
    if number is not None:
        return number
    if isinstance(value, str):
        return _PROTOCOL_NAMES.get(value.strip().lower())
    return None


@dataclass(frozen=True)
class NaclEntry:
    """One `AWS::EC2::NetworkAclEntry`.

    `ports` is the inclusive port range, (0, 65535) for protocol -1, and None
    when a TCP or UDP entry has no valid `PortRange` (AWS rejects it).
    """

    stack: str
    logical_id: str
    rule_number: int | None
    protocol: int | None
    ports: Interval | None
    cidr: str | None
    egress: bool
    action: str

    @property
    def key(self) -> Key:
        return (self.stack, self.logical_id)

    @property
    def allows(self) -> bool:
        return self.action == "allow"

    def matches_protocol(self, protocol: int) -> bool:
        return self.protocol == ALL_PROTOCOLS or self.protocol == protocol

    def covers(self, port: int, protocol: int = TCP) -> bool:
        """Tell whether this entry matches traffic of `protocol` on `port`."""
        return self.covers_range(port, port, protocol)

    def covers_range(self, low: int, high: int, protocol: int = TCP) -> bool:
        """Tell whether this entry matches every port from `low` to `high`."""
        if not self.matches_protocol(protocol) or self.ports is None:
            return False
        return self.ports[0] <= low and high <= self.ports[1]

    def contains_cidr(self, other: str | None) -> bool:
        """Tell whether this entry's CIDR includes every address of `other`."""
        mine, theirs = _network(self.cidr), _network(other)
        if mine is None or theirs is None or mine.version != theirs.version:
            return self.cidr is not None and self.cidr == other
        return theirs.subnet_of(mine)  # type: ignore[arg-type]

    def describe(self) -> str:
        direction = "outbound" if self.egress else "inbound"
        protocol = "all" if self.protocol == ALL_PROTOCOLS else str(self.protocol)
        ports = "-" if self.ports is None else f"{self.ports[0]}-{self.ports[1]}"
        return (
            f"#{self.rule_number} {direction} {self.action} protocol {protocol} "
            f"ports {ports} {self.cidr}"
        )


@dataclass(frozen=True)
class Nacl:
    """An `AWS::EC2::NetworkAcl` with its entries and associated subnets."""

    stack: str
    logical_id: str
    vpc: Any
    entries: tuple[NaclEntry, ...]
    subnets: tuple[Key, ...]

    @property
    def key(self) -> Key:
        return (self.stack, self.logical_id)

    def entries_for(self, egress: bool) -> list[NaclEntry]:
        """Return the entries of one direction, lowest rule number first."""
        chosen = [entry for entry in self.entries if entry.egress == egress]
        return sorted(chosen, key=lambda entry: (entry.rule_number or 0, entry.key))

    def allowed_ports(self, egress: bool, protocol: int = TCP) -> list[Interval]:
        """Return the port intervals some allow entry lets through, merged.

        An allow entry loses the ports of any lower-numbered deny entry whose
        CIDR contains the allow entry's CIDR, since AWS applies the first
        matching rule.
        """
        allowed: list[Interval] = []
        denied: list[NaclEntry] = []
        for entry in self.entries_for(egress):
            if not entry.matches_protocol(protocol) or entry.ports is None:
                continue
            if not entry.allows:
                denied.append(entry)
                continue
            remaining = [entry.ports]
            for deny in denied:
                if deny.contains_cidr(entry.cidr):
                    remaining = _subtract(remaining, deny.ports)  # type: ignore[arg-type]
            allowed.extend(remaining)
        return _merge(allowed)

    def allowing_entries(
        self, port: int, egress: bool, protocol: int = TCP
    ) -> list[NaclEntry]:
        """Return the allow entries that let `port` through, first match first.

        An allow entry is left out when a lower-numbered deny entry covers the
        port for a CIDR containing the allow entry's CIDR.
        """
        allowing: list[NaclEntry] = []
        denied: list[NaclEntry] = []
        for entry in self.entries_for(egress):
            if not entry.covers(port, protocol):
                continue
            if not entry.allows:
                denied.append(entry)
            elif not any(deny.contains_cidr(entry.cidr) for deny in denied):
                allowing.append(entry)
        return allowing

    def allows_port(self, port: int, egress: bool, protocol: int = TCP) -> bool:
        return self.allows_range(port, port, egress, protocol)

    def allows_range(
        self, low: int, high: int, egress: bool, protocol: int = TCP
    ) -> bool:
        """Tell whether allow entries together let every port low..high through."""
        intervals = self.allowed_ports(egress, protocol)
        return any(start <= low and high <= end for start, end in intervals)


def _network(cidr: str | None) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    if not isinstance(cidr, str):
        return None
    try:
        return ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return None


def _subtract(intervals: list[Interval], removed: Interval) -> list[Interval]:
    result: list[Interval] = []
    for start, end in intervals:
        if removed[1] < start or end < removed[0]:
            result.append((start, end))
            continue
        if start < removed[0]:
            result.append((start, removed[0] - 1))
        if removed[1] < end:
            result.append((removed[1] + 1, end))
    return result


def _merge(intervals: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
