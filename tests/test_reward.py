"""harness.reward on the real pipeline: scores in [0, 1], the trainer adapter."""

from __future__ import annotations

from pathlib import Path

import pytest
from batch_support import IDEAL_DIR, project_markdown

from harness.batch import ideal_evaluation
from harness.errors import ConfigError
from harness.pipeline import EvalSettings
from harness.reward import (
    RewardError,
    completion_text,
    make_reward_func,
    reward,
    reward_of,
)
from harness.taxonomy import load_task

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ideal_text() -> str:
    return project_markdown(IDEAL_DIR)


@pytest.fixture(scope="module")
def flawed_text(tmp_path_factory) -> str:
    from harness.tasks.pci_payment_vpc.variants import make_variant

    directory = tmp_path_factory.mktemp("variant") / "item-13"
    make_variant("13", IDEAL_DIR, directory)
    return project_markdown(directory)


def test_reward_of_ideal_is_one(ideal_text):
    assert reward(ideal_text) == 1.0


def test_reward_of_flawed_response(flawed_text):
    value = reward(flawed_text)
    assert 0.0 < value < 1.0


def test_reward_without_code_is_zero():
    assert reward("I cannot write this stack, sorry.") == 0.0


def test_reward_never_reads_a_path(tmp_path):
    local_file = Path("pyproject.toml")
    assert local_file.exists()
    assert reward(str(local_file)) == 0.0


def test_reward_func_accepts_chat_messages(ideal_text, flawed_text):
    reward_func = make_reward_func()
    completions = [
        [{"role": "assistant", "content": ideal_text}],
        [{"role": "assistant", "content": [{"type": "text", "text": flawed_text}]}],
        "plain text without a project",
    ]
    rewards = reward_func(
        completions, prompts=["p1", "p2", "p3"], extra_column=[1, 2, 3]
    )
    assert len(rewards) == 3
    assert rewards[0] == 1.0
    assert rewards[1] == reward(flawed_text)
    assert rewards[2] == 0.0
    assert reward_func.__name__ == "iac_harness_reward"


def test_ideal_evaluated_once():
    task = load_task("pci-payment-vpc")
    settings = EvalSettings()
    first = ideal_evaluation(None, task, settings)
    second = ideal_evaluation(None, task, settings)
    assert first is second
    assert first.outcome == "pass"


def test_reward_of_harness_error_policy():
    from batch_support import toy_project

    from harness.batch._inputs import ResponseSpec
    from harness.batch._worker import failed_evaluation
    from harness.errors import ErrorClass, ResponseError

    project = toy_project("broken", "text")
    spec = ResponseSpec("broken", "test", "markdown", project.content_hash(), project)
    error = ResponseError(ErrorClass.HARNESS_ERROR, "rules crashed")
    evaluation = failed_evaluation(spec, EvalSettings(), error)
    with pytest.raises(
        RewardError, match="failed to score response broken: rules crashed"
    ):
        reward_of(evaluation)
    assert reward_of(evaluation, "zero") == 0.0
    assert reward_of(evaluation, "none") is None


def test_completion_text_shapes():
    assert completion_text("abc") == "abc"
    assert completion_text({"role": "assistant", "content": "x"}) == "x"
    messages = [
        {"role": "user", "content": "question"},
        {"role": "assistant", "content": "first"},
        {
            "role": "assistant",
            "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}],
        },
    ]
    assert completion_text(messages) == "ab"
    with pytest.raises(ConfigError, match="invalid completion of type int"):
        completion_text(42)
