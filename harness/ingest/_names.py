"""Find the file name a response gives a code block.

A name comes, in order of precedence, from the fence's info string
(```` ```ts title="lib/x.ts" ````), from a path comment on the block's first
line, from the nearest heading or bold line above the block, or from a prose
line ending in a colon right above it ("Create `lib/x.ts`:"). An info string
whose first word is both a language and a file name (`makefile`) ranks last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.ingest._paths import leaves_project, looks_like_path

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(?P<text>.*?)\s*#*\s*$")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_BOLD_LINE = re.compile(r"^\*\*(?P<text>.+?)\*\*\s*:?\s*$|^__(?P<alt>.+?)__\s*:?\s*$")
_HTML_TITLE = re.compile(
    r"^(?:<details>\s*)?<(summary|b|strong)>\s*(?P<text>.*?)\s*</\1>\s*:?\s*$",
    re.IGNORECASE,
)
# Emoji and bullets that decorate a heading before the file name ("📄 cdk.json").
_DECORATION = re.compile(r"^[^\w.`/~\\]+")
_SETEXT_UNDERLINE = re.compile(r"^\s{0,3}(?:=+|-+)\s*$")
_LABEL = re.compile(r"^(?:file(?:\s*name)?|filename|path)\s*:\s*", re.IGNORECASE)
_BACKTICKED = re.compile(r"`([^`\s]+)`")
_PARENTHESIZED = re.compile(r"\(([^()\s]+)\)")
_NUMBERING = re.compile(r"^(?:step\s+)?\d+(?:\.\d+)*[.):]?\s+", re.IGNORECASE)
_INFO_ATTRIBUTE = re.compile(
    r"""(?:title|file(?:name)?|name|path)\s*=\s*(?:"([^"]+)"|'([^']+)'|(\S+))""",
    re.IGNORECASE,
)
_COMMENT_MARKER = re.compile(
    r"""^\s*(?:
        <!--\s*(?P<html>.*?)\s*-->
      | /\*\s*(?P<block>.*?)\s*\*/
      | (?://|\#(?!!)|--|;)\s*(?P<line>.*?)
    )\s*$""",
    re.VERBOSE,
)
_DESCRIPTION_SEPARATOR = re.compile(r"\s+(?:-|–|—|:|\()\s*|:\s+")
# Words in a heading that mark the block below as part of a file, even when
# the heading names the file, and words that mark an unnamed usage example.
_PARTIAL_WORDS = re.compile(
    r"\b(snippets?|excerpts?|partial|fragments?|changes|diff|patch)\b", re.IGNORECASE
)
_USAGE_WORDS = re.compile(r"\b(usage|examples?|samples?)\b", re.IGNORECASE)
# A heading that starts with a path followed by a description, such as
# "tap_stack.py - the stack" or "tap-stack.ts (main stack)".
_LEADING_PATH = re.compile(r"^`?(?P<path>[^\s`]+)`?\s+(?:\(|-|–|—|:)")


@dataclass(frozen=True)
class Announcement:
    """A name given to a block by the prose above it."""

    path: str | None
    line: int
    text: str
    strong: bool

    @property
    def suggests_fragment(self) -> bool:
        """Whether the heading introduces part of a file or a usage example."""
        if _PARTIAL_WORDS.search(self.text):
            return True
        return self.path is None and bool(_USAGE_WORDS.search(self.text))


@dataclass(frozen=True)
class PathMarker:
    """A comment line in a block that names the block's file."""

    index: int
    path: str
    removable: bool


def name_from_info(info: str) -> tuple[str | None, str | None]:
    """Return the language word and the file path that a fence's info string gives."""
    if not info:
        return None, None
    attribute = _INFO_ATTRIBUTE.search(info)
    words = info.replace("{", " ").replace("}", " ").split()
    language = words[0].lstrip(".").lower() if words else None
    if attribute:
        path = next(group for group in attribute.groups() if group)
        if language and "=" in language:
            language = None
        return language, path
    if language and ":" in language:
        language, _, path = words[0].partition(":")
        return language.lower() or None, path if looks_like_path(path) else None
    if language and looks_like_path(words[0]):
        return None, words[0]
    if len(words) > 1 and looks_like_path(words[1]) and "=" not in words[1]:
        return language, words[1]
    return language, None


