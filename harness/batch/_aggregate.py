"""Batch aggregates: findings and scores tables, the per-model leaderboard, summary.

Every table is built from Evaluation documents through `harness.results`, so a
batch row cannot disagree with a single evaluation. Rows are sorted and
columns fixed so that two runs over the same responses give equal files.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from harness.evaluation import Evaluation
from harness.results import findings_frame, scores_frame, write_atomic
from harness.taxonomy import Task

UNKNOWN_MODEL = "unknown"
PASS_AT_K = (1, 5, 10)
CONFIDENCE = 0.95
SCORE_RANGE = (0.0, 100.0)


def collect_frames(
    evaluations: Iterable[Evaluation], task: Task
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the findings and scores tables of `evaluations`, one at a time in memory."""
    findings_parts = []
    score_parts = []
    for evaluation in evaluations:
        findings_parts.append(findings_frame([evaluation], task))
        scores = scores_frame([evaluation])
        scores["content_hash"] = evaluation.response.content_hash
        score_parts.append(scores)
    findings = _concat_sorted(findings_parts, findings_frame([], task))
    scores = _concat_sorted(score_parts, _empty_scores())
    return findings, scores


def _empty_scores() -> pd.DataFrame:
    frame = scores_frame([])
    frame["content_hash"] = pd.Series(dtype="object")
    return frame


def _concat_sorted(parts: list[pd.DataFrame], empty: pd.DataFrame) -> pd.DataFrame:
    parts = [part for part in parts if not part.empty]
    if not parts:
        return empty
    frame = pd.concat(parts, ignore_index=True)[list(empty.columns)]
    if "item" in frame.columns:
        frame["_order"] = pd.to_numeric(frame["item"], errors="coerce")
        frame = frame.sort_values(["response_id", "_order", "item"], kind="stable")
        frame = frame.drop(columns="_order")
    else:
        frame = frame.sort_values("response_id", kind="stable")
    return frame.reset_index(drop=True)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Return the unbiased pass@k estimate 1 - C(n-c, k) / C(n, k) for n samples, c passing.

    The estimator is from Chen et al. 2021, "Evaluating Large Language Models
    Trained on Code"; it requires k <= n.
    """
    if not 0 <= c <= n:
        raise ValueError(f"passing samples c={c} must be between 0 and n={n}")
    if k > n or k < 1:
        raise ValueError(f"k={k} must be between 1 and the number of samples n={n}")
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def mean_interval(
    values: pd.Series, bounds: tuple[float, float] | None = None
) -> tuple[float, float, float]:
    """Return the mean and its two-sided 95% Student t confidence interval.

    With `bounds`, the interval is clipped to the range the values can take.
    """
    from scipy import stats

    values = values.dropna().astype(float)
    n = len(values)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(values.mean())
    if n == 1:
        return mean, math.nan, math.nan
    half = float(
        stats.t.ppf((1 + CONFIDENCE) / 2, n - 1) * values.std(ddof=1) / math.sqrt(n)
    )
    low, high = mean - half, mean + half
    if bounds is not None:
        low, high = max(low, bounds[0]), min(high, bounds[1])
    return mean, low, high


def leaderboard(
    scores: pd.DataFrame, findings: pd.DataFrame, task: Task
) -> pd.DataFrame:
    """Return one row per model: score mean with 95% CI, pass rates, pass@k, item failure rates.

    Harness errors are left out of every rate because they are not the model's
    failures. A response that produced no templates counts with score 0.
    """
    scores = scores.assign(model=scores["model"].fillna(UNKNOWN_MODEL))
    findings = findings.assign(model=findings["model"].fillna(UNKNOWN_MODEL))
    rows = [
        _model_row(model, group, findings[findings["model"] == model], task)
        for model, group in scores.groupby("model", sort=True)
    ]
    columns = _leaderboard_columns(task)
    return pd.DataFrame(rows, columns=columns).reset_index(drop=True)


def _leaderboard_columns(task: Task) -> list[str]:
    return [
        "model",
        "responses",
        "scored",
        "harness_errors",
        "mean_score",
        "ci95_low",
        "ci95_high",
        "pass_rate",
        "model_error_rate",
        "prompts",
        *[f"pass@{k}" for k in PASS_AT_K],
        *[f"fail_rate_{item.id}_{item.slug}" for item in task.items],
    ]


def _model_row(
    model: str, scores: pd.DataFrame, findings: pd.DataFrame, task: Task
) -> dict:
    scored = scores[scores["outcome"] != "harness_error"]
    values = (
        scored["score"].astype(float).where(scored["outcome"] != "model_error", 0.0)
    )
    mean, low, high = mean_interval(values.fillna(0.0), bounds=SCORE_RANGE)
    row = {
        "model": model,
        "responses": len(scores),
        "scored": len(scored),
        "harness_errors": int((scores["outcome"] == "harness_error").sum()),
        "mean_score": _round(mean),
        "ci95_low": _round(low),
        "ci95_high": _round(high),
        "pass_rate": _rate((scored["outcome"] == "pass").sum(), len(scored)),
        "model_error_rate": _rate(
            (scored["outcome"] == "model_error").sum(), len(scored)
        ),
    }
    row.update(_pass_at_k_columns(scored))
    row.update(_item_fail_rates(findings, task))
    return row


def _pass_at_k_columns(scored: pd.DataFrame) -> dict:
    """Average pass@k over the prompts that have at least k samples."""
    with_prompt = scored[scored["prompt_id"].notna()]
    groups = [
        (len(group), int((group["outcome"] == "pass").sum()))
        for _, group in with_prompt.groupby("prompt_id", sort=True)
    ]
    columns: dict = {"prompts": len(groups)}
    for k in PASS_AT_K:
        estimates = [pass_at_k(n, c, k) for n, c in groups if n >= k]
        columns[f"pass@{k}"] = (
            _round(sum(estimates) / len(estimates)) if estimates else math.nan
        )
    return columns


def _item_fail_rates(findings: pd.DataFrame, task: Task) -> dict:
    """Share of decided findings (pass or fail) that failed, per item."""
    rates = {}
    for item in task.items:
        rows = findings[
            (findings["item"] == item.id) & findings["status"].isin(["pass", "fail"])
        ]
        failed = (rows["status"] == "fail").sum()
        rates[f"fail_rate_{item.id}_{item.slug}"] = _rate(failed, len(rows))
    return rates


def _rate(count: int, total: int) -> float:
    return _round(count / total) if total else math.nan


def _round(value: float) -> float:
    return value if math.isnan(value) else round(value, 4)


def write_frame(
    frame: pd.DataFrame, directory: Path, name: str, parquet: bool = True
) -> list[Path]:
    """Write `frame` as `<name>.csv` (atomically) and, when asked, `<name>.parquet`."""
    csv_path = directory / f"{name}.csv"
    write_atomic(csv_path, frame.to_csv(index=False))
    written = [csv_path]
    if parquet:
        parquet_path = directory / f"{name}.parquet"
        temporary = directory / f".{name}.parquet.tmp"
        frame.to_parquet(temporary, index=False)
        temporary.replace(parquet_path)
        written.append(parquet_path)
    return written
