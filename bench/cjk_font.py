"""`python -m bench.cjk_font [SOURCE]`: rebuild the chart font, reporting/fonts/NotoSansCJKsc-Regular-subset.otf.

The charts draw indicator names, unit names typed by admins, numbers, month labels and status words in Chinese.
They use one font shipped with the package: Noto Sans CJK SC Regular (SIL Open Font License 1.1, see
reporting/fonts/OFL.txt) cut down with fontTools (a dependency of matplotlib) to

- every character of GB2312 (levels 1 and 2: 6,763 Hanzi, and its symbols, full-width forms, kana, Greek, Cyrillic),
- printable ASCII, Latin-1, general and CJK punctuation, full-width forms, the minus sign and a few marks,
- every character of the texts the project ships: the policy (knowledge/data/policy_jinan_2022.txt, the same text
  as shared/seeds/), the lexicon and indicator tables, the chart's own labels (reporting/*.py) and the generator's
  unit names (bench/units.py); extra files may be given with --text.

The source comes from Debian's package, nothing else is downloaded:

    apt-get install fonts-noto-cjk          # /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc, the default
    .venv/bin/python -m bench.cjk_font

or without installing it:

    apt-get download fonts-noto-cjk && dpkg-deb -x fonts-noto-cjk_*.deb /tmp/noto
    .venv/bin/python -m bench.cjk_font /tmp/noto/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

A standalone NotoSansCJKsc-Regular.otf works as SOURCE too. The same source gives the same bytes.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "reporting" / "fonts" / "NotoSansCJKsc-Regular-subset.otf"
DEFAULT_SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FAMILY = "Noto Sans CJK SC"
PROJECT_TEXTS = ("knowledge/data/*.txt", "knowledge/data/*.json", "reporting/data/*.json", "reporting/*.py",
                 "bench/units.py")
RANGES = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1: ° ± × · ÷ …
    (0x2010, 0x2027),  # dashes, quotes, bullets, ellipsis
    (0x2030, 0x203B),  # per mille, primes, ※
    (0x2160, 0x216B),  # Roman numerals Ⅰ–Ⅻ
    (0x2190, 0x2193),  # arrows
    (0x2460, 0x2473),  # ①–⑳
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0xFF01, 0xFF5E),  # full-width ASCII
    (0xFFE0, 0xFFE6),  # full-width signs ￥ ￡
)
# What HarfBuzz (matplotlib lays text out with libraqm) applies to horizontal text by default, less 'locl':
# the charts are Simplified Chinese, and the Japanese, Korean and Traditional forms would double the glyphs.
SHAPING_FEATURES = ("ccmp", "rlig", "rvrn", "calt", "clig", "liga", "kern", "mark", "mkmk")
SINGLES = "\u2103\u2116\u2212\u2215\u2236\u221e\u2264\u2265\u2248\u2260\u00d7\u25a1\u25cb\u25cf\u2605\u2606"


def gb2312() -> Iterator[str]:
    """Every character GB2312 encodes: rows 1–9 symbols, 16–55 level-1 and 56–87 level-2 Hanzi."""
    for lead in range(0xA1, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                yield bytes((lead, trail)).decode("gb2312")
            except UnicodeDecodeError:
                continue


def project_text(patterns: Iterable[str]) -> str:
    """The characters of the project's shipped texts (non-ASCII only; ASCII is kept whole anyway)."""
    chars: set[str] = set()
    for pattern in patterns:
        for path in sorted(ROOT.glob(pattern)):
            chars.update(c for c in path.read_text(encoding="utf-8") if ord(c) > 0x7F and c.isprintable())
    return "".join(sorted(chars))


def wanted(extra: Iterable[Path]) -> set[int]:
    """The code points the charts may draw."""
    points = {p for low, high in RANGES for p in range(low, high + 1)}
    points.update(ord(c) for c in SINGLES)
    points.update(ord(c) for c in gb2312())
    points.update(ord(c) for c in project_text(PROJECT_TEXTS))
    for path in extra:
        points.update(ord(c) for c in path.read_text(encoding="utf-8") if ord(c) > 0x7F and c.isprintable())
    return points


def open_source(path: Path) -> TTFont:
    """Noto Sans CJK SC from a .ttc collection (found by name) or a single .otf."""
    if path.suffix.lower() == ".ttc":
        for index, face in enumerate(TTCollection(str(path), lazy=True).fonts):
            if face["name"].getDebugName(1) == FAMILY:
                return TTFont(str(path), fontNumber=index, recalcTimestamp=False)
        raise SystemExit(f"{path} holds no {FAMILY!r}")
    font = TTFont(str(path), recalcTimestamp=False)
    if font["name"].getDebugName(1) != FAMILY:
        raise SystemExit(f"{path} is {font['name'].getDebugName(1)!r}, not {FAMILY!r}")
    return font


def build(source: Path, output: Path, extra: Iterable[Path] = ()) -> tuple[int, list[str]]:
    """Write the subset; return its glyph count and the wanted letters and digits the source does not have."""
    font = open_source(source)
    points = wanted(extra)
    mapped = font.getBestCmap()
    missing = sorted(chr(p) for p in points if p not in mapped and unicodedata.category(chr(p))[0] in "LN")
    options = subset.Options()
    options.name_IDs = ["*"]  # keep copyright, licence and trademark notices (OFL condition 2)
    options.hinting = False  # matplotlib auto-hints; the CFF hints are dead weight here
    options.notdef_outline = True  # a character outside the subset shows as a box, not as nothing
    options.drop_tables += ["vhea", "vmtx", "VORG"]  # horizontal text only
    options.layout_features = list(SHAPING_FEATURES)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[p for p in points if p in mapped])
    subsetter.subset(font)
    version = font["name"].getDebugName(5) or ""
    font["name"].setName(f"{version}; subset for the Jinan policy bot's charts", 5, 3, 1, 0x409)
    output.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(output))
    return len(font.getGlyphOrder()), missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cjk_font", description=__doc__.split("\n\n")[0])
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE,
                        help=f"NotoSansCJK-Regular.ttc or NotoSansCJKsc-Regular.otf (default {DEFAULT_SOURCE})")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"where to write (default {OUTPUT})")
    parser.add_argument("--text", type=Path, action="append", default=[],
                        help="also keep every character of this UTF-8 file (repeatable)")
    args = parser.parse_args(argv)
    if not args.source.exists():
        print(f"{args.source} not found: apt-get install fonts-noto-cjk, or pass the .ttc/.otf path", file=sys.stderr)
        return 2
    glyphs, missing = build(args.source, args.output, args.text)
    print(f"{args.output}: {glyphs} glyphs, {args.output.stat().st_size / 1e6:.2f} MB")
    if missing:
        print(f"not in the source font ({len(missing)}): {''.join(missing)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
