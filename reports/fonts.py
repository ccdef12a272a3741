"""The report's own Chinese fonts: Noto Serif CJK SC cut down to the characters of GB 2312.

WeasyPrint embeds a subset of every font a PDF uses. Cutting that subset out of the 26 MB Noto Serif CJK
collection (65,535 glyphs in five languages) made a general branch's report take about twice as long as the
same report in a Latin font (scale bench). `build_report_fonts` (run by `make install`, or
`manage.py build_report_fonts`) writes the Simplified Chinese face with only GB 2312's 7,445 characters (all
6,763 hanzi of everyday Chinese, and its punctuation), ASCII and CJK punctuation, redrawn with TrueType
outlines: 5.5 MB each, and the report renders in about half the time. A character outside it (a rare character in a person's name, say) is
still set: the report's font list falls back to the whole Noto collection for that glyph.

The PDF template uses these files through @font-face when they exist, and the system's Noto fonts otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

SOURCE_DIR = Path("/usr/share/fonts/opentype/noto")
SIMPLIFIED_CHINESE = 2  # the face's index in Debian's NotoSerifCJK-*.ttc (JP, KR, SC, TC, HK)
FAMILY = "ReportSerif"
FACES = {"normal": "Regular", "bold": "Bold"}  # CSS font-weight → Noto's style name
# Besides GB 2312: ASCII, Latin-1, general punctuation, CJK punctuation, full-width forms
OTHER_RANGES = [(0x20, 0x7F), (0xA0, 0x100), (0x2000, 0x2070), (0x3000, 0x3040), (0xFF00, 0xFFF0)]


def font_path(style: str) -> Path:
    return Path(settings.REPORT_FONT_DIR) / f"{FAMILY}-{style}.ttf"


def _characters() -> str:
    gb2312 = set(_gb2312_characters())
    return "".join(sorted(gb2312 | {chr(code) for start, end in OTHER_RANGES for code in range(start, end)}))


def build_report_fonts(*, force: bool = False) -> list[Path]:
    """Write the cut-down faces that are missing or older than Noto's; returns the files written."""
    from fontTools import subset

    written = []
    characters = None
    for style in FACES.values():
        source = SOURCE_DIR / f"NotoSerifCJK-{style}.ttc"
        target = font_path(style)
        if not source.exists():
            continue
        if target.exists() and target.stat().st_mtime >= source.stat().st_mtime and not force and _current(target):
            continue
        characters = characters or _characters()
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        options = subset.Options(font_number=SIMPLIFIED_CHINESE, layout_features=["*"], hinting=False)
        font = subset.load_font(str(source), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=characters)
        subsetter.subset(font)
        _put_everyday_glyphs_first(font)
        _to_truetype(font)
        subset.save_font(font, str(partial), options)
        os.replace(partial, target)  # a half-written font is never picked up
        written.append(target)
    return written


def _current(path: Path) -> bool:
    """Whether a built face is this code's: an older build kept vertical metrics (and Noto's glyph order)."""
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True) as font:  # reads the table directory only
        return "vmtx" not in font


def _everyday_order() -> str:
    """Latin and punctuation, then GB 2312 in its own order: its symbols, its 3,755 everyday hanzi, the rest."""
    return "".join(chr(code) for start, end in OTHER_RANGES for code in range(start, end)) + "".join(
        _gb2312_characters())


def _gb2312_characters() -> list[str]:
    found = []
    for first in range(0xA1, 0xF8):
        for second in range(0xA1, 0xFF):
            try:
                found.append(bytes([first, second]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return found


def _put_everyday_glyphs_first(font) -> None:
    """Renumber the glyphs: .notdef, then those of `_everyday_order`, then the rest (forms reached through the
    layout features); and drop the vertical metrics, which horizontal text never reads.

    WeasyPrint keeps a glyph's number in the PDF's subset, so the subset holds an empty slot (metrics and an
    offset, ~10 bytes) for every glyph numbered below the highest one used: in Noto's order a report's subset held
    13,700 slots for 300 characters, and compressing those repetitive bytes at zlib level 9 cost more than
    compressing the outlines (scale bench). With everyday hanzi first a report rarely needs more than 4,700."""
    from fontTools.ttLib.reorderGlyphs import reorderGlyphs

    order = font.getGlyphOrder()
    cmap = font.getBestCmap()
    first = [order[0]]
    for character in _everyday_order():
        name = cmap.get(ord(character))
        if name is not None:
            first.append(name)
    first = list(dict.fromkeys(first))  # a glyph drawn for two characters keeps its first place
    placed = set(first)
    reorderGlyphs(font, first + [name for name in order if name not in placed])
    for table in ("vhea", "vmtx"):
        if table in font:
            del font[table]


def _to_truetype(font) -> None:
    """Redraw the CFF outlines as TrueType (quadratic) ones, at most 1/1000 em away from the cubic curves.

    WeasyPrint cuts a TrueType font for the PDF faster than a CFF one, and the PDF is half the size (the same
    report: 0.098 s → 0.089 s, 149 KB → 77 KB; the pages look the same).
    """
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    outlines = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(outlines)
        outlines[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    for table in ("CFF ", "VORG"):
        if table in font:
            del font[table]
    font.recalcBBoxes = True  # new outlines need their bounds computed (the subsetter loads fonts without)
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    post = font["post"]
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"


def font_faces_css() -> str:
    """@font-face rules for the faces that exist (nothing when the fonts were not built)."""
    rules = []
    for weight, style in FACES.items():
        path = font_path(style)
        if path.exists():
            rules.append(f'@font-face {{ font-family: "{FAMILY}"; font-weight: {weight}; '
                         f'src: url("{path.resolve().as_uri()}"); }}')
    return "\n".join(rules)


def report_font_family() -> str:
    """The report's font list: the cut-down face first when built, then the whole Noto collection."""
    noto = '"Noto Serif CJK SC", "Noto Sans CJK SC", serif'
    return f'"{FAMILY}", {noto}' if font_path(FACES["normal"]).exists() else noto
