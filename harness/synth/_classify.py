"""Turn a failed compile or run into a classified `ResponseError`."""

from __future__ import annotations

import os
import re
import signal
from pathlib import PurePath
from typing import Any

from harness.errors import ErrorClass, ResponseError
from harness.synth._assembly import FRAME
from harness.synth._process import ProcessOutcome

NODE_OOM_MARKERS = ("JavaScript heap out of memory", "Fatal process out of memory")
JS_ALLOCATION_MARKERS = ("Array buffer allocation failed",)
PYTHON_OOM_TYPES = {"MemoryError"}
CANNOT_FIND = re.compile(r"Cannot find module '([^']+)'")
COULD_NOT_RESOLVE = re.compile(r'Could not resolve "([^"]+)"')
CANNOT_IMPORT = re.compile(r"cannot import name '([^']+)' from '([^']+)'")
EFBIG_MARKERS = ("File too large", "EFBIG")
NOT_EXECUTABLE_CODES = {126, 127}
# Top-level packages the harness installs; a response cannot be blamed for
# their absence. A missing submodule, like `aws-cdk-lib/aws-foo`, still is.
HARNESS_NPM_PACKAGES = {"aws-cdk-lib", "constructs", "source-map-support"}
HARNESS_PYTHON_PACKAGES = {"aws_cdk", "constructs", "jsii"}
# The frame of `jsii.JSIIAssembly.load`, which every jsii package's
# `_jsii/__init__.py` calls when it is first imported.
JSII_RUNTIME_FILE = os.path.join("jsii", "_runtime.py")


def _error(
    kind: ErrorClass, message: str, file=None, line=None, detail=""
) -> ResponseError:
    return ResponseError(kind, message, file=file, line=line, detail=detail[-4000:])


def classify_compile(
    errors: list[dict[str, Any]], project_files: set[str]
) -> ResponseError:
    """Classify esbuild's first error as an unresolved import or a syntax error."""
    first = errors[0]
    text = first.get("text", "")
    file = first.get("file") if first.get("file") in project_files else None
    line = first.get("line")
    detail = "\n".join(_format_esbuild(error) for error in errors[:10])
    unresolved = COULD_NOT_RESOLVE.search(text)
    if unresolved:
        return _error(
            ErrorClass.MISSING_MODULE,
            f"module {unresolved.group(1)!r} imported by {file}:{line} is not in the "
            "response",
            file,
            line,
            detail,
        )
    where = f"{file}:{line}" if file else "the app"
    return _error(ErrorClass.SYNTAX_ERROR, f"{where}: {text}", file, line, detail)


def _format_esbuild(error: dict[str, Any]) -> str:
    where = f"{error.get('file')}:{error.get('line')}:{error.get('column')}"
    return f"{where}: {error.get('text')}\n    {error.get('lineText', '')}"


def classify_process(
    outcome: ProcessOutcome, limit_mb: int, wall: float
) -> ResponseError | None:
    """Return the error a killed, timed-out or crashed process shows, or None."""
    tail = outcome.tail()
    if outcome.timed_out:
        return _error(
            ErrorClass.TIMEOUT,
            f"the app did not finish within {wall:g} s; it was killed",
            detail=tail,
        )
    if outcome.output_exceeded:
        return _error(
            ErrorClass.OUTPUT_LIMIT,
            "the app wrote more to disk than the output limit allows; it was killed",
            detail=tail,
        )
    if any(marker in tail for marker in NODE_OOM_MARKERS):
        return _error(
            ErrorClass.OUT_OF_MEMORY,
            f"the app ran out of memory (limit {limit_mb} MB)",
            detail=tail,
        )
    if outcome.signal == signal.SIGKILL:
        return _error(
            ErrorClass.OUT_OF_MEMORY,
            "the app was killed by SIGKILL before the time limit, most likely by "
            "the kernel's out-of-memory killer",
            detail=tail,
        )
    if outcome.signal == signal.SIGXFSZ:
        return _error(
            ErrorClass.OUTPUT_LIMIT,
            "the app wrote a file larger than the output limit",
            detail=tail,
        )
    return None


