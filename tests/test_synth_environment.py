"""Failures of the harness's own environment: empty, full or read-only jsii caches.

Each failure is real: a fresh harness home, a tiny or read-only tmpfs mounted
over the jsii cache in a private mount namespace, a runner given a broken job.
They must end as `harness_error`, while the same kind of failure caused by the
app itself stays the model's error.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness._project import Project, SourceFile
from harness.cli import _register_commands, app
from harness.errors import ErrorClass
from harness.synth import SynthSettings, _classify, _toolchain, _warm, synthesize
from harness.synth._launch import PY_RUNNER

REPO = Path(__file__).resolve().parents[1]
BUCKET_APP = """\
import aws_cdk as cdk
from aws_cdk import aws_s3 as s3

app = cdk.App()
stack = cdk.Stack(app, "Storage")
s3.Bucket(stack, "Bucket")
app.synth()
"""


def python_project(text: str, name: str = "env-probe") -> Project:
    return Project(name, "directory", {"app.py": SourceFile("app.py", text)})


def strict_settings(tmp_path: Path, **overrides) -> SynthSettings:
    """Return settings with a fresh process per app and no result cache."""
    return SynthSettings(
        isolation="strict", use_cache=False, cache_dir=tmp_path / "synth", **overrides
    )


@pytest.fixture
def node_modules() -> Path:
    """Return the installed toolchain's node_modules, or fail with the fix."""
    return _toolchain.find_toolchain().node_modules


@pytest.fixture
def empty_home(tmp_path, monkeypatch, node_modules) -> Path:
    """Point the harness at an empty home that reuses the installed toolchain."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv(_toolchain.HOME_ENV, str(home))
    monkeypatch.setenv(_toolchain.NODE_MODULES_ENV, str(node_modules))
    return home


# ---- setup and the first synthesis on an empty home


@pytest.mark.slow
def test_setup_fills_empty_home(tmp_path, monkeypatch):
    monkeypatch.setenv(_toolchain.HOME_ENV, str(tmp_path))
    monkeypatch.delenv(_toolchain.NODE_MODULES_ENV, raising=False)
    _register_commands()
    result = CliRunner().invoke(app, ["setup"])
    assert result.exit_code == 0, result.output
    assert "toolchain installed" in result.output
    assert "jsii cache warmed" in result.output
    assert _warm.jsii_cache_warm()
    assert _toolchain.jsii_cache_has_cdk(tmp_path / "jsii")


@pytest.mark.slow
def test_python_synth_fills_empty_cache(empty_home, tmp_path):
    assert not _warm.jsii_cache_warm()
    result = synthesize(python_project(BUCKET_APP), strict_settings(tmp_path))
    assert result.error is None, result.error
    assert [stack.name for stack in result.stacks] == ["Storage"]
    assert "jsii_warm_up" in result.timings
    assert _warm.jsii_cache_warm()


@pytest.mark.slow
def test_stale_cache_is_rewarmed(empty_home, tmp_path):
    stale = empty_home / "jsii" / "aws-cdk-lib" / "0.0.1" / "abc"
    stale.mkdir(parents=True)
    (stale / ".jsii.runtime.v1.json").write_text("{}")
    assert not _warm.jsii_cache_warm()
    result = synthesize(python_project(BUCKET_APP), strict_settings(tmp_path))
    assert result.error is None, result.error
    assert "jsii_warm_up" in result.timings


# ---- environment failures in a private mount namespace

NAMESPACE_SCRIPT = """\
import json, os, subprocess, sys
from pathlib import Path

from harness._project import Project, SourceFile
from harness.synth import SynthSettings, synthesize
from harness.synth._toolchain import jsii_cache_dir, python_cdk_version

cache = jsii_cache_dir()
cache.mkdir(parents=True, exist_ok=True)
subprocess.run(
    ["mount", "-t", "tmpfs", "-o", os.environ["TEST_TMPFS_OPTIONS"], "test", str(cache)],
    check=True,
)
if os.environ.get("TEST_FAKE_INDEX"):
    # The cache looks warm, but aws-cdk-lib itself is not unpacked in it.
    fake = cache / "aws-cdk-lib" / python_cdk_version() / ("0" * 64)
    fake.mkdir(parents=True)
    (fake / ".jsii.runtime.v1.json").write_text("{}")
