"""Makefile variables, prerequisites and shell splitting that rule 17 reads."""

from __future__ import annotations

from harness._project import SourceFile
from harness.tasks.pci_payment_vpc._files import (
    expand_variables,
    make_variables,
    makefile_commands,
    simple_commands,
    split_shell_line,
)


def test_make_variables_assignment_kinds():
    text = (
        "AWS ?= aws\nAWS ?= ignored\nFLAGS := --a\nFLAGS += --b\n"
        "export REGION = eu-west-1  # comment\nNAME = 'quoted'\n\tNOT = recipe\n"
    )
    variables = make_variables(text)
    assert variables["AWS"] == "aws"
    assert variables["FLAGS"] == "--a --b"
    assert variables["REGION"] == "eu-west-1"
    assert variables["NAME"] == "quoted"
    assert "NOT" not in variables


def test_expand_variables_nested_and_unknown():
    variables = {"STACK": "Tap$(SUFFIX)", "SUFFIX": "dev", "LOOP": "$(LOOP)x"}
    assert expand_variables("$(STACK) ${SUFFIX} {{SUFFIX}}", variables) == (
        "Tapdev dev dev"
    )
    assert expand_variables("$(MISSING)", variables) == "$(MISSING)"
    assert expand_variables("$(LOOP)", variables).startswith("$(LOOP)")


def test_split_shell_line_respects_quotes():
    line = 'echo "a; aws cloudformation delete-stack" && X=1 aws cloudformation list'
    assert split_shell_line(line) == [
        "echo a; aws cloudformation delete-stack",
        "aws cloudformation list",
    ]


def test_split_shell_line_unclosed_quote():
    assert split_shell_line('echo "open; cfn-lint t.yml') == [
        'echo "open',
        "cfn-lint t.yml",
    ]


def test_recipe_joins_continuations_and_expands():
    text = (
        "AWS ?= aws\nT := t.yml\n\ndeploy: lint\n"
        "\t@# a comment\n\t-$(AWS) cloudformation deploy \\\n\t\t--template-file $(T)\n"
        "\nlint:\n\tcfn-lint $(T)\n"
    )
    deploy, lint = makefile_commands(SourceFile("Makefile", text))
    assert deploy.prerequisites == ("lint",)
    assert deploy.recipe == ("aws cloudformation deploy --template-file t.yml",)
    assert deploy.text.startswith("lint\n")
    assert lint.recipe == ("cfn-lint t.yml",)


def test_simple_commands_follow_prerequisites_once():
    text = "a: b c\n\techo a\nb: c\n\techo b\nc: a\n\techo c\n"
    commands = makefile_commands(SourceFile("Makefile", text))
    assert simple_commands(commands[0], commands) == ["echo c", "echo b", "echo a"]
