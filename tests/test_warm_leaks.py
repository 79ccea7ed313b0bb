"""A response that changes shared state does not change a later response's template."""

from __future__ import annotations

import pytest
from synth_support import require_toolchain
from warm_support import py_clean, py_leaky, templates, ts_clean, ts_leaky

from harness.synth import SynthSettings, synthesize
from harness.synth.warm import WarmPool

pytestmark = pytest.mark.slow

KINDS = ("class", "global", "env", "module")
# Environment changes are undone after every app instead of reported.
REPORTED = {"class", "global", "module"}
LEAK_WARNING = "changed state that outlives it"


@pytest.fixture(scope="module")
def pool():
    require_toolchain()
    with WarmPool(size=1) as warm:
        yield warm


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return SynthSettings(use_cache=False, work_dir=tmp_path_factory.mktemp("work"))


@pytest.fixture(scope="module")
def clean_templates(pool, settings):
    found = {}
    for language, clean in (("typescript", ts_clean()), ("python", py_clean())):
        result = synthesize(clean, settings)
        assert result.error is None, result.error
        found[language] = templates(result)
    return found


def _leak_then_clean(leaky, clean, settings):
    leaked = synthesize(leaky, settings)
    after = synthesize(clean, settings)
    return leaked, after


@pytest.mark.parametrize("kind", KINDS)
def test_typescript_leak_contained(kind, pool, settings, clean_templates):
    leaked, after = _leak_then_clean(ts_leaky(kind), ts_clean(), settings)
    assert leaked.error is None, leaked.error
    assert after.error is None, after.error
    assert templates(after) == clean_templates["typescript"]
    warned = any(LEAK_WARNING in warning for warning in leaked.warnings)
    assert warned == (kind in REPORTED), leaked.warnings


@pytest.mark.parametrize("kind", KINDS)
def test_python_leak_contained(kind, pool, settings, clean_templates):
    leaked, after = _leak_then_clean(py_leaky(kind), py_clean(), settings)
    assert leaked.error is None, leaked.error
    assert after.error is None, after.error
    assert templates(after) == clean_templates["python"]
    warned = any(LEAK_WARNING in warning for warning in leaked.warnings)
    assert warned == (kind in REPORTED), leaked.warnings


@pytest.mark.parametrize("leaky", [ts_leaky, py_leaky], ids=["typescript", "python"])
def test_leaky_patch_applies_to_itself(leaky, pool, settings):
    leaked = synthesize(leaky("class"), settings)
    (stack,) = leaked.stacks
    assert "Kind" in stack.template["Outputs"]
    assert "'Leaked'" in str(stack.template), "the app's own patch must still apply"


def test_clean_template_shows_clean_values(clean_templates):
    for language, found in clean_templates.items():
        (template,) = found
        assert '"Value": "none"' in template, language
        assert '"Value": "clean"' in template, language
        assert '"RetentionInDays": 7' in template, language
        assert "Leaked" not in template, language


def test_python_child_process_reported(pool, settings, clean_templates):
    spawn = 'import subprocess\nsubprocess.Popen(["sleep", "30"])\n'
    leaky = py_leaky("env")
    leaky.files["app.py"] = type(leaky.files["app.py"])(
        "app.py", spawn + leaky.files["app.py"].text
    )
    leaked, after = _leak_then_clean(leaky, py_clean(), settings)
    assert leaked.error is None, leaked.error
    assert any("child processes left running" in w for w in leaked.warnings)
    assert templates(after) == clean_templates["python"]