if os.environ.get("TEST_REMOUNT_READ_ONLY"):
    subprocess.run(["mount", "-o", "remount,ro", str(cache)], check=True)
project = Project(
    "env-probe", "directory", {"app.py": SourceFile("app.py", sys.stdin.read())}
)
settings = SynthSettings(
    isolation=os.environ["TEST_ISOLATION"],
    use_cache=False,
    cache_dir=Path(os.environ["TEST_WORK"]) / "synth",
)
result = synthesize(project, settings)
print(json.dumps(result.error.to_dict() if result.error else None))
"""


def namespace_prefix() -> list[str]:
    """Return an unshare command with a private mount namespace, or skip."""
    unshare = shutil.which("unshare")
    if unshare is None or shutil.which("mount") is None:
        pytest.skip("unshare and mount are needed to mount a tmpfs privately")
    prefix = [unshare, "--mount", "--propagation", "private"]
    if os.geteuid() != 0:
        prefix[1:1] = ["--user", "--map-root-user"]
    probe = subprocess.run(
        [*prefix, "true"], capture_output=True, timeout=30, check=False
    )
    if probe.returncode != 0:
        pytest.skip(f"no private mount namespace here: {probe.stderr.decode()}")
    return prefix


def synth_with_cache_mount(
    work: Path, tmpfs_options: str, isolation: str = "strict", **flags
) -> dict | None:
    """Mount a tmpfs over the harness home's jsii cache privately and synthesize.

    `flags` are `fake_index` (make the cache look warm) and `remount_read_only`.
    Returns the error's dictionary, or None when the synthesis succeeded.
    """
    env = {
        **os.environ,
        "TEST_TMPFS_OPTIONS": tmpfs_options,
        "TEST_ISOLATION": isolation,
        "TEST_WORK": str(work),
        **{f"TEST_{name.upper()}": "1" for name, on in flags.items() if on},
    }
    completed = subprocess.run(
        [*namespace_prefix(), sys.executable, "-c", NAMESPACE_SCRIPT],
        input=BUCKET_APP,
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_full_cache_is_harness_error(empty_home, tmp_path):
    error = synth_with_cache_mount(tmp_path, "size=4m,mode=0700")
    assert error is not None
    assert error["error_class"] == ErrorClass.HARNESS_ERROR.value, error
    assert error["blame"] == "harness"
    assert "iac-harness setup" in error["message"]
    assert "ENOSPC" in error["message"]


@pytest.mark.slow
def test_read_only_cache_is_harness_error(empty_home, tmp_path):
    error = synth_with_cache_mount(tmp_path, "size=4m,mode=0700,ro")
    assert error is not None
    assert error["error_class"] == ErrorClass.HARNESS_ERROR.value, error
    assert "iac-harness setup" in error["message"]
    # Node reports a mkdir on a read-only file system as ENOENT.
    assert "Cannot use the jsii package cache" in error["message"]


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ["strict", "standard"])
def test_jsii_load_failure_is_harness_error(empty_home, tmp_path, isolation):
    # The cache passes the warm check, so the app's own import of aws_cdk
    # makes jsii unpack aws-cdk-lib into a 4 MB tmpfs, which fails.
    error = synth_with_cache_mount(
        tmp_path, "size=4m,mode=0700", isolation, fake_index=True
    )
    assert error is not None
    assert error["error_class"] == ErrorClass.HARNESS_ERROR.value, error
    assert "failed to load aws_cdk" in error["message"]
    assert "iac-harness setup" in error["message"]


@pytest.mark.slow
def test_read_only_stale_cache_is_harness_error(empty_home, tmp_path):
    error = synth_with_cache_mount(
        tmp_path, "size=4m,mode=0700", fake_index=True, remount_read_only=True
    )
    assert error is not None
    assert error["error_class"] == ErrorClass.HARNESS_ERROR.value, error
    assert "failed to load aws_cdk" in error["message"]


# ---- the same kinds of error caused by the app stay the model's


@pytest.mark.slow
def test_app_filling_tmp_is_model_error(tmp_path):
    from harness.synth import _sandbox

    active = {status.layer for status in _sandbox.layer_statuses() if status.active}
    if "filesystem" not in active:
        pytest.skip("without a private filesystem /tmp is the host's, not a tmpfs")
    text = textwrap.dedent(
        """\
        import aws_cdk as cdk

        with open("/tmp/fill", "wb") as handle:
            for _ in range(200):
                handle.write(b"x" * 1024 * 1024)
        app = cdk.App()
        app.synth()
        """
    )
    result = synthesize(python_project(text), strict_settings(tmp_path))
    assert result.error is not None
    assert result.error.error_class is ErrorClass.APP_EXCEPTION, result.error
    assert "No space left" in result.error.message
    assert result.error.file == "app.py"


@pytest.mark.slow
def test_response_jsii_package_is_model_error(tmp_path):
    # A jsii package the response ships itself fails to load in the kernel:
    # the load is called from the response's files, so the response is blamed.
    files = {
        "app.py": "import shipped\n",
        "shipped/__init__.py": "from ._jsii import *\n",
        "shipped/_jsii/__init__.py": (
            "import jsii\n\n"
            'jsii.JSIIAssembly.load("shipped", "1.0.0", __name__[:-6], "x.tgz")\n'
        ),
        "shipped/_jsii/x.tgz": "this is not a tarball\n",
    }
    project = Project(
        "shipped",
        "directory",
        {path: SourceFile(path, text) for path, text in files.items()},
    )
    result = synthesize(project, strict_settings(tmp_path))
    assert result.error is not None
    assert result.error.error_class is ErrorClass.APP_EXCEPTION, result.error
    assert result.error.file == "shipped/_jsii/__init__.py"


# ---- the runner's own failures


def run_runner(tmp_path: Path, job: dict, *python_options: str) -> dict:
    """Run the Python runner on `job` in a plain subprocess and return its report."""
    job_file = tmp_path / "job.json"
    job_file.write_text(json.dumps(job))
    subprocess.run(
        [sys.executable, *python_options, str(PY_RUNNER), str(job_file)],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        check=False,
    )
    return json.loads(Path(job["result"]).read_text())


def project_relative(project: Path):
    def relative(path: str) -> str | None:
        resolved = Path(path).resolve()
        if resolved.is_relative_to(project.resolve()):
            return str(resolved.relative_to(project.resolve()))
        return None

    return relative


def test_runner_crash_is_harness_error(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text("print('never runs')\n")
    # A job without "project" makes the runner's own code raise KeyError.
    job = {"entry": str(project / "app.py"), "result": str(tmp_path / "result.json")}
    report = run_runner(tmp_path, job)
    assert report["stage"] == "runner"
    error = _classify.classify_py_failure(report, project_relative(project), "")
    assert error.error_class is ErrorClass.HARNESS_ERROR, error
    assert "KeyError" in error.message


def test_missing_aws_cdk_is_harness_error(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text("import aws_cdk\n")
    job = {
        "entry": str(project / "app.py"),
        "project": str(project),
        "result": str(tmp_path / "result.json"),
    }
    # -S leaves site-packages off sys.path, so aws_cdk is really not importable.
    report = run_runner(tmp_path, job, "-S")
    assert report["error"]["module"] == "aws_cdk"
    error = _classify.classify_py_failure(report, project_relative(project), "")
    assert error.error_class is ErrorClass.HARNESS_ERROR, error
    assert "iac-harness setup" in error.message


def test_missing_submodule_is_model_error(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text("import aws_cdk.aws_not_a_service\n")
    job = {
        "entry": str(project / "app.py"),
        "project": str(project),
        "result": str(tmp_path / "result.json"),
    }
    report = run_runner(tmp_path, job)
    error = _classify.classify_py_failure(report, project_relative(project), "")
    assert error.error_class is ErrorClass.MISSING_MODULE, error
