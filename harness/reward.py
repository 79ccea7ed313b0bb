"""Reward functions for reinforcement learning: a response's score as a number in [0, 1].

`reward` scores one markdown response. `make_reward_func` builds a function
of the shape `reward_func(completions, **kwargs) -> list[float]`, which is how
trainers such as TRL's GRPOTrainer call their reward functions. The ideal's
evaluation is computed once per process and reused by every call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from harness.batch._single import evaluate
from harness.errors import ConfigError, HarnessError
from harness.evaluation import Evaluation

if TYPE_CHECKING:
    from harness.pipeline import EvalSettings
    from harness.taxonomy import Task

logger = logging.getLogger(__name__)

OnHarnessError = Literal["raise", "zero", "none"]


class RewardError(HarnessError):
    """The harness could not score a completion, so it has no reward."""


def reward(
    text: str,
    *,
    task: str | Task | None = None,
    ideal: Evaluation | Path | str | None = None,
    settings: EvalSettings | None = None,
    on_harness_error: OnHarnessError = "raise",
) -> float | None:
    """Return the score of markdown response `text` divided by 100.

    A response that produces no templates gets 0.0. When the harness itself
    fails, `on_harness_error` decides: raise RewardError, return 0.0, or
    return None for a trainer that accepts a missing reward.
    `ideal` None uses the task's bundled ideal.
    """
    from harness.ingest import ingest_text

    # The text is never read as a path, so a completion cannot name a local file.
    project = ingest_text(text, "completion")
    evaluation = evaluate(
        project, ideal=ideal, task=task, settings=settings, response_id="completion"
    )
    return reward_of(evaluation, on_harness_error)


def reward_of(
    evaluation: Evaluation, on_harness_error: OnHarnessError = "raise"
) -> float | None:
    """Return the reward of an Evaluation: score / 100, 0.0 for a model error."""
    if evaluation.outcome == "harness_error":
        error = evaluation.synth.error
        message = (
            f"the harness failed to score response {evaluation.response.id}: "
            f"{error.message if error else 'a rule ended in error'}"
        )
        if on_harness_error == "raise":
            raise RewardError(message)
        logger.warning("%s; returning %s as its reward", message, on_harness_error)
        return 0.0 if on_harness_error == "zero" else None
    if evaluation.outcome == "model_error":
        return 0.0
    score = evaluation.score.get("score")
    if score is None:
        raise RewardError(
            f"the evaluation of response {evaluation.response.id} has no score"
        )
    return min(1.0, max(0.0, float(score) / 100.0))


def completion_text(completion: Any) -> str:
    """Return the text of one completion: a string, a chat message, or a message list.

    For a message list the last assistant message is used; message content may
    be a string or a list of parts with `{"type": "text", "text": ...}`.
    """
    if isinstance(completion, str):
        return completion
    if isinstance(completion, dict):
        return _content_text(completion.get("content"))
    if isinstance(completion, Sequence):
        messages = [m for m in completion if isinstance(m, dict)]
        assistant = [m for m in messages if m.get("role", "assistant") == "assistant"]
        if assistant:
            return _content_text(assistant[-1].get("content"))
    raise ConfigError(
        f"invalid completion of type {type(completion).__name__}: expected a string, "
        "a chat message dict, or a list of chat messages"
    )


def _content_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part.get("text", "")
            for part in content
            if isinstance(part, dict) and part.get("type", "text") == "text"
        )
    raise ConfigError(
        f"invalid message content of type {type(content).__name__}: expected a "
        "string or a list of text parts"
    )


def make_reward_func(
    *,
    task: str | Task | None = None,
    ideal: Evaluation | Path | str | None = None,
    settings: EvalSettings | None = None,
    on_harness_error: OnHarnessError = "raise",
    name: str = "iac_harness_reward",
) -> Callable[..., list[float | None]]:
    """Return `reward_func(completions, **kwargs) -> list[float]` for a trainer.

    Extra keyword arguments (prompts, dataset columns) are accepted and ignored.
    Completions are scored one after another in this process.
    """

    def reward_func(completions: Sequence[Any], **kwargs: Any) -> list[float | None]:
        return [
            reward(
                completion_text(completion),
                task=task,
                ideal=ideal,
                settings=settings,
                on_harness_error=on_harness_error,
            )
            for completion in completions
        ]

    reward_func.__name__ = name
    reward_func.__qualname__ = name
    return reward_func


reward_func = make_reward_func()
