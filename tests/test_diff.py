"""The template diff on real synthesized Python CDK apps from tests/fixtures/diff.

`ideal` meets every template requirement of the PCI payment VPC task,
`renamed` is the same VPC with every construct, output and the stack renamed
and created in another order, and `flawed` carries known flaws of items 1-14
and 18. Each app is synthesized once per test session.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness import cli
from harness._synth_result import Stack
from harness.diff import TemplateDiff, diff_templates, read_cloud_assembly
from harness.tasks.pci_payment_vpc.attribution import ATTRIBUTION

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "diff"
APPS = ("ideal", "renamed", "flawed")
TEMPLATE_ITEMS = {str(i) for i in range(1, 15)} | {"18"}

pytestmark = pytest.mark.slow


def _synthesize(app: str, outdir: Path, extra_env: dict[str, str] | None = None):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CDK_", "AWS_", "LAMBDA_"))
    }
    env.update(
        CDK_VALIDATION="false",
        CDK_DEFAULT_ACCOUNT="123456789012",
        CDK_DEFAULT_REGION="us-east-1",
        CDK_OUTDIR=str(outdir),
        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
        JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION="1",
        **(extra_env or {}),
    )
    completed = subprocess.run(
        [sys.executable, str(FIXTURES / app / "app.py")],
        check=False,
        env=env,
        cwd=outdir.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return read_cloud_assembly(outdir)


@pytest.fixture(scope="session")
def assemblies(tmp_path_factory) -> dict[str, Path]:
    """Return the cloud assembly directory of each fixture app."""
    root = tmp_path_factory.mktemp("diff-apps")
    for app in APPS:
        _synthesize(app, root / app)
    return {app: root / app for app in APPS}


@pytest.fixture(scope="session")
def stacks(assemblies) -> dict[str, list[Stack]]:
    return {
        app: read_cloud_assembly(directory) for app, directory in assemblies.items()
    }


@pytest.fixture(scope="session")
def flawed_diff(stacks) -> TemplateDiff:
    return diff_templates(stacks["ideal"], stacks["flawed"], ATTRIBUTION)


def _summary(entry) -> tuple:
    return (entry.kind, entry.type, entry.role, entry.path, entry.items)


def test_self_diff_is_empty(stacks):
    result = diff_templates(stacks["ideal"], stacks["ideal"], ATTRIBUTION)
    assert result.entries == []
    assert len(result.pairs) == 64
    assert all(pair.ideal == pair.model for pair in result.pairs)


def test_renamed_diff_is_empty(stacks):
    result = diff_templates(stacks["ideal"], stacks["renamed"], ATTRIBUTION)
    assert [_summary(e) for e in result.entries] == []
    assert len(result.pairs) == 64
    assert result.explained_share == 1.0


def test_renamed_pairs_follow_roles(stacks):
    result = diff_templates(stacks["ideal"], stacks["renamed"])
    pairs = {(p.ideal.logical_id, p.model.logical_id) for p in result.pairs}
    assert (
        "PaymentVpcPrivateSubnet3SubnetAFA98ACD",
        "CardholderNetworkAppSubnet3Subnet10E0E566",
    ) in pairs
    assert (
        "PrivateNaclAllow6379EGRESSF5AE858B",
        "AppTierAclPort6379OutC12F4B0D",
    ) in pairs
    assert ("PrivateSubnet1Id", "AppSubnet0") in pairs
    assert ("VpcCidr", "RangeOut") in pairs
    assert ("FlowLogGroup3E25AA51", "TrafficLogs4DF9335D") in pairs


def test_flawed_diff_evidences_every_template_item(flawed_diff):
    evidenced = set(flawed_diff.by_item())
    assert TEMPLATE_ITEMS - evidenced == set()
    assert evidenced - TEMPLATE_ITEMS == set()


def test_flawed_diff_unexplained_entries(flawed_diff):
    # A DynamoDB endpoint is beyond the task; no item asks for or against it.
    unexplained = sorted(_summary(e)[:4] for e in flawed_diff.unexplained)
    assert unexplained == [
        (
            "only_in_model",
            "AWS::EC2::VPCEndpoint",
            "vpc-endpoint(endpoint_type=Gateway, service=dynamodb)",
            "",
        ),
    ]
    assert flawed_diff.explained_share == pytest.approx(59 / 60)


def test_flawed_diff_cidr_shift_is_item_1(flawed_diff):
    # Two AZs instead of three: CDK gives the private subnets the blocks that
    # the third public subnet would have taken, so their CIDRs move down.
    shifted = [e for e in flawed_diff.entries if e.path == "Properties.CidrBlock"]
    assert sorted((e.ideal_value, e.model_value, e.items) for e in shifted) == [
        ("10.0.3.0/24", "10.0.2.0/24", ("1",)),
        ("10.0.4.0/24", "10.0.3.0/24", ("1",)),
    ]


def test_flawed_diff_matches_pinned_result(flawed_diff):
    expected = json.loads((FIXTURES / "ideal_vs_flawed.json").read_text())
    actual = _pinned_view(flawed_diff)
    assert actual["pairs"] == expected["pairs"]
    assert actual["entries"] == expected["entries"]
    assert actual["counts"] == expected["counts"]


def test_flawed_diff_entry_values(flawed_diff):
    by_path = {(e.type, e.path): e for e in flawed_diff.entries if e.kind == "changed"}
    retention = by_path[("AWS::Logs::LogGroup", "Properties.RetentionInDays")]
    assert (retention.ideal_value, retention.model_value) == (7, 30)
    assert retention.change == "modified"
    concurrency = by_path[
        ("AWS::Lambda::Function", "Properties.ReservedConcurrentExecutions")
    ]
    assert concurrency.change == "added"
    assert concurrency.model_value == 10
    route = by_path[("AWS::EC2::Route", "Properties.NatGatewayId")]
    assert route.ideal_value == {"Ref": "PaymentVpcPublicSubnet2NATGateway202BC61A"}
    assert route.model_value == {"Ref": "VpcPublicSubnet1NATGateway4D7517AA"}
    assert route.note == (
        "ideal refers to nat-gateway(az=us-east-1b, tier=public) (only in the "
        "ideal); model refers to nat-gateway(az=us-east-1a, tier=public)"
    )


def test_to_dict_round_trip_is_stable(flawed_diff):
    data = flawed_diff.to_dict()
    text = json.dumps(data, sort_keys=True)
    again = TemplateDiff.from_dict(json.loads(text))
    assert json.dumps(again.to_dict(), sort_keys=True) == text
    assert data["summary"]["unexplained"] == 1
    assert data["summary"]["entries"] == 60


def test_diff_is_deterministic(stacks):
    first = diff_templates(stacks["ideal"], stacks["flawed"], ATTRIBUTION).to_dict()
    second = diff_templates(stacks["ideal"], stacks["flawed"], ATTRIBUTION).to_dict()
    assert first == second


def test_configured_concurrency_shows_as_item_18(stacks, tmp_path):
    configured = _synthesize(
        "ideal", tmp_path / "configured", {"LAMBDA_RESERVED_CONCURRENCY": "5"}
    )
    result = diff_templates(stacks["ideal"], configured, ATTRIBUTION)
    assert [_summary(e) for e in result.entries] == [
        (
            "changed",
            "AWS::Lambda::Function",
            "Function(targets=Role)",
            "Properties.ReservedConcurrentExecutions",
            ("18",),
        )
    ]


def _invoke_cli(*args: str):
    cli._register_commands()
    return CliRunner().invoke(cli.app, ["diff", *args], catch_exceptions=False)


def test_cli_writes_json_and_exits_one(assemblies, tmp_path):
    output = tmp_path / "diff.json"
    model, ideal = str(assemblies["flawed"]), str(assemblies["ideal"])
    result = _invoke_cli(model, "--ideal", ideal, "--json", str(output))
    assert result.exit_code == 1, result.output
    data = json.loads(output.read_text())
    assert data["summary"]["entries"] == 60
    assert data["summary"]["unexplained"] == 1
    assert data["attribution"] == "pci-payment-vpc"
    assert "entries by taxonomy item" in result.output
    assert "Properties.RetentionInDays" in result.output


def test_cli_same_templates_exit_zero(assemblies):
    ideal = str(assemblies["ideal"])
    result = _invoke_cli(str(assemblies["renamed"]), "--ideal", ideal, "--pairs")
    assert result.exit_code == 0, result.output
    assert "no differences" in result.output
    assert "matched pairs" in result.output


def _pinned_view(result: TemplateDiff) -> dict:
    return {
        "pairs": sorted(
            [p.type, p.role, p.ideal.logical_id, p.model.logical_id, p.method]
            for p in result.pairs
        ),
        "entries": [
            [e.kind, e.type, e.role, e.path, e.change, list(e.items)]
            for e in result.entries
        ],
        "counts": result.counts,
    }


def write_pinned_result() -> None:
    """Regenerate ideal_vs_flawed.json after a reviewed change of the diff."""
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        ideal = _synthesize("ideal", root / "ideal")
        flawed = _synthesize("flawed", root / "flawed")
    view = _pinned_view(diff_templates(ideal, flawed, ATTRIBUTION))
    counts = [
        f"    {json.dumps(k)}: {json.dumps(v)}" for k, v in view["counts"].items()
    ]
    entries = [f"    {json.dumps(row)}" for row in view["entries"]]
    pairs = [f"    {json.dumps(row)}" for row in view["pairs"]]
    text = "\n".join(
        [
            "{",
            '  "counts": {',
            ",\n".join(counts),
            "  },",
            '  "entries": [',
            ",\n".join(entries),
            "  ],",
            '  "pairs": [',
            ",\n".join(pairs),
            "  ]",
            "}",
        ]
    )
    (FIXTURES / "ideal_vs_flawed.json").write_text(text + "\n")


if __name__ == "__main__":
    write_pinned_result()
