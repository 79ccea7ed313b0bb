"""`iac-harness setup`: install the Node toolchain and warm the jsii cache, once."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from harness.cli import app, console
from harness.cli._help import HelpCommand
from harness.synth import _toolchain, _warm


@app.command(cls=HelpCommand)
def setup(
    force: Annotated[
        bool,
        typer.Option(
            help="Reinstall the toolchain even if this lockfile is installed."
        ),
    ] = False,
    warm: Annotated[
        bool, typer.Option(help="Run one small Python CDK app to fill the jsii cache.")
    ] = True,
) -> None:
    """Install the Node toolchain with `npm ci` and prepare Python CDK runs.

    Safe to rerun: it skips the install when the lockfile's toolchain is in
    place and the warm-up when the jsii cache is already indexed.
    """
    node = _toolchain.node_binary()
    version = _toolchain.node_version(node)
    console.print(escape(f"node {version} at {node}"))
    directory, installed = _toolchain.install(force=force)
    verb = "installed" if installed else "already installed"
    console.print(escape(f"toolchain {verb}: {directory}"))
    toolchain = _toolchain.find_toolchain()
    _report_cdk_versions(toolchain.cdk_version)
    if not warm:
        return
    if _warm.jsii_cache_warm() and not force:
        console.print(escape(f"jsii cache already warm: {_toolchain.jsii_cache_dir()}"))
        return
    seconds = _warm.warm_jsii_cache()
    console.print(
        escape(f"jsii cache warmed in {seconds:.1f} s: {_toolchain.jsii_cache_dir()}")
    )


def _report_cdk_versions(npm_version: str) -> None:
    python_version = _toolchain.python_cdk_version()
    versions = f"npm {npm_version}, Python {python_version or 'not installed'}"
    console.print(f"aws-cdk-lib: {escape(versions)}")
    if python_version != npm_version:
        mismatch = (
            f"TypeScript responses run aws-cdk-lib {npm_version} and Python "
            f"responses {python_version}; their templates can differ. Pin the same "
            "version in harness/toolchain/package.json and pyproject.toml."
        )
        console.print(f"[yellow]warning:[/] {escape(mismatch)}")
