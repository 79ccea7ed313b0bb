"""Parsers that the project rules use: headings, test files and task runners."""

from __future__ import annotations

from harness._project import Project, SourceFile
from harness.tasks.pci_payment_vpc._files import (
    find_readme,
    find_test_files,
    headings,
    makefile_commands,
    package_json_commands,
    python_task_commands,
    task_runner_commands,
    tox_commands,
)


def source(path: str, text: str) -> SourceFile:
    return SourceFile(path=path, text=text)


def project(files: dict[str, str]) -> Project:
    return Project("p", "directory", {p: source(p, t) for p, t in files.items()})


def test_headings_skip_fenced_code():
    text = "# Title\n```bash\n# not a heading\n```\n~~~\n## nor this\n~~~\n## Cost\n"
    found = [(h.text, h.line, h.level) for h in headings(text)]
    assert found == [("Title", 1, 1), ("Cost", 8, 2)]


def test_setext_headings():
    text = "Architecture\n============\n\nTesting\n-------\ntext\n"
    found = [(h.text, h.level) for h in headings(text)]
    assert found == [("Architecture", 1), ("Testing", 2)]


def test_atx_heading_closing_hashes():
    assert headings("## Security ##\n")[0].text == "Security"


def test_find_test_files_by_language():
    found = find_test_files(
        project(
            {
                "test/tap-stack.test.ts": "",
                "tests/unit/test_stack.py": "",
                "lib/stack_test.py": "",
                "node_modules/x/a.test.ts": "",
                "lib/stack.py": "",
            }
        )
    )
    assert [f.path for f in found] == [
        "lib/stack_test.py",
        "test/tap-stack.test.ts",
        "tests/unit/test_stack.py",
    ]


def test_root_readme_preferred():
    found = find_readme(project({"docs/README.md": "", "README.md": ""}))
    assert found.path == "README.md"


def test_makefile_targets_with_tabs_and_spaces():
    text = "CDK := npx cdk\n.PHONY: a\nsynth deploy:\n\t$(CDK) synth\n\ntest:\n    pytest --cov\n# comment\n"
    commands = makefile_commands(source("Makefile", text))
    assert [(c.name, c.text, c.line) for c in commands] == [
        ("synth", "$(CDK) synth", 3),
        ("deploy", "$(CDK) synth", 3),
        ("test", "pytest --cov", 6),
    ]


def test_justfile_recipe_named_by_first_word():
    commands = makefile_commands(
        source("justfile", "deploy stage:\n  cdk deploy\n"), "justfile"
    )
    assert [(c.name, c.text) for c in commands] == [("deploy", "cdk deploy")]


def test_package_json_scripts_with_lines():
    text = '{\n  "scripts": {\n    "synth": "cdk synth"\n  }\n}\n'
    (command,) = package_json_commands(source("package.json", text))
    assert (command.name, command.text, command.line) == ("synth", "cdk synth", 3)


def test_invalid_package_json_gives_nothing():
    assert package_json_commands(source("package.json", "{ not json")) == []


def test_tox_environments():
    text = "[tox]\nenvlist = py311\n[testenv]\ncommands = pytest --cov\n[testenv:synth]\ncommands = cdk synth\n[flake8]\nmax = 1\n"
    commands = tox_commands(source("tox.ini", text))
    assert [c.name for c in commands] == ["test", "synth"]
    assert "pytest --cov" in commands[0].text
    assert "max" not in commands[1].text


def test_nox_and_invoke_functions():
    text = "import nox\n\n@nox.session\ndef synth(session):\n    session.run('cdk', 'synth')\n\n\n@nox.session(python='3.11')\ndef tests(session):\n    session.run('pytest')\n"
    commands = python_task_commands(source("noxfile.py", text), "nox")
    assert [(c.name, c.line) for c in commands] == [("synth", 4), ("tests", 9)]
    assert "'cdk', 'synth'" in commands[0].text
    assert "pytest" not in commands[0].text


def test_runner_files_found_anywhere_shallowest_first():
    commands = task_runner_commands(
        project({"Makefile": "deploy:\n\tcdk deploy\n", "sub/Makefile": "x:\n\ty\n"})
    )
    assert [(c.source, c.name, c.file) for c in commands] == [
        ("Makefile", "deploy", "Makefile")
    ]
