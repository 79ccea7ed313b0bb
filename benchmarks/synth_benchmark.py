"""Benchmark synthesis: the usual per-app commands, the cold path and warm workers.

Usage: .venv/bin/python benchmarks/synth_benchmark.py [--count 100] [--only python]

Generates `--count` responses: variants of the bundled ideal apps, half
TypeScript and half Python, a few of them broken. Synthesizes each one in
every mode, then prints per-response medians, throughput, peak memory and the
ratios between modes, all from this one run. It also checks that the warm
templates are byte-identical to the cold ones and times rule evaluation,
template diff and a cache hit. Modes:

- baseline: `npx ts-node --prefer-ts-exts bin/tap.ts` (the toolchain's
  ts-node) or `python app.py`, with CDK's defaults, template validation on;
- cold: `synthesize` with isolation="strict", one fresh process per step;
- warm: `synthesize` with a `WarmPool`, the default for TypeScript and Python.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _responses import Response, generate

from harness._synth_result import SynthResult
from harness.ingest import ingest
from harness.synth import SynthSettings, find_toolchain, synthesize
from harness.synth._context import base_context
from harness.synth._env import JSII_SILENCE
from harness.synth._toolchain import jsii_cache_dir
from harness.synth.warm import WarmPool

MODES = ("baseline", "cold", "warm")
BASELINE_TIMEOUT = 300


def main() -> int:
    args = _parse()
    work = Path(tempfile.mkdtemp(prefix="iac-bench-"))
    try:
        responses = generate(work / "responses", args.count, args.only)
        print(f"{len(responses)} responses in {work}", flush=True)
        report = run(responses, args.modes, work)
        _print(report)
        if args.json:
            Path(args.json).write_text(json.dumps(report, indent=1, sort_keys=True))
        return 0 if report["identical"]["mismatches"] == [] else 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100, help="number of responses")
    parser.add_argument(
        "--only", choices=["typescript", "python"], help="benchmark one language"
    )
    parser.add_argument(
        "--modes",
        type=lambda text: text.split(","),
        default=list(MODES),
        help="comma-separated modes to run: baseline,cold,warm",
    )
    parser.add_argument("--json", help="also write the figures to this JSON file")
    parser.add_argument("--keep", action="store_true", help="keep generated files")
    args = parser.parse_args()
    unknown = set(args.modes) - set(MODES)
    if unknown or args.count < 1:
        parser.error(f"invalid --modes {sorted(unknown)} or --count {args.count}")
    return args


def run(responses: list[Response], modes: list[str], work: Path) -> dict:
    """Synthesize every response in each mode and return the figures."""
    projects = {r.name: ingest(r.path) for r in responses}
    seconds: dict[str, dict[str, list[float]]] = {}
    results: dict[str, dict[str, SynthResult]] = {}
    memory: dict[str, dict[str, int]] = {}
    totals: dict[str, float] = {}
    if "baseline" in modes:
        start = time.perf_counter()
        seconds["baseline"], peak = _measured(_baseline, responses, work)
        totals["baseline"] = time.perf_counter() - start
        memory["baseline"] = {"largest process": peak}
    if "cold" in modes:
        settings = SynthSettings(use_cache=False, isolation="strict")
        start = time.perf_counter()
        (seconds["cold"], results["cold"]), peak = _measured(
            _synthesize_all, responses, projects, settings
        )
        totals["cold"] = time.perf_counter() - start
        memory["cold"] = {"largest process": peak}
    if "warm" in modes:
        start = time.perf_counter()
        with WarmPool() as pool:
            settings = SynthSettings(use_cache=False)
            seconds["warm"], results["warm"] = _synthesize_all(
                responses, projects, settings
            )
            totals["warm"] = time.perf_counter() - start
            memory["warm"] = dict(pool.peak_rss)
            warm_stats = {**pool.stats, "start_seconds": pool.start_seconds}
    report = {
        "count": len(responses),
        "medians": _medians(responses, seconds),
        "throughput": {m: len(responses) / totals[m] for m in totals},
        "totals": totals,
        "memory_bytes": memory,
        "identical": _compare(responses, results),
        "outcomes": _outcomes(responses, results),
        "stages": _stages(responses, projects),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
    }
    if "warm" in modes:
        report["warm_pool"] = warm_stats
    return report


def _synthesize_all(responses, projects, settings):
    times: dict[str, float] = {}
    results = {}
    for response in responses:
        start = time.perf_counter()
        result = synthesize(projects[response.name], settings)
        times[response.name] = time.perf_counter() - start
        results[response.name] = result
    return times, results


def _baseline(responses: list[Response], work: Path) -> dict[str, float]:
    toolchain = find_toolchain()
    times: dict[str, float] = {}
    for response in responses:
        outdir = work / "baseline-out" / response.name
        env = _baseline_env(response, outdir, toolchain.bin_dir)
        if response.language == "typescript":
            link = response.path / "node_modules"
            if not link.exists():
                link.symlink_to(toolchain.node_modules, target_is_directory=True)
            argv = ["npx", "--no", "ts-node", "--prefer-ts-exts", "bin/tap.ts"]
        else:
            argv = [sys.executable, "app.py"]
        start = time.perf_counter()
        completed = subprocess.run(
            argv,
            cwd=response.path,
            env=env,
            capture_output=True,
            timeout=BASELINE_TIMEOUT,
            check=False,
        )
        times[response.name] = time.perf_counter() - start
        if (completed.returncode == 0) == response.broken:
            print(
                f"  baseline {response.name}: exit {completed.returncode}: "
                f"{completed.stderr.decode(errors='replace')[-300:]}",
                flush=True,
            )
    return times


def _baseline_env(response: Response, outdir: Path, node_bin: str) -> dict[str, str]:
    """Return the environment `cdk synth` gives an app, with CDK's defaults."""
    context, _ = base_context(ingest(response.path), {})
    return {
        "PATH": f"{node_bin}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": os.environ.get("HOME", "/root"),
        **JSII_SILENCE,
        "JSII_RUNTIME_PACKAGE_CACHE_ROOT": str(jsii_cache_dir()),
        "CDK_OUTDIR": str(outdir),
        "CDK_CONTEXT_JSON": json.dumps(context),
        "CDK_DEFAULT_ACCOUNT": "123456789012",
        "CDK_DEFAULT_REGION": "us-east-1",
    }


