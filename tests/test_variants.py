"""Single-flaw variants of the ideal: generation, synthesis and template changes."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _cdk_apps import (
    IDEAL_DIR,
    cdk_env,
    count_delta,
    ideal_template,
    nacl_ports,
    only_template,
    resources_of,
    subnet_zones,
    synth_python,
    synth_python_batch,
    tag_map,
)

from harness.errors import ConfigError
from harness.tasks.pci_payment_vpc.variants import (
    FLAWS,
    Replace,
    VariantError,
    make_all_variants,
    make_variant,
)

HTTPS = (6, 443, 443, "allow")
MYSQL = (6, 3306, 3306, "allow")
REDIS = (6, 6379, 6379, "allow")
EPHEMERAL = (6, 1024, 65535, "allow")
DENY_ALL = (-1, None, None, "deny")

# Change in resource counts per type from the ideal's template to the variant's.
EXPECTED_COUNT_DELTAS: dict[str, dict[str, int]] = {
    "1": {},
    "2": {"AWS::EC2::NatGateway": -2, "AWS::EC2::EIP": -2},
    "3": {"AWS::EC2::FlowLog": -1, "AWS::IAM::Role": -1, "AWS::IAM::Policy": -1},
    "4": {"AWS::EC2::VPCEndpoint": -1},
    "5": {"AWS::EC2::SubnetNetworkAclAssociation": -3},
    "6": {},
    "7": {"AWS::EC2::NetworkAclEntry": -2},
    "8": {"AWS::EC2::NetworkAclEntry": -2},
    "9": {"AWS::EC2::NetworkAclEntry": -2},
    "10": {
        "AWS::EC2::FlowLog": -1,
        "AWS::IAM::Role": -1,
        "AWS::IAM::Policy": -1,
        "AWS::Logs::LogGroup": -1,
    },
    "11": {},
    "12": {},
    "13": {},
    "14": {},
    "15": {},
    "16": {},
    "17": {},
    "18": {"AWS::Lambda::Function": 1, "AWS::IAM::Role": 1},
}

# Outputs of the ideal that each variant no longer has.
EXPECTED_MISSING_OUTPUTS: dict[str, set[str]] = {
    "4": {"S3EndpointId"},
    "10": {"FlowLogGroupName"},
    "11": {
        "PublicSubnet2Id",
        "PublicSubnet3Id",
        "PrivateSubnet2Id",
        "PrivateSubnet3Id",
    },
    "12": {"S3EndpointId"},
    "13": {"FlowLogGroupName"},
    "14": {"VpcCidr"},
}


@pytest.fixture(scope="session")
def variant_dirs(tmp_path_factory) -> dict[str, Path]:
    return make_all_variants(IDEAL_DIR, tmp_path_factory.mktemp("variants"))


@pytest.fixture(scope="session")
def batch_templates(variant_dirs, tmp_path_factory) -> dict[str, dict]:
    """Templates of the ideal (key "ideal") and of every variant, from one process."""
    names = ["ideal", *FLAWS]
    projects = [IDEAL_DIR, *(variant_dirs[item_id] for item_id in FLAWS)]
    results = synth_python_batch(projects, tmp_path_factory.mktemp("variant-out"))
    return {name: only_template(result) for name, result in zip(names, results)}


@pytest.fixture(scope="session")
def variant_templates(batch_templates) -> dict[str, dict]:
    return {item_id: batch_templates[item_id] for item_id in FLAWS}


@pytest.fixture(scope="session")
def ideal() -> dict:
    return ideal_template()


def tree_digest(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        if "__pycache__" in path.parts:
            continue
        digest.update(str(path.relative_to(directory)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def test_flaws_cover_items_one_to_eighteen():
    assert list(FLAWS) == [str(number) for number in range(1, 19)]
    for item_id, flaw in FLAWS.items():
        assert flaw.item_id == item_id
        assert flaw.edits
        assert item_id not in flaw.consequences


def test_flaws_have_unique_slugs():
    slugs = [flaw.slug for flaw in FLAWS.values()]
    assert len(set(slugs)) == len(slugs)


def test_documented_consequences():
    assert FLAWS["4"].consequences == ("12",)
    assert FLAWS["10"].consequences == ("3", "13")
    others = set(FLAWS) - {"4", "10"}
    for item_id in others:
        assert FLAWS[item_id].consequences == ()


def test_make_variant_leaves_ideal_unchanged(tmp_path):
    before = tree_digest(IDEAL_DIR)
    make_variant("9", IDEAL_DIR, tmp_path / "variant")
    assert tree_digest(IDEAL_DIR) == before


def test_make_variant_rejects_unknown_item(tmp_path):
    with pytest.raises(ConfigError, match="unknown taxonomy item '19'"):
        make_variant("19", IDEAL_DIR, tmp_path / "variant")


def test_make_variant_rejects_existing_output(tmp_path):
    with pytest.raises(ConfigError, match="already exists"):
        make_variant("2", IDEAL_DIR, tmp_path)


def test_make_variant_rejects_missing_ideal(tmp_path):
    with pytest.raises(ConfigError, match="has no app.py"):
        make_variant("2", tmp_path, tmp_path / "variant")


def test_edit_of_changed_ideal_fails_loudly(tmp_path):
    changed_ideal = tmp_path / "ideal"
    shutil.copytree(IDEAL_DIR, changed_ideal)
    stack_file = changed_ideal / "lib" / "payment_vpc_stack.py"
    text = stack_file.read_text()
    stack_file.write_text(text.replace("nat_gateways=AZ_COUNT,", "nat_gateways=3,"))
    with pytest.raises(VariantError, match="exactly once") as raised:
        make_variant("2", changed_ideal, tmp_path / "variant")
    assert "found it 0 times" in str(raised.value)
    assert not (tmp_path / "variant").exists()


def test_edit_of_repeated_text_fails_loudly(tmp_path):
    changed_ideal = tmp_path / "ideal"
    shutil.copytree(IDEAL_DIR, changed_ideal)
    stack_file = changed_ideal / "lib" / "payment_vpc_stack.py"
    stack_file.write_text(stack_file.read_text() + "\n# nat_gateways=AZ_COUNT,\n")
    with pytest.raises(VariantError, match="found it 2 times"):
        make_variant("2", changed_ideal, tmp_path / "variant")


def test_every_replace_target_is_unique_in_ideal():
    for item_id, flaw in FLAWS.items():
        for edit in flaw.edits:
            if isinstance(edit, Replace):
                text = (IDEAL_DIR / edit.path).read_text()
                assert text.count(edit.old) == 1, (item_id, edit.old)


def test_variants_change_only_flawed_files(variant_dirs):
    for item_id, directory in variant_dirs.items():
        edited = {edit.path for edit in FLAWS[item_id].edits}
        for path in sorted(p for p in IDEAL_DIR.rglob("*") if p.is_file()):
            relative = path.relative_to(IDEAL_DIR)
            if "__pycache__" in relative.parts or str(relative) in edited:
                continue
            copy = directory / relative
            assert copy.read_bytes() == path.read_bytes(), (item_id, relative)


@pytest.mark.slow
@pytest.mark.parametrize("item_id", list(FLAWS))
def test_variant_resource_counts(item_id, ideal, variant_templates):
    delta = count_delta(ideal, variant_templates[item_id])
    assert delta == EXPECTED_COUNT_DELTAS[item_id]


@pytest.mark.slow
@pytest.mark.parametrize("item_id", list(FLAWS))
def test_variant_missing_outputs(item_id, ideal, variant_templates):
    missing = set(ideal["Outputs"]) - set(variant_templates[item_id]["Outputs"])
    added = set(variant_templates[item_id]["Outputs"]) - set(ideal["Outputs"])
    assert missing == EXPECTED_MISSING_OUTPUTS.get(item_id, set())
    assert added == set()


@pytest.mark.slow
def test_batch_matches_cold_synthesis(ideal, batch_templates):
    assert batch_templates["ideal"] == ideal


@pytest.mark.slow
def test_ideal_spans_three_zones(ideal):
    zones = subnet_zones(ideal)
    assert len(zones) == 6
    assert set(zones) == {"us-east-1a", "us-east-1b", "us-east-1c"}


@pytest.mark.slow
def test_variant_1_repeats_a_zone(variant_templates):
    template = variant_templates["1"]
    zones = subnet_zones(template)
    assert len(zones) == 6
    assert set(zones) == {"us-east-1a", "us-east-1b"}
    assert len(resources_of(template, "AWS::EC2::NatGateway")) == 3


@pytest.mark.slow
def test_variant_2_routes_through_one_nat(variant_templates):
    template = variant_templates["2"]
    nats = resources_of(template, "AWS::EC2::NatGateway")
    assert len(nats) == 1
    targets = [
        route["Properties"]["NatGatewayId"]["Ref"]
        for route in resources_of(template, "AWS::EC2::Route").values()
        if "NatGatewayId" in route["Properties"]
    ]
    assert len(targets) == 3
    assert set(targets) == set(nats)
    assert len(set(subnet_zones(template))) == 3


@pytest.mark.slow
def test_variant_3_keeps_log_group(variant_templates):
    template = variant_templates["3"]
    groups = resources_of(template, "AWS::Logs::LogGroup")
    assert len(groups) == 1
    assert next(iter(groups.values()))["Properties"]["RetentionInDays"] == 7
    assert resources_of(template, "AWS::EC2::FlowLog") == {}


@pytest.mark.slow
def test_variant_5_keeps_nacl_tags(variant_templates):
    acls = resources_of(variant_templates["5"], "AWS::EC2::NetworkAcl")
    assert len(acls) == 1
    tags = tag_map(next(iter(acls.values())))
    assert tags["Environment"] == "Production"
    assert tags["Project"] == "PaymentGateway"


@pytest.mark.slow
@pytest.mark.parametrize(
    "resource_type", ["AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::NetworkAcl"]
)
def test_variant_6_lacks_project_tag(variant_templates, ideal, resource_type):
    for resource in resources_of(ideal, resource_type).values():
        assert tag_map(resource)["Project"] == "PaymentGateway"
    for resource in resources_of(variant_templates["6"], resource_type).values():
        tags = tag_map(resource)
        assert "Project" not in tags
        assert tags["Environment"] == "Production"


@pytest.mark.slow
@pytest.mark.parametrize("egress", [False, True])
def test_nacl_entries_per_variant(variant_templates, ideal, egress):
    assert nacl_ports(ideal, egress=egress) == {
        HTTPS,
        MYSQL,
        REDIS,
        EPHEMERAL,
        DENY_ALL,
    }
    expected = {
        "7": {HTTPS, MYSQL, EPHEMERAL, DENY_ALL},
        "8": {HTTPS, MYSQL, REDIS, DENY_ALL},
        "9": {HTTPS, MYSQL, REDIS, EPHEMERAL},
    }
    for item_id, entries in expected.items():
        assert nacl_ports(variant_templates[item_id], egress=egress) == entries


@pytest.mark.slow
def test_variant_14_has_no_exports(variant_templates, ideal):
    assert all("Export" in output for output in ideal["Outputs"].values())
    outputs = variant_templates["14"]["Outputs"]
    assert outputs
    assert all("Export" not in output for output in outputs.values())


@pytest.mark.slow
@pytest.mark.parametrize("item_id", ["15", "16", "17"])
def test_project_flaws_keep_template(item_id, ideal, variant_templates):
    assert variant_templates[item_id]["Resources"] == ideal["Resources"]
    assert variant_templates[item_id]["Outputs"] == ideal["Outputs"]


def test_project_flaws_change_files(variant_dirs):
    tests_15 = (variant_dirs["15"] / "tests/unit/test_payment_vpc_stack.py").read_text()
    assert "AWS::EC2::NatGateway" not in tests_15
    assert "def test_" in tests_15
    readme_16 = (variant_dirs["16"] / "README.md").read_text()
    assert "## Deploy" in readme_16
    assert "Cost" not in readme_16
    assert "Security" not in readme_16
    assert not (variant_dirs["17"] / "Makefile").exists()


@pytest.mark.slow
def test_variant_18_hard_codes_concurrency(variant_templates):
    functions = resources_of(variant_templates["18"], "AWS::Lambda::Function")
    assert len(functions) == 1
    props = next(iter(functions.values()))["Properties"]
    assert props["ReservedConcurrentExecutions"] == 100
    assert "ZipFile" in props["Code"]


@pytest.mark.slow
def test_variant_18_ignores_configuration(variant_dirs, tmp_path):
    templates = synth_python(
        variant_dirs["18"], tmp_path, LAMBDA_RESERVED_CONCURRENCY="5"
    )
    functions = resources_of(only_template(templates), "AWS::Lambda::Function")
    props = next(iter(functions.values()))["Properties"]
    assert props["ReservedConcurrentExecutions"] == 100


@pytest.mark.slow
def test_ideal_unit_tests_catch_variant(variant_dirs, tmp_path):
    """The ideal's own tests pass on the ideal and fail on a flawed copy."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += ["tests/unit"]
    env = cdk_env(tmp_path)
    passed = subprocess.run(
        command,
        check=False,
        cwd=IDEAL_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert passed.returncode == 0, passed.stdout[-2000:]
    flawed = subprocess.run(
        [*command, "-k", "allows_port"],
        check=False,
        cwd=variant_dirs["7"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert flawed.returncode == 1, flawed.stdout[-2000:]
    assert "6379" in flawed.stdout
