"""Chinese punctuation for text transcribed from the seed documents.

The seeds' text extraction left half-width ", " ":" ";" (and "(…)") inside Chinese sentences; a Chinese
page shows ，：；（…）. Only punctuation next to Chinese is changed: "1.5", "10:30", "2019—2023", "(1)"
and Latin text keep theirs. Used by the built-in data, its data migration and its test alike.
"""

from __future__ import annotations

import re

# Han characters, CJK punctuation (。、“”…) and full-width forms count as Chinese context.
_CHINESE = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\u201c\u201d\u2018\u2019"
_FULL_WIDTH = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}
# The mark with the spaces the extraction put around it, when Chinese stands right before or after it.
_MARK = re.compile(rf"(?<=[{_CHINESE}])[ \t]*([,:;?!])[ \t]*|[ \t]*([,:;?!])[ \t]*(?=[{_CHINESE}])")
# Half-width parentheses whose content has Chinese in it (not "(1)" or "(a)").
_PARENS = re.compile(rf"\(([^()\n]*[{_CHINESE}][^()\n]*)\)")


def full_width_punctuation(text: str) -> str:
    """`text` with the half-width ,:;?! and (…) of Chinese sentences made full-width. Idempotent."""
    text = _MARK.sub(lambda m: _FULL_WIDTH[m.group(1) or m.group(2)], text)
    return _PARENS.sub(r"（\1）", text)
