"""Markdown layouts that ingest must turn into the right files, line for line."""

from __future__ import annotations

import pytest
from ingest_support import FIXTURES, assert_origins_exact

from harness._project import Project
from harness.ingest import ingest, ingest_text


def load(name: str) -> Project:
    return ingest(FIXTURES / name)


def test_file_headings():
    project = load("file_headings.md")
    assert sorted(project.files) == ["bin/tap.ts", "cdk.json", "lib/tap-stack.ts"]
    assert project.files["lib/tap-stack.ts"].origin_lines[0] == 8
    assert project.files["bin/tap.ts"].text.startswith("#!/usr/bin/env node\n")
    assert project.files["cdk.json"].language == "json"
    assert project.warnings == []
    assert_origins_exact(project)


def test_hash_and_backtick_headings():
    project = load("hash_headings.md")
    assert sorted(project.files) == [
        "bin/app.ts",
        "lib/network-stack.ts",
        "test/network-stack.test.ts",
    ]
    assert project.files["bin/app.ts"].origin_lines[0] == 15
    assert_origins_exact(project)


def test_bold_names():
    project = load("bold_names.md")
    assert sorted(project.files) == [
        "bin/main.ts",
        "lib/storage-stack.ts",
        "package.json",
    ]
    assert_origins_exact(project)


def test_numbered_python_headings():
    project = load("numbered_headings.md")
    assert sorted(project.files) == [
        "app.py",
        "lib/tap_stack.py",
        "lib/vpc_config.py",
        "tests/unit/test_tap_stack.py",
    ]
    assert "lib/__init__.py" not in project.files
    assert all(source.language == "python" for source in project.files.values())
    assert project.warnings == []
    assert_origins_exact(project)


def test_path_comments():
    project = load("path_comments.md")
    assert sorted(project.files) == [
        "README.md",
        "app.py",
        "bin/queue.ts",
        "lib/constants.ts",
        "lib/naming.py",
        "lib/queue-stack.ts",
    ]
    assert_origins_exact(project)


def test_path_comment_removed_keeps_shebang():
    project = load("path_comments.md")
    app = project.files["bin/queue.ts"]
    assert app.text.splitlines()[0] == "#!/usr/bin/env node"
    assert "bin/queue.ts" not in app.text
    python_app = project.files["app.py"]
    assert python_app.text.splitlines()[0] == "#!/usr/bin/env python3"
    assert python_app.origin_lines == (21, 23)


def test_path_comment_with_description_kept():
    project = load("path_comments.md")
    naming = project.files["lib/naming.py"]
    assert naming.text.splitlines()[0] == "# lib/naming.py - builds resource names"
    assert naming.origin_lines[0] == 29


def test_html_path_comment_in_markdown():
    readme = load("path_comments.md").files["README.md"]
    assert readme.text.splitlines()[0] == "# Queue service"
    assert readme.language == "markdown"


def test_windows_line_endings():
    project = load("crlf.md")
    assert project.files["lib/crlf.py"].text == "VALUE = 1\n"
    assert project.files["lib/crlf.py"].origin_lines == (5,)


def test_readme_with_inner_fences():
    project = load("readme_nested.md")
    assert sorted(project.files) == [
        "README.md",
        "docs/FOUR.md",
        "docs/tilde.md",
        "lib/after.ts",
    ]
    readme = project.files["README.md"].text
    assert "```bash\nnpm ci\n```" in readme
    assert "├── app.ts" in readme
    assert readme.rstrip().endswith("npx cdk deploy\n```".rstrip())
    assert project.files["README.md"].origin_lines == tuple(range(3, 23))
    assert project.files["lib/after.ts"].text == "export const after = true;\n"
    assert_origins_exact(project)


def test_four_backtick_and_tilde_fences():
    project = load("readme_nested.md")
    assert project.files["docs/FOUR.md"].text.count("```") == 2
    assert "```sh\necho hi\n```" in project.files["docs/tilde.md"].text