def _measured(function, *args):
    """Run `function(*args)` in a forked child; return its value and peak child RSS.

    A fresh child's RUSAGE_CHILDREN covers only the processes of that mode.
    """
    with multiprocessing.get_context("fork").Pool(1) as pool:
        return pool.apply(_call_with_peak, (function, *args))


def _call_with_peak(function, *args):
    value = function(*args)
    return value, _children_peak()


def _children_peak() -> int:
    """Return the largest RSS of any finished child process, in bytes."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024


def _medians(responses, seconds) -> dict[str, dict[str, float]]:
    """Return median seconds per language and mode: all responses, then working ones.

    The keys `<language> ok` cover only responses that are not broken, which
    is what a user's synthesis of a working app costs.
    """
    groups: dict[str, list[Response]] = {}
    for response in responses:
        groups.setdefault(response.language, []).append(response)
        if not response.broken:
            groups.setdefault(f"{response.language} ok", []).append(response)
    found: dict[str, dict[str, float]] = {}
    for group, members in groups.items():
        for mode, by_name in seconds.items():
            values = [by_name[r.name] for r in members]
            found.setdefault(group, {})[mode] = statistics.median(values)
    for by_mode in found.values():
        warm = by_mode.get("warm")
        if warm:
            for mode in ("baseline", "cold"):
                if mode in by_mode:
                    by_mode[f"{mode}/warm"] = by_mode[mode] / warm
    return found


def _compare(responses, results) -> dict:
    """Compare warm templates and error classes with cold ones, byte for byte."""
    if "cold" not in results or "warm" not in results:
        return {"compared": 0, "mismatches": []}
    mismatches = []
    for response in responses:
        cold = results["cold"][response.name]
        warm = results["warm"][response.name]
        if _fingerprint(cold) != _fingerprint(warm):
            mismatches.append(response.name)
    return {"compared": len(responses), "mismatches": mismatches}


def _fingerprint(result: SynthResult) -> tuple:
    templates = tuple(
        (stack.name, json.dumps(stack.template, indent=1)) for stack in result.stacks
    )
    sites = tuple(
        sorted((k, v.file, v.line) for s in result.stacks for k, v in s.sites.items())
    )
    error = result.error
    failure = (error.error_class.value, error.file, error.line) if error else None
    return templates, sites, failure


def _outcomes(responses, results) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for mode, by_name in results.items():
        for result in by_name.values():
            key = result.error.error_class.value if result.error else "ok"
            counts.setdefault(mode, {}).setdefault(key, 0)
            counts[mode][key] += 1
    return counts


def _stages(responses, projects) -> dict[str, float]:
    """Time rule evaluation, template diff and a cache hit on a few responses."""
    from harness.diff import diff_templates, load_attribution
    from harness.pipeline import EvalSettings, _run_rules
    from harness.taxonomy import load_task

    with tempfile.TemporaryDirectory() as cache:
        settings = SynthSettings(cache_dir=Path(cache))
        task = load_task("pci_payment_vpc")
        ideal = synthesize(projects[_first_ok(responses, "python")], settings)
        attribution = load_attribution(task.id)
        rules, diffs, hits = [], [], []
        for response in [r for r in responses if not r.broken][:10]:
            project = projects[response.name]
            synth = synthesize(project, settings)
            start = time.perf_counter()
            synthesize(project, settings)
            hits.append(time.perf_counter() - start)
            start = time.perf_counter()
            _run_rules(task, project, synth, EvalSettings())
            rules.append(time.perf_counter() - start)
            start = time.perf_counter()
            diff_templates(ideal.stacks, synth.stacks, attribution)
            diffs.append(time.perf_counter() - start)
    stages = {
        "rules": statistics.median(rules),
        "diff": statistics.median(diffs),
        "cache_hit": statistics.median(hits),
    }
    stages.update(_typecheck_seconds(responses, projects))
    return stages


def _typecheck_seconds(responses, projects) -> dict[str, float]:
    """Time the warm type check of up to 10 TypeScript responses, after one warm-up."""
    names = [r.name for r in responses if r.language == "typescript"][:11]
    if len(names) < 2:
        return {}
    times = []
    with WarmPool() as pool:
        for index, name in enumerate(names):
            settings = SynthSettings(use_cache=False, typecheck=True)
            result = synthesize(projects[name], settings)
            if index:
                # The bundle step is the type check followed by the compile.
                times.append(result.timings.get("bundle", 0.0))
        checker = pool.start_seconds.get("typecheck", [0.0])[0]
    return {"typecheck_compile": statistics.median(times), "typecheck_start": checker}


def _first_ok(responses, language) -> str:
    for response in responses:
        if response.language == language and not response.broken:
            return response.name
    return next(r.name for r in responses if not r.broken)


def _print(report: dict) -> None:
    print(f"\n{report['count']} responses on {report['machine']['cpus']} CPUs")
    print("\nmedian seconds per response")
    for language, by_mode in sorted(report["medians"].items()):
        cells = "  ".join(f"{k} {v:.3f}" for k, v in by_mode.items())
        print(f"  {language:<10} {cells}")
    print("\nthroughput (responses per second, all languages)")
    for mode, value in report["throughput"].items():
        print(f"  {mode:<8} {value:.2f}  (total {report['totals'][mode]:.1f} s)")
    print("\npeak memory (MB)")
    for mode, by_kind in report["memory_bytes"].items():
        cells = "  ".join(f"{k} {v / 2**20:.0f}" for k, v in by_kind.items())
        print(f"  {mode:<8} {cells}")
    identical = report["identical"]
    print(
        f"\nwarm vs cold: {identical['compared']} compared, "
        f"{len(identical['mismatches'])} differ {identical['mismatches']}"
    )
    print(f"outcomes: {report['outcomes']}")
    stages = report["stages"]
    print(
        f"per response: rules {stages['rules']:.3f} s, diff {stages['diff']:.3f} s, "
        f"cache hit {stages['cache_hit']:.4f} s"
    )
    if "typecheck_compile" in stages:
        print(
            f"warm type check + compile: {stages['typecheck_compile']:.3f} s "
            f"(type checker start {stages['typecheck_start']:.1f} s)"
        )
    if "warm_pool" in report:
        print(f"warm pool: {report['warm_pool']}")


if __name__ == "__main__":
    sys.exit(main())
