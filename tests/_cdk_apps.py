"""Test helpers that synthesize the bundled CDK responses in subprocesses.

They run the real aws-cdk-lib (the venv's Python CDK, or the Node toolchain's
esbuild and node) without the harness's synth stage, so the response fixtures
can be checked on their own.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
IDEAL_DIR = REPO / "responses" / "ideal"
MODEL_MD = REPO / "responses" / "model" / "MODEL_RESPONSE.md"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

ACCOUNT = "123456789012"
REGION = "us-east-1"
SYNTH_TIMEOUT_SECONDS = 120

_HEADING = re.compile(r"^## File: (?P<path>\S+)\s*$")
_FENCE = re.compile(r"^(?P<ticks>`{3,})(?P<info>\S*)\s*$")


def cdk_env(outdir: Path, context: dict | None = None, **extra: str) -> dict[str, str]:
    """Return an environment for a cold CDK app run that writes to `outdir`."""
    env = dict(os.environ)
    env.update(
        CDK_OUTDIR=str(outdir),
        CDK_DEFAULT_ACCOUNT=ACCOUNT,
        CDK_DEFAULT_REGION=REGION,
        CDK_VALIDATION="false",
        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
        JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION="1",
    )
    env.pop("CDK_CONTEXT_JSON", None)
    if context:
        env["CDK_CONTEXT_JSON"] = json.dumps(context)
    env.update(extra)
    return env


def read_templates(outdir: Path) -> dict[str, dict]:
    """Map each stack name of a cloud assembly to its template."""
    manifest = json.loads((outdir / "manifest.json").read_text())
    templates = {}
    for name, artifact in manifest["artifacts"].items():
        if artifact["type"] == "aws:cloudformation:stack":
            template_file = artifact["properties"]["templateFile"]
            templates[name] = json.loads((outdir / template_file).read_text())
    return templates


def only_template(templates: dict[str, dict]) -> dict:
    assert len(templates) == 1, f"expected one stack, got {sorted(templates)}"
    return next(iter(templates.values()))


def synth_python(
    project_dir: Path,
    outdir: Path,
    context: dict | None = None,
    **extra_env: str,
) -> dict[str, dict]:
    """Run `python app.py` of a Python CDK project and return its templates."""
    result = subprocess.run(
        [sys.executable, "app.py"],
        check=False,
        cwd=project_dir,
        env=cdk_env(outdir, context, **extra_env),
        capture_output=True,
        text=True,
        timeout=SYNTH_TIMEOUT_SECONDS,
    )
    assert result.returncode == 0, f"synth of {project_dir} failed:\n{result.stderr}"
    return read_templates(outdir)


# Runs each project's app.py in turn in one Python process, so the jsii kernel
# starts once. Each app writes to a fresh temporary directory because
# CDK_OUTDIR is unset, and the driver reads the templates from its cloud
# assembly, because that directory is removed when the process exits.
_BATCH_DRIVER = """
import json, os, runpy, sys
import aws_cdk


def loaded_from(module, project):
    files = [getattr(module, "__file__", None) or ""]
    files += list(getattr(module, "__path__", None) or [])
    return any(f == project or f.startswith(project + os.sep) for f in files)


def synth(project, env):
    saved_env, saved_path = dict(os.environ), list(sys.path)
    os.environ.update(env)
    os.chdir(project)
    sys.path.insert(0, project)
    try:
        scope = runpy.run_path("app.py", run_name="__main__")
        apps = [value for value in scope.values() if isinstance(value, aws_cdk.App)]
        assembly = apps[0].synth()
        return {"templates": {s.stack_name: s.template for s in assembly.stacks}}
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        sys.path[:] = saved_path
        for name, module in list(sys.modules.items()):
            if loaded_from(module, project):
                del sys.modules[name]


