"""The bundled responses and fixtures: layout, synthesis and the flaws they carry."""

from __future__ import annotations

import functools
import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from _cdk_apps import (
    FIXTURES,
    IDEAL_DIR,
    MODEL_MD,
    cdk_env,
    count_delta,
    extract_markdown_files,
    ideal_template,
    nacl_ports,
    only_template,
    resources_of,
    scratch_dir,
    subnet_zones,
    synth_python,
    synth_python_batch,
    synth_typescript,
    tag_map,
    type_counts,
    write_files,
)

RESPONSE_FIXTURES = FIXTURES / "responses"
TS_FIXTURES = FIXTURES / "typescript"
REQUIRED_TAGS = {"Environment": "Production", "Project": "PaymentGateway"}
ALL_PORTS = {
    (6, 443, 443, "allow"),
    (6, 3306, 3306, "allow"),
    (6, 6379, 6379, "allow"),
    (6, 1024, 65535, "allow"),
    (-1, None, None, "deny"),
}
IDEAL_OUTPUTS = {
    "VpcId",
    "VpcCidr",
    "PublicSubnet1Id",
    "PublicSubnet2Id",
    "PublicSubnet3Id",
    "PrivateSubnet1Id",
    "PrivateSubnet2Id",
    "PrivateSubnet3Id",
    "S3EndpointId",
    "FlowLogGroupName",
}
MODEL_FILES = {
    "app.py",
    "cdk.json",
    "requirements.txt",
    "lib/__init__.py",
    "lib/payment_vpc_stack.py",
    "tests/__init__.py",
    "tests/unit/__init__.py",
    "tests/unit/test_payment_vpc_stack.py",
    "README.md",
}
TS_FILES = {
    "bin/tap.ts",
    "lib/TapStack.ts",
    "cdk.json",
    "package.json",
    "tsconfig.json",
    "jest.config.js",
    "test/tap-stack.unit.test.ts",
    "README.md",
}
CDK_SCRIPTS = {"test:coverage", "synth", "deploy", "diff", "destroy"}
README_SECTIONS = (
    "Architecture",
    "Prerequisites",
    "Deployment",
    "Testing",
    "Security",
    "Cost",
)


def headings(markdown: str) -> list[str]:
    return re.findall(r"^##\s+(.+)$", markdown, flags=re.MULTILINE)


def make_targets(makefile: str) -> set[str]:
    return set(re.findall(r"^([A-Za-z][\w-]*):", makefile, flags=re.MULTILINE))


def lambda_functions(template: dict) -> list[dict]:
    functions = resources_of(template, "AWS::Lambda::Function").values()
    return [function["Properties"] for function in functions]


@pytest.fixture(scope="module")
def ideal() -> dict:
    return ideal_template()


@pytest.fixture(scope="module")
def model_files() -> dict[str, str]:
    return extract_markdown_files(MODEL_MD.read_text())


# Fixtures synthesized together in one process: (name, directory, environment).
BATCH = [
    ("renamed", "renamed", {}),
    ("hardcoded", "lambda-hardcoded", {}),
    ("hardcoded-5", "lambda-hardcoded", {"LAMBDA_RESERVED_CONCURRENCY": "5"}),
    ("configurable", "lambda-configurable", {}),
    ("configurable-7", "lambda-configurable", {"LAMBDA_RESERVED_CONCURRENCY": "7"}),
    ("configurable-after-7", "lambda-configurable", {}),
]


@pytest.fixture(scope="module")
def batch(model_files, tmp_path_factory) -> dict[str, dict]:
    """Templates of the model response and of the fixtures in BATCH, by name."""
    model_dir = write_files(model_files, tmp_path_factory.mktemp("model"))
    projects = [model_dir] + [
        RESPONSE_FIXTURES / directory for _, directory, _ in BATCH
    ]
    envs = [{}] + [env for _, _, env in BATCH]
    results = synth_python_batch(projects, tmp_path_factory.mktemp("batch"), envs)
    names = ["model"] + [name for name, _, _ in BATCH]
    return {name: only_template(result) for name, result in zip(names, results)}


@pytest.fixture(scope="module")
def model(batch) -> dict:
    return batch["model"]


@functools.cache
def context_template(name: str, context_json: str, **env: str) -> dict:
    """Synthesize a fixture with context values once per setting, in its own process."""
    outdir = scratch_dir(f"{name}-{next(_SYNTH_NUMBERS)}")
    context = json.loads(context_json)
    return only_template(synth_python(RESPONSE_FIXTURES / name, outdir, context, **env))


