"""Evaluate many responses: durable, resumable, isolated, with aggregates per model.

`evaluate_batch` runs a batch into a run directory; `evaluate` scores one
response from Python; `pass_at_k` is the unbiased estimator the leaderboard uses.
"""

from harness.batch._aggregate import leaderboard, mean_interval, pass_at_k
from harness.batch._inputs import Columns, InputFile, ResponseSpec, collect_responses
from harness.batch._pool import PoolLimits
from harness.batch._run import (
    EXECUTORS,
    BatchOptions,
    BatchProgress,
    BatchResult,
    evaluate_batch,
)
from harness.batch._single import evaluate, ideal_evaluation
from harness.batch._worker import Evaluator

__all__ = [
    "EXECUTORS",
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
