"""Settings of one synthesis."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from harness.errors import ConfigError

Isolation = Literal["strict", "standard", "none"]
ISOLATION_LEVELS = ("strict", "standard", "none")


@dataclass(frozen=True)
class SynthSettings:
    """How to synthesize: the target environment, limits, and caching.

    `isolation="standard"` runs the app with rlimits and, when `unshare -n`
    works, without network access, in a warm worker process that has served
    other apps (checked for leaked state) when the language is TypeScript or
    Python; `"strict"` is the same containment in a fresh process per app;
    `"none"` is warm without the network namespace. `typecheck` type-checks
    a TypeScript app first and fails it with `type_error`, as ts-node does.
    `cache_dir` defaults to `<harness home>/synth` and `work_dir` (where
    temporary copies go) to the system's temporary directory. `extra_env` is
    added to the scrubbed environment; it cannot replace the CDK variables
    the harness sets.
    """

    region: str = "us-east-1"
    account: str = "123456789012"
    timeout: float = 120.0
    memory_mb: int = 4096
    output_mb: int = 256
    use_cache: bool = True
    extra_context: dict[str, Any] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)
    isolation: Isolation = "standard"
    max_lookup_rounds: int = 3
    work_dir: Path | None = None
    cache_dir: Path | None = None
    keep_work_dir: bool = False
    typecheck: bool = False

    def __post_init__(self) -> None:
        if self.isolation not in ISOLATION_LEVELS:
            raise ConfigError(
                f"invalid isolation {self.isolation!r}; "
                f"expected one of {ISOLATION_LEVELS}"
            )
        if self.timeout <= 0:
            raise ConfigError(f"invalid timeout {self.timeout!r}; expected seconds > 0")
        if self.memory_mb < 256:
            raise ConfigError(f"invalid memory_mb {self.memory_mb!r}; expected >= 256")
        if not (self.account.isdigit() and len(self.account) == 12):
            raise ConfigError(f"invalid account {self.account!r}; expected 12 digits")
        if self.max_lookup_rounds < 1:
            raise ConfigError(
                f"invalid max_lookup_rounds {self.max_lookup_rounds!r}; expected >= 1"
            )
        for key, value in self.extra_env.items():
            if not isinstance(value, str):
                raise ConfigError(f"extra_env[{key!r}] must be a string, got {value!r}")

    def output_key(self) -> dict[str, Any]:
        """Return the settings that can change the outcome, for the cache key."""
        return {
            "region": self.region,
            "account": self.account,
            "memory_mb": self.memory_mb,
            "output_mb": self.output_mb,
            "extra_context": self.extra_context,
            "extra_env": self.extra_env,
            "isolation": self.isolation,
            "max_lookup_rounds": self.max_lookup_rounds,
            **({"typecheck": True} if self.typecheck else {}),
        }