print(json.dumps([synth(project, env) for project, env in json.loads(sys.argv[1])]))
"""


def synth_python_batch(
    projects: list[Path], tmpdir: Path, envs: list[dict[str, str]] | None = None
) -> list[dict[str, dict]]:
    """Synthesize Python CDK projects in one process and return their templates.

    `envs[i]` adds environment variables for project `i` only. The apps get no
    context, so a project that needs context values needs `synth_python`.
    """
    envs = envs or [{} for _ in projects]
    jobs = [
        (str(project.resolve()), env)
        for project, env in zip(projects, envs, strict=True)
    ]
    env = cdk_env(tmpdir, TMPDIR=str(tmpdir))
    env.pop("CDK_OUTDIR")
    result = subprocess.run(
        [sys.executable, "-c", _BATCH_DRIVER, json.dumps(jobs)],
        check=False,
        cwd=tmpdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=SYNTH_TIMEOUT_SECONDS * 2,
    )
    assert result.returncode == 0, f"batch synthesis failed:\n{result.stderr}"
    outcomes = json.loads(result.stdout.strip().splitlines()[-1])
    templates = []
    for project, outcome in zip(projects, outcomes, strict=True):
        assert "error" not in outcome, f"synth of {project} failed: {outcome['error']}"
        templates.append(outcome["templates"])
    return templates


def extract_markdown_files(markdown: str) -> dict[str, str]:
    """Extract the `## File: path` blocks of a response in the dataset's layout.

    A block opened with an info string (```ts) may contain nested fences, as a
    README block does, and a bare fence closes the innermost open one.
    """
    files: dict[str, str] = {}
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        heading = _HEADING.match(lines[index])
        index += 1
        if not heading:
            continue
        while index < len(lines) and not _FENCE.match(lines[index]):
            index += 1
        index += 1
        depth, body = 1, []
        while index < len(lines):
            fence = _FENCE.match(lines[index])
            if fence:
                depth += 1 if fence["info"] else -1
            if depth == 0:
                break
            body.append(lines[index])
            index += 1
        files[heading["path"]] = "\n".join(body) + "\n"
    return files


def write_files(files: dict[str, str], directory: Path) -> Path:
    for path, text in files.items():
        target = directory / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return directory


def require_node_toolchain() -> Path:
    """Return the toolchain's node_modules, or skip when it or node is missing.

    `IAC_HARNESS_NODE_MODULES` names the directory, as for the harness. Without
    it, the directory that `iac-harness setup` installed is used.
    """
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    configured = os.environ.get("IAC_HARNESS_NODE_MODULES")
    if configured:
        node_modules = Path(configured).expanduser()
    else:
        try:
            from harness.synth._toolchain import toolchain_dir
        except ImportError:
            pytest.skip("set IAC_HARNESS_NODE_MODULES to the Node toolchain")
        installed = toolchain_dir()
        if installed is None:
            pytest.skip("Node toolchain not installed: run `iac-harness setup`")
        node_modules = installed / "node_modules"
    if not (node_modules / ".bin" / "esbuild").exists():
        pytest.skip(f"esbuild not found in the Node toolchain at {node_modules}")
    return node_modules


def synth_typescript(project_dir: Path, outdir: Path, entry: str) -> dict[str, dict]:
    """Bundle `entry` with esbuild, run it with node and return its templates."""
    node_modules = require_node_toolchain()
    bundle = project_dir / "bundle.js"
    subprocess.run(
        [
            str(node_modules / ".bin" / "esbuild"),
            entry,
            "--bundle",
            "--platform=node",
            "--sourcemap=inline",
            "--external:aws-cdk-lib",
            "--external:constructs",
            "--external:source-map-support",
            f"--outfile={bundle}",
            "--log-level=error",
        ],
        cwd=project_dir,
        check=True,
        timeout=SYNTH_TIMEOUT_SECONDS,
    )
    result = subprocess.run(
        ["node", str(bundle)],
        check=False,
        cwd=project_dir,
        env=cdk_env(outdir, NODE_PATH=str(node_modules)),
        capture_output=True,
        text=True,
        timeout=SYNTH_TIMEOUT_SECONDS,
    )
    assert result.returncode == 0, f"synth of {entry} failed:\n{result.stderr}"
    return read_templates(outdir)


def resources_of(template: dict, resource_type: str) -> dict[str, dict]:
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == resource_type
    }


def type_counts(template: dict) -> dict[str, int]:
    counts: dict[str, int] = {}
    for resource in template["Resources"].values():
        counts[resource["Type"]] = counts.get(resource["Type"], 0) + 1
    return counts


def count_delta(before: dict, after: dict) -> dict[str, int]:
    """Return the change in resource counts per type from `before` to `after`."""
    old, new = type_counts(before), type_counts(after)
    delta = {kind: new.get(kind, 0) - old.get(kind, 0) for kind in old | new}
    return {kind: change for kind, change in delta.items() if change}


def subnet_zones(template: dict) -> list:
    return [
        s["Properties"]["AvailabilityZone"]
        for s in resources_of(template, "AWS::EC2::Subnet").values()
    ]


def nacl_ports(template: dict, *, egress: bool) -> set[tuple]:
    """Return (protocol, from, to, action) of every NACL entry in one direction."""
    ports = set()
    for entry in resources_of(template, "AWS::EC2::NetworkAclEntry").values():
        props = entry["Properties"]
        if props["Egress"] is not egress:
            continue
        port_range = props.get("PortRange", {})
        ports.add(
            (
                props["Protocol"],
                port_range.get("From"),
                port_range.get("To"),
                props["RuleAction"],
            )
        )
    return ports


def tag_map(resource: dict) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in resource["Properties"].get("Tags", [])}


_SCRATCH = tempfile.TemporaryDirectory(prefix="iac-harness-responses-")
atexit.register(_SCRATCH.cleanup)


def scratch_dir(name: str) -> Path:
    """Return a fresh directory that lives until the test process exits."""
    directory = Path(_SCRATCH.name) / name
    directory.mkdir(parents=True)
    return directory


@functools.cache
def ideal_template() -> dict:
    """Synthesize the ideal response once per test process and return its template."""
    return only_template(synth_python(IDEAL_DIR, scratch_dir("ideal-out")))