def test_list_indented_blocks():
    project = load("list_indented.md")
    assert sorted(project.files) == ["bin/bucket.ts", "lib/bucket-stack.ts"]
    stack = project.files["lib/bucket-stack.ts"].text.splitlines()
    assert stack[0] == "import { Stack } from 'aws-cdk-lib';"
    assert stack[3] == "  readonly name = 'bucket';"
    assert project.files["bin/bucket.ts"].text == "import { App } from 'aws-cdk-lib';\n"
    assert [block.markdown_line for block in project.skipped] == [14]
    assert_origins_exact(project)


def test_unnamed_typescript_roles():
    project = load("unnamed_typescript.md")
    assert sorted(project.files) == [
        "bin/tap.ts",
        "cdk.json",
        "lib/TapStack.ts",
        "lib/monitoring-dashboard-stack.ts",
        "package.json",
        "tsconfig.json",
    ]
    assert len(project.warnings) == 6
    assert any("lib/TapStack.ts" in warning for warning in project.warnings)
    assert_origins_exact(project)


def test_unnamed_typescript_app_default():
    markdown = "```ts\nimport * as cdk from 'aws-cdk-lib';\nnew cdk.App();\n```\n"
    assert list(ingest_text(markdown, "app").files) == ["bin/app.ts"]


def test_unnamed_typescript_stack_kebab_case():
    markdown = "```ts\nexport class PaymentVpcStack extends cdk.Stack {}\n```\n"
    assert list(ingest_text(markdown, "stack").files) == ["lib/payment-vpc-stack.ts"]


def test_unnamed_python_roles():
    project = load("unnamed_python.md")
    assert sorted(project.files) == [
        "app.py",
        "infra/payment_vpc.py",
        "lambda/index.py",
        "lib/audit_trail_stack.py",
        "requirements.txt",
        "tests/unit/test_payment_vpc.py",
    ]
    assert len(project.warnings) == 6
    assert_origins_exact(project)


def test_python_app_named_by_cdk_json():
    markdown = (
        '```json\n{"app": "python3 tap.py"}\n```\n\n'
        "```python\nimport aws_cdk as cdk\napp = cdk.App()\napp.synth()\n```\n"
    )
    assert sorted(ingest_text(markdown, "tap").files) == ["cdk.json", "tap.py"]


def test_lambda_handler_follows_asset_path():
    markdown = (
        "### lib/api_stack.py\n```python\n"
        'fn = _lambda.Function(self, "Fn", handler="app.main",\n'
        '    code=_lambda.Code.from_asset("lib/functions"))\n```\n\n'
        "```python\ndef main(event, context):\n    return {}\n```\n"
        "```python\ndef handler(event, context):\n    return {}\n```\n"
    )
    project = ingest_text(markdown, "handler")
    assert "lib/functions/app.py" in project.files


def test_trees_shell_and_output_skipped():
    project = load("not_files.md")
    assert project.files == {}
    reasons = [(block.markdown_line, block.reason) for block in project.skipped]
    assert reasons == [
        (3, "a directory tree, not a file"),
        (14, "shell commands, not a file"),
        (19, "shell commands, not a file"),
        (23, "shell commands, not a file"),
        (30, "sample output or prose, not a file"),
        (34, "sample output or prose, not a file"),
        (38, "no file name, and the content matches no known project file"),
    ]
    assert project.skipped[0].preview == "tap/"
    assert any("none of the 7 code blocks" in warning for warning in project.warnings)


def test_later_block_replaces_earlier():
    project = load("duplicates.md")
    stack = project.files["lib/tap-stack.ts"]
    assert "second = 2" in stack.text
    assert stack.origin_lines == (12, 13, 14)
    assert any("appears again" in warning for warning in project.warnings)


def test_fragment_does_not_replace_full_file():
    project = load("duplicates.md")
    assert "third" not in project.files["lib/tap-stack.ts"].text
    skipped = {block.markdown_line: block.reason for block in project.skipped}
    assert skipped[20] == "partial repeat of lib/tap-stack.ts"
    assert 26 in skipped
    assert any("partial block for lib/tap-stack.ts" in w for w in project.warnings)


