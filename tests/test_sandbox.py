"""The sandbox: bind plans, rlimits, cgroups, the setup program and `doctor`."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import _register_commands, app
from harness.synth import _sandbox
from harness.synth._process import Limits, run_contained
from harness.synth._sandbox import _cgroups, _detect, _mounts
from harness.synth._toolchain import (
    harness_home,
    jsii_cache_has_cdk,
    python_cdk_version,
)

PROBE = r"""
import json, os, sys
report = {"pid": os.getpid(), "root": sorted(os.listdir("/")), "path": os.environ.get("PATH")}
with open("/proc/self/status") as handle:
    report["caps"] = [line.split()[1] for line in handle if line.startswith("CapEff")][0]
for name, target in (("usr", "/usr/hostile-probe"), ("cwd", "probe-output")):
    try:
        with open(target, "w") as handle:
            handle.write("x")
        report[name] = "written"
    except OSError as error:
        report[name] = type(error).__name__
hidden = os.environ["PROBE_HIDDEN"].split(os.pathsep)
report["visible"] = [path for path in hidden if path and os.path.exists(path)]
print(json.dumps(report))
"""


def active_layers() -> set[str]:
    return {status.layer for status in _sandbox.layer_statuses() if status.active}


def require_layer(layer: str) -> None:
    if layer not in active_layers():
        pytest.skip(f"the {layer} layer is not active on this machine")


def run_probe(
    tmp_path: Path, limits: Limits, hidden: list[Path] = ()
) -> tuple[dict, frozenset[str]]:
    """Run PROBE contained; it reports which of the `hidden` paths it can see.

    The paths go in an environment variable because absolute paths among the
    arguments are bound into the private root.
    """
    env = {
        "HOME": str(tmp_path),
        "TMPDIR": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "PROBE_HIDDEN": os.pathsep.join(map(str, hidden)),
    }
    argv = [sys.executable, "-c", PROBE]
    outcome = run_contained(argv, tmp_path, env, limits, tmp_path / "logs")
    assert outcome.returncode == 0, outcome.tail()
    return json.loads(outcome.stdout_path.read_text()), outcome.layers


def test_default_writable_common_directory(tmp_path):
    run = tmp_path / "iac-synth-1"
    env = {"HOME": str(run / "home"), "TMPDIR": str(run / "tmp")}
    assert _sandbox.default_writable(run / "project", env) == [run]


def test_default_writable_splits_shallow_parent():
    env = {"HOME": "/tmp/a/home"}
    writable = _sandbox.default_writable(Path("/srv/project"), env)
    assert writable == [Path("/srv/project"), Path("/tmp/a/home")]


def test_default_writable_keeps_user_home_out(tmp_path, monkeypatch):
    home = tmp_path / "user"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("IAC_HARNESS_HOME", str(tmp_path / "harness"))
    env = {"HOME": str(home / "run" / "home")}
    writable = _sandbox.default_writable(home / "other" / "project", env)
    assert home not in writable
    assert len(writable) == 2


def test_bind_plan_never_binds_root(tmp_path):
    plan = _mounts.bind_plan(["/bin/true"], {}, [tmp_path], overlay=False)
    paths = [path for _mode, path in plan]
    assert "/" not in paths
    assert ("rw", str(tmp_path)) in plan
    assert ("ro", "/usr") in plan
    assert ("ro", "/etc") not in plan
    assert ("ro", "/etc/passwd") in plan


def test_bind_plan_reads_environment_paths(tmp_path):
    modules = tmp_path / "node_modules"
    modules.mkdir()
    env = {"NODE_PATH": f"{modules}{os.pathsep}{tmp_path / 'missing'}"}
    plan = _mounts.bind_plan(["node"], env, [tmp_path / "run"], overlay=False)
    assert ("ro", str(modules)) in plan
    assert all("missing" not in path for _mode, path in plan)


def test_bind_plan_parents_first(tmp_path):
    writable = tmp_path / "run"
    writable.mkdir()
    plan = _mounts.bind_plan([sys.executable], {}, [writable], overlay=False)
    depths = [len(Path(path).parts) for _mode, path in plan]
    assert depths == sorted(depths)


def test_rlimit_options_values():
    options = _sandbox.rlimit_options(Limits(wall_seconds=10, memory_mb=512, file_mb=8))
    values = dict(option.lstrip("-").split("=") for option in options)
    assert values["data"] == f"{512 * 1024**2}:{512 * 1024**2}"
    assert values["fsize"] == f"{8 * 1024**2}:{8 * 1024**2}"
    assert values["core"] == "0:0"
    soft, hard = (int(part) for part in values["cpu"].split(":"))
    assert soft > 10
    assert hard > soft


def test_bwrap_command_line(tmp_path):
    command = _mounts.bwrap_argv(
        [sys.executable, "-c", "pass"],
        tmp_path,
        {},
        [tmp_path],
        True,
        "/usr/bin/bwrap",
        overlay=True,
    )
    separator = command.index("--")
    assert command[separator + 1 :] == [sys.executable, "-c", "pass"]
    assert "--unshare-net" in command
    assert "--die-with-parent" in command
    assert ["--bind", str(tmp_path), str(tmp_path)] == command[
        command.index("--bind") : command.index("--bind") + 3
    ]
    assert command[command.index("--chdir") + 1] == str(tmp_path)


def fake_hierarchy(root: Path, controllers: tuple[str, ...]) -> None:
    for controller in controllers:
        (root / controller).mkdir(parents=True)
        (root / controller / "cgroup.procs").write_text("")


def test_cgroups_skip_managed_parent(tmp_path, monkeypatch):
    fake_hierarchy(tmp_path, ("pids", "memory"))
    monkeypatch.setattr(_cgroups, "CGROUP_V1_ROOT", tmp_path)
    own = {"pids": "/", "memory": "/jobs/42"}
    monkeypatch.setattr(_cgroups, "_own_cgroups", lambda: own)
    found, notes = _cgroups.usable_cgroups()
    assert found["pids"] == tmp_path / "pids"
    assert found["memory"] is None
    assert any("/jobs/42" in note for note in notes)


def test_cgroups_missing_hierarchy(tmp_path, monkeypatch):
    monkeypatch.setattr(_cgroups, "CGROUP_V1_ROOT", tmp_path)
    found, notes = _cgroups.usable_cgroups()
    assert found == {"pids": None, "memory": None}
    assert len(notes) == 2


def test_pids_cgroup_created_and_removed():
    parent = _sandbox.detect().pids_cgroup
    if parent is None:
        pytest.skip("no usable pids cgroup on this machine")
    created = _cgroups.create_cgroups(parent, None, 77, 512)
    assert len(created) == 1
    assert (created[0] / "pids.max").read_text().strip() == "77"
    _cgroups.remove_cgroup(created[0])
    assert not created[0].exists()


def test_private_root_view(tmp_path):
    require_layer("filesystem")
    work = tmp_path / "work"
    work.mkdir()
    outside = tmp_path / f"outside-{uuid.uuid4().hex}.txt"
    outside.write_text("not for the app")
    hidden = [outside, harness_home() / "synth", Path("/etc/shadow")]
    report, layers = run_probe(work, Limits(wall_seconds=30), hidden)
    assert {"filesystem", "pid_namespace", "capabilities", "rlimits"} <= layers
    assert report["pid"] == 1
    assert report["visible"] == []
    assert "proc" in report["root"]
    assert report["caps"] == "0000000000000000"
    assert report["usr"] in ("OSError", "PermissionError")
    assert report["cwd"] == "written"
    assert report["path"] == "/usr/bin:/bin"
    assert (work / "probe-output").read_text() == "x"


def test_no_private_root_when_disabled(tmp_path):
    limits = Limits(wall_seconds=30, isolate_filesystem=False)
    outside = tmp_path.parent / f"outside-{uuid.uuid4().hex}.txt"
    outside.write_text("visible without the private root")
    try:
        report, layers = run_probe(tmp_path, limits, [outside])
    finally:
        outside.unlink()
    assert "filesystem" not in layers
    assert report["pid"] != 1
    assert report["visible"] == [str(outside)]


def test_timeout_kills_namespace(tmp_path):
    require_layer("pid namespace")
    marker = f"sandbox-{uuid.uuid4().hex}"
    script = (
        "import subprocess, sys, time\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', "
        f"'{marker}'], start_new_session=True)\n"
        "time.sleep(60)\n"
    )
    env = {"HOME": str(tmp_path), "TMPDIR": str(tmp_path)}
    outcome = run_contained(
        [sys.executable, "-c", script],
        tmp_path,
        env,
        Limits(wall_seconds=2),
        tmp_path / "logs",
    )
    assert outcome.timed_out
    leftovers = [
        entry.name
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and marker.encode() in _cmdline(entry)
    ]
    assert leftovers == []


def _cmdline(entry: Path) -> bytes:
    try:
        return (entry / "cmdline").read_bytes()
    except OSError:
        return b""


def test_containment_close_cleans_up(tmp_path):
    require_layer("filesystem")
    containment = _sandbox.contain(["/bin/true"], tmp_path, {}, Limits(), [tmp_path])
    assert containment.mount_point is not None
    mount_point = containment.mount_point
    cgroups = list(containment.cgroups)
    containment.close()
    assert not mount_point.exists()
    assert all(not path.exists() for path in cgroups)


def test_doctor_lists_layers():
    _register_commands()
    result = CliRunner().invoke(app, ["doctor", "--json", "--measure", "2"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    layers = {layer["layer"]: layer for layer in document["layers"]}
    assert set(layers) == {status.layer for status in _sandbox.layer_statuses()}
    assert layers["environment"]["active"] is True
    assert document["overhead_seconds"]["contained"] > 0


def test_doctor_table_output():
    _register_commands()
    result = CliRunner().invoke(app, ["doctor"])
    assert result.exit_code == 0, result.output
    for status in _sandbox.layer_statuses():
        assert status.layer in result.output


def test_disk_quota_stops_writer(tmp_path):
    script = (
        "import os\n"
        "chunk = b'x' * 1024 * 1024\n"
        "for number in range(200):\n"
        "    with open(f'part-{number}', 'wb') as handle:\n"
        "        handle.write(chunk)\n"
        "import time\n"
        "time.sleep(30)\n"
    )
    env = {"HOME": str(tmp_path), "TMPDIR": str(tmp_path)}
    limits = Limits(wall_seconds=20, disk_mb=16)
    outcome = run_contained(
        [sys.executable, "-c", script], tmp_path, env, limits, tmp_path / "logs"
    )
    assert outcome.output_exceeded
    assert not outcome.timed_out
    assert outcome.wall_seconds < 10


def test_disk_quota_counts_entries(tmp_path):
    for number in range(5):
        (tmp_path / f"file-{number}").write_bytes(b"x" * 1024)
    assert not _sandbox.over_quota([tmp_path], 1)
    (tmp_path / "large").write_bytes(b"x" * (2 * 1024 * 1024))
    assert _sandbox.over_quota([tmp_path], 1)
    assert not _sandbox.over_quota([tmp_path / "missing"], 1)


def test_broken_bwrap_falls_back(tmp_path, monkeypatch):
    require_layer("filesystem")
    broken = tmp_path / "bwrap"
    broken.write_text(
        "#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n"
    )
    broken.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    mechanisms = _detect.detect.__wrapped__()
    assert mechanisms.bwrap == ""
    assert mechanisms.private_filesystem


def test_setup_failure_raises(tmp_path):
    require_layer("filesystem")
    hidden_cwd = tmp_path / "outside"
    hidden_cwd.mkdir()
    writable = tmp_path / "writable"
    writable.mkdir()
    with pytest.raises(OSError, match="sandbox setup .* failed"):
        run_contained(
            [sys.executable, "-c", "pass"],
            hidden_cwd,
            {},
            Limits(wall_seconds=30),
            tmp_path / "logs",
            writable=[writable],
        )


def test_app_cannot_fake_setup_failure(tmp_path):
    require_layer("filesystem")
    script = (
        "import sys\n"
        "print('iac-harness sandbox setup failed: faked', file=sys.stderr)\n"
        "sys.exit(125)\n"
    )
    outcome = run_contained(
        [sys.executable, "-c", script],
        tmp_path,
        {},
        Limits(wall_seconds=30),
        tmp_path / "logs",
    )
    assert outcome.returncode == 125


HARNESS_STAND_IN = """
import sys
from pathlib import Path
from harness.synth._process import Limits, run_contained

