"""`iac-harness setup` and the toolchain it installs."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from harness.cli import _register_commands, app
from harness.errors import ToolchainError
from harness.synth import _toolchain, _warm

runner = CliRunner()


@pytest.fixture(scope="module")
def cli():
    _register_commands()
    return app


def test_lockfile_matches_manifest():
    manifest = json.loads((_toolchain.SOURCE_DIR / "package.json").read_text())
    lock = json.loads((_toolchain.SOURCE_DIR / "package-lock.json").read_text())
    assert lock["packages"][""]["dependencies"] == manifest["dependencies"]


def test_install_dir_follows_home(tmp_path, monkeypatch):
    monkeypatch.setenv("IAC_HARNESS_HOME", str(tmp_path))
    assert _toolchain.install_dir() == tmp_path / "node" / _toolchain.lockfile_hash()
    assert _toolchain.toolchain_dir() is None


def test_missing_node_names_fix(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ToolchainError, match="install Node.js"):
        _toolchain.node_binary()


def test_missing_toolchain_names_setup(tmp_path, monkeypatch):
    monkeypatch.setenv("IAC_HARNESS_HOME", str(tmp_path))
    monkeypatch.delenv("IAC_HARNESS_NODE_MODULES", raising=False)
    with pytest.raises(ToolchainError, match="iac-harness setup"):
        _toolchain.find_toolchain()


@pytest.mark.slow
def test_setup_is_idempotent(cli):
    first = runner.invoke(cli, ["setup"])
    second = runner.invoke(cli, ["setup"])
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "already installed" in second.output
    assert "jsii cache already warm" in second.output
    assert _warm.jsii_cache_warm()


@pytest.mark.slow
def test_installed_esbuild_compiles():
    toolchain = _toolchain.find_toolchain()
    _toolchain.verify_esbuild(toolchain.node_modules)
    assert toolchain.cdk_version == _toolchain.npm_package_version(
        toolchain.node_modules, "aws-cdk-lib"
    )


@pytest.mark.slow
def test_fresh_install_with_npm_ci(tmp_path, monkeypatch):
    monkeypatch.setenv("IAC_HARNESS_HOME", str(tmp_path))
    directory, installed = _toolchain.install()
    again_directory, again_installed = _toolchain.install()
    assert installed
    assert not again_installed
    assert directory == again_directory
    assert (directory / _toolchain.INSTALLED_MARKER).exists()
    assert _toolchain.find_toolchain().node_modules == directory / "node_modules"
    assert [p.name for p in (tmp_path / "node").iterdir()] == [directory.name]


def test_toolchain_files_are_package_data():
    from setuptools import find_packages

    repo = _toolchain.SOURCE_DIR.parents[1]
    packages = find_packages(where=str(repo), include=["harness*"])
    assert "harness.toolchain" in packages
    assert "harness.synth" in packages


def test_replace_dir_swaps_contents(tmp_path):
    target = tmp_path / "abc"
    target.mkdir()
    (target / "old.txt").write_text("old")
    new = tmp_path / "abc.staging"
    new.mkdir()
    (new / "new.txt").write_text("new")
    _toolchain._replace_dir(new, target)
    assert sorted(p.name for p in target.iterdir()) == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["abc"]
