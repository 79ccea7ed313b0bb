"""The app's private view of the filesystem: bind plans and the setup commands."""

from __future__ import annotations

import logging
import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.synth._sandbox._detect import Mechanisms

log = logging.getLogger(__name__)

TOP_LEVEL_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
SYSTEM_DIRS = ("/usr",)
# The /etc entries programs need to start, resolve users and names, and load
# libraries. The rest of /etc (shadow, npmrc, pip.conf, ssh keys) stays out.
ETC_ENTRIES = (
    "alternatives",
    "ca-certificates",
    "ca-certificates.conf",
    "crypto-policies",
    "gai.conf",
    "group",
    "host.conf",
    "hostname",
    "hosts",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "locale.alias",
    "localtime",
    "mime.types",
    "nsswitch.conf",
    "os-release",
    "passwd",
    "pki",
    "protocols",
    "resolv.conf",
    "services",
    "ssl",
    "timezone",
)
DEVICES = ("null", "zero", "random", "urandom", "full")
READ_PATH_VARIABLES = ("NODE_PATH", "PYTHONPATH")
SHARED_CACHE_VARIABLES = ("JSII_RUNTIME_PACKAGE_CACHE_ROOT",)
READ_FILE_VARIABLES = ("CONTEXT_OVERFLOW_LOCATION_ENV",)
WRITE_DIR_VARIABLES = ("HOME", "TMPDIR", "CDK_OUTDIR")
MIN_WRITABLE_DEPTH = 3
SETUP_PROGRAM = Path(__file__).resolve().parent / "setup_root.py"


def default_writable(cwd: Path, env: dict[str, str]) -> list[Path]:
    """Return the directories an app may write by default.

    The smallest directory holding `cwd` and the HOME, TMPDIR and CDK_OUTDIR
    of `env`. When that directory is shallow (`/`, `/tmp`) or contains the
    user's home or the harness's home, each of them is returned on its own.
    """
    candidates = [Path(cwd)]
    candidates += [Path(env[name]) for name in WRITE_DIR_VARIABLES if env.get(name)]
    candidates = [Path(os.path.abspath(path)) for path in candidates]
    common = Path(os.path.commonpath([str(path) for path in candidates]))
    protected = [Path.home(), _harness_home()]
    too_wide = len(common.parts) < MIN_WRITABLE_DEPTH or any(
        path == common or path.is_relative_to(common) for path in protected
    )
    return sorted(set(candidates)) if too_wide else [common]


def _harness_home() -> Path:
    from harness.synth._toolchain import harness_home

    return harness_home()


def bind_plan(
    argv: list[str], env: dict[str, str], writable: list[Path], overlay: bool
) -> list[tuple[str, str]]:
    """Return (mode, path) binds for the app's view of the filesystem, parents first.

    Read-only: /usr, the ETC_ENTRIES of /etc, the Python installation, the
    executable's installation, absolute paths among the arguments, and the paths named by
    NODE_PATH, PYTHONPATH and the context overflow file. Read-write:
    `writable`. The jsii package cache gets `cache_mode`. Paths that do not
    exist, and `/` itself, are left out.
    """
    reads: set[Path] = {Path(path) for path in SYSTEM_DIRS}
    reads |= {Path("/etc", name) for name in ETC_ENTRIES}
    reads |= set(Path("/etc").glob("python3*"))
    reads |= {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix)}
    reads |= _install_prefixes(argv[0])
    reads |= {Path(arg) for arg in argv[1:] if os.path.isabs(arg)}
    for name in READ_PATH_VARIABLES:
        reads |= {Path(part) for part in env.get(name, "").split(os.pathsep) if part}
    reads |= {Path(env[name]) for name in READ_FILE_VARIABLES if env.get(name)}
    writes = {Path(os.path.abspath(path)) for path in writable}
    plan = [("ro", path) for path in reads if not _under_any(path, writes)]
    plan += [("rw", path) for path in writes]
    caches = {Path(env[name]) for name in SHARED_CACHE_VARIABLES if env.get(name)}
    plan += [(cache_mode(path, overlay), path) for path in caches]
    plan = [
        (mode, path) for mode, path in plan if path.exists() and path.parent != path
    ]
    plan = _drop_covered(plan)
    plan.sort(key=lambda item: (len(item[1].parts), str(item[1])))
    return [(mode, str(path)) for mode, path in plan]


def cache_mode(cache: Path, overlay: bool) -> str:
    """Return how to bind the shared jsii package cache at `cache`: "cow" or "rw".

    jsii touches a marker file in the cache on every load, so the cache cannot
    be read-only. A private overlay keeps one app's writes from reaching later
    apps. Its tmpfs is far too small for unpacking aws-cdk-lib, so the harness
    fills the cache before any app runs (`harness.synth._warm`). Without
    overlayfs the app writes the shared cache itself, and it could poison it.
    """
    return "cow" if overlay else "rw"


