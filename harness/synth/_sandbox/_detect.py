"""Find the containment tools on this machine and probe which of them work."""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from harness.synth._sandbox import _cgroups, _mounts

log = logging.getLogger(__name__)

PROBE_SECONDS = 20


@dataclass(frozen=True)
class Mechanisms:
    """The containment tools found here (paths, "" when absent) and what works."""

    unshare: str
    prlimit: str
    setpriv: str
    bwrap: str
    user_namespace: bool
    network_namespace: bool
    private_filesystem: bool
    overlay: bool
    pids_cgroup: Path | None
    memory_cgroup: Path | None
    cgroup_notes: tuple[str, ...] = ()
    euid: int = 0


@functools.cache
def detect() -> Mechanisms:
    """Probe the machine once per process: each namespace and the setup script."""
    unshare = shutil.which("unshare") or ""
    cgroups, notes = _cgroups.usable_cgroups()
    mechanisms = Mechanisms(
        unshare=unshare,
        prlimit=shutil.which("prlimit") or "",
        setpriv=shutil.which("setpriv") or "",
        bwrap="",
        user_namespace=_probe([unshare, "--user", "--map-root-user", "true"]),
        network_namespace=_probe([*namespace_prefix(unshare, "--net"), "true"]),
        private_filesystem=False,
        overlay=False,
        pids_cgroup=cgroups["pids"],
        memory_cgroup=cgroups["memory"],
        cgroup_notes=tuple(notes),
        euid=os.geteuid(),
    )
    bwrap, overlay = _probe_bwrap(shutil.which("bwrap") or "", mechanisms)
    if bwrap:
        private = False
    else:
        private, overlay = _probe_private_filesystem(mechanisms)
    mechanisms = dataclasses.replace(
        mechanisms, bwrap=bwrap, private_filesystem=private, overlay=overlay
    )
    log.info("sandbox mechanisms: %s", mechanisms)
    return mechanisms


def namespace_prefix(unshare: str, *flags: str) -> list[str]:
    """Return `unshare FLAGS --`, inside a new user namespace unless running as root."""
    if os.geteuid() == 0:
        return [unshare, *flags, "--"]
    return [unshare, "--user", "--map-root-user", *flags, "--"]


def _probe(argv: list[str]) -> bool:
    if not argv[0]:
        return False
    try:
        completed = subprocess.run(
            argv,
            capture_output=True,
            timeout=PROBE_SECONDS,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.info("sandbox probe %s failed: %s", argv[0], exc)
        return False
    if completed.returncode != 0:
        log.info(
            "sandbox probe %s failed (exit %s): %s",
            argv[0],
            completed.returncode,
            completed.stderr.decode(errors="replace")[-500:],
        )
    return completed.returncode == 0


def _probe_bwrap(bwrap: str, mechanisms: Mechanisms) -> tuple[str, bool]:
    """Return (bwrap's path if it runs `true` here, whether --tmp-overlay works)."""
    if not bwrap:
        return "", False
    with tempfile.TemporaryDirectory(prefix="iac-sandbox-probe-") as temporary:
        root = Path(temporary)
        (root / "cache").mkdir()
        (root / "work").mkdir()
        argv = _mounts.bwrap_argv(
            ["true"],
            root / "work",
            {},
            [root / "work"],
            mechanisms.network_namespace,
            bwrap,
            overlay=False,
        )
        cache = str(root / "cache")
        position = argv.index("--chdir")
        with_overlay = argv[:position] + [
            "--overlay-src",
            cache,
            "--tmp-overlay",
            cache,
        ]
        if _probe(with_overlay + argv[position:]):
            return bwrap, True
        if _probe(argv):
            return bwrap, False
    log.info("bwrap at %s does not work here; using unshare", bwrap)
    return "", False


def _probe_private_filesystem(mechanisms: Mechanisms) -> tuple[bool, bool]:
    """Run `true` through the setup script; return (it works, overlays work)."""
    if not (mechanisms.unshare and mechanisms.setpriv):
        return False, False
    if os.geteuid() != 0 and not mechanisms.user_namespace:
        return False, False
    if _probe_setup(mechanisms, overlay=True):
        return True, True
    return _probe_setup(mechanisms, overlay=False), False


def _probe_setup(mechanisms: Mechanisms, overlay: bool) -> bool:
    probing = dataclasses.replace(mechanisms, overlay=False)
    with tempfile.TemporaryDirectory(prefix="iac-sandbox-probe-") as temporary:
        root = Path(temporary)
        for name in ("cache", "work", "mount"):
            (root / name).mkdir()
        argv = _mounts.unshare_argv(
            ["true"],
            {},
            [root / "work"],
            mechanisms.network_namespace,
            probing,
            root / "mount",
            [],
        )
        if overlay:
            argv.insert(argv.index("--run"), f"cow:{root / 'cache'}")
        return _probe(argv)