def test_only_fragment_is_kept_with_warning():
    project = load("duplicates.md")
    assert "lib/partial-only.ts" in project.files
    assert any("lib/partial-only.ts looks partial" in w for w in project.warnings)


def test_cloudformation_yaml_blocks():
    project = load("cfn_template.md")
    assert sorted(project.files) == ["template.yaml", "templates/network.yml"]
    assert project.files["template.yaml"].origin_lines[0] == 4
    assert [block.markdown_line for block in project.skipped] == [14]
    assert_origins_exact(project)


def test_document_without_blocks():
    project = load("no_blocks.md")
    assert project.files == {}
    assert project.kind == "markdown"
    assert project.warnings == [
        "the document has no fenced code blocks, so the response has no files"
    ]


def test_empty_text():
    project = ingest_text("", "empty")
    assert project.files == {}
    assert len(project.warnings) == 1


def test_unfenced_python_document():
    text = (
        "from aws_cdk import App, Stack\n\n\nclass S(Stack):\n    pass\n\n\n"
        "app = App()\nS(app, 'S')\napp.synth()\n"
    )
    project = ingest_text(text, "bare")
    assert list(project.files) == ["app.py"]
    assert project.files["app.py"].origin_lines == tuple(range(1, 11))


def test_unclosed_block_warns():
    project = ingest_text("### lib/x.ts\n```ts\nexport const x = 1;\n", "open")
    assert project.files["lib/x.ts"].text == "export const x = 1;\n"
    assert any("never closed" in warning for warning in project.warnings)


@pytest.mark.parametrize(
    ("info", "path"),
    [
        ('ts title="lib/a.ts"', "lib/a.ts"),
        ("typescript:lib/b.ts", "lib/b.ts"),
        ("lib/c.ts", "lib/c.ts"),
        ("python filename=app.py", "app.py"),
    ],
)
def test_path_in_info_string(info: str, path: str):
    project = ingest_text(f"```{info}\nx = 1\n```\n", "info")
    assert list(project.files) == [path]


def test_heading_language_conflict_ignored():
    markdown = "### lib/tap_stack.py\n\nRun it:\n\n```bash\nnpx cdk deploy\n```\n"
    project = ingest_text(markdown, "conflict")
    assert project.files == {}
    assert project.skipped[0].reason == "shell commands, not a file"


def test_prose_colon_names_block():
    markdown = "Save this as `lib/util.ts`:\n```ts\nexport const a = 1;\n```\n"
    assert list(ingest_text(markdown, "prose").files) == ["lib/util.ts"]


def test_heading_without_path_keeps_block_unnamed():
    markdown = "## Main Stack Implementation\n\n```ts\nconst a = 1;\n```\n"
    project = ingest_text(markdown, "plain")
    assert project.files == {}


def test_node_js_in_heading_is_not_a_path():
    markdown = "### Node.js application\n```js\nconsole.log(1);\n```\n"
    assert ingest_text(markdown, "node").files == {}


def test_markdown_block_wrapping_files():
    project = load("wrapped.md")
    assert sorted(project.files) == ["README.md", "bin/tap.ts", "lib/tap-stack.ts"]
    assert project.files["lib/tap-stack.ts"].origin_lines == (9,)
    assert project.files["README.md"].text.count("```") == 2
    assert any("wraps the response's files" in w for w in project.warnings)
    assert_origins_exact(project)


def test_plain_readme_block_not_unwrapped():
    markdown = "```markdown\n# Tap\n\n```bash\nnpm test\n```\n```\n"
    project = ingest_text(markdown, "readme")
    assert list(project.files) == ["README.md"]


def test_diff_block_is_not_a_file():
    markdown = (
        "### lib/x.ts\n```ts\nexport const a = 1;\n```\n\n"
        "### lib/x.ts\n```diff\n-export const a = 1;\n+export const a = 2;\n```\n"
    )
    project = ingest_text(markdown, "diff")
    assert project.files["lib/x.ts"].text == "export const a = 1;\n"
    assert project.skipped[0].reason == "a diff, not a file"
    assert any("diff for lib/x.ts" in warning for warning in project.warnings)


