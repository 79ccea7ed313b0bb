"""Find, install and check the Node toolchain that TypeScript responses run on.

The toolchain is `harness/toolchain/package.json` and its lockfile, installed
with `npm ci` into `<home>/node/<lockfile hash>`, where `<home>` is
`$IAC_HARNESS_HOME` or `~/.cache/iac-harness`. Responses never run `npm
install`: their imports resolve from this one directory.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from harness.errors import ToolchainError

log = logging.getLogger(__name__)

SOURCE_DIR = Path(__file__).resolve().parents[1] / "toolchain"
LOCKFILE = "package-lock.json"
MANIFEST = "package.json"
INSTALLED_MARKER = ".iac-harness-installed"
NODE_MODULES_ENV = "IAC_HARNESS_NODE_MODULES"
HOME_ENV = "IAC_HARNESS_HOME"
MIN_NODE_MAJOR = 18
NPM_TIMEOUT_SECONDS = 900

ESBUILD_PROBE = (
    "const r = require('esbuild').transformSync('let x: number = 1', {loader: 'ts'});"
    "process.stdout.write(r.code)"
)


@dataclass(frozen=True)
class Toolchain:
    """An installed Node toolchain: node and the node_modules imports resolve from."""

    node: str
    node_version: str
    node_modules: Path
    cdk_version: str

    @property
    def bin_dir(self) -> str:
        return str(Path(self.node).parent)


def harness_home() -> Path:
    """Return the harness's home: `$IAC_HARNESS_HOME` or `~/.cache/iac-harness`."""
    configured = os.environ.get(HOME_ENV)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "iac-harness"


def lockfile_hash() -> str:
    """Return 16 hex digits of the SHA-256 of package.json and the lockfile."""
    digest = hashlib.sha256()
    for name in (MANIFEST, LOCKFILE):
        digest.update((SOURCE_DIR / name).read_bytes())
    return digest.hexdigest()[:16]


def install_dir() -> Path:
    """Return where `iac-harness setup` installs the toolchain of this lockfile."""
    return harness_home() / "node" / lockfile_hash()


def toolchain_dir() -> Path | None:
    """Return the directory whose `node_modules` imports resolve from, if installed."""
    override = os.environ.get(NODE_MODULES_ENV)
    if override:
        return Path(override).expanduser().parent
    directory = install_dir()
    if (directory / INSTALLED_MARKER).exists():
        return directory
    return None


def jsii_cache_dir() -> Path:
    """Return the jsii package cache shared by Python syntheses."""
    return harness_home() / "jsii"


def jsii_cache_has_cdk(cache: Path | None = None) -> bool:
    """Return True when `cache` contains the installed aws-cdk-lib, unpacked and indexed.

    `cache` defaults to `jsii_cache_dir()`. The runtime index file
    (`.jsii.runtime.v*.json`) appears only after jsii unpacked the package and
    indexed it in a background thread.
    """
    version = python_cdk_version()
    if version is None:
        return False
    unpacked = (cache or jsii_cache_dir()) / "aws-cdk-lib" / version
    return any(unpacked.glob("*/.jsii.runtime.v*.json"))


def node_binary() -> str:
    """Return the path of `node` on PATH, or raise ToolchainError naming the fix."""
    node = shutil.which("node")
    if node is None:
        raise ToolchainError(
            f"node was not found on PATH; install Node.js {MIN_NODE_MAJOR} or newer "
            "(https://nodejs.org) and run `iac-harness setup`"
        )
    return node