def classify_runner_missing(outcome: ProcessOutcome) -> ResponseError:
    """Classify a run that ended without writing its result file."""
    tail = outcome.tail()
    if outcome.returncode in NOT_EXECUTABLE_CODES:
        return _error(
            ErrorClass.HARNESS_ERROR,
            f"the synthesis runner could not start (exit {outcome.returncode})",
            detail=tail,
        )
    how = (
        f"signal {signal.Signals(outcome.signal).name}"
        if outcome.signal
        else f"exit code {outcome.returncode}"
    )
    return _error(
        ErrorClass.APP_EXCEPTION,
        f"the app process ended with {how} before reporting a result",
        detail=tail,
    )


def classify_ts_failure(report: dict[str, Any], locate, tail: str) -> ResponseError:
    """Classify a TypeScript runner report whose `ok` is false.

    `locate(stack_text)` returns the innermost (file, line) of the response.
    """
    error = report.get("error")
    if error is None:
        return _error(
            ErrorClass.APP_EXCEPTION,
            f"the app exited with code {report.get('exitCode')}",
            detail=tail,
        )
    message = error.get("message", "")
    stack = error.get("stack", "")
    file, line = locate(stack.splitlines())
    missing = CANNOT_FIND.search(message)
    if error.get("code") == "MODULE_NOT_FOUND" and missing:
        return _missing_module(missing.group(1), file, line, stack)
    if any(marker in message for marker in EFBIG_MARKERS):
        return _error(ErrorClass.OUTPUT_LIMIT, message, file, line, stack)
    if any(marker in message for marker in JS_ALLOCATION_MARKERS):
        return _error(
            ErrorClass.OUT_OF_MEMORY,
            f"the app ran out of memory: {message}",
            file,
            line,
            stack,
        )
    first_line = message.splitlines()[0] if message else error.get("name", "Error")
    return _error(
        ErrorClass.APP_EXCEPTION,
        f"{error.get('name', 'Error')}: {first_line}",
        file,
        line,
        f"{message}\n{stack}",
    )


def _missing_module(name: str, file, line, detail: str) -> ResponseError:
    if name in HARNESS_NPM_PACKAGES:
        return _missing_toolchain_package(name, detail)
    if name.startswith("."):
        message = f"module {name!r} is imported but the response does not contain it"
    else:
        message = (
            f"package {name!r} is not available: the harness provides aws-cdk-lib, "
            "constructs and source-map-support, and installs nothing a response lists"
        )
    return _error(ErrorClass.MISSING_MODULE, message, file, line, detail)


def _missing_toolchain_package(name: str, detail: str) -> ResponseError:
    """Return the harness error for a package the harness itself must provide."""
    return _error(
        ErrorClass.HARNESS_ERROR,
        f"package {name!r}, which the harness provides to every response, is not "
        "installed; run `iac-harness setup`, and `pip install -e .` for Python",
        detail=detail,
    )


