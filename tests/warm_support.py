"""Small CDK apps for the warm worker tests, built as in-memory projects."""

from __future__ import annotations

import json

from harness._project import Project, SourceFile
from harness._synth_result import SynthResult


def project(name: str, files: dict[str, str]) -> Project:
    """Return a directory-kind project of `files` (path to text)."""
    sources = {path: SourceFile(path, text) for path, text in files.items()}
    return Project(name=name, kind="directory", files=sources)


def templates(result: SynthResult) -> list[str]:
    """Return each stack's template as canonical JSON, in stack order."""
    return [json.dumps(stack.template, sort_keys=True) for stack in result.stacks]


TS_CLEAN = """\
import * as cdk from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { marker } from '../lib/marker';

const app = new cdk.App();
const stack = new cdk.Stack(app, 'Clean');
new logs.LogGroup(stack, 'Logs', { retention: logs.RetentionDays.ONE_WEEK });
cdk.Tags.of(stack).add('Team', 'payments');
new cdk.CfnOutput(stack, 'Global', {
  value: String((globalThis as any).leakMarker ?? 'none'),
});
new cdk.CfnOutput(stack, 'Env', { value: process.env.LEAK_MARKER ?? 'none' });
new cdk.CfnOutput(stack, 'Module', { value: marker });
"""

TS_LEAKS = {
    "class": """\
const original = cdk.Tags.of;
(cdk.Tags as any).of = (scope: any) => {
  const tags = original.call(cdk.Tags, scope);
  tags.add('Leaked', 'yes');
  return tags;
};
""",
    "global": "(globalThis as any).leakMarker = 'leaked';\n",
    "env": "process.env.LEAK_MARKER = 'leaked';\n",
    "module": """\
const logsPath = require.resolve('aws-cdk-lib/aws-logs');
const realLogs = require(logsPath);
const days = { ...realLogs.RetentionDays, ONE_WEEK: 1 };
require.cache[logsPath] = {
  ...require.cache[logsPath],
  exports: { ...realLogs, RetentionDays: days },
} as any;
""",
}


def ts_clean() -> Project:
    """Return a TypeScript app whose template shows every kind of leak."""
    return project(
        "ts-clean",
        {
            "bin/app.ts": TS_CLEAN,
            "lib/marker.ts": "export const marker = 'clean';\n",
        },
    )


def ts_leaky(kind: str) -> Project:
    """Return a TypeScript app that changes shared state of one `kind`."""
    app = (
        "import * as cdk from 'aws-cdk-lib';\n"
        + TS_LEAKS[kind]
        + "const app = new cdk.App();\n"
        + "const stack = new cdk.Stack(app, 'Leaky');\n"
        + "new cdk.aws_logs.LogGroup(stack, 'Logs');\n"
        + "cdk.Tags.of(stack).add('Team', 'other');\n"
        + "new cdk.CfnOutput(stack, 'Kind', { value: '"
        + kind
        + "' });\n"
    )
    return project(
        f"ts-leaky-{kind}",
        {"bin/app.ts": app, "lib/marker.ts": "export const marker = 'leaked';\n"},
    )


PY_CLEAN = """\
import builtins
import os

import aws_cdk as cdk
from aws_cdk import aws_logs as logs

from lib.marker import MARKER

app = cdk.App()
stack = cdk.Stack(app, "Clean")
logs.LogGroup(stack, "Logs", retention=logs.RetentionDays.ONE_WEEK)
cdk.Tags.of(stack).add("Team", "payments")
cdk.CfnOutput(stack, "Global", value=str(getattr(builtins, "leak_marker", "none")))
cdk.CfnOutput(stack, "Env", value=os.environ.get("LEAK_MARKER", "none"))
cdk.CfnOutput(stack, "Module", value=MARKER)
app.synth()
"""

PY_LEAKS = {
    "class": """\
original = cdk.Tags.of


def leaky_of(scope):
    tags = original(scope)
    tags.add("Leaked", "yes")
    return tags


cdk.Tags.of = staticmethod(leaky_of)
""",
    "global": 'builtins.leak_marker = "leaked"\n',
    "env": 'os.environ["LEAK_MARKER"] = "leaked"\n',
    "module": 'sys.modules["lib.marker"] = types.SimpleNamespace(MARKER="leaked")\n',
}


def py_clean() -> Project:
    """Return a Python app whose template shows every kind of leak."""
    return project(
        "py-clean",
        {
            "app.py": PY_CLEAN,
            "lib/__init__.py": "",
            "lib/marker.py": 'MARKER = "clean"\n',
        },
    )


def py_leaky(kind: str) -> Project:
    """Return a Python app that changes shared state of one `kind`."""
    app = (
        "import builtins\nimport os\nimport sys\nimport types\n\n"
        "import aws_cdk as cdk\n\nfrom lib.marker import MARKER\n\n"
        + PY_LEAKS[kind]
        + "\napp = cdk.App()\n"
        + 'stack = cdk.Stack(app, "Leaky")\n'
        + 'cdk.aws_logs.LogGroup(stack, "Logs")\n'
        + 'cdk.Tags.of(stack).add("Team", "other")\n'
        + f'cdk.CfnOutput(stack, "Kind", value="{kind}" + MARKER)\n'
        + "app.synth()\n"
    )
    return project(
        f"py-leaky-{kind}",
        {
            "app.py": app,
            "lib/__init__.py": "",
            "lib/marker.py": 'MARKER = "leaked"\n',
        },
    )
