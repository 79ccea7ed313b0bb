"""The package's public surface: the names `harness` exports and what they are."""

from __future__ import annotations

import subprocess
import sys

import harness

EXPECTED = {
    "Evaluation",
    "EvalSettings",
    "SynthSettings",
    "evaluate",
    "evaluate_batch",
    "evaluate_path",
    "ingest",
    "ingest_text",
    "load_task",
    "make_reward_func",
    "reward",
    "synthesize",
}


def test_public_names_are_pinned():
    assert set(harness.__all__) == EXPECTED | {"__version__"}


def test_every_public_name_resolves():
    for name in EXPECTED:
        assert getattr(harness, name) is not None, name


def test_evaluate_is_a_function_after_submodule_imports():
    import harness.evaluation  # noqa: F401
    import harness.pipeline  # noqa: F401

    assert callable(harness.evaluate)
    assert harness.evaluate.__module__ == "harness.batch._single"


def test_import_stays_cheap():
    code = "import sys, harness; print('pandas' in sys.modules, 'aws_cdk' in sys.modules)"
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.split() == ["False", "False"]
