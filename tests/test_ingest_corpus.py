"""Real dataset responses: pin the files extracted from each one.

The corpus sits next to the repository and is absent from a user's clone, so
these tests skip without it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest_support import assert_origins_exact

from harness.ingest import ingest

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"

EXPECTED_FILES = {
    "cdk-py/Pr108/MODEL_RESPONSE.md": [
        ".gitignore",
        "README.md",
        "app.py",
        "cdk.json",
        "my_serverless_app/lambda/backend_handler.py",
        "my_serverless_app/lambda/test_backend_handler.py",
        "my_serverless_app/my_serverless_app_stack.py",
        "requirements.txt",
    ],
    # The document lost its fences and its indentation: nothing to extract.
    "cdk-py/Pr108/IDEAL_RESPONSE.md": [],
    # The whole document is one Python module with a stack and an app.
    "cdk-py/Pr151/MODEL_RESPONSE.md": ["app.py"],
    "cdk-py/Pr151/IDEAL_RESPONSE.md": ["tap_stack.py"],
    "cdk-py/Pr179/MODEL_RESPONSE.md": [
        "README.md",
        "app.py",
        "lambda/handler.py",
        "proj_cdk/__init__.py",
        "proj_cdk/proj_cdk_stack.py",
        "requirements.txt",
    ],
    "cdk-py/Pr179/IDEAL_RESPONSE.md": [],
    # Code pasted as prose without fences, mixed with instructions.
    "cdk-py/Pr187/MODEL_RESPONSE.md": [],
    "cdk-py/Pr187/IDEAL_RESPONSE.md": [
        "lib/lambda/index.py",
        "lib/metadata_stack.py",
        "lib/tap_stack.py",
        "tap.py",
    ],
    "cdk-ts/Pr1012/MODEL_RESPONSE.md": [
        "bin/my-cicd-project.ts",
        "cdk.json",
        "lib/my-cicd-project-stack.ts",
        "package.json",
        "tsconfig.json",
    ],
    "cdk-ts/Pr1012/IDEAL_RESPONSE.md": ["bin/tap.ts", "lib/tap-stack.ts"],
    "cdk-ts/Pr1019/MODEL_RESPONSE.md": ["bin/tap.ts", "cdk.json", "lib/tap-stack.ts"],
    "cdk-ts/Pr1019/IDEAL_RESPONSE.md": ["bin/tap.ts", "lib/tap-stack.ts"],
    "cfn-yaml/Pr110/MODEL_RESPONSE.md": ["template.yaml"],
    "cfn-yaml/Pr110/IDEAL_RESPONSE.md": ["template.yaml"],
}


def corpus_responses() -> list[str]:
    if not CORPUS.is_dir():
        return []
    return sorted(
        path.relative_to(CORPUS).as_posix()
        for pattern in ("*/*/MODEL_RESPONSE.md", "*/*/IDEAL_RESPONSE.md")
        for path in CORPUS.glob(pattern)
    )


@pytest.fixture(scope="module")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("the shared corpus of dataset responses is not present")
    return CORPUS


def test_every_corpus_response_is_pinned(corpus: Path):
    assert corpus_responses() == sorted(EXPECTED_FILES)


@pytest.mark.parametrize("relative", sorted(EXPECTED_FILES))
def test_corpus_files(corpus: Path, relative: str):
    project = ingest(corpus / relative)
    assert sorted(project.files) == EXPECTED_FILES[relative]
    if not project.files:
        assert project.warnings, "an empty project must say why"
    assert_origins_exact(project)


def test_corpus_readme_keeps_inner_fences(corpus: Path):
    project = ingest(corpus / "cdk-py/Pr108/MODEL_RESPONSE.md")
    readme = project.files["README.md"].text
    assert readme.count("```bash") == 4
    assert readme.count("```") == 8


def test_corpus_marker_above_shebang(corpus: Path):
    project = ingest(corpus / "cdk-ts/Pr1012/IDEAL_RESPONSE.md")
    app = project.files["bin/tap.ts"]
    assert app.text.startswith("#!/usr/bin/env node\n")
    assert "// bin/tap.ts" not in app.text


def test_corpus_yaml_fixes_skipped(corpus: Path):
    project = ingest(corpus / "cfn-yaml/Pr110/MODEL_RESPONSE.md")
    fragments = [block for block in project.skipped if "YAML fragment" in block.reason]
    assert len(fragments) == 6
