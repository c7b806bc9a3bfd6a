"""Characters that make text display differently from what it says.

A bidirectional override turns ``USD ‮000,01‬`` into what a reader sees as "USD 10,000" while
every program reads 000,01; a zero-width space splits a defined term so a search for it fails.
Partner values refuse them; a returned document carrying them gets a deviation for each.
"""

from __future__ import annotations

import re
import unicodedata

#: Bidirectional formatting characters (Unicode's Bidi_Control set) and the invisible
#: zero-width characters: joiners, spaces, word joiner, invisible operators, byte-order mark.
INVISIBLE = re.compile("[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def first_invisible(text: str) -> tuple[int, str] | None:
    """(position, character) of the first invisible or direction-changing character."""
    match = INVISIBLE.search(text)
    return (match.start(), match.group()) if match else None


def name_char(char: str) -> str:
    """'U+202E (RIGHT-TO-LEFT OVERRIDE)'."""
    return f"U+{ord(char):04X} ({unicodedata.name(char, 'unnamed character')})"
