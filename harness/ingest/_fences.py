"""Split a markdown document into fenced code blocks and the prose between them.

Fences follow CommonMark (backticks or tildes, three or more, closed by a fence
of the same character at least as long) with two additions that real responses
need. A fence may be indented to any depth, as inside list items, and its
indentation is removed from the block's lines. A markdown block (a README) may
contain fences of the same length, which are treated as nested, so an inner
```` ```bash ```` does not end the outer block.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_TREE_CHARS = ("├", "└", "│", "┌", "┐")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+\S")
# Level 2+ headings mark README sections; a level-1 "# x" is also a shell comment.
_SECTION = re.compile(r"^\s{0,3}#{2,6}\s+\S")


@dataclass(frozen=True)
class Fence:
    """One fence line: its indentation, marker character and length, info string."""

    indent: int
    char: str
    length: int
    info: str

    def closes(self, other: Fence) -> bool:
        """Return whether this fence line can close a block opened by `other`."""
        return not self.info and self.char == other.char and self.length >= other.length


@dataclass
class Block:
    """A fenced code block with the markdown line number of each of its lines."""

    open_line: int
    fence: Fence
    lines: list[tuple[int, str]] = field(default_factory=list)
    close_line: int | None = None
    gap: list[tuple[int, str]] = field(default_factory=list)
    # The line of the next file's heading that ended a block left unclosed.
    cut_at: int | None = None

    @property
    def info(self) -> str:
        return self.fence.info


def parse_fence(line: str) -> Fence | None:
    """Return the fence on `line`, or None when the line is not a fence."""
    match = _FENCE.match(line)
    if not match:
        return None
    marker = match["fence"]
    info = match["info"].strip()
    if marker[0] == "`" and "`" in info:
        return None
    indent = len(match["indent"].expandtabs(4))
    return Fence(indent=indent, char=marker[0], length=len(marker), info=info)


def split_blocks(
    lines: Sequence[str],
    is_markdown: Callable[[Fence, list[tuple[int, str]]], bool],
    names_file: Callable[[str], bool] = lambda line: False,
) -> tuple[list[Block], list[tuple[int, str]], list[str]]:
    """Return the fenced blocks of `lines`, the prose after the last one, warnings.

    `is_markdown(fence, gap)` returns whether a block opened by `fence` after
    the prose `gap` contains markdown, whose same-length inner fences then nest.
    `names_file(line)` returns whether a line is a heading that names a file.
    A code block that is still open at such a heading followed by an opening
    fence was left unclosed, so it ends before the heading.
    """
    blocks: list[Block] = []
    warnings: list[str] = []
    gap: list[tuple[int, str]] = []
    index = 0
    while index < len(lines):
        fence = parse_fence(lines[index])
        if fence is None:
            gap.append((index + 1, lines[index]))
            index += 1
            continue
        block = Block(open_line=index + 1, fence=fence, gap=gap)
        nested = is_markdown(fence, gap)
        index = _read_block(lines, index + 1, block, nested, names_file)
        if block.cut_at is not None:
            warnings.append(
                f"the code block opened at markdown line {block.open_line} is not "
                f"closed before the file heading at line {block.cut_at}; it was "
                "ended there"
            )
        elif block.close_line is None:
            warnings.append(
                f"the code block opened at markdown line {block.open_line} is never "
                "closed; it was read to the end of the document"
            )
        blocks.append(block)
        gap = []
    return blocks, gap, warnings


def _read_block(
    lines: Sequence[str],
    start: int,
    block: Block,
    nested: bool,
    names_file: Callable[[str], bool],
) -> int:
    """Fill `block` from `lines[start:]`; return the index after its closing fence."""
    inner: list[Fence] = []
    for index in range(start, len(lines)):
        text = lines[index]
        fence = parse_fence(text)
        if fence is not None and not nested and fence.info:
            heading = _trailing_heading(block, names_file)
            if heading is not None and _can_nest(fence, block.fence):
                return _cut(block, heading)
        if fence is not None and nested:
            if inner and fence.closes(inner[-1]):
                inner.pop()
            elif not inner and fence.closes(block.fence):
                if not _bare_fence_opens_inner(lines, index, block.fence):
                    block.close_line = index + 1
                    return index + 1
                inner.append(fence)
            elif not inner and fence.info and _can_nest(fence, block.fence):
                inner.append(fence)
        elif fence is not None and fence.closes(block.fence):
            block.close_line = index + 1
            return index + 1
        block.lines.append((index + 1, _dedent(text, block.fence.indent)))
    return len(lines)


def _trailing_heading(block: Block, names_file: Callable[[str], bool]) -> int | None:
    """Return the position in `block.lines` of a file heading ending it, if any."""
    for position in range(len(block.lines) - 1, -1, -1):
        text = block.lines[position][1]
        if text.strip():
            return position if names_file(text) else None
    return None


def _cut(block: Block, position: int) -> int:
    """End `block` before `block.lines[position]`; return that line's index."""
    number = block.lines[position][0]
    del block.lines[position:]
    while block.lines and not block.lines[-1][1].strip():
        block.lines.pop()
    block.cut_at = number
    return number - 1


