"""A long-lived Python synthesis worker: aws_cdk and its jsii kernel started once.

Usage: python worker_py.py RUNNER_SCRIPT WARMUP_DIR REPLY_FD
Jobs arrive as JSON lines on stdin and each reply is one JSON line on REPLY_FD:
  {"type": "run", "entry", "project", "result", "cwd", "env", "stdout",
   "stderr", "outdir", "context"} -> {"done": true, "leaks": [...], "rss": bytes}
A run writes the same result file as runner_py.py, whose `run` function it
calls. The jsii kernel keeps the environment it started with, so the app's
`App` receives `outdir` and `context` as arguments for the duration of one job.
Each app's own modules leave `sys.modules` afterwards, and the environment,
working directory, `sys.path`, `sys.argv` and standard streams are restored.
A leak is a change the app made to aws_cdk, constructs, builtins or core
standard modules, a module it put in `sys.modules`, or a thread or child
process it left running. The parent discards a worker that reports one.
"""

import importlib.machinery
import importlib.util
import json
import operator
import os
import resource
import sys
import threading
import time
import types

# Packages whose modules stay loaded between apps; the first two are watched.
LIBRARY_PACKAGES = ("aws_cdk", "constructs", "jsii")
WATCHED_PACKAGES = ("aws_cdk", "constructs")
STANDARD_MODULES = (
    "builtins",
    "json",
    "os",
    "os.path",
    "re",
    "sys",
    "typing",
    "functools",
    "dataclasses",
    "enum",
    "runpy",
    "traceback",
)


def is_library(name):
    return name.split(".")[0] in LIBRARY_PACKAGES


def is_watched(name):
    return name.split(".")[0] in WATCHED_PACKAGES


# ---- snapshots of namespaces, compared by identity


class Snapshot:
    """The entries of one live namespace (a module's or a class's) at one time."""

    __slots__ = ("keys", "label", "namespace", "values")

    def __init__(self, label, namespace):
        self.label = label
        self.namespace = namespace
        self.keys = tuple(namespace)
        self.values = tuple(namespace.values())

    def unchanged(self):
        namespace = self.namespace
        return (
            len(namespace) == len(self.keys)
            and all(map(operator.is_, self.values, namespace.values()))
            and tuple(namespace) == self.keys
        )

    def changes(self):
        """Return the changed entries; a newly imported submodule is no change."""
        before = dict(zip(self.keys, self.values))
        after = dict(self.namespace)
        changed = [k for k, v in before.items() if after.get(k, before) is not v]
        changed.extend(
            key
            for key, value in after.items()
            if key not in before and not isinstance(value, types.ModuleType)
        )
        return [f"{self.label}{key}" for key in changed]


def module_snapshots(name, module):
    """Return snapshots of `module`'s namespace and of each class it defines."""
    found = [Snapshot("", vars(module))]
    for attribute, value in list(vars(module).items()):
        if isinstance(value, type) and value.__module__ == name:
            # Python creates a class's __annotations__ on first access.
            getattr(value, "__annotations__", None)
            found.append(Snapshot(f"{attribute}.", vars(value)))
    return found


def changed_entries(snapshots):
    changed = []
    for snapshot in snapshots:
        if not snapshot.unchanged():
            changed.extend(snapshot.changes())
    return changed


def standard_snapshots():
    return [
        Snapshot(f"{name}.", vars(sys.modules[name]))
        for name in STANDARD_MODULES
        if name in sys.modules
    ]


class LibraryWatch:
    """Snapshots of every library module, each first taken when it finishes loading."""

    def __init__(self):
        self.snapshots = {}

    def take(self, name, module):
        self.snapshots[name] = (module, module_snapshots(name, module))

    def take_loaded(self):
        for name, module in list(sys.modules.items()):
            if is_watched(name) and name not in self.snapshots and module is not None:
                self.take(name, module)

    def leaks(self):
        found = []
        for name, (module, snapshots) in list(self.snapshots.items()):
            if sys.modules.get(name) is not module:
                found.append(f"{name} was removed or replaced in sys.modules")
                continue
            if all(snapshot.unchanged() for snapshot in snapshots):
                continue
            changed = changed_entries(snapshots)
            if changed:
                found.append(f"{name}: {', '.join(changed[:5])} changed")
            self.take(name, module)
        return found


class SnapshotLoader:
    """Delegate loading to `loader`, then snapshot the fresh library module."""

    def __init__(self, loader, watch):
        self.loader = loader
        self.watch = watch

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        # jsii packages replace their entry in sys.modules while they execute.
        self.loader.exec_module(module)
        name = module.__name__
        self.watch.take(name, sys.modules.get(name, module))

    def __getattr__(self, name):
        return getattr(self.loader, name)


class SnapshotFinder:
    """Find library modules as the path finder does, with a snapshotting loader."""

    def __init__(self, watch):
        self.watch = watch

    def find_spec(self, name, path=None, target=None):
        if not is_watched(name):
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is not None and spec.loader is not None:
            spec.loader = SnapshotLoader(spec.loader, self.watch)
        return spec


# ---- one job


