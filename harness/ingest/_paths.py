"""Recognize file paths in a response and reject the ones that are unsafe to write.

A path is safe when writing it under a project directory cannot touch anything
outside that directory or the directory's version control, on POSIX or Windows.
"""

from __future__ import annotations

import posixpath
import re

from harness.errors import UnsafePathError

MAX_SEGMENT_BYTES = 255
MAX_PATH_BYTES = 1024

# Extensions that a file of an infrastructure project plausibly has. A token
# such as "Node.js" or "v2.1" is only a path when its extension is listed here.
EXTENSIONS = frozenset(
    [
        "ts",
        "tsx",
        "mts",
        "cts",
        "js",
        "jsx",
        "mjs",
        "cjs",
        "py",
        "pyi",
        "json",
        "jsonc",
        "json5",
        "yaml",
        "yml",
        "md",
        "markdown",
        "txt",
        "toml",
        "cfg",
        "ini",
        "conf",
        "sh",
        "bash",
        "zsh",
        "ps1",
        "env",
        "lock",
        "html",
        "htm",
        "css",
        "scss",
        "sql",
        "tf",
        "tfvars",
        "hcl",
        "j2",
        "jinja",
        "xml",
        "csv",
        "properties",
        "gitignore",
        "npmignore",
        "dockerignore",
        "eslintrc",
        "prettierrc",
        "editorconfig",
        "nvmrc",
        "graphql",
        "gql",
        "proto",
        "template",
        "snap",
    ]
)
BARE_NAMES = frozenset(
    [
        "Makefile",
        "makefile",
        "GNUmakefile",
        "Dockerfile",
        "Pipfile",
        "Procfile",
        "Gemfile",
        "LICENSE",
        "Jenkinsfile",
        "Vagrantfile",
        "CODEOWNERS",
    ]
)
LANGUAGE_BY_EXTENSION = {
    "ts": "typescript",
    "tsx": "typescript",
    "mts": "typescript",
    "cts": "typescript",
    "js": "javascript",
    "jsx": "javascript",
    "mjs": "javascript",
    "cjs": "javascript",
    "py": "python",
    "pyi": "python",
    "json": "json",
    "jsonc": "json",
    "yaml": "yaml",
    "yml": "yaml",
    "md": "markdown",
    "markdown": "markdown",
    "sh": "shell",
    "bash": "shell",
    "zsh": "shell",
    "toml": "toml",
    "txt": "text",
}

_WINDOWS_DEVICES = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"COM{i}" for i in range(10)]
    + [f"LPT{i}" for i in range(10)]
)
_DRIVE = re.compile(r"^[A-Za-z]:")
_TOKEN_CHARS = re.compile(r"^[\w.@+~:/\\-]+$")


def looks_like_path(token: str) -> bool:
    """Return whether `token` reads as a file path (not whether it is safe)."""
    token = token.strip()
    if not token or len(token) > 4096 or not _TOKEN_CHARS.match(token):
        return False
    name = re.split(r"[/\\]", token)[-1]
    if name in BARE_NAMES:
        return True
    stem, dot, extension = name.rpartition(".")
    if not dot or extension.lower() not in EXTENSIONS:
        return False
    # ".gitignore" has an empty stem; "x.ts" has a stem; "..ts" is not a name.
    return stem != "." and not stem.endswith(".")


def leaves_project(token: str) -> bool:
    """Return whether `token` is a path that points outside a project directory.

    True for an absolute, home-relative or drive path and for a path whose `..`
    segments climb above its start to a file, whatever the file's extension. Such a name
    has no place in a response, so it must raise rather than be skipped.
    """
    token = token.strip()
    if not _TOKEN_CHARS.match(token) or not re.search(r"[/\\]", token):
        return False
    if _DRIVE.match(token) or token.startswith(("/", "\\", "~")):
        return True
    normalized = posixpath.normpath(token.replace("\\", "/"))
    # `../..` names a directory, as in `cd ../..`, not a file.
    return normalized.startswith("../") and not normalized.endswith("..")


def language_for(path: str) -> str | None:
    """Return the language implied by `path`'s extension, if any."""
    name = path.rsplit("/", 1)[-1]
    if name in BARE_NAMES:
        return "makefile" if name.lower().endswith("makefile") else None
    _, dot, extension = name.rpartition(".")
    return LANGUAGE_BY_EXTENSION.get(extension.lower()) if dot else None


def safe_path(raw: str) -> str:
    """Return `raw` as a normalized relative POSIX path, or raise UnsafePathError.

    `./lib/x.ts` becomes `lib/x.ts`, and `lib/../x.ts` becomes `x.ts`. A path
    is rejected when it is absolute, escapes with `..`, names a Windows drive
    or device, contains a NUL or control character, enters `.git`, or is too
    long for common file systems.
    """
    if "\0" in raw:
        raise _unsafe(raw, "it contains a NUL byte")
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in raw):
        raise _unsafe(raw, "it contains a control character")
    path = raw.strip()
    if not path:
        raise _unsafe(raw, "it is empty")
    if _DRIVE.match(path):
        raise _unsafe(raw, "it starts with a Windows drive letter")
    if path.startswith(("/", "\\")):
        raise _unsafe(raw, "it is absolute")
    if path.startswith("~"):
        raise _unsafe(raw, "it is relative to a home directory")
    had_backslash = "\\" in path
    path = path.replace("\\", "/")
    normalized = posixpath.normpath(path)
    if normalized == ".." or normalized.startswith("../"):
        segments = "backslash `..` segments" if had_backslash else "`..` segments"
        raise _unsafe(raw, f"its {segments} leave the project directory")
    if normalized in ("", ".") or path.endswith("/"):
        raise _unsafe(raw, "it names a directory, not a file")
    _check_segments(raw, normalized)
    return normalized


def _check_segments(raw: str, normalized: str) -> None:
    if len(normalized.encode()) > MAX_PATH_BYTES:
        raise _unsafe(raw, f"it is longer than {MAX_PATH_BYTES} bytes")
    for segment in normalized.split("/"):
        if len(segment.encode()) > MAX_SEGMENT_BYTES:
            raise _unsafe(
                raw,
                f"its segment {segment[:40]!r}... is over {MAX_SEGMENT_BYTES} bytes",
            )
        if segment.lower() == ".git":
            raise _unsafe(raw, "it points into the .git directory")
        if ":" in segment:
            raise _unsafe(raw, "it contains ':' (a Windows drive or stream name)")
        device = segment.split(".", 1)[0].rstrip(" ").upper()
        if device in _WINDOWS_DEVICES:
            raise _unsafe(raw, f"{segment!r} is a Windows device name")


def _unsafe(raw: str, reason: str) -> UnsafePathError:
    quoted = raw if len(raw) <= 200 else raw[:200] + "..."
    return UnsafePathError(
        f"unsafe file path {quoted!r} in the response: {reason}; "
        "a response may only name relative paths inside its own project"
    )
