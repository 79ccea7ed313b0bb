"""The template diff on the bundled responses, synthesized by the harness itself.

The ideal diffs empty against itself, against its renamed copy and against
its TypeScript twin. Against the bundled model response and against each
single-flaw variant of the ideal, every flawed template item has an entry.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from harness._synth_result import Stack
from harness.diff import TemplateDiff, diff_templates, load_stacks
from harness.synth import SynthSettings
from harness.tasks.pci_payment_vpc.attribution import ATTRIBUTION
from harness.tasks.pci_payment_vpc.variants import make_all_variants

REPO = Path(__file__).resolve().parents[1]
IDEAL_DIR = REPO / "responses" / "ideal"
MODEL_MD = REPO / "responses" / "model" / "MODEL_RESPONSE.md"
RENAMED_DIR = REPO / "tests" / "fixtures" / "responses" / "renamed"
TS_IDEAL_MD = REPO / "tests" / "fixtures" / "typescript" / "ideal.md"
# Items a template can show. Tests, README and scripts live in project files,
# so one such variant (item 15, smoke tests only) checks they leave no entry.
TEMPLATE_ITEMS = [str(i) for i in range(1, 15)] + ["18"]
PROJECT_ITEM = "15"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def synth_settings(tmp_path_factory) -> SynthSettings:
    return SynthSettings(cache_dir=tmp_path_factory.mktemp("diff-synth-cache"))


def _stacks(path: Path, settings: SynthSettings) -> list[Stack]:
    stacks, problem = load_stacks(path, settings)
    assert problem is None, problem
    return stacks


@pytest.fixture(scope="session")
def ideal(synth_settings) -> list[Stack]:
    return _stacks(IDEAL_DIR, synth_settings)


@pytest.fixture(scope="session")
def variant_diffs(ideal, synth_settings, tmp_path_factory) -> dict[str, TemplateDiff]:
    directories = make_all_variants(IDEAL_DIR, tmp_path_factory.mktemp("variants"))

    def diff_one(item_id: str) -> TemplateDiff:
        stacks = _stacks(directories[item_id], synth_settings)
        return diff_templates(ideal, stacks, ATTRIBUTION)

    items = [*TEMPLATE_ITEMS, PROJECT_ITEM]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(items, pool.map(diff_one, items)))


def test_ideal_against_itself(ideal):
    result = diff_templates(ideal, ideal, ATTRIBUTION)
    assert result.entries == []
    assert len(result.pairs) == 62


def test_ideal_against_renamed_copy(ideal, synth_settings):
    renamed = _stacks(RENAMED_DIR, synth_settings)
    result = diff_templates(ideal, renamed, ATTRIBUTION)
    assert [(e.type, e.path) for e in result.entries] == []
    assert len(result.pairs) == 62


def test_ideal_against_typescript_twin(ideal, synth_settings):
    twin = _stacks(TS_IDEAL_MD, synth_settings)
    result = diff_templates(ideal, twin, ATTRIBUTION)
    assert [(e.type, e.path) for e in result.entries] == []


def test_model_response_evidences_items(ideal, synth_settings):
    model = _stacks(MODEL_MD, synth_settings)
    result = diff_templates(ideal, model, ATTRIBUTION)
    evidenced = list(result.by_item())
    # The model response has no Lambda function, so item 18 does not apply.
    assert evidenced == [str(i) for i in range(1, 15)]
    unexplained = sorted((e.type, e.path) for e in result.unexplained)
    # CDK allocates the subnets of two AZs other CIDRs than those of three,
    # and the model maps public IPs on launch where the ideal does not.
    assert unexplained == [
        ("AWS::EC2::Subnet", "Properties.CidrBlock"),
        ("AWS::EC2::Subnet", "Properties.CidrBlock"),
        ("AWS::EC2::Subnet", "Properties.MapPublicIpOnLaunch"),
        ("AWS::EC2::Subnet", "Properties.MapPublicIpOnLaunch"),
    ]


@pytest.mark.parametrize("item_id", TEMPLATE_ITEMS)
def test_variant_evidences_its_item(item_id, variant_diffs):
    result = variant_diffs[item_id]
    assert item_id in result.by_item()
    assert result.unexplained == []


def test_project_variant_has_empty_diff(variant_diffs):
    assert variant_diffs[PROJECT_ITEM].entries == []


def test_variant_items_stay_close(variant_diffs):
    # Each template flaw evidences its own item plus, at most, the items that
    # the taxonomy lists as its consequences or that share its resources.
    expected = {
        "1": ["1", "2", "4", "11"],
        "4": ["4", "12"],
        "7": ["7"],
        "10": ["3", "10", "13"],
    }
    for item_id, items in expected.items():
        assert list(variant_diffs[item_id].by_item()) == items, item_id
