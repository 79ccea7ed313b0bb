"""The harness's exception tree and the classified outcomes of a failed response.

An exception from this module means the harness could not do its work. What a
response did wrong (it does not compile, it hangs) is a `ResponseError` value
carried in a result, never raised past the stage that found it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Literal

Blame = Literal["model", "harness"]


class HarnessError(Exception):
    """Root of the harness's own errors; `exit_code` is what the CLI exits with."""

    exit_code = 3


class ConfigError(HarnessError):
    """A setting, option or config file value is invalid."""

    exit_code = 2


class UnsafePathError(HarnessError):
    """A response names a file outside its own project (absolute, `..`, link)."""

    exit_code = 2


class ToolchainError(HarnessError):
    """The Node toolchain or a Python package the harness needs is missing."""

    exit_code = 3


class ErrorClass(str, Enum):
    """Class of failure that left a response without usable templates."""

    UNPARSEABLE_RESPONSE = "unparseable_response"
    UNSAFE_PATH = "unsafe_path"
    NO_ENTRY_POINT = "no_entry_point"
    SYNTAX_ERROR = "syntax_error"
    TYPE_ERROR = "type_error"
    MISSING_MODULE = "missing_module"
    APP_EXCEPTION = "app_exception"
    NO_STACKS = "no_stacks"
    TIMEOUT = "timeout"
    OUT_OF_MEMORY = "out_of_memory"
    OUTPUT_LIMIT = "output_limit"
    INVALID_TEMPLATE = "invalid_template"
    SANDBOX_VIOLATION = "sandbox_violation"
    HARNESS_ERROR = "harness_error"

    @property
    def blame(self) -> Blame:
        return "harness" if self is ErrorClass.HARNESS_ERROR else "model"


@dataclass(frozen=True)
class ResponseError:
    """A classified failure of one response, with where in the response it arose."""

    error_class: ErrorClass
    message: str
    file: str | None = None
    line: int | None = None
    detail: str = ""

    @property
    def blame(self) -> Blame:
        return self.error_class.blame

    def to_dict(self) -> dict:
        return {
            "error_class": self.error_class.value,
            "blame": self.blame,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ResponseError:
        return cls(
            error_class=ErrorClass(data["error_class"]),
            message=data["message"],
            file=data.get("file"),
            line=data.get("line"),
            detail=data.get("detail", ""),
        )
