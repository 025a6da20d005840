"""Carry a re-rendered document's edits back onto the original text, line by line.

A round-trip library re-renders a whole file, and may change lines nobody edited (`null` written
as nothing, a list indented by another offset). Rendering the document twice, once as loaded
(`baseline`) and once edited (`modified`), tells exactly which lines the edits changed; those changes
are applied to the original text and every other line is kept byte for byte.
"""

from __future__ import annotations

import difflib


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _line_map(original: list[str], baseline: list[str]) -> dict[int, int]:
    """Baseline line index -> original line index, where the two correspond one to one.

    Boundaries (the position before each line, and the end) are mapped for every block, so an
    insertion between lines always finds its place.
    """
    if original == baseline:
        return {index: index for index in range(len(baseline) + 1)}
    mapping: dict[int, int] = {}
    matcher = difflib.SequenceMatcher(None, baseline, original, autojunk=False)
    for tag, b1, b2, o1, o2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and b2 - b1 == o2 - o1):
            for offset in range(b2 - b1):
                mapping[b1 + offset] = o1 + offset
        mapping.setdefault(b1, o1)
        if tag == "insert":  # lines only the original has (comments the library dropped) follow the
            mapping.setdefault(b2, o1)  # baseline's lines: an edit of those lines ends before them
        else:
            mapping[b2] = o2
    return mapping


def _keep_comment_spacing(new: str, old: str) -> str:
    """`new` with its trailing comment where `old` had it, when both end in the same comment (a
    round-trip library writes one space where the user aligned comments): at the same column when
    the edited code ends before it, else after the same spacing as before."""
    new_at, old_at = new.rfind(" #"), old.rfind(" #")
    if new_at < 0 or old_at < 0 or new[new_at:].strip() != old[old_at:].strip():
        return new
    code, comment = new[:new_at].rstrip(), new[new_at:].lstrip()
    old_code_end = len(old[:old_at].rstrip())
    column = old_at + 1  # where the old comment's '#' stood
    if len(code) < column:
        return code + " " * (column - len(code)) + comment
    return code + old[old_code_end:old_at + 1] + comment


def _shift(lines: list[str], delta: int) -> list[str]:
    if delta == 0:
        return lines
    shifted = []
    for line in lines:
        if delta > 0 and line.strip():
            shifted.append(" " * delta + line)
        elif delta < 0:
            shifted.append(line[min(-delta, _indent(line)):])
        else:
            shifted.append(line)
    return shifted


def _insertion_delta(new_first: str, b_start: int, baseline: list[str], original: list[str],
                     mapping: dict[int, int]) -> int:
    """How much the original indents a sibling of an inserted block more than the baseline does."""
    want = _indent(new_first)
    for index in range(b_start - 1, -1, -1):
        line = baseline[index]
        if not _is_content(line):
            continue
        if _indent(line) < want:
            break  # reached the parent without meeting a sibling
        if _indent(line) == want and index in mapping:
            return _indent(original[mapping[index]]) - want
    return 0


def _before_trailing_comments(out: list[str], position: int, indent: int) -> int:
    """Move an insertion point up over blank lines and over comments that are not indented deeper
    than the inserted lines (those introduce what follows), so a new item joins its siblings."""
    while position > 0:
        line = out[position - 1]
        stripped = line.strip()
        if not stripped or (stripped.startswith("#") and _indent(line) <= indent):
            position -= 1
            continue
        break
    return position


def _trailing_blanks(lines: list[str]) -> int:
    count = 0
    while count < len(lines) and not lines[-1 - count].strip():
        count += 1
    return count


def _is_section(line: str) -> bool:
    """A top-level key line (`model:`), for YAML."""
    return bool(line.strip()) and line[0] not in " \t#-\n"


def _sections_spaced(lines: list[str]) -> bool:
    """Whether the file separates its top-level sections with blank lines."""
    return any(_is_section(line) and not lines[index - 1].strip() for index, line in enumerate(lines) if index)


def _space_section(block: list[str], out: list[str], position: int) -> list[str]:
    """Surround a new top-level section with blank lines where its neighbours have content."""
    if position > 0 and out[position - 1].strip():
        block = ["\n"] + block
    if position < len(out) and _is_section(out[position]):
        block = block + ["\n"]
    return block


def merge_lines(original: str, baseline: str, modified: str, comments: bool = True) -> str | None:
    """Apply the changes from `baseline` to `modified` onto `original`.

    Args:
        original: The file as the user wrote it.
        baseline: The unedited document re-rendered by the format's library.
        modified: The edited document rendered by the same library.
        comments: Whether `#` starts a comment line in this format (YAML, TOML).

    Returns:
        The original text with the edited lines changed, or None when the baseline strays too far
        from the original to place an edit (the caller then uses `modified` as it is).
    """
    newline = "\r\n" if "\r\n" in original else "\n"
    o_lines = original.replace("\r\n", "\n").splitlines(keepends=True)
    b_lines = baseline.splitlines(keepends=True)
    m_lines = modified.splitlines(keepends=True)
    if b_lines == m_lines:
        return original
    for lines in (o_lines, b_lines, m_lines):
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
    mapping = _line_map(o_lines, b_lines)
    spaced = comments and _sections_spaced(o_lines)
    out = list(o_lines)
    opcodes = difflib.SequenceMatcher(None, b_lines, m_lines, autojunk=False).get_opcodes()
    for tag, b1, b2, m1, m2 in reversed(opcodes):
        if tag == "equal":
            continue
        if b1 not in mapping or b2 not in mapping:
            return None
        o1, o2 = mapping[b1], mapping[b2]
        new = m_lines[m1:m2]
        if tag == "insert":
            delta = _insertion_delta(new[0], b1, b_lines, o_lines, mapping)
            if comments:
                o1 = o2 = _before_trailing_comments(out, o1, _indent(new[0]) + delta)
            new = _shift(new, delta)
            if spaced and _is_section(new[0]):
                new = _space_section(new, out, o1)
        else:
            delta = _indent(o_lines[o1]) - _indent(b_lines[b1]) if o1 < len(o_lines) else 0
            new = _shift(new, delta)
            if comments and len(new) == o2 - o1:
                new = [_keep_comment_spacing(line, before) for line, before in zip(new, out[o1:o2])]
            # Blank lines that separated the replaced lines from what follows stay.
            new = new + ["\n"] * max(0, _trailing_blanks(out[o1:o2]) - _trailing_blanks(new))
            if spaced and new and _is_section(new[0]) and not _is_section(b_lines[b1]):
                new = _space_section(new, out, o1)
        out[o1:o2] = new
    text = "".join(out)
    if not original.endswith(("\n", "\r")) and text.endswith("\n"):
        text = text[:-1]
    return text.replace("\n", newline) if newline != "\n" else text
