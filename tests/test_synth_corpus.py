"""Every CDK response of the shared corpus synthesizes or fails with a pinned class."""

from __future__ import annotations

import pytest
from synth_support import CORPUS, require_toolchain

from harness.ingest import ingest
from harness.synth import SynthSettings, synthesize

pytestmark = pytest.mark.slow

# response -> (error class or None, stack count, error file or None)
EXPECTED = {
    "cdk-ts/Pr1012/MODEL_RESPONSE.md": (
        "app_exception",
        0,
        "lib/my-cicd-project-stack.ts",
    ),
    "cdk-ts/Pr1012/IDEAL_RESPONSE.md": (None, 1, None),
    "cdk-ts/Pr1019/MODEL_RESPONSE.md": ("app_exception", 0, "lib/tap-stack.ts"),
    "cdk-ts/Pr1019/IDEAL_RESPONSE.md": (None, 1, None),
    "cdk-py/Pr108/MODEL_RESPONSE.md": (
        "app_exception",
        0,
        "my_serverless_app/my_serverless_app_stack.py",
    ),
    "cdk-py/Pr108/IDEAL_RESPONSE.md": ("unparseable_response", 0, None),
    "cdk-py/Pr151/MODEL_RESPONSE.md": ("missing_module", 0, "app.py"),
    "cdk-py/Pr151/IDEAL_RESPONSE.md": ("no_entry_point", 0, None),
    "cdk-py/Pr179/MODEL_RESPONSE.md": (
        "missing_module",
        0,
        "proj_cdk/proj_cdk_stack.py",
    ),
    "cdk-py/Pr179/IDEAL_RESPONSE.md": ("unparseable_response", 0, None),
    "cdk-py/Pr187/MODEL_RESPONSE.md": ("unparseable_response", 0, None),
    "cdk-py/Pr187/IDEAL_RESPONSE.md": (None, 4, None),
}


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("synth-corpus-cache")


def _corpus_responses() -> list[str]:
    if not CORPUS.is_dir():
        return []
    found = []
    for language in ("cdk-ts", "cdk-py"):
        for path in sorted((CORPUS / language).glob("*/*_RESPONSE.md")):
            found.append(str(path.relative_to(CORPUS)))
    return found


def test_corpus_fully_pinned():
    if not CORPUS.is_dir():
        pytest.skip("the shared corpus is not present")
    assert sorted(_corpus_responses()) == sorted(EXPECTED)


@pytest.mark.parametrize("response", sorted(EXPECTED))
def test_corpus_outcome(response, cache_dir):
    path = CORPUS / response
    if not path.exists():
        pytest.skip("the shared corpus is not present")
    require_toolchain()
    result = synthesize(ingest(path), SynthSettings(cache_dir=cache_dir))
    error_class, stack_count, error_file = EXPECTED[response]
    actual_class = result.error.error_class.value if result.error else None
    assert actual_class == error_class, result.error
    assert len(result.stacks) == stack_count
    if result.error is not None:
        assert result.error.file == error_file
        assert result.error.message.strip()
        assert "iac-synth-" not in result.error.message