_SYNTH_NUMBERS = itertools.count()


def synth_ts_fixture(name: str, root: Path) -> dict:
    files = extract_markdown_files((TS_FIXTURES / f"{name}.md").read_text())
    project = write_files(files, root)
    return only_template(synth_typescript(project, project / "cdk.out", "bin/tap.ts"))


# The ideal response as a project.


def test_ideal_layout():
    for path in ("app.py", "cdk.json", "requirements.txt", "README.md", "Makefile"):
        assert (IDEAL_DIR / path).is_file(), path
    assert (IDEAL_DIR / "tests" / "unit" / "test_payment_vpc_stack.py").is_file()
    assert not (IDEAL_DIR / ".gitkeep").exists()


def test_ideal_cdk_json():
    config = json.loads((IDEAL_DIR / "cdk.json").read_text())
    assert config["app"] == "python3 app.py"
    flags = [key for key in config["context"] if key.startswith("@aws-cdk/")]
    assert len(flags) >= 3


def test_ideal_requirements_pin_cdk():
    requirements = (IDEAL_DIR / "requirements.txt").read_text().splitlines()
    assert "aws-cdk-lib==2.275.0" in requirements
    assert any(line.startswith("constructs") for line in requirements)


def test_ideal_readme_sections():
    sections = headings((IDEAL_DIR / "README.md").read_text())
    for name in README_SECTIONS:
        assert any(name in section for section in sections), name


def test_ideal_makefile_targets():
    targets = make_targets((IDEAL_DIR / "Makefile").read_text())
    assert {"test-coverage", "synth", "deploy", "diff", "destroy"} <= targets


def test_ideal_makefile_dry_run():
    """make parses the Makefile and expands each target's command."""
    result = subprocess.run(
        ["make", "-n", "ENVIRONMENT_SUFFIX=pr1", "synth", "destroy"],
        cwd=IDEAL_DIR,
        check=False,
        capture_output=True,
        text=True,
    )
    if result.returncode == 127:
        pytest.skip("make is not installed")
    assert result.returncode == 0, result.stderr
    assert "cdk synth --context environmentSuffix=pr1" in result.stdout
    assert "cdk destroy --context environmentSuffix=pr1 --force" in result.stdout


@pytest.mark.slow
def test_ideal_template_shape(ideal):
    counts = type_counts(ideal)
    assert counts["AWS::EC2::Subnet"] == 6
    assert counts["AWS::EC2::NatGateway"] == 3
    assert counts["AWS::EC2::FlowLog"] == 1
    assert counts["AWS::Logs::LogGroup"] == 1
    assert counts["AWS::EC2::VPCEndpoint"] == 1
    assert counts["AWS::EC2::SubnetNetworkAclAssociation"] == 3
    assert "AWS::Lambda::Function" not in counts
    assert nacl_ports(ideal, egress=False) == ALL_PORTS
    assert nacl_ports(ideal, egress=True) == ALL_PORTS


@pytest.mark.slow
def test_ideal_outputs_exported(ideal):
    assert set(ideal["Outputs"]) == IDEAL_OUTPUTS
    for name, output in ideal["Outputs"].items():
        assert output["Export"]["Name"] == f"PaymentVpcStack-dev-{name}"


@pytest.mark.slow
@pytest.mark.parametrize(
    "resource_type", ["AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::NetworkAcl"]
)
def test_ideal_tags(ideal, resource_type):
    for resource in resources_of(ideal, resource_type).values():
        tags = tag_map(resource)
        for key, value in REQUIRED_TAGS.items():
            assert tags[key] == value


@pytest.mark.slow
def test_ideal_nothing_retained(ideal):
    for resource in ideal["Resources"].values():
        assert resource.get("DeletionPolicy", "Delete") == "Delete"


@pytest.mark.slow
def test_ideal_other_region_and_suffix(tmp_path):
    templates = synth_python(
        IDEAL_DIR,
        tmp_path,
        context={"environmentSuffix": "pr42"},
        CDK_DEFAULT_REGION="ap-southeast-2",
    )
    assert list(templates) == ["PaymentVpcStack-pr42"]
    template = templates["PaymentVpcStack-pr42"]
    assert set(subnet_zones(template)) == {
        "ap-southeast-2a",
        "ap-southeast-2b",
        "ap-southeast-2c",
    }
    group = next(iter(resources_of(template, "AWS::Logs::LogGroup").values()))
    assert group["Properties"]["LogGroupName"] == "/aws/vpc/flow-logs/payment-pr42"