def _install_prefixes(program: str) -> set[Path]:
    """Return the installation directory of `program`: the parent of its bin/."""
    found = shutil.which(program) or program
    prefixes = set()
    for path in {Path(found), Path(os.path.realpath(found))}:
        if path.parent.name == "bin":
            prefixes.add(path.parent.parent)
        else:
            prefixes.add(path.parent)
    return prefixes


def _under_any(path: Path, parents: set[Path]) -> bool:
    return any(path == parent or path.is_relative_to(parent) for parent in parents)


def _drop_covered(plan: list[tuple[str, Path]]) -> list[tuple[str, Path]]:
    """Drop read-only binds already inside another read-only bind."""
    reads = {path for mode, path in plan if mode == "ro"}
    kept = []
    for mode, path in plan:
        inside = mode == "ro" and any(
            other != path and path.is_relative_to(other) for other in reads
        )
        if not inside:
            kept.append((mode, path))
    return kept


def system_links() -> list[str]:
    """Return `link:/bin=usr/bin` entries for top-level links, `ro:` for real dirs."""
    entries = []
    for name in TOP_LEVEL_LINKS:
        path = Path("/") / name
        if path.is_symlink():
            entries.append(f"link:{path}={os.readlink(path)}")
        elif path.is_dir():
            entries.append(f"ro:{path}")
    return entries


def unshare_argv(
    argv: list[str],
    env: dict[str, str],
    writable: list[Path],
    isolate_network: bool,
    mechanisms: Mechanisms,
    mount_point: Path,
    cgroups: list[Path],
    ready_fd: int | None = None,
) -> list[str]:
    """Return the unshare command that sets up the private root and runs `argv`.

    The app runs as PID 1 of a new PID namespace, so the kernel kills every
    process it left behind when it exits, and `--kill-child` kills the
    namespace when the unshare process outside it is killed.
    """
    namespaces = ["--mount", "--pid", "--fork", "--kill-child", "--ipc", "--uts"]
    if isolate_network:
        namespaces.append("--net")
    if os.geteuid() != 0:
        namespaces = ["--user", "--map-root-user", *namespaces]
    binds = system_links()
    plan = bind_plan(argv, env, writable, mechanisms.overlay)
    binds += [f"{mode}:{path}" for mode, path in plan]
    binds += [f"dev:/dev/{name}" for name in DEVICES if Path("/dev", name).exists()]
    procs = [str(path / "cgroup.procs") for path in cgroups]
    drop = [
        mechanisms.setpriv,
        "--no-new-privs",
        "--bounding-set=-all",
        "--inh-caps=-all",
        "--",
    ]
    return [
        mechanisms.unshare,
        *namespaces,
        "--propagation",
        "private",
        "--",
        sys.executable,
        "-I",
        "-S",
        str(SETUP_PROGRAM),
        *(["--ready-fd", str(ready_fd)] if ready_fd is not None else []),
        str(mount_point),
        *procs,
        "--binds",
        *binds,
        "--run",
        *drop,
        *argv,
    ]


def bwrap_argv(
    argv: list[str],
    cwd: Path,
    env: dict[str, str],
    writable: list[Path],
    isolate_network: bool,
    bwrap: str,
    overlay: bool,
    ready_fd: int | None = None,
) -> list[str]:
    """Return the bubblewrap command with the same binds as the unshare path.

    bubblewrap starts from an empty tmpfs root. With `overlay`, the jsii cache
    gets a private overlay (`--tmp-overlay`, bubblewrap 0.10 or later).
    """
    # NOTE: no test runs this path under a real bwrap; `detect` probes it and
    # a test checks its command line.
    command = [
        bwrap,
        "--die-with-parent",
        "--new-session",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--cap-drop",
        "ALL",
        "--tmpfs",
        "/tmp",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
    ]
    if isolate_network:
        command.append("--unshare-net")
    if ready_fd is not None:
        command += ["--info-fd", str(ready_fd)]
    for entry in system_links():
        mode, _, rest = entry.partition(":")
        if mode == "link":
            path, _, target = rest.partition("=")
            command += ["--symlink", target, path]
        else:
            command += ["--ro-bind", rest, rest]
    for mode, path in bind_plan(argv, env, writable, overlay):
        if mode == "cow":
            command += ["--overlay-src", path, "--tmp-overlay", path]
        else:
            command += ["--ro-bind" if mode == "ro" else "--bind", path, path]
    return [*command, "--chdir", str(cwd), "--", *argv]
