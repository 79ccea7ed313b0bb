"""The template diff on the bundled responses, synthesized by the harness itself.

The ideal diffs empty against itself, against its renamed copy and against
its TypeScript twin. Against the bundled model response and against each
single-flaw variant of the ideal, every flawed template item has an entry,
and no pair joins a public subnet (or what serves it) to a private one.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from diff_support import crossing_pairs, serving_tiers

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
SUBNET = "AWS::EC2::Subnet"
MAP_PUBLIC_IP = "Properties.MapPublicIpOnLaunch"

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
def model(synth_settings) -> list[Stack]:
    return _stacks(MODEL_MD, synth_settings)


@pytest.fixture(scope="session")
def variant_stacks(synth_settings, tmp_path_factory) -> dict[str, list[Stack]]:
    directories = make_all_variants(IDEAL_DIR, tmp_path_factory.mktemp("variants"))
    items = [*TEMPLATE_ITEMS, PROJECT_ITEM]
    with ThreadPoolExecutor(max_workers=2) as pool:
        stacks = pool.map(lambda i: _stacks(directories[i], synth_settings), items)
        return dict(zip(items, stacks))


@pytest.fixture(scope="session")
def variant_diffs(ideal, variant_stacks) -> dict[str, TemplateDiff]:
    return {
        item_id: diff_templates(ideal, stacks, ATTRIBUTION)
        for item_id, stacks in variant_stacks.items()
    }


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


def test_model_response_evidences_items(ideal, model):
    result = diff_templates(ideal, model, ATTRIBUTION)
    evidenced = list(result.by_item())
    # The model response has no Lambda function, so item 18 does not apply.
    assert evidenced == [str(i) for i in range(1, 15)]


def test_model_response_unexplained_entries(ideal, model):
    result = diff_templates(ideal, model, ATTRIBUTION)
    unexplained = sorted(
        (e.role, e.path, e.ideal_value, e.model_value) for e in result.unexplained
    )
    # The ideal turns off public IPs on launch in its public subnets, and the
    # model keeps CDK's default. Both sides route these subnets to the internet
    # gateway. No taxonomy item requires the setting, so the entries stay
    # unexplained.
    assert unexplained == [
        (f"subnet(az=us-east-1{zone}, tier=public)", MAP_PUBLIC_IP, False, True)
        for zone in "ab"
    ]


def test_model_response_cidr_shift_is_item_1(ideal, model):
    result = diff_templates(ideal, model, ATTRIBUTION)
    shifted = sorted(
        (e.role, e.ideal_value, e.model_value, e.items)
        for e in result.entries
        if e.path == "Properties.CidrBlock"
    )
    # With two AZs the private subnets take the blocks from 10.0.2.0 on.
    assert shifted == [
        ("subnet(az=us-east-1a, tier=private)", "10.0.3.0/24", "10.0.2.0/24", ("1",)),
        ("subnet(az=us-east-1b, tier=private)", "10.0.4.0/24", "10.0.3.0/24", ("1",)),
    ]


def test_model_missing_zone_one_sided(ideal, model):
    result = diff_templates(ideal, model, ATTRIBUTION)
    one_sided = sorted(
        (e.kind, e.role, e.items)
        for e in result.entries
        if e.type == SUBNET and e.kind != "changed"
    )
    assert one_sided == [
        ("only_in_ideal", f"subnet(az=us-east-1c, tier={tier})", ("1",))
        for tier in ("private", "public")
    ]


def test_model_response_pairs_stay_within_tiers(ideal, model):
    result = diff_templates(ideal, model, ATTRIBUTION)
    _assert_tiers_kept(result, ideal, model, subnet_pairs=4)


@pytest.mark.parametrize("path", [RENAMED_DIR, TS_IDEAL_MD], ids=["renamed", "ts"])
def test_equivalent_responses_pair_within_tiers(ideal, synth_settings, path):
    other = _stacks(path, synth_settings)
    result = diff_templates(ideal, other, ATTRIBUTION)
    _assert_tiers_kept(result, ideal, other, subnet_pairs=6)


def test_variant_pairs_stay_within_tiers(ideal, variant_stacks, variant_diffs):
    for item_id, result in variant_diffs.items():
        stacks = variant_stacks[item_id]
        assert crossing_pairs(result, ideal, stacks) == [], item_id


def _assert_tiers_kept(result, ideal, model, subnet_pairs: int) -> None:
    """Every subnet pair has a tier on both sides, and no pair crosses tiers."""
    ideal_tiers, model_tiers = serving_tiers(ideal), serving_tiers(model)
    subnets = [pair for pair in result.pairs if pair.type == SUBNET]
    assert len(subnets) == subnet_pairs
    tiers = [
        (
            ideal_tiers[(pair.ideal.stack, pair.ideal.logical_id)],
            model_tiers[(pair.model.stack, pair.model.logical_id)],
        )
        for pair in subnets
    ]
    assert all(first == second for first, second in tiers), tiers
    assert {first for first, _ in tiers} == {"public", "private"}
    assert crossing_pairs(result, ideal, model) == []


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