def announcement_for(gap: list[tuple[int, str]]) -> Announcement | None:
    """Return the heading, bold line or colon prose line that names the next block.

    Headings end the search: a heading with no path means the block has no
    name from the prose. A colon prose line counts only right above the block.
    """
    nearest = True
    for position in range(len(gap) - 1, -1, -1):
        number, line = gap[position]
        if not line.strip():
            continue
        heading = heading_text(line)
        if (
            _SETEXT_UNDERLINE.match(line)
            and position > 0
            and gap[position - 1][1].strip()
        ):
            number, heading = gap[position - 1][0], gap[position - 1][1].strip()
        if heading is not None:
            return Announcement(_path_in_heading(heading), number, heading, True)
        if nearest and line.rstrip().endswith(":"):
            path = _path_in_prose(line)
            if path is not None:
                return Announcement(path, number, line.strip(), False)
        nearest = False
    return None


def heading_text(line: str) -> str | None:
    """Return the text of a heading, a bold-only line or a `File: x` line, else None."""
    match = _HEADING.match(line)
    if match and not line.lstrip().startswith("#!"):
        return match["text"]
    stripped = _LIST_MARKER.sub("", line.strip(), count=1)
    bold = _BOLD_LINE.match(stripped)
    if bold:
        return (bold["text"] or bold["alt"]).strip()
    if _LABEL.match(stripped):
        return stripped
    html = _HTML_TITLE.match(stripped)
    if html:
        return html["text"]
    return None


def _path_in_heading(text: str) -> str | None:
    text = _DECORATION.sub("", text.replace("**", "").strip()).rstrip(":").strip()
    candidates: list[str] = []
    labelled = _LABEL.sub("", _NUMBERING.sub("", text), count=1).strip()
    whole = labelled.strip("`").strip()
    if looks_like_path(whole):
        return whole
    for token in _BACKTICKED.findall(text) + _PARENTHESIZED.findall(text):
        token = token.strip("`")
        if looks_like_path(token):
            candidates.append(token)
    leading = _LEADING_PATH.match(labelled)
    if not candidates and leading and looks_like_path(leading["path"]):
        candidates.append(leading["path"])
    if not candidates:
        first = labelled.split()[0].strip("`") if labelled.split() else ""
        if labelled != text and looks_like_path(first):
            candidates.append(first)
    if not candidates:
        candidates = [t for t in text.split() if "/" in t and looks_like_path(t)]
    if not candidates:
        return _path_leaving_project(text, labelled)
    distinct = sorted(set(candidates))
    return distinct[0] if len(distinct) == 1 else None


def _path_leaving_project(text: str, labelled: str) -> str | None:
    """Return a heading's file name that points outside the project, if any.

    Such a name counts whatever its extension, so that it raises UnsafePathError
    instead of leaving its block unnamed. After a `File:` label the first word
    counts even when absolute. Elsewhere only a `..` path counts, because a
    heading such as `/health` is often an API route.
    """
    words = labelled.split()
    first = words[0].strip("`") if words else ""
    if _LABEL.match(_NUMBERING.sub("", text)) and leaves_project(first):
        return first
    for word in text.split():
        token = word.strip("`")
        if ".." in token and leaves_project(token):
            return token
    return None


def _path_in_prose(line: str) -> str | None:
    tokens = _BACKTICKED.findall(line)
    if not tokens:
        tokens = [token.strip(".,;:*()'\"") for token in line.split()]
    paths = sorted({token for token in tokens if looks_like_path(token)})
    return paths[0] if len(paths) == 1 else None


def find_path_marker(lines: list[str], language: str | None) -> PathMarker | None:
    """Return the path comment on the first line, or next to a `#!` line, if any.

    In a markdown block only an HTML comment counts, because `# x` is a title.
    """
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start >= len(lines):
        return None
    candidates = [start]
    if lines[start].startswith("#!"):
        candidates = [start + 1]
    elif start + 1 < len(lines) and lines[start + 1].startswith("#!"):
        candidates = [start]
    for index in candidates:
        if index < len(lines):
            marker = _marker_on(lines[index], index, language == "markdown")
            if marker is not None:
                return marker
    return None


def _marker_on(line: str, index: int, html_only: bool) -> PathMarker | None:
    match = _COMMENT_MARKER.match(line)
    if not match or (html_only and match["html"] is None):
        return None
    body = next(group for group in match.groups() if group is not None).strip()
    labelled = _LABEL.match(body) is not None
    body = _LABEL.sub("", body, count=1)
    parts = _DESCRIPTION_SEPARATOR.split(body, maxsplit=1)
    token = parts[0].strip().strip("`'\"")
    if labelled and leaves_project(token):
        return PathMarker(index=index, path=token, removable=True)
    if not looks_like_path(token):
        return None
    if not labelled and " " in parts[0].strip():
        return None
    removable = len(parts) == 1 or not parts[1].strip()
    return PathMarker(index=index, path=token, removable=removable)