@pytest.mark.slow
def test_ideal_rejects_invalid_suffix(tmp_path):
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=IDEAL_DIR,
        env=cdk_env(tmp_path, {"environmentSuffix": "Prod_1"}),
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "invalid environmentSuffix 'Prod_1'" in result.stderr


# The flawed model response.


def test_model_markdown_files(model_files):
    assert set(model_files) == MODEL_FILES
    assert "Makefile" not in model_files


def test_model_readme_is_minimal(model_files):
    sections = headings(model_files["README.md"])
    assert sections == ["Installation", "Deploy", "Test"]
    assert "```bash" in model_files["README.md"]


def test_model_tests_are_smoke_only(model_files):
    tests = model_files["tests/unit/test_payment_vpc_stack.py"]
    assert len(re.findall(r"^def test_", tests, flags=re.MULTILINE)) == 3
    for resource_type in ("NatGateway", "NetworkAclEntry", "FlowLog", "VPCEndpoint"):
        assert resource_type not in tests


@pytest.mark.slow
def test_model_network_flaws(model):
    assert len(set(subnet_zones(model))) == 2
    assert len(resources_of(model, "AWS::EC2::NatGateway")) == 1
    assert resources_of(model, "AWS::EC2::FlowLog") == {}
    assert resources_of(model, "AWS::Logs::LogGroup") == {}
    assert resources_of(model, "AWS::EC2::VPCEndpoint") == {}
    assert resources_of(model, "AWS::EC2::SubnetNetworkAclAssociation") == {}
    assert lambda_functions(model) == []


@pytest.mark.slow
def test_model_nacl_flaws(model):
    expected = {(6, 443, 443, "allow"), (6, 3306, 3306, "allow")}
    assert nacl_ports(model, egress=False) == expected
    assert nacl_ports(model, egress=True) == expected


@pytest.mark.slow
def test_model_tag_flaws(model):
    vpc = next(iter(resources_of(model, "AWS::EC2::VPC").values()))
    assert tag_map(vpc)["Environment"] == "Production"
    assert "Project" not in tag_map(vpc)
    acl = next(iter(resources_of(model, "AWS::EC2::NetworkAcl").values()))
    assert "Environment" not in tag_map(acl)


@pytest.mark.slow
def test_model_output_flaws(model):
    outputs = model["Outputs"]
    assert set(outputs) == {"VpcId", "PublicSubnetId", "PrivateSubnetId"}
    assert all("Export" not in output for output in outputs.values())


@pytest.mark.slow
def test_model_names_and_removal(model):
    acl = next(iter(resources_of(model, "AWS::EC2::NetworkAcl").values()))
    assert tag_map(acl)["Name"] == "payment-private-nacl-dev"
    for resource in model["Resources"].values():
        assert resource.get("DeletionPolicy", "Delete") == "Delete"


# The TypeScript twins.


@pytest.mark.parametrize("name", ["ideal", "model"])
def test_ts_twin_layout(name):
    files = extract_markdown_files((TS_FIXTURES / f"{name}.md").read_text())
    assert set(files) == TS_FILES
    entry = files["bin/tap.ts"].splitlines()
    assert entry[0] == "#!/usr/bin/env node"
    assert entry[1] == "import 'source-map-support/register';"
    assert "from '../lib/TapStack'" in files["bin/tap.ts"]
    config = json.loads(files["cdk.json"])
    assert config["app"] == "npx ts-node --prefer-ts-exts bin/tap.ts"


def test_ts_twin_package_scripts():
    ideal = extract_markdown_files((TS_FIXTURES / "ideal.md").read_text())
    model = extract_markdown_files((TS_FIXTURES / "model.md").read_text())
    ideal_scripts = json.loads(ideal["package.json"])["scripts"]
    model_scripts = json.loads(model["package.json"])["scripts"]
    assert CDK_SCRIPTS <= set(ideal_scripts)
    assert "--coverage" in ideal_scripts["test:coverage"]
    assert not CDK_SCRIPTS & set(model_scripts)


def test_ts_twin_readmes():
    ideal = extract_markdown_files((TS_FIXTURES / "ideal.md").read_text())
    model = extract_markdown_files((TS_FIXTURES / "model.md").read_text())
    ideal_sections = headings(ideal["README.md"])
    for name in README_SECTIONS:
        assert any(name in section for section in ideal_sections), name
    assert headings(model["README.md"]) == ["Installation", "Deploy", "Test"]


