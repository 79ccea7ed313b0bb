"""iac-harness: scores infrastructure-as-code written by language models.

The public Python API:

- `evaluate(response, ideal=..., task=..., settings=...)` scores one response
  (a project directory, a markdown file, or markdown text) and returns its
  `Evaluation` document.
- `evaluate_batch(inputs, run_dir=..., ideal=...)` scores many responses into
  a run directory, with resume and aggregates.
- `reward(text, ...)` returns a response's score / 100 as a float, for RL
  training loops; `make_reward_func(...)` adapts it to a trainer's
  `reward_funcs` signature.
- `ingest`, `synthesize`, `load_task`, `EvalSettings` and `Evaluation` give
  the single stages.

Names are imported on first use, so `import harness` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "evaluate": "harness.batch",
    "evaluate_batch": "harness.batch",
    "reward": "harness.reward",
    "make_reward_func": "harness.reward",
    "ingest": "harness.ingest",
    "ingest_text": "harness.ingest",
    "synthesize": "harness.synth",
    "SynthSettings": "harness.synth",
    "load_task": "harness.taxonomy",
    "EvalSettings": "harness.pipeline",
    "evaluate_path": "harness.pipeline",
    "Evaluation": "harness.evaluation",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'harness' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
