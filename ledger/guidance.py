"""What a checklist template says to do, offered where a branch plans: the measures a category lists, split into
suggested measures (参考措施) that the measure form offers one by one.

The seeds number their measures three ways: the county plan ①②③ inside one paragraph, the report-review plan
一是、二是、三是 (once with no punctuation before 二是), the college plan "1." at the start of a line. A text that is not
a numbered list (the province plan's tasks) gives no suggestions: it is guidance, shown whole.
"""

from __future__ import annotations

import re

CIRCLED = [chr(code) for code in range(0x2460, 0x2474)]  # ① … ⑳
CHINESE_NUMBERS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]
ORDINALS = [f"{number}是" for number in CHINESE_NUMBERS]
# Lines that say who leads and by when, not what to do (the report-review plan ends each problem with them).
NOT_A_MEASURE = re.compile(r"^\s*(责任领导|责任单位|责任人|整改时限)\s*[：:]")
TRIM = " \t\r\n；;，,、"


def _positions_in_sequence(text: str, markers: list[str]) -> list[tuple[int, int]]:
    """(start, end) of markers found in order: the first, then the second after it, and so on."""
    found, at = [], 0
    for marker in markers:
        start = text.find(marker, at)
        if start < 0:
            break
        found.append((start, start + len(marker)))
        at = start + len(marker)
    return found


def _numbered_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of "1." "2." … at the start of a line, in sequence."""
    found, at = [], 0
    for number in range(1, 21):
        match = re.compile(rf"(?m)^[ \t]*{number}[.．、]").search(text, at)
        if match is None:
            break
        found.append(match.span())
        at = match.end()
    return found


def _piece(text: str) -> str:
    lines = [line for line in text.splitlines() if not NOT_A_MEASURE.match(line)]
    return "\n".join(lines).strip(TRIM)


def measure_suggestions(text: str) -> list[str]:
    """The measures a category's text lists, one suggestion each, without their numbers; [] when not a list."""
    for positions in (_positions_in_sequence(text, CIRCLED), _positions_in_sequence(text, ORDINALS),
                      _numbered_lines(text)):
        if len(positions) >= 2:
            ends = [start for start, _ in positions[1:]] + [len(text)]
            pieces = [_piece(text[end:next_start]) for (_, end), next_start in zip(positions, ends, strict=True)]
            return [piece for piece in pieces if piece]
    return []