class AppArguments:
    """Pass the job's outdir and context to every `aws_cdk.App` the app creates."""

    def __init__(self, outdir, context):
        import aws_cdk

        self.app_class = aws_cdk.App
        self.original = aws_cdk.App.__dict__["__init__"]
        original = self.original

        def __init__(app, *args, **kwargs):
            if kwargs.get("outdir") is None:
                kwargs["outdir"] = outdir
            kwargs["context"] = {**(kwargs.get("context") or {}), **context}
            original(app, *args, **kwargs)

        self.patched = __init__

    def __enter__(self):
        self.app_class.__init__ = self.patched

    def __exit__(self, *exc):
        self.app_class.__init__ = self.original


class SavedState:
    """The state one app may change, saved before it runs and put back after."""

    def __init__(self):
        self.environ = dict(os.environ)
        self.cwd = os.getcwd()
        self.path = (sys.path, list(sys.path))
        self.argv = (sys.argv, list(sys.argv))
        self.streams = (sys.stdout, sys.stderr, sys.stdin)
        self.modules = dict(sys.modules)
        self.threads = set(threading.enumerate())
        self.children = child_processes()
        self.standard = standard_snapshots()

    def restore(self, project):
        sys.stdout, sys.stderr, sys.stdin = self.streams
        os.environ.clear()
        os.environ.update(self.environ)
        os.chdir(self.cwd)
        sys.path, sys.path[:] = self.path[0], self.path[1]
        sys.argv, sys.argv[:] = self.argv[0], self.argv[1]
        return self.purge_modules(project)

    def purge_modules(self, project):
        """Drop modules the app imported from its project; return other leaks."""
        leaks = []
        prefix = os.path.join(os.path.realpath(project), "")
        for name, module in list(sys.modules.items()):
            previous = self.modules.get(name)
            if previous is module:
                continue
            if previous is not None:
                leaks.append(f"sys.modules[{name!r}] was replaced")
                continue
            origin = os.path.realpath(getattr(module, "__file__", None) or "")
            if origin.startswith(prefix):
                del sys.modules[name]
            elif not (is_library(name) or installed(origin)):
                del sys.modules[name]
                leaks.append(f"sys.modules[{name!r}] was added")
        for name in self.modules:
            if name not in sys.modules:
                leaks.append(f"sys.modules[{name!r}] was removed")
        return leaks

    def leaks(self):
        found = []
        changed = changed_entries(self.standard)
        if changed:
            found.append(f"standard modules changed: {', '.join(changed[:5])}")
        threads = [t.name for t in threading.enumerate() if t not in self.threads]
        if threads:
            found.append(f"threads left running: {', '.join(threads[:5])}")
        children = child_processes() - self.children
        if children:
            found.append(f"child processes left running: {sorted(children)[:5]}")
        return found


def child_processes():
    """Return the ids of this process's children that are still alive."""
    found = set()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and fields[0] != "Z":
            found.add(int(entry.name))
    return found


def installed(path):
    """Return True for a file of the interpreter's own installation."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix}
    return bool(path) and any(path.startswith(os.path.join(r, "")) for r in roots)


def run_job(job, runner, watch):
    started = time.perf_counter()
    saved = SavedState()
    os.environ.clear()
    os.environ.update(job["env"])
    os.chdir(job["cwd"])
    with (
        open(job["stdout"], "w") as out,
        open(job["stderr"], "w") as err,
        open(os.devnull) as stdin,
    ):
        sys.stdout, sys.stderr, sys.stdin = out, err, stdin
        with AppArguments(job["outdir"], job["context"]):
            report = runner.run(job)
        out.flush()
        err.flush()
        leaks = saved.restore(job["project"])
    with open(job["result"], "w", encoding="utf-8") as handle:
        json.dump(report, handle)
    checked = time.perf_counter()
    leaks.extend(saved.leaks())
    leaks.extend(watch.leaks())
    watch.take_loaded()
    seconds = {"app": checked - started, "check": time.perf_counter() - checked}
    return {"done": True, "leaks": leaks, "rss": rss_bytes(), "seconds": seconds}


def rss_bytes():
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize()


# ---- start-up and the job loop


def load_runner(path):
    spec = importlib.util.spec_from_file_location("_harness_runner_py", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def warm_up(warmup_dir):
    import aws_cdk as cdk
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk import aws_iam, aws_kms, aws_logs, aws_s3  # noqa: F401

    app = cdk.App(outdir=os.path.join(warmup_dir, "cdk.out"))
    stack = cdk.Stack(
        app, "Warm", env=cdk.Environment(account="123456789012", region="us-east-1")
    )
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2)
    vpc.add_flow_log("FlowLog")
    cdk.Tags.of(stack).add("Warm", "yes")
    cdk.CfnOutput(stack, "VpcId", value=vpc.vpc_id)
    app.synth()


def main():
    runner = load_runner(sys.argv[1])
    replies = os.fdopen(int(sys.argv[3]), "w", buffering=1)
    jobs = os.fdopen(os.dup(0), "r")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    watch = LibraryWatch()
    sys.meta_path.insert(0, SnapshotFinder(watch))
    warm_up(sys.argv[2])
    watch.take_loaded()
    replies.write(
        json.dumps({"ready": True, "pid": os.getpid(), "rss": rss_bytes()}) + "\n"
    )
    for line in jobs:
        job = json.loads(line)
        if job.get("type") != "run":
            reply = {"error": f"unknown job type {job.get('type')!r}"}
        else:
            reply = run_job(job, runner, watch)
        replies.write(json.dumps(reply) + "\n")


if __name__ == "__main__":
    main()