root = Path(sys.argv[1])
app = [sys.executable, "-c", "import time; time.sleep(120)", sys.argv[2]]
env = {"HOME": str(root), "TMPDIR": str(root)}
run_contained(app, root, env, Limits(wall_seconds=120), root / "logs")
"""


def test_killed_harness_leaves_no_app(tmp_path):
    marker = f"orphan-{uuid.uuid4().hex}"
    harness_process = subprocess.Popen(
        [sys.executable, "-c", HARNESS_STAND_IN, str(tmp_path), marker]
    )
    try:
        deadline = time.monotonic() + 20
        started = _apps_with(marker, harness_process.pid)
        while not started and time.monotonic() < deadline:
            time.sleep(0.1)
            started = _apps_with(marker, harness_process.pid)
        assert started, "the contained app did not start"
        harness_process.kill()
        harness_process.wait()
        deadline = time.monotonic() + 5
        while _pids_with(marker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _pids_with(marker) == []
    finally:
        harness_process.kill()
        for pid in _pids_with(marker):
            os.kill(pid, signal.SIGKILL)


def _apps_with(marker: str, excluded: int) -> list[int]:
    """Return the PIDs of Python processes with `marker` as last argument."""
    python = os.path.realpath(sys.executable)
    found = []
    for pid in _pids_with(marker):
        if pid == excluded:
            continue
        try:
            executable = os.path.realpath(f"/proc/{pid}/exe")
        except OSError:
            continue
        command_line = _cmdline(Path(f"/proc/{pid}"))
        if executable == python and command_line.endswith(marker.encode() + b"\0"):
            found.append(pid)
    return found


def _pids_with(marker: str) -> list[int]:
    return [
        int(entry.name)
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and marker.encode() in _cmdline(entry)
    ]


def test_cache_mode_never_shares_writes(tmp_path):
    # An empty cache gets the overlay too: the harness fills the cache before
    # any app runs, so no app ever writes the shared copy when overlayfs works.
    assert _mounts.cache_mode(tmp_path, overlay=True) == "cow"
    assert _mounts.cache_mode(tmp_path, overlay=False) == "rw"


def test_cache_has_cdk_needs_installed_version(tmp_path):
    version = python_cdk_version()
    if version is None:
        pytest.skip("the aws-cdk-lib Python package is not installed")
    assert not jsii_cache_has_cdk(tmp_path)
    other = tmp_path / "aws-cdk-lib" / "0.0.1" / "abc"
    other.mkdir(parents=True)
    (other / ".jsii.runtime.v1.json").write_text("{}")
    assert not jsii_cache_has_cdk(tmp_path)
    installed = tmp_path / "aws-cdk-lib" / version / "def"
    installed.mkdir(parents=True)
    (installed / ".jsii.runtime.v1.json").write_text("{}")
    assert jsii_cache_has_cdk(tmp_path)


def test_traps_removed_after_run(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "inside.txt").write_text("kept")
    outside = tmp_path / "outside.txt"
    outside.write_text("host file")
    script = (
        "import os\n"
        f"os.symlink({str(outside)!r}, 'escape')\n"
        f"os.symlink({str(tmp_path)!r}, 'escape-dir')\n"
        "os.symlink('inside.txt', 'alias')\n"
        "os.symlink('missing.txt', 'dangling')\n"
        "os.mkfifo('pipe')\n"
    )
    env = {"HOME": str(run), "TMPDIR": str(run)}
    outcome = run_contained(
        [sys.executable, "-c", script], run, env, Limits(wall_seconds=30), run / "logs"
    )
    assert outcome.returncode == 0, outcome.tail()
    names = {path.name for path in run.iterdir()}
    assert "alias" in names
    assert "inside.txt" in names
    assert "escape" not in names
    assert "escape-dir" not in names
    assert "dangling" not in names
    assert "pipe" not in names
    assert outside.read_text() == "host file"


def test_remove_traps_keeps_ordinary_tree(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "stack.ts").write_text("export {};\n")
    (tmp_path / "lib" / "alias.ts").symlink_to("stack.ts")
    assert _sandbox.remove_traps([tmp_path]) == []
    assert (tmp_path / "lib" / "alias.ts").is_symlink()


PROC_PROBE = r"""
import json, os
result = {}
for path in ("/proc/sys/kernel/core_pattern", "/proc/sys/vm/drop_caches"):
    try:
        os.close(os.open(path, os.O_WRONLY))
        result[path] = "writable"
    except OSError as error:
        result[path] = error.errno
with open("/proc/keys") as handle:
    result["keys"] = handle.read()
print(json.dumps(result))
"""


def test_kernel_settings_read_only(tmp_path):
    # Opening for writing checks the permission without changing any setting.
    require_layer("filesystem")
    env = {"HOME": str(tmp_path), "TMPDIR": str(tmp_path)}
    outcome = run_contained(
        [sys.executable, "-c", PROC_PROBE],
        tmp_path,
        env,
        Limits(wall_seconds=30),
        tmp_path / "logs",
    )
    assert outcome.returncode == 0, outcome.tail()
    result = json.loads(outcome.stdout_path.read_text())
    assert result["/proc/sys/kernel/core_pattern"] == errno.EROFS
    assert result["/proc/sys/vm/drop_caches"] == errno.EROFS
    assert result["keys"] == ""
