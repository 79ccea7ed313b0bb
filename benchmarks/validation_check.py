"""Measure aws-cdk-lib's built-in template validator: time and template bytes.

Usage: .venv/bin/python benchmarks/validation_check.py [--runs 3]

Synthesizes the bundled TypeScript and Python ideal apps in plain processes
(`node` on an esbuild bundle, `python app.py`). Each runs with CDK_VALIDATION
unset (the library's default: validator on) and set to false. Prints the
median seconds of each and whether the template files are byte-identical.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness.ingest import ingest
from harness.synth import find_toolchain
from harness.synth._context import base_context
from harness.synth._env import JSII_SILENCE
from harness.synth._toolchain import jsii_cache_dir

REPO = Path(__file__).resolve().parents[1]
APPS = {
    "typescript": REPO / "tests" / "fixtures" / "typescript" / "ideal.md",
    "python": REPO / "responses" / "ideal",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per setting")
    args = parser.parse_args()
    toolchain = find_toolchain()
    identical_everywhere = True
    with tempfile.TemporaryDirectory(prefix="iac-validation-") as temporary:
        root = Path(temporary)
        for language, source in APPS.items():
            project = ingest(source)
            directory = root / language
            project.write_to(directory)
            argv = _command(language, directory, toolchain)
            context, _ = base_context(project, {})
            times: dict[str, list[float]] = {"on": [], "off": []}
            for run in range(args.runs):
                for setting in ("on", "off"):
                    outdir = root / f"{language}-{setting}-{run}"
                    env = _env(outdir, context, toolchain, validation=setting == "on")
                    start = time.perf_counter()
                    subprocess.run(
                        argv, cwd=directory, env=env, check=True, capture_output=True
                    )
                    times[setting].append(time.perf_counter() - start)
            same = _same_templates(
                root / f"{language}-on-0", root / f"{language}-off-0"
            )
            identical_everywhere &= same
            on, off = (statistics.median(times[k]) for k in ("on", "off"))
            print(
                f"{language}: validator on {on:.2f} s, off {off:.2f} s, "
                f"saved {on - off:.2f} s per app; templates byte-identical: {same}"
            )
    return 0 if identical_everywhere else 1


def _command(language: str, directory: Path, toolchain) -> list[str]:
    if language == "python":
        return [sys.executable, "app.py"]
    bundle = directory / "bundle.js"
    esbuild = toolchain.node_modules / ".bin" / "esbuild"
    subprocess.run(
        [
            str(esbuild),
            "bin/tap.ts",
            "--bundle",
            "--platform=node",
            "--packages=external",
            f"--outfile={bundle}",
        ],
        cwd=directory,
        check=True,
        capture_output=True,
    )
    return [toolchain.node, str(bundle)]


def _env(outdir: Path, context: dict, toolchain, validation: bool) -> dict[str, str]:
    env = {
        "PATH": f"{toolchain.bin_dir}:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/root"),
        "NODE_PATH": str(toolchain.node_modules),
        "JSII_RUNTIME_PACKAGE_CACHE_ROOT": str(jsii_cache_dir()),
        **JSII_SILENCE,
        "CDK_OUTDIR": str(outdir),
        "CDK_CONTEXT_JSON": json.dumps(context),
        "CDK_DEFAULT_ACCOUNT": "123456789012",
        "CDK_DEFAULT_REGION": "us-east-1",
    }
    if not validation:
        env["CDK_VALIDATION"] = "false"
    return env


def _same_templates(left: Path, right: Path) -> bool:
    names = sorted(path.name for path in left.glob("*.template.json"))
    if not names or names != sorted(p.name for p in right.glob("*.template.json")):
        return False
    return all(filecmp.cmp(left / n, right / n, shallow=False) for n in names)


if __name__ == "__main__":
    sys.exit(main())
