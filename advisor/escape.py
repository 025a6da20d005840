"""Input text made safe to print: control characters escaped, shell words quoted.

Paths, column names and values come from files a pull request may have written; printed raw, a
newline followed by `::error ...` becomes a GitHub Actions workflow command, and an escape
sequence drives the terminal. Every output goes through these functions.
"""

from __future__ import annotations

import re
import shlex

#: Characters input text must not carry into any output: C0 and C1 controls (newlines and escape
#: sequences that would forge CI log lines or drive a terminal), DEL, Unicode line separators and
#: bidirectional overrides (text that reads differently than it is).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED_ESCAPES.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def escape_control(text: str) -> str:
    """`text` with every control character written as a visible escape (newline as `\\n`, ESC as
    `\\x1b`), so text from an input prints as one line of plain characters in every format.

    Escaping twice changes nothing more: backslashes already in the text are kept as they are.

    Args:
        text: Text that may come from an input (a path, a column name, a message quoting either).

    Returns:
        The escaped text (the same object when there is nothing to escape).
    """
    return _CONTROL.sub(_escape_one, text) if _CONTROL.search(text) else text


def shell_quote(word: str) -> str:
    """`word` as one shell word a user can copy: POSIX quoting, or bash's `$'...'` with escapes when
    it holds control characters (which plain quotes would print raw)."""
    if not _CONTROL.search(word):
        return shlex.quote(word)
    body = escape_control(word.replace("\\", "\\\\")).replace("'", "\\'")
    return f"$'{body}'"
