"""Hostile responses: each one is contained and gets a clear error class.

The fixtures under fixtures/hostile attack the machine that synthesizes them.
Placeholders such as __HOSTILE_PORT__ are replaced by `materialize` with
values that only the test has (a loopback port, a marker, planted paths). The
limits are small so that each case takes seconds: a 1 GiB data segment, 64 MiB
files, and a 20 s wall time (4 s for the endless loops).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import threading
import time
import uuid
from pathlib import Path

import pytest
from synth_support import require_toolchain

import harness
from harness.errors import ErrorClass, UnsafePathError
from harness.ingest import ingest
from harness.synth import SynthSettings, _sandbox, find_toolchain, synthesize
from harness.synth._toolchain import harness_home, jsii_cache_dir

HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"
MEMORY_MB = 1024
OUTPUT_MB = 64
TIMEOUT = 20.0
LOOP_TIMEOUT = 4.0
LOG_TAIL_BYTES = 64 * 1024
FORK_ATTEMPTS = 2000

pytestmark = pytest.mark.slow


def materialize(name: str, destination: Path, values: dict[str, str]) -> Path:
    """Copy the fixture `name` under `destination`, replacing each placeholder."""
    source = HOSTILE / name
    target = destination / name
    if source.is_dir():
        shutil.copytree(source, target)
        files = [path for path in target.rglob("*") if path.is_file()]
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, target)
        files = [target]
    for path in files:
        text = path.read_text()
        for placeholder, value in values.items():
            text = text.replace(f"__{placeholder}__", value)
        path.write_text(text)
    return target


def hostile_settings(tmp_path: Path, **overrides) -> SynthSettings:
    """Return small limits, a private work directory and no shared cache."""
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    options = {
        "use_cache": False,
        "isolation": "strict",
        "timeout": TIMEOUT,
        "memory_mb": MEMORY_MB,
        "output_mb": OUTPUT_MB,
        "work_dir": work,
        "cache_dir": tmp_path / "cache",
        **overrides,
    }
    return SynthSettings(**options)


def run_hostile(tmp_path: Path, name: str, values=None, **overrides):
    """Synthesize the materialized fixture; return the result and its seconds."""
    require_toolchain()
    path = materialize(name, tmp_path / "responses", values or {})
    start = time.monotonic()
    result = synthesize(ingest(path), hostile_settings(tmp_path, **overrides))
    return result, time.monotonic() - start


def outputs_of(result) -> dict[str, str]:
    """Return the stack outputs of every stack, by output name."""
    found = {}
    for stack in result.stacks:
        for key, output in stack.template.get("Outputs", {}).items():
            found[key] = str(output["Value"])
    return found


def require_layer(*layers: str) -> None:
    """Skip unless every layer is active here; docs/sandbox.md lists the gaps."""
    active = {status.layer for status in _sandbox.layer_statuses() if status.active}
    missing = [layer for layer in layers if layer not in active]
    if missing:
        pytest.skip(f"containment layers not active on this machine: {missing}")


def processes_with(marker: str) -> list[int]:
    """Return the PIDs of host processes whose command line contains `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command_line = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in command_line:
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize("name", ["ts_infinite_loop", "py_infinite_loop.md"])
def test_endless_loop_times_out(tmp_path, name):
    result, seconds = run_hostile(tmp_path, name, timeout=LOOP_TIMEOUT)
    assert result.error is not None
    assert result.error.error_class is ErrorClass.TIMEOUT
    assert seconds < LOOP_TIMEOUT + 15


def test_fork_bomb_capped(tmp_path):
    require_layer("pids cgroup")
    result, _ = run_hostile(tmp_path, "py_fork_bomb")
    assert result.error is None, result.error
    outputs = outputs_of(result)
    started = int(outputs["Started"])
    failed = int(outputs["Failed"])
    assert started + failed == FORK_ATTEMPTS
    assert failed > FORK_ATTEMPTS // 2
    assert started < FORK_ATTEMPTS // 2


@pytest.mark.parametrize("name", ["py_allocate_memory", "ts_allocate_memory.md"])
def test_memory_hog_out_of_memory(tmp_path, name):
    result, _ = run_hostile(tmp_path, name)
    assert result.error is not None
    assert result.error.error_class is ErrorClass.OUT_OF_MEMORY


def test_huge_file_hits_output_limit(tmp_path):
    result, _ = run_hostile(tmp_path, "py_write_huge_file")
    assert result.error is not None
    assert result.error.error_class is ErrorClass.OUTPUT_LIMIT
    left = [path for path in (tmp_path / "work").rglob("*") if path.is_file()]
    assert left == []


def test_huge_log_capped(tmp_path):
    result, seconds = run_hostile(tmp_path, "ts_print_huge_log")
    assert result.error is not None
    assert result.error.error_class is ErrorClass.OUTPUT_LIMIT
    assert len(result.log_tail.encode()) <= LOG_TAIL_BYTES
    assert seconds < TIMEOUT
    assert list((tmp_path / "work").iterdir()) == []


@pytest.fixture
def planted_secrets(tmp_path, monkeypatch) -> dict[str, str]:
    """Plant a token in a temporary HOME, in os.environ and in another response.

    IAC_HARNESS_HOME keeps pointing at the installed toolchain and jsii cache
    while HOME moves to the temporary directory.
    """
    token = f"planted-{uuid.uuid4().hex}"
    monkeypatch.setenv("IAC_HARNESS_HOME", str(harness_home()))
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    credentials = f"[default]\naws_secret_access_key = {token}\n"
    (home / ".aws" / "credentials").write_text(credentials)
    monkeypatch.setenv("HOME", str(home))
    for name in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "GITHUB_TOKEN"):
        monkeypatch.setenv(name, token)
    monkeypatch.setenv("HTTPS_PROXY", f"http://user:{token}@127.0.0.1:9")
    neighbor = tmp_path / "work" / "iac-synth-neighbor" / "project" / "app.py"
    neighbor.parent.mkdir(parents=True)
    neighbor.write_text(f"TOKEN = {token!r}\n")
    return {
        "token": token,
        "HOSTILE_HOME": str(home),
        "HOSTILE_NEIGHBOR": str(neighbor),
    }


@pytest.mark.parametrize("name", ["py_read_secrets", "ts_read_secrets.md"])
def test_secrets_stay_out_of_templates(tmp_path, planted_secrets, name):
    result, _ = run_hostile(tmp_path, name, planted_secrets)
    assert result.error is None, result.error
    token = planted_secrets["token"]
    assert token not in json.dumps([stack.template for stack in result.stacks])
    assert token not in json.dumps(result.manifest)
    assert token not in result.log_tail
    outputs = outputs_of(result)
    assert "AWS_SECRET_ACCESS_KEY" not in outputs["Environment"]
    assert "HTTPS_PROXY" not in outputs["Environment"]


@pytest.mark.parametrize("name", ["py_read_secrets", "ts_read_secrets.md"])
def test_home_and_neighbors_invisible(tmp_path, planted_secrets, name):
    require_layer("filesystem")
    result, _ = run_hostile(tmp_path, name, planted_secrets)
    assert result.error is None, result.error
    outputs = outputs_of(result)
    assert "unreadable" in outputs["File1"]
    assert "unreadable" in outputs["File2"]


def write_targets(tmp_path: Path) -> list[Path]:
    """Return directories a response must not write: results, caches, code."""
    toolchain = find_toolchain()
    return [
        tmp_path / "results",
        tmp_path / "cache",
        harness_home() / "synth",
        jsii_cache_dir(),
        toolchain.node_modules,
        Path(harness.__file__).resolve().parent,
        tmp_path / "work" / "iac-synth-neighbor",
    ]


def test_writes_outside_do_not_land(tmp_path):
    require_layer("filesystem", "shared cache")
    require_toolchain()
    marker = f"hostile-{uuid.uuid4().hex}.txt"
    targets = write_targets(tmp_path)
    for directory in targets[:2] + targets[-1:]:
        directory.mkdir(parents=True, exist_ok=True)
    values = {
        "HOSTILE_MARKER": marker,
        "HOSTILE_TARGETS": os.pathsep.join(str(path) for path in targets),
    }
    try:
        result, _ = run_hostile(tmp_path, "py_write_outside", values)
        assert result.error is None, result.error
        assert len(outputs_of(result)) == len(targets)
        landed = [str(path) for path in targets if (path / marker).exists()]
        assert landed == []
    finally:
        for directory in targets:
            (directory / marker).unlink(missing_ok=True)


@pytest.fixture
def loopback_listener():
    """Accept connections on a loopback port; yield (port, list of accepted peers)."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    accepted: list[str] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, peer = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.append(f"{peer[0]}:{peer[1]}")
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join(timeout=5)
    server.close()


def test_listener_reachable_without_sandbox(tmp_path, loopback_listener):
    port, accepted = loopback_listener
    values = {"HOSTILE_PORT": str(port)}
    result, _ = run_hostile(tmp_path, "py_connect_loopback", values, isolation="none")
    assert result.error is None, result.error
    assert outputs_of(result)["Loopback"] == "connected"
    assert len(accepted) == 1


@pytest.mark.parametrize("name", ["ts_connect_loopback", "py_connect_loopback"])
def test_loopback_connection_fails(tmp_path, loopback_listener, name):
    require_layer("network")
    port, accepted = loopback_listener
    result, _ = run_hostile(tmp_path, name, {"HOSTILE_PORT": str(port)})
    assert result.error is None, result.error
    assert outputs_of(result)["Loopback"].startswith("failed")
    assert accepted == []


@pytest.mark.parametrize("name", ["ts_background_process", "py_background_process"])
def test_background_process_killed(tmp_path, name):
    require_layer("pid namespace")
    marker = f"hostile-{uuid.uuid4().hex}"
    try:
        result, seconds = run_hostile(tmp_path, name, {"HOSTILE_MARKER": marker})
        assert result.error is None, result.error
        assert seconds < TIMEOUT
        deadline = time.monotonic() + 2
        survivors = processes_with(marker)
        while survivors and time.monotonic() < deadline:
            time.sleep(0.1)
            survivors = processes_with(marker)
        assert survivors == []
    finally:
        for pid in processes_with(marker):
            os.kill(pid, signal.SIGKILL)


def test_python_stack_overflow_classified(tmp_path):
    result, _ = run_hostile(tmp_path, "py_deep_recursion")
    assert result.error is not None
    assert result.error.error_class is ErrorClass.APP_EXCEPTION
    assert "SIGSEGV" in result.error.message


def test_typescript_stack_overflow_classified(tmp_path):
    result, _ = run_hostile(tmp_path, "ts_deep_recursion")
    assert result.error is not None
    assert result.error.error_class is ErrorClass.APP_EXCEPTION
    assert "Maximum call stack size exceeded" in result.error.message


@pytest.mark.parametrize("name", ["ts_read_stdin", "py_read_stdin"])
def test_stdin_reads_end_of_file(tmp_path, name):
    result, seconds = run_hostile(tmp_path, name)
    assert result.error is None, result.error
    assert outputs_of(result)["StdinBytes"] == "0"
    assert seconds < TIMEOUT


def test_markdown_parent_path_rejected(tmp_path):
    nested = tmp_path / "a" / "b"
    path = materialize("unsafe_parent_path.md", nested, {})
    with pytest.raises(UnsafePathError, match=r"\.\./\.\./outside\.ts"):
        ingest(path)
    assert not (tmp_path / "outside.ts").exists()
    assert not (tmp_path / "a" / "outside.ts").exists()


@pytest.mark.parametrize("link_name", ["lib/secret.ts", "lib"])
def test_directory_symlink_escape_rejected(tmp_path, link_name):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.ts").write_text("export const secret = 'outside';\n")
    project = tmp_path / "project"
    (project / "bin").mkdir(parents=True)
    (project / "bin" / "app.ts").write_text("import '../lib/secret';\n")
    link = project / link_name
    link.parent.mkdir(parents=True, exist_ok=True)
    target = outside / "secret.ts" if link_name.endswith(".ts") else outside
    link.symlink_to(target)
    with pytest.raises(UnsafePathError):
        ingest(project)


def test_disk_filling_stopped(tmp_path):
    result, seconds = run_hostile(tmp_path, "py_fill_disk")
    assert result.error is not None
    assert seconds < TIMEOUT
    assert list((tmp_path / "work").iterdir()) == []


def test_disk_filling_output_limit(tmp_path):
    result, _ = run_hostile(tmp_path, "py_fill_disk")
    assert result.error is not None
    assert result.error.error_class is ErrorClass.OUTPUT_LIMIT


def test_planted_links_do_not_redirect(tmp_path):
    target = tmp_path / "host-file.txt"
    target.write_text("owned by the host\n")
    values = {"HOSTILE_TARGET": str(target)}
    result, seconds = run_hostile(tmp_path, "py_plant_links", values)
    assert target.read_text() == "owned by the host\n"
    assert seconds < TIMEOUT * 3
    assert result.error is None, result.error
