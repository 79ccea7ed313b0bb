"""Subnet facts that compare the two sides' layouts: AZ counts and address plans.

CDK's `ec2.Vpc` gives its subnets consecutive CIDR blocks in subnet order, tier
by tier. So when one side has subnets the other lacks (one AZ fewer, say), every
later subnet of that side starts at another address although nothing else
differs.
A paired subnet "keeps its position" when both sides' subnets are packed one
after another from their lowest address, and packing only the paired subnets
gives the pair the same block on both sides.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from harness.diff._elements import Element, Key, RefTo
from harness.diff._roles import RoleFinder

SUBNET = "AWS::EC2::Subnet"
Network = ipaddress.IPv4Network


def az_count(roles: RoleFinder) -> int:
    """Return the number of distinct AZs of one side's subnets."""
    return len(
        {
            roles.role(element.key).get("az")
            for element in roles.elements.values()
            if element.type == SUBNET
        }
    )


def kept_positions(
    ideal: Mapping[Key, Element],
    model: Mapping[Key, Element],
    to_model: Mapping[Key, Key],
) -> set[Key]:
    """Return the ideal subnets whose pair keeps its position in the address plan."""
    ideal_blocks = _common_blocks(ideal, set(to_model))
    model_blocks = _common_blocks(model, set(to_model.values()))
    return {
        key
        for key, model_key in to_model.items()
        if key in ideal_blocks
        and model_key in model_blocks
        and ideal_blocks[key] == model_blocks[model_key]
    }


def _common_blocks(
    elements: Mapping[Key, Element], paired: set[Key]
) -> dict[Key, Network]:
    """Return the block each paired subnet gets when only paired subnets are packed.

    A VPC whose subnets are not packed consecutively, or have a CIDR that is
    not a literal, yields no blocks.
    """
    blocks: dict[Key, Network] = {}
    for group in _subnets_by_vpc(elements).values():
        subnets = [(key, net) for key, net in group if net is not None]
        if len(subnets) < len(group):
            continue
        ordered = sorted(subnets, key=lambda pair: _order(pair[1]))
        networks = [network for _, network in ordered]
        start = int(networks[0].network_address)
        if _pack(start, networks) != networks:
            continue
        paired_subnets = [(key, net) for key, net in ordered if key in paired]
        packed = _pack(start, [network for _, network in paired_subnets]) or []
        blocks.update((key, block) for (key, _), block in zip(paired_subnets, packed))
    return blocks


def _subnets_by_vpc(
    elements: Mapping[Key, Element],
) -> dict[Any, list[tuple[Key, Network | None]]]:
    groups: dict[Any, list[tuple[Key, Network | None]]] = defaultdict(list)
    for element in elements.values():
        if element.type != SUBNET:
            continue
        properties = element.body.get("Properties") or {}
        vpc = properties.get("VpcId")
        vpc_key = vpc.key if isinstance(vpc, RefTo) else repr(vpc)
        groups[vpc_key].append((element.key, _network(properties.get("CidrBlock"))))
    return groups


def _network(value: Any) -> Network | None:
    if not isinstance(value, str):
        return None
    try:
        return ipaddress.IPv4Network(value)
    except ValueError:
        return None


def _order(network: Network) -> tuple[int, int]:
    return (int(network.network_address), network.prefixlen)


def _pack(start: int, networks: Iterable[Network]) -> list[Network] | None:
    """Return blocks of the networks' sizes laid out one after another from `start`.

    Each block starts at the next address aligned to its own size. The result
    is None when the blocks run past the end of the address space.
    """
    packed: list[Network] = []
    position = start
    for network in networks:
        size = network.num_addresses
        position = -(-position // size) * size
        if position + size > 2**32:
            return None
        packed.append(ipaddress.IPv4Network((position, network.prefixlen)))
        position += size
    return packed