def test_unnamed_javascript_app_and_stack():
    markdown = (
        "```javascript\nconst cdk = require('aws-cdk-lib');\nnew cdk.App();\n```\n"
        "```js\nclass QueueStack extends cdk.Stack {}\n```\n"
    )
    project = ingest_text(markdown, "js")
    assert sorted(project.files) == ["bin/app.js", "lib/queue-stack.js"]


@pytest.mark.parametrize(
    ("heading", "path"),
    [
        ("## tap-stack.ts (main stack)", "tap-stack.ts"),
        ("## tap_stack.py - the stack", "tap_stack.py"),
        ("### File: `lib/x.ts`", "lib/x.ts"),
        ("### Step 2: create `lib/x.ts`", "lib/x.ts"),
        ("## lib/x.ts (Main Stack)", "lib/x.ts"),
    ],
)
def test_heading_forms(heading: str, path: str):
    project = ingest_text(f"{heading}\n\n```\nx = 1\n```\n", "heading")
    assert list(project.files) == [path]


def test_path_after_language_in_info():
    project = ingest_text("```typescript lib/tap.ts\nexport {};\n```\n", "info")
    assert list(project.files) == ["lib/tap.ts"]
    assert project.files["lib/tap.ts"].language == "typescript"


def test_excerpt_heading_does_not_replace_file():
    markdown = (
        "### lib/x.ts\n```ts\nexport const a = 1;\nexport const b = 2;\n```\n"
        "### lib/x.ts (excerpt)\n```ts\nexport const b = 3;\n```\n"
    )
    project = ingest_text(markdown, "excerpt")
    assert "b = 2" in project.files["lib/x.ts"].text
    assert project.skipped[0].reason == "partial repeat of lib/x.ts"


def test_language_from_extension_when_info_is_text():
    project = ingest_text("### cdk.json\n```text\n{}\n```\n", "text")
    assert project.files["cdk.json"].language == "json"


def test_template_in_cdk_response_is_output():
    markdown = (
        "### lib/x.ts\n```ts\nimport * as cdk from 'aws-cdk-lib';\n```\n"
        "Synthesized:\n```yaml\nResources:\n  Vpc:\n    Type: AWS::EC2::VPC\n```\n"
    )
    project = ingest_text(markdown, "synth-output")
    assert list(project.files) == ["lib/x.ts"]
    assert project.skipped[0].reason.endswith("read as synth output")


def test_stack_named_by_import_in_other_stack():
    markdown = (
        "### lib/tap_stack.py\n```python\nfrom .metadata_stack import MetaStack\n```\n"
        "```python\nfrom aws_cdk import Stack\n\n\nclass MetaStack(Stack):\n    pass\n```\n"
    )
    project = ingest_text(markdown, "relative")
    assert sorted(project.files) == ["lib/metadata_stack.py", "lib/tap_stack.py"]


def test_stack_named_by_root_app_import():
    markdown = (
        "### main.ts\n```ts\nimport { Api } from './infra/api';\nnew cdk.App();\n```\n"
        "```ts\nexport class Api extends cdk.Stack {}\n```\n"
    )
    project = ingest_text(markdown, "root-app")
    assert sorted(project.files) == ["infra/api.ts", "main.ts"]


def test_unclosed_block_ends_at_next_heading():
    project = load("unclosed.md")
    assert sorted(project.files) == ["bin/queue.ts", "lib/queue-stack.ts"]
    stack = project.files["lib/queue-stack.ts"]
    assert stack.text == "export class QueueStack extends cdk.Stack {}\n"
    assert project.files["bin/queue.ts"].origin_lines == (9,)
    assert any("not closed before the file heading" in w for w in project.warnings)
    assert_origins_exact(project)


def test_fence_in_code_without_heading_is_content():
    markdown = "### lib/doc.py\n```python\nTEXT = '''\n```python\nx = 1\n```\n"
    project = ingest_text(markdown, "python-string")
    assert project.files["lib/doc.py"].text == "TEXT = '''\n```python\nx = 1\n"
    assert all("not closed before" not in w for w in project.warnings)


