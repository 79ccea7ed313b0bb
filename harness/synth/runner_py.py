"""Run one Python CDK app and record how it ended.

Usage: python runner_py.py JOB.json
JOB: {"entry": "/abs/copy/app.py", "project": "/abs/copy", "result": "/abs/result.json"}
`sys.path` starts with the entry's directory and the project root, and
the parent process sets the CDK environment (CDK_OUTDIR, CDK_CONTEXT_JSON,
CDK_DEFAULT_ACCOUNT, CDK_DEFAULT_REGION, JSII_HOST_STACK_TRACES) and the
working directory. RESULT: {"ok": bool, "error": null | {"type", "message",
"frames": [[file, line, function], ...], "file", "line", "module"}}, plus
"stage": "runner" when the exception escaped the runner's own code rather
than the app's run.
"""

import json
import os
import runpy
import sys
import traceback


def describe(error):
    frames = [
        [frame.filename, frame.lineno, frame.name]
        for frame in traceback.extract_tb(error.__traceback__)
    ]
    report = {
        "type": type(error).__name__,
        "message": str(error),
        "frames": frames,
        "file": None,
        "line": None,
        "module": None,
    }
    if isinstance(error, SyntaxError):
        report["file"] = error.filename
        report["line"] = error.lineno
        report["message"] = error.msg
    if isinstance(error, ModuleNotFoundError):
        report["module"] = error.name
    return report


def describe_safely(error):
    """Return `describe(error)`, or its type and frames when str() of it fails."""
    try:
        return describe(error)
    except Exception:  # noqa: BLE001
        frames = traceback.extract_tb(error.__traceback__)
        return {
            "type": type(error).__name__,
            "message": "(the exception could not be converted to a string)",
            "frames": [[frame.filename, frame.lineno, frame.name] for frame in frames],
            "file": None,
            "line": None,
            "module": None,
        }


def run(job):
    # `python src/app.py` puts src/ first on the path; the project root
    # follows so that imports of top-level packages work from any entry.
    script_dir = os.path.dirname(job["entry"])
    sys.path[0] = job["project"]
    if script_dir != job["project"]:
        sys.path.insert(0, script_dir)
    sys.argv = [job["entry"]]
    try:
        runpy.run_path(job["entry"], run_name="__main__")
    except SystemExit as exit_request:
        if exit_request.code in (None, 0):
            return {"ok": True, "error": None}
        message = f"the app called sys.exit({exit_request.code!r})"
        return {"ok": False, "error": {**describe(exit_request), "message": message}}
    # Every failure, KeyboardInterrupt and MemoryError included, is the app's.
    except BaseException as error:  # noqa: BLE001
        traceback.print_exc()
        return {"ok": False, "error": describe(error)}
    return {"ok": True, "error": None}


def main():
    with open(sys.argv[1], encoding="utf-8") as handle:
        job = json.load(handle)
    try:
        report = run(job)
    # `run` catches everything the app raises, so what reaches here failed in
    # the runner; the parent still checks the frames for the app's files.
    except BaseException as error:  # noqa: BLE001
        traceback.print_exc()
        report = {"ok": False, "stage": "runner", "error": describe_safely(error)}
    with open(job["result"], "w", encoding="utf-8") as handle:
        json.dump(report, handle)


if __name__ == "__main__":
    main()