def _can_nest(fence: Fence, outer: Fence) -> bool:
    return fence.char == outer.char and fence.length >= outer.length


def _dedent(text: str, indent: int) -> str:
    """Remove up to `indent` columns of leading whitespace, as list items require."""
    removed = 0
    position = 0
    while position < len(text) and removed < indent and text[position] in " \t":
        removed += 4 - removed % 4 if text[position] == "\t" else 1
        position += 1
    return text[position:]


def _bare_fence_opens_inner(lines: Sequence[str], index: int, outer: Fence) -> bool:
    """Decide whether a bare fence inside a markdown block opens an inner block.

    Both readings are balanced in the common case (README, inner tree, outer
    close), so the decision weighs the lines around the fence. A closing fence
    is usually followed by a blank line, a heading or the next block. An inner
    opening fence is usually followed by code or a directory tree.

    NOTE: a README closed right before a short non-sentence line ("Done")
    that is followed later by a pair of bare fences is read as still open.
    """
    following = lines[index + 1] if index + 1 < len(lines) else None
    previous = lines[index - 1] if index > 0 else ""
    close_score = 0
    inner_score = 0
    if (
        following is None
        or not following.strip()
        or _HEADING.match(following)
        or following.strip().startswith(("**", "---"))
    ):
        close_score += 2
    elif following.lstrip().startswith(_TREE_CHARS + ("$ ",)):
        inner_score += 3
    elif _reads_as_sentence(following):
        close_score += 1
    else:
        inner_score += 1
    if previous.rstrip().endswith(":"):
        inner_score += 2
    close_score, inner_score = _weigh_later_fences(
        lines, index, outer, close_score, inner_score
    )
    return inner_score > close_score


def _weigh_later_fences(
    lines: Sequence[str], index: int, outer: Fence, close_score: int, inner_score: int
) -> tuple[int, int]:
    """Add the evidence of the next two fences after `index` to both scores."""
    later = _next_fences(lines, index + 1, outer, limit=2)
    if not later:
        # Reading the fence as an inner opening would leave the README unclosed.
        return close_score + 3, inner_score
    first_index, first = later[0]
    if first.info:
        # An inner block would have to contain this opening fence as text.
        return close_score + 3, inner_score
    body = lines[index + 1 : first_index]
    if any(_SECTION.match(line) for line in body):
        close_score += 2
    if len(later) < 2:
        return close_score + 3, inner_score
    return close_score, inner_score + 1


def _next_fences(
    lines: Sequence[str], start: int, outer: Fence, limit: int
) -> list[tuple[int, Fence]]:
    found: list[tuple[int, Fence]] = []
    for index in range(start, len(lines)):
        fence = parse_fence(lines[index])
        if fence is not None and fence.char == outer.char:
            found.append((index, fence))
            if len(found) == limit:
                break
    return found


def _reads_as_sentence(line: str) -> bool:
    words = line.split()
    return (
        len(words) >= 4 and line.lstrip()[:1].isupper() and line.rstrip()[-1:] in ".:!"
    )
