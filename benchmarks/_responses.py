"""Generate the benchmark's responses: variants of the bundled ideal apps."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from harness.ingest import ingest
from harness.tasks.pci_payment_vpc.variants import FLAWS, make_variant

REPO = Path(__file__).resolve().parents[1]
PY_IDEAL = REPO / "responses" / "ideal"
TS_IDEAL = REPO / "tests" / "fixtures" / "typescript" / "ideal.md"
PY_STACK = "lib/payment_vpc_stack.py"
TS_STACK = "lib/TapStack.ts"
# Broken responses: (name, file, old text, new text); `old` must occur once.
PY_BROKEN = [
    ("syntax", PY_STACK, 'VPC_CIDR = "10.0.0.0/16"', 'VPC_CIDR = ("10.0.0.0/16"'),
    ("missing-module", "app.py", "import aws_cdk as cdk", "import aws_cdk_v3 as cdk"),
    (
        "exception",
        PY_STACK,
        'VPC_CIDR = "10.0.0.0/16"',
        'VPC_CIDR = {"cidr": "10.0.0.0/16"}["block"]',
    ),
]
TS_BROKEN = [
    (
        "syntax",
        TS_STACK,
        "const VPC_CIDR = '10.0.0.0/16';",
        "const VPC_CIDR = ('10.0.0.0/16';",
    ),
    (
        "missing-module",
        "bin/tap.ts",
        "import { TapStack } from '../lib/TapStack';",
        "import { TapStack } from '../lib/TapStackV2';",
    ),
    (
        "exception",
        TS_STACK,
        "const VPC_CIDR = '10.0.0.0/16';",
        "const VPC_CIDR: string = JSON.parse('{')",
    ),
]


@dataclass(frozen=True)
class Response:
    """One benchmark response on disk."""

    name: str
    language: str
    path: Path
    broken: bool


def generate(root: Path, count: int, only: str | None) -> list[Response]:
    """Write `count` responses under `root`, half TypeScript and half Python.

    Each language gets its broken responses first, then variants of its ideal.
    """
    languages = [only] if only else ["typescript", "python"]
    per_language = {lang: count // len(languages) for lang in languages}
    per_language[languages[0]] += count - sum(per_language.values())
    responses: list[Response] = []
    for language in languages:
        maker = _typescript if language == "typescript" else _python
        responses.extend(maker(root / language, per_language[language]))
    return responses


def _python(root: Path, count: int) -> list[Response]:
    root.mkdir(parents=True, exist_ok=True)
    responses: list[Response] = []
    for name, path, old, new in PY_BROKEN[: max(0, min(len(PY_BROKEN), count - 1))]:
        target = _copy(PY_IDEAL, root / f"py-broken-{name}")
        _edit(target / path, old, new)
        responses.append(Response(f"py-broken-{name}", "python", target, True))
    flaws = list(FLAWS)
    index = 0
    while len(responses) < count:
        name = f"py-{index:03d}"
        flaw = flaws[index % len(flaws)]
        target = make_variant(flaw, PY_IDEAL, root / name)
        if index >= len(flaws):
            _vary_cidr(target / PY_STACK, '"10.0.0.0/16"', index, '"')
        responses.append(Response(name, "python", target, False))
        index += 1
    return responses


def _typescript(root: Path, count: int) -> list[Response]:
    root.mkdir(parents=True, exist_ok=True)
    ideal = root / "ideal"
    if not ideal.exists():
        ingest(TS_IDEAL).write_to(ideal)
    responses: list[Response] = []
    for name, path, old, new in TS_BROKEN[: max(0, min(len(TS_BROKEN), count - 1))]:
        target = _copy(ideal, root / f"ts-broken-{name}")
        _edit(target / path, old, new)
        responses.append(Response(f"ts-broken-{name}", "typescript", target, True))
    index = 0
    while len(responses) < count:
        name = f"ts-{index:03d}"
        target = _copy(ideal, root / name)
        _vary_cidr(target / TS_STACK, "'10.0.0.0/16'", index, "'")
        _edit(
            target / TS_STACK,
            "Project: 'PaymentGateway',",
            f"Project: 'Payments{index}',",
        )
        responses.append(Response(name, "typescript", target, False))
        index += 1
    return responses


def _copy(source: Path, target: Path) -> Path:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    if text.count(old) != 1:
        raise SystemExit(
            f"benchmark edit failed: expected {old!r} once in {path}, found "
            f"{text.count(old)}; update benchmarks/_responses.py for the new ideal"
        )
    path.write_text(text.replace(old, new))


def _vary_cidr(path: Path, literal: str, index: int, quote: str) -> None:
    """Replace the ideal's VPC CIDR with 10.<n>.0.0/16, unless a flaw changed it."""
    text = path.read_text()
    if text.count(literal) == 1:
        second = index % 250 + 1
        path.write_text(text.replace(literal, f"{quote}10.{second}.0.0/16{quote}"))
