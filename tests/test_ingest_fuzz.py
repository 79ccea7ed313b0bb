"""Random documents built from real markdown pieces: ingest never crashes on them."""

from __future__ import annotations

import random

import pytest
from ingest_support import assert_origins_exact

from harness.errors import UnsafePathError
from harness.ingest import ingest_text, safe_path

PIECES = [
    "```",
    "```ts",
    "```python",
    "```markdown",
    "````",
    "~~~",
    "```bash",
    "   ```",
    "  ```json",
    "```diff",
    "## File: lib/x.ts",
    "### `app.py`",
    "**bin/app.ts**",
    "1. **lib/q.ts**",
    "### Usage",
    "### ../escape.ts",
    "// lib/y.ts",
    "# app.py",
    "#!/usr/bin/env node",
    "<!-- README.md -->",
    "",
    "Create `lib/z.py`:",
    "Some prose here.",
    "├── lib",
    "npm install",
    "...",
    "export class A extends cdk.Stack {}",
    "new cdk.App()",
    "class B(Stack):",
    "app.synth()",
    '{"app": "python3 tap.py"}',
    "Resources:",
    "  Topic: 1",
    "- item",
    "tab\tseparated",
    "\u2028",
]


@pytest.mark.parametrize("seed", range(5))
def test_random_documents_keep_invariants(seed: int):
    generator = random.Random(seed)
    for _ in range(200):
        count = generator.randint(0, 40)
        document = "\n".join(generator.choice(PIECES) for _ in range(count))
        try:
            project = ingest_text(document, "random")
        except UnsafePathError:
            continue
        for path in project.files:
            assert safe_path(path) == path, document
        assert_origins_exact(project)
