"""What a cell of a cohort file or the people directory may hold, whatever the column:
no control characters
(a NUL, a line break inside a name, a right-to-left override that disguises what is
shown), and in a name no leading =, +, - or @, which a spreadsheet would run as a formula
when the directory is exported and opened again (`=HYPERLINK(...)` sends a click
elsewhere; `=cmd|...` has run programs).

Pure: each check returns the value or raises ValueError in words for the problem list.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator

# Characters that change how text is laid out or read without being seen.
_INVISIBLE_CONTROLS = frozenset(
    "\u2028\u2029"  # line and paragraph separators
    "\u202a\u202b\u202c\u202d\u202e"  # bidirectional embeddings and overrides
    "\u2066\u2067\u2068\u2069"  # bidirectional isolates
)
FORMULA_STARTS = ("=", "+", "-", "@")


def _described(character: str) -> str:
    name = unicodedata.name(character, "")
    code = f"U+{ord(character):04X}"
    return f"{code} {name}" if name else code


def no_control_characters(value: str) -> str:
    for position, character in enumerate(value, start=1):
        if unicodedata.category(character) == "Cc" or character in _INVISIBLE_CONTROLS:
            raise ValueError(
                f"holds a control character ({_described(character)}) at character "
                f"{position}: retype the cell; only printable text is taken"
            )
    return value


def not_a_formula(value: str) -> str:
    if value.startswith(FORMULA_STARTS):
        raise ValueError(
            f"starts with {value[0]!r}, which a spreadsheet runs as a formula: a name "
            "cannot start with =, +, - or @"
        )
    return value


# Free text: printable only.
Text = Annotated[str, AfterValidator(no_control_characters)]
# What the directory and exports show as a name: printable, and never a formula.
Name = Annotated[str, AfterValidator(no_control_characters), AfterValidator(not_a_formula)]