@functools.cache
def node_version(node: str) -> str:
    """Return the version of `node` without the leading `v`; checks it is new enough."""
    completed = subprocess.run(
        [node, "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    version = completed.stdout.strip().lstrip("v")
    match = re.match(r"(\d+)\.", version)
    if completed.returncode != 0 or match is None:
        raise ToolchainError(f"`{node} --version` failed: {completed.stderr.strip()}")
    if int(match.group(1)) < MIN_NODE_MAJOR:
        raise ToolchainError(
            f"node {version} at {node} is too old; install Node.js "
            f"{MIN_NODE_MAJOR} or newer and put it first on PATH"
        )
    return version


def find_toolchain() -> Toolchain:
    """Return the installed toolchain, or raise ToolchainError naming the fix."""
    node = node_binary()
    version = node_version(node)
    directory = toolchain_dir()
    if directory is None:
        raise ToolchainError(
            f"the Node toolchain is not installed in {install_dir()}; "
            "run `iac-harness setup`"
        )
    node_modules = directory / "node_modules"
    cdk_version = npm_package_version(node_modules, "aws-cdk-lib")
    if cdk_version is None:
        raise ToolchainError(
            f"aws-cdk-lib is missing from {node_modules}; run `iac-harness setup` "
            f"or point {NODE_MODULES_ENV} at a node_modules that has it"
        )
    return Toolchain(node, version, node_modules, cdk_version)


def npm_package_version(node_modules: Path, package: str) -> str | None:
    """Return the version of `package` installed in `node_modules`, or None."""
    manifest = node_modules / package / "package.json"
    if not manifest.exists():
        return None
    return json.loads(manifest.read_text())["version"]


def python_cdk_version() -> str | None:
    """Return the version of the aws-cdk-lib Python package, or None if absent."""
    try:
        return metadata.version("aws-cdk-lib")
    except metadata.PackageNotFoundError:
        return None


def install(force: bool = False) -> tuple[Path, bool]:
    """Install the toolchain with `npm ci` unless this lockfile is installed already.

    Returns the install directory and whether anything was installed. The
    install goes to a temporary sibling first and is renamed into place, so an
    interrupted install never looks complete.
    """
    node_version(node_binary())
    target = install_dir()
    if (target / INSTALLED_MARKER).exists() and not force:
        verify_esbuild(target / "node_modules")
        return target, False
    npm = shutil.which("npm")
    if npm is None:
        raise ToolchainError("npm was not found on PATH; install Node.js with npm")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=target.parent))
    try:
        _npm_ci(npm, staging)
        verify_esbuild(staging / "node_modules")
        (staging / INSTALLED_MARKER).write_text(lockfile_hash() + "\n")
        if (target / INSTALLED_MARKER).exists() and not force:
            log.info("another setup installed %s first; keeping it", target)
            return target, False
        _replace_dir(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target, True


def _replace_dir(new: Path, target: Path) -> None:
    """Move `new` to `target`; an old `target` is moved aside first, then deleted."""
    if target.exists():
        retired = Path(
            tempfile.mkdtemp(prefix=f"{target.name}.old.", dir=target.parent)
        )
        target.rename(retired / target.name)
        new.rename(target)
        shutil.rmtree(retired, ignore_errors=True)
        return
    new.rename(target)


def _npm_ci(npm: str, directory: Path) -> None:
    for name in (MANIFEST, LOCKFILE):
        shutil.copyfile(SOURCE_DIR / name, directory / name)
    argv = [
        npm,
        "ci",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
    ]
    log.info("running %s in %s", " ".join(argv), directory)
    completed = subprocess.run(
        argv,
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=NPM_TIMEOUT_SECONDS,
        check=False,
    )
    if completed.returncode != 0:
        raise ToolchainError(
            f"`npm ci` failed in {directory} (exit {completed.returncode}): "
            f"{completed.stderr.strip()[-2000:]}; check network access to the npm "
            "registry and rerun `iac-harness setup`"
        )


def verify_esbuild(node_modules: Path) -> None:
    """Check that esbuild compiles TypeScript, and run its install script once if not.

    npm 11 may skip dependencies' install scripts, and esbuild's postinstall
    is what links its platform binary.
    """
    if _esbuild_works(node_modules):
        return
    log.warning("esbuild does not run in %s; running its install script", node_modules)
    script = node_modules / "esbuild" / "install.js"
    if script.exists():
        subprocess.run(
            [node_binary(), str(script)],
            cwd=node_modules / "esbuild",
            capture_output=True,
            timeout=300,
            check=False,
        )
    if not _esbuild_works(node_modules):
        raise ToolchainError(
            f"esbuild in {node_modules} does not run; delete that directory's "
            "parent and rerun `iac-harness setup`"
        )


def _esbuild_works(node_modules: Path) -> bool:
    env = {"PATH": os.environ.get("PATH", ""), "NODE_PATH": str(node_modules)}
    try:
        completed = subprocess.run(
            [node_binary(), "-e", ESBUILD_PROBE],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return False
    return completed.returncode == 0 and "let x = 1" in completed.stdout