def classify_py_failure(report: dict[str, Any], relative, tail: str) -> ResponseError:
    """Classify a Python runner report whose `ok` is false.

    `relative(path)` returns the project-relative path of a response file, or None.
    """
    error = report["error"]
    kind = error.get("type", "Exception")
    message = error.get("message", "")
    file, line = _innermost_frame(error.get("frames", []), relative)
    if error.get("file") and relative(error["file"]):
        file, line = relative(error["file"]), error.get("line")
    detail = tail
    environment = _py_environment_failure(report, relative, tail)
    if environment is not None:
        return environment
    if kind in ("SyntaxError", "IndentationError", "TabError"):
        return _error(
            ErrorClass.SYNTAX_ERROR,
            f"{file}:{line}: {kind}: {message}",
            file,
            line,
            detail,
        )
    if kind == "ModuleNotFoundError":
        name = error.get("module") or message
        if name in HARNESS_PYTHON_PACKAGES:
            return _missing_toolchain_package(name, detail)
        return _error(
            ErrorClass.MISSING_MODULE,
            f"No module named {name!r}: it is neither in the response nor installed "
            "with the harness",
            file,
            line,
            detail,
        )
    cannot_import = CANNOT_IMPORT.search(message) if kind == "ImportError" else None
    if cannot_import:
        name, module = cannot_import.groups()
        hint = ""
        if module.split(".")[0] == "aws_cdk":
            hint = f"; aws-cdk-lib v2 has no {module}.{name} (CDK v1 code imports it)"
        return _error(
            ErrorClass.MISSING_MODULE,
            f"cannot import {name!r} from {module!r}: no such module or name{hint}",
            file,
            line,
            detail,
        )
    if kind in PYTHON_OOM_TYPES:
        return _error(
            ErrorClass.OUT_OF_MEMORY, "the app raised MemoryError", file, line, detail
        )
    if kind == "OSError" and any(marker in message for marker in EFBIG_MARKERS):
        return _error(ErrorClass.OUTPUT_LIMIT, message, file, line, detail)
    first_line = message.strip().splitlines()[0] if message.strip() else ""
    return _error(ErrorClass.APP_EXCEPTION, f"{kind}: {first_line}", file, line, detail)


def _py_environment_failure(
    report: dict[str, Any], relative, tail: str
) -> ResponseError | None:
    """Return a harness error when a Python failure arose outside the response.

    Two places count: the runner's own code (the report's `stage` is
    "runner" and no frame is in a response file), and jsii loading a package
    the harness installs (a `JSIIAssembly.load` frame called from outside the
    response), which fails on a full or read-only package cache or a broken
    jsii kernel. A response calling `JSIIAssembly.load` itself is to blame.
    """
    error = report["error"]
    frames = error.get("frames", [])
    kind = error.get("type", "Exception")
    first_line = _first_line(error.get("message", "")) or kind
    in_response = any(relative(path) is not None for path, _line, _name in frames)
    if report.get("stage") == "runner" and not in_response:
        return _error(
            ErrorClass.HARNESS_ERROR,
            f"the Python runner failed in harness code before the app's result "
            f"was recorded: {kind}: {first_line}",
            detail=tail,
        )
    caller = _jsii_load_caller(frames)
    if caller is None or relative(caller) is not None:
        return None
    # NOTE: an app that fills the package cache's overlay or the kernel's
    # TMPDIR before importing a jsii package also lands here; it cannot
    # be distinguished from a harness whose disk is too small.
    return _error(
        ErrorClass.HARNESS_ERROR,
        f"the jsii kernel failed to load {_jsii_package(caller)}, which the harness "
        f"installs: {kind}: {first_line}; check the free space and permissions of "
        f"the jsii cache in the harness home and run `iac-harness setup`",
        detail=tail,
    )


def _jsii_load_caller(frames: list) -> str | None:
    """Return the file that called jsii's `JSIIAssembly.load`, if a frame is in it."""
    for index, (path, _line, name) in enumerate(frames):
        if name == "load" and path.endswith(JSII_RUNTIME_FILE) and index > 0:
            return frames[index - 1][0]
    return None


def _jsii_package(caller: str) -> str:
    """Return the Python package whose `_jsii/__init__.py` is `caller`."""
    path = PurePath(caller)
    if path.parent.name == "_jsii":
        return path.parent.parent.name
    return path.name


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else ""


def _innermost_frame(frames: list, relative) -> tuple[str | None, int | None]:
    for path, line, _name in reversed(frames):
        rel = relative(path)
        if rel is not None:
            return rel, line
    return None, None


def innermost_js_frame(lines: list[str], relative) -> tuple[str | None, int | None]:
    """Return the first `at ...(file:line:col)` frame of a JS stack in the response."""
    for text in lines:
        match = FRAME.search(text.strip())
        if match is None:
            continue
        rel = relative(match.group("path"))
        if rel is not None:
            return rel, int(match.group("line"))
    return None, None