@pytest.mark.slow
def test_ts_ideal_matches_python_ideal(ideal, tmp_path):
    template = synth_ts_fixture("ideal", tmp_path)
    assert count_delta(ideal, template) == {}
    assert set(template["Outputs"]) == IDEAL_OUTPUTS
    assert set(subnet_zones(template)) == {"us-east-1a", "us-east-1b", "us-east-1c"}
    assert nacl_ports(template, egress=False) == ALL_PORTS
    assert nacl_ports(template, egress=True) == ALL_PORTS
    for output in template["Outputs"].values():
        assert output["Export"]["Name"].startswith("TapStackdev-")


@pytest.mark.slow
def test_ts_model_matches_python_model(model, tmp_path):
    template = synth_ts_fixture("model", tmp_path)
    assert count_delta(model, template) == {}
    assert set(template["Outputs"]) == set(model["Outputs"])
    assert nacl_ports(template, egress=True) == nacl_ports(model, egress=True)


# The other response fixtures.


@pytest.mark.slow
def test_renamed_differs_only_in_names(ideal, batch):
    template = batch["renamed"]
    assert count_delta(ideal, template) == {}
    assert not set(template["Resources"]) & set(ideal["Resources"])
    assert not set(template["Outputs"]) & set(ideal["Outputs"])
    assert len(template["Outputs"]) == len(IDEAL_OUTPUTS)
    assert nacl_ports(template, egress=False) == ALL_PORTS
    assert set(subnet_zones(template)) == set(subnet_zones(ideal))


def test_renamed_has_no_ideal_names():
    source = (
        RESPONSE_FIXTURES / "renamed" / "infra" / "cardholder_network.py"
    ).read_text()
    for name in ("PaymentVpc", "FlowLogGroup", "PrivateNetworkAcl", "S3Endpoint"):
        assert name not in source
    assert not (RESPONSE_FIXTURES / "renamed" / "lib").exists()


@pytest.mark.slow
def test_max_azs_without_context(tmp_path):
    outdir = tmp_path / "out"
    template = only_template(synth_python(RESPONSE_FIXTURES / "max-azs", outdir))
    zones = subnet_zones(template)
    assert len(zones) == 6
    assert len(set(zones)) == 3
    manifest = json.loads((outdir / "manifest.json").read_text())
    providers = {missing["provider"] for missing in manifest["missing"]}
    assert providers == {"availability-zones"}


@pytest.mark.slow
def test_max_azs_with_context(ideal, tmp_path):
    key = "availability-zones:account=123456789012:region=us-east-1"
    zones = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"]
    template = only_template(
        synth_python(RESPONSE_FIXTURES / "max-azs", tmp_path, context={key: zones})
    )
    assert sorted(set(subnet_zones(template))) == zones[:3]
    assert count_delta(ideal, template) == {}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["hardcoded", "hardcoded-5"])
def test_lambda_hardcoded_ignores_setting(name, batch):
    functions = lambda_functions(batch[name])
    assert len(functions) == 1
    assert functions[0]["ReservedConcurrentExecutions"] == 100
    assert "ZipFile" in functions[0]["Code"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "name,expected",
    [("configurable", None), ("configurable-7", 7), ("configurable-after-7", None)],
)
def test_lambda_configurable_from_environment(name, expected, batch):
    functions = lambda_functions(batch[name])
    assert len(functions) == 1
    assert functions[0].get("ReservedConcurrentExecutions") == expected


@pytest.mark.slow
@pytest.mark.parametrize(
    "env,expected", [({}, 9), ({"LAMBDA_RESERVED_CONCURRENCY": "7"}, 7)]
)
def test_lambda_configurable_from_context(env, expected):
    context = json.dumps({"lambdaReservedConcurrency": 9})
    functions = lambda_functions(
        context_template("lambda-configurable", context, **env)
    )
    assert len(functions) == 1
    assert functions[0]["ReservedConcurrentExecutions"] == expected


@pytest.mark.slow
@pytest.mark.parametrize("name", ["hardcoded", "configurable"])
def test_lambda_fixtures_keep_ideal(name, ideal, batch):
    delta = count_delta(ideal, batch[name])
    assert delta == {"AWS::Lambda::Function": 1, "AWS::IAM::Role": 1}
    assert set(batch[name]["Outputs"]) == IDEAL_OUTPUTS


def test_fixture_unit_tests_not_collected(pytestconfig):
    """pytest skips the response fixtures' own tests, which import their `lib`."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            str(RESPONSE_FIXTURES),
        ],
        cwd=pytestconfig.rootpath,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "no tests collected" in result.stdout or result.returncode == 5
