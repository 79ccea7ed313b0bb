"""Describe which containment layers a synthesis gets on this machine."""

from __future__ import annotations

from dataclasses import dataclass

from harness.synth._sandbox._detect import Mechanisms, detect
from harness.synth._sandbox._mounts import cache_mode
from harness.synth._toolchain import jsii_cache_dir, jsii_cache_has_cdk


@dataclass(frozen=True)
class LayerStatus:
    """One containment layer: whether it is active, how, and what it stops."""

    layer: str
    active: bool
    mechanism: str
    stops: str


def layer_statuses(mechanisms: Mechanisms | None = None) -> list[LayerStatus]:
    """Return the status of every layer a synthesis subprocess runs under.

    A layer that depends on the private filesystem is inactive when bwrap and
    the unshare setup both are unavailable.
    """
    found = mechanisms or detect()
    isolated, how = _filesystem(found)
    return [
        LayerStatus(
            "working copy",
            True,
            "a new temporary directory per synthesis",
            "changes to the response's files and state carried between responses",
        ),
        LayerStatus(
            "environment",
            True,
            "an allow-listed environment; nothing is inherited",
            "credentials, tokens and proxy settings in the harness's environment",
        ),
        _rlimits(found),
        LayerStatus(
            "disk cap",
            True,
            "the harness adds up the writable directories every 0.25 s and "
            "kills the app past Limits.disk_mb",
            "filling the disk with many files under the file size limit",
        ),
        LayerStatus(
            "network",
            found.network_namespace,
            "a new network namespace (unshare --net)"
            if found.network_namespace
            else "none: unshare --net is not permitted",
            "every connection, loopback and the instance metadata address included",
        ),
        LayerStatus(
            "filesystem",
            isolated,
            how,
            "reading the user's home, credentials, the harness's results and "
            "caches or other responses; writing outside the run directory",
        ),
        LayerStatus(
            "pid namespace",
            isolated,
            "the app is PID 1 of a new PID namespace" if isolated else "none",
            "seeing or signalling host processes; processes that outlive the run",
        ),
        LayerStatus(
            "capabilities",
            isolated,
            "setpriv drops all capabilities, no_new_privs"
            if isolated
            else "none: the app keeps the harness's privileges",
            "mounting, creating devices, raw sockets, undoing the namespaces",
        ),
        _harness_death(found),
        _cgroup("pids cgroup", found.pids_cgroup, found, "fork bombs"),
        _cgroup(
            "memory cgroup",
            found.memory_cgroup,
            found,
            "many processes that together exhaust memory",
        ),
        _shared_cache(isolated, found),
    ]


def _harness_death(found: Mechanisms) -> LayerStatus:
    if found.bwrap:
        mechanism = "bwrap --die-with-parent"
    elif found.setpriv:
        mechanism = "setpriv --pdeathsig KILL ahead of unshare"
    else:
        mechanism = "none: setpriv is missing"
    return LayerStatus(
        "harness death",
        bool(found.bwrap or found.setpriv),
        mechanism,
        "an app that keeps running after the harness was killed",
    )


def _shared_cache(isolated: bool, found: Mechanisms) -> LayerStatus:
    stops = "one response changing the aws-cdk-lib that later responses load"
    if not (isolated and cache_mode(jsii_cache_dir(), found.overlay) == "cow"):
        return LayerStatus("shared cache", False, "none: no overlayfs", stops)
    mechanism = "the jsii package cache is a private overlay (overlayfs)"
    if not jsii_cache_has_cdk():
        mechanism += "; the cache lacks the installed aws-cdk-lib, run setup"
    return LayerStatus("shared cache", True, mechanism, stops)


def _filesystem(found: Mechanisms) -> tuple[bool, str]:
    if found.bwrap:
        return True, f"bubblewrap ({found.bwrap})"
    if found.private_filesystem:
        user = " in a user namespace" if found.euid != 0 else ""
        return True, f"unshare --mount{user}, a tmpfs root and pivot_root"
    return False, "none: neither bwrap nor the unshare setup works here"


def _rlimits(found: Mechanisms) -> LayerStatus:
    mechanism = "prlimit" if found.prlimit else "setrlimit in preexec_fn"
    return LayerStatus(
        "rlimits",
        True,
        f"{mechanism}: data segment, file size, CPU time, open files, no core",
        "a process allocating without bound, huge files, CPU burners",
    )


def _cgroup(layer: str, parent: object, found: Mechanisms, stops: str) -> LayerStatus:
    controller = layer.split()[0]
    if found.bwrap:
        return LayerStatus(layer, False, "none: not applied with bubblewrap", stops)
    if parent is not None and found.private_filesystem:
        return LayerStatus(layer, True, f"a child cgroup of {parent}", stops)
    notes = [note for note in found.cgroup_notes if note.startswith(controller)]
    reason = notes[0].split(": ", 1)[1] if notes else "needs the private filesystem"
    return LayerStatus(layer, False, f"none: {reason}", stops)
