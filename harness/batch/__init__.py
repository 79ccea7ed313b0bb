"""Evaluate many responses: durable, resumable, isolated, with aggregates per model.

`evaluate_batch` runs a batch into a run directory, `evaluate` scores one
response from Python, and `pass_at_k` is the unbiased estimator the leaderboard
uses. Names are imported on first use, so that a worker process, which imports
only the worker modules, does not pay for pandas and the aggregates.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "EXECUTORS": "harness.batch._run",
    "BatchOptions": "harness.batch._run",
    "BatchInterrupted": "harness.batch._interrupt",
    "BatchResult": "harness.batch._run",
    "evaluate_batch": "harness.batch._run",
    "BatchProgress": "harness.batch._record",
    "Columns": "harness.batch._inputs",
    "InputFile": "harness.batch._inputs",
    "ResponseSpec": "harness.batch._inputs",
    "collect_responses": "harness.batch._inputs",
    "PoolLimits": "harness.batch._pool",
    "evaluate": "harness.batch._single",
    "ideal_evaluation": "harness.batch._single",
    "Evaluator": "harness.batch._worker",
    "leaderboard": "harness.batch._aggregate",
    "mean_interval": "harness.batch._aggregate",
    "pass_at_k": "harness.batch._aggregate",
}

__all__ = [
    "EXECUTORS",
    "BatchInterrupted",
    "BatchOptions",
    "BatchProgress",
    "BatchResult",
    "Columns",
    "Evaluator",
    "InputFile",
    "PoolLimits",
    "ResponseSpec",
    "collect_responses",
    "evaluate",
    "evaluate_batch",
    "ideal_evaluation",
    "leaderboard",
    "mean_interval",
    "pass_at_k",
]


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'harness.batch' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)


if TYPE_CHECKING:
    from harness.batch._aggregate import leaderboard, mean_interval, pass_at_k
    from harness.batch._inputs import (
        Columns,
        InputFile,
        ResponseSpec,
        collect_responses,
    )
    from harness.batch._interrupt import BatchInterrupted
    from harness.batch._pool import PoolLimits
    from harness.batch._record import BatchProgress
    from harness.batch._run import EXECUTORS, BatchOptions, BatchResult, evaluate_batch
    from harness.batch._single import evaluate, ideal_evaluation
    from harness.batch._worker import Evaluator
