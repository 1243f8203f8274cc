"""Queries over rendered Kubernetes objects, and a NetworkPolicy evaluator.

The evaluator decides whether a pod with these labels may open a TCP
connection to a pod with those labels on this port, as the NetworkPolicy API
defines it. A direction is open when no policy selecting the pod restricts
that direction, or when some policy that does has a matching rule. Peers with a
namespaceSelector are matched against a namespace's labels; peers without one
mean the policy's own namespace. ipBlock peers never match pods here.
"""

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass, field

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "Job")


def objects_of(objects: list[dict], kind: str) -> list[dict]:
    return [obj for obj in objects if obj["kind"] == kind]


def named(objects: list[dict], kind: str, name: str) -> dict:
    matches = [
        obj for obj in objects_of(objects, kind) if obj["metadata"]["name"] == name
    ]
    assert len(matches) == 1, f"expected one {kind} {name}, found {len(matches)}"
    return matches[0]


def workloads(objects: list[dict]) -> list[dict]:
    return [obj for obj in objects if obj["kind"] in WORKLOAD_KINDS]


def pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def pod_labels(workload: dict) -> dict[str, str]:
    return workload["spec"]["template"]["metadata"].get("labels", {})


def all_containers(workload: dict) -> Iterator[tuple[dict, bool]]:
    """Yield (container, is_init) for every container of a workload's pod."""
    spec = pod_spec(workload)
    for container in spec.get("initContainers", []):
        yield container, True
    for container in spec["containers"]:
        yield container, False


def env_names(container: dict) -> list[str]:
    return [item["name"] for item in container.get("env", [])]


def env_values(container: dict) -> dict[str, str | dict]:
    """Map each variable to its literal value, or to its valueFrom object."""
    return {
        item["name"]: item.get("value", item.get("valueFrom"))
        for item in container.get("env", [])
    }


def selector_matches(selector: dict, labels: dict[str, str]) -> bool:
    """Apply a LabelSelector (matchLabels and matchExpressions) to labels."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression["key"], expression["operator"]
        values = expression.get("values", [])
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


@dataclass(frozen=True)
class Pod:
    """A pod as the policies see it: its labels and its namespace's labels."""

    labels: dict[str, str]
    namespace: str
    namespace_labels: dict[str, str] = field(default_factory=dict)


def _peer_matches(peer: dict, pod: Pod, policy_namespace: str) -> bool:
    if "ipBlock" in peer:
        return False
    if "namespaceSelector" in peer:
        if not selector_matches(peer["namespaceSelector"], pod.namespace_labels):
            return False
    elif pod.namespace != policy_namespace:
        return False
    return selector_matches(peer.get("podSelector", {}), pod.labels)


def _port_matches(rule: dict, port: int, named_ports: dict[str, int]) -> bool:
    ports = rule.get("ports")
    if not ports:
        return True
    for entry in ports:
        if entry.get("protocol", "TCP") != "TCP":
            continue
        expected = entry.get("port")
        if (
            expected is None
            or expected == port
            or named_ports.get(str(expected)) == port
        ):
            return True
    return False


def _direction_allows(
    policies: list[dict],
    subject: Pod,
    peer: Pod,
    port: int,
    direction: str,
    named_ports: dict[str, int],
) -> bool:
    key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    selecting = [
        policy
        for policy in policies
        if policy["metadata"].get("namespace", subject.namespace) == subject.namespace
        and selector_matches(policy["spec"]["podSelector"], subject.labels)
        and direction in policy["spec"].get("policyTypes", ["Ingress"])
    ]
    if not selecting:
        return True
    for policy in selecting:
        namespace = policy["metadata"].get("namespace", subject.namespace)
        for rule in policy["spec"].get(key) or []:
            peers = rule.get(peers_key)
            peer_ok = not peers or any(_peer_matches(p, peer, namespace) for p in peers)
            if peer_ok and _port_matches(rule, port, named_ports):
                return True
    return False


def connection_allowed(
    policies: list[dict],
    source: Pod,
    destination: Pod,
    port: int,
    destination_ports: dict[str, int] | None = None,
) -> bool:
    """Return whether policies allow source -> destination:port (TCP) in both directions."""
    named_ports = destination_ports or {}
    return _direction_allows(
        policies, source, destination, port, "Egress", named_ports
    ) and _direction_allows(policies, destination, source, port, "Ingress", named_ports)


def egress_ip_blocks(policies: list[dict]) -> Iterator[dict]:
    for policy in policies:
        for rule in policy["spec"].get("egress") or []:
            for peer in rule.get("to") or []:
                if "ipBlock" in peer:
                    yield peer["ipBlock"]


def ip_block_allows(block: dict, address: str) -> bool:
    """Return whether an ipBlock (cidr minus except) contains address."""
    ip = ipaddress.ip_address(address)
    network = ipaddress.ip_network(block["cidr"], strict=False)
    if ip.version != network.version or ip not in network:
        return False
    return not any(
        ip in ipaddress.ip_network(excluded, strict=False)
        for excluded in block.get("except", [])
    )