@pytest.mark.parametrize(
    "title",
    [
        "<details><summary>lib/x.ts</summary>",
        "<summary>`lib/x.ts`</summary>",
        "<b>lib/x.ts</b>",
        "### 📄 lib/x.ts",
        "### 📁 `lib/x.ts`",
    ],
)
def test_html_and_emoji_titles(title: str):
    project = ingest_text(f"{title}\n\n```ts\nexport {{}};\n```\n", "titled")
    assert list(project.files) == ["lib/x.ts"]


def test_setext_heading_names_block():
    markdown = "lib/x.ts\n--------\n\n```ts\nexport {};\n```\n"
    assert list(ingest_text(markdown, "setext").files) == ["lib/x.ts"]


def test_byte_order_mark_before_first_fence():
    markdown = "\ufeff```ts\n// lib/x.ts\nexport {};\n```\n"
    project = ingest_text(markdown, "bom")
    assert list(project.files) == ["lib/x.ts"]
    assert project.files["lib/x.ts"].origin_lines == (3,)


def test_unnamed_jest_test_with_app():
    markdown = (
        "```ts\nimport * as cdk from 'aws-cdk-lib';\n"
        "import { TapStack } from '../lib/tap-stack';\n\n"
        "test('has a VPC', () => {\n  const app = new cdk.App();\n"
        "  expect(new TapStack(app, 'T')).toBeDefined();\n});\n```\n"
    )
    assert list(ingest_text(markdown, "jest").files) == ["test/tap-stack.test.ts"]


@pytest.mark.parametrize(
    "readme",
    [
        "# X\n\n## Structure\n\n```\nbin/\nlib/\n```\n\n## Deploy\n```bash\ncdk deploy\n```",
        "## Usage\n```\nnpm test\n```",
        "## Test\nRun:\n```\nnpm test\n```\nDone.",
    ],
)
def test_readme_inner_bare_blocks(readme: str):
    markdown = (
        f"### README.md\n```markdown\n{readme}\n```\n\n### lib/x.ts\n```ts\nx;\n```\n"
    )
    project = ingest_text(markdown, "readme")
    assert sorted(project.files) == ["README.md", "lib/x.ts"]
    assert project.files["README.md"].text == readme + "\n"
    assert project.files["lib/x.ts"].text == "x;\n"


def test_readme_closed_before_prose_and_tree():
    markdown = (
        "### README.md\n```markdown\n# X\n```\n"
        "This completes the setup for the project.\n\n```\nsrc/\n├── a\n└── b\n```\n"
    )
    project = ingest_text(markdown, "readme-then-tree")
    assert project.files["README.md"].text == "# X\n"
    assert project.skipped[0].reason == "a directory tree, not a file"


@pytest.mark.parametrize(
    ("heading", "info", "expected"),
    [
        ("## File: Makefile", "makefile", "Makefile"),
        ("## File: build/Makefile", "Makefile", "build/Makefile"),
        ("### `docker/Dockerfile`", "Dockerfile", "docker/Dockerfile"),
        ("**GNUmakefile**", "make", "GNUmakefile"),
    ],
)
def test_heading_beats_language_info_word(heading, info, expected):
    text = f"# Project\n\n{heading}\n\n```{info}\nall:\n\techo hi\n```\n"
    project = ingest_text(text, "language-word")
    assert sorted(project.files) == [expected]
    assert project.files[expected].origin_lines[0] == 6


def test_language_info_word_without_heading():
    text = "Some prose.\n\n```makefile\nall:\n\techo hi\n```\n"
    project = ingest_text(text, "language-word")
    assert sorted(project.files) == ["makefile"]


def test_path_comment_beats_language_info_word():
    text = "## Build\n\n```makefile\n# ci/Makefile\nall:\n\techo hi\n```\n"
    project = ingest_text(text, "language-word")
    assert sorted(project.files) == ["ci/Makefile"]
