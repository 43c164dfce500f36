#!/usr/bin/env python3
"""Render a terminal capture with ANSI colours (`tmux capture-pane -p -e`) to a PNG.

Usage: render_ansi.py [--cols N] [--rows N] [--size PX] IN.ans OUT.png

Needs only Pillow (pip install pillow) and fonts on disk:
  - DejaVu Sans Mono (Debian: fonts-dejavu-core) for the text,
  - a CJK font for Hangul and other East Asian Wide characters
    (Debian: fonts-noto-cjk, or fonts-nanum),
  - DejaVu Sans as a fallback for symbols the monospace font lacks.

What it understands: SGR only (ESC [ ... m), which is all tmux writes with -e: reset, bold,
dim, italic, underline, reverse, hidden, strike-through and their resets; the 16 colours
(30-37, 90-97, 40-47, 100-107), 256 colours (38;5;n / 48;5;n) and truecolor
(38;2;r;g;b / 48;2;r;g;b), with ';' or ':' separators. Other escape sequences are skipped.

Cells: East Asian Wide and Fullwidth characters take two cells (unicodedata), combining marks
none, everything else one, as tmux counts them. Box-drawing characters (U+2500-U+257F) and
block elements (U+2580-U+259F) are drawn as lines and rectangles filling the cell, so borders
join with no gaps whatever the font's line height.
"""

import argparse
import os
import re
import sys
import unicodedata

from PIL import Image, ImageDraw, ImageFont

# Dark background, readable palette. Index 8 ("DarkGray", netview's borders and dim text) is
# kept light enough to read; 4 (blue) works as text on the background and as a selection
# background under white text.
DEFAULT_BG = (0x16, 0x18, 0x1D)
DEFAULT_FG = (0xD8, 0xD8, 0xD8)
PALETTE16 = [
    (0x10, 0x10, 0x10),  # 0 black
    (0xE0, 0x55, 0x55),  # 1 red
    (0x6C, 0xC0, 0x4A),  # 2 green
    (0xE0, 0xB8, 0x30),  # 3 yellow
    (0x3D, 0x7F, 0xE0),  # 4 blue
    (0xC0, 0x74, 0xD8),  # 5 magenta
    (0x3C, 0xC0, 0xC8),  # 6 cyan
    (0xC8, 0xC8, 0xC8),  # 7 white
    (0x80, 0x88, 0x94),  # 8 bright black (dark gray)
    (0xFF, 0x70, 0x70),  # 9 bright red
    (0x90, 0xE8, 0x70),  # 10 bright green
    (0xFF, 0xE8, 0x60),  # 11 bright yellow
    (0x80, 0xAA, 0xFF),  # 12 bright blue
    (0xE8, 0x90, 0xFF),  # 13 bright magenta
    (0x70, 0xE8, 0xF0),  # 14 bright cyan
    (0xFF, 0xFF, 0xFF),  # 15 bright white
]

FONT_DIRS = [
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/opentype/noto",
    "/usr/share/fonts/truetype/noto",
    "/usr/share/fonts/opentype/noto-cjk",
    "/usr/share/fonts/truetype/nanum",
]
MONO = ("DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf")
FALLBACK = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
# (regular, bold, face index inside a .ttc: 1 is "Noto Sans CJK KR")
CJK = [
    ("NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc", 1),
    ("NotoSansCJKkr-Regular.otf", "NotoSansCJKkr-Bold.otf", 0),
    ("NanumGothicCoding.ttf", "NanumGothicCodingBold.ttf", 0),
    ("NanumGothic.ttf", "NanumGothicBold.ttf", 0),
]


def find_font(name):
    for d in FONT_DIRS:
        p = os.path.join(d, name)
        if os.path.exists(p):
            return p
    return None


def color256(n):
    if n < 16:
        return PALETTE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    v = 8 + 10 * (n - 232)
    return (v, v, v)


class Attr:
    __slots__ = ("fg", "bg", "bold", "dim", "italic", "underline", "reverse", "hidden", "strike")

    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = None  # None = default, else (r, g, b)
        self.bg = None
        self.bold = self.dim = self.italic = self.underline = False
        self.reverse = self.hidden = self.strike = False

    def copy(self):
        a = Attr()
        for s in Attr.__slots__:
            setattr(a, s, getattr(self, s))
        return a


def apply_sgr(attr, params):
    """params: the text between ESC[ and m."""
    if params == "":
        attr.reset()
        return
    # Split on ';' and treat ':' sub-parameters (38:2::r:g:b, 38:5:n) like ';' ones.
    groups = params.split(";")
    vals = []
    for g in groups:
        if ":" in g:
            sub = [x for x in g.split(":")]
            # 38:2:<colourspace>:r:g:b has an extra (often empty) field
            if len(sub) == 6 and sub[1] == "2":
                sub = sub[:2] + sub[3:]
            vals.extend(int(x) if x else 0 for x in sub)
        else:
            vals.append(int(g) if g else 0)
    i = 0
    while i < len(vals):
        v = vals[i]
        if v == 0:
            attr.reset()
        elif v == 1:
            attr.bold = True
        elif v == 2:
            attr.dim = True
        elif v == 3:
            attr.italic = True
        elif v in (4, 21):
            attr.underline = True
        elif v == 7:
            attr.reverse = True
        elif v == 8:
            attr.hidden = True
        elif v == 9:
            attr.strike = True
        elif v == 22:
            attr.bold = attr.dim = False
        elif v == 23:
            attr.italic = False
        elif v == 24:
            attr.underline = False
        elif v == 27:
            attr.reverse = False
        elif v == 28:
            attr.hidden = False
        elif v == 29:
            attr.strike = False
        elif 30 <= v <= 37:
            attr.fg = PALETTE16[v - 30]
        elif 90 <= v <= 97:
            attr.fg = PALETTE16[v - 90 + 8]
        elif 40 <= v <= 47:
            attr.bg = PALETTE16[v - 40]
        elif 100 <= v <= 107:
            attr.bg = PALETTE16[v - 100 + 8]
        elif v == 39:
            attr.fg = None
        elif v == 49:
            attr.bg = None
        elif v in (38, 48) and i + 1 < len(vals):
            mode = vals[i + 1]
            col = None
            if mode == 5 and i + 2 < len(vals):
                col = color256(vals[i + 2] & 255)
                i += 2
            elif mode == 2 and i + 4 < len(vals):
                col = tuple(x & 255 for x in vals[i + 2:i + 5])
                i += 4
            else:
                i += 1
            if col is not None:
                if v == 38:
                    attr.fg = col
                else:
                    attr.bg = col
        i += 1


def char_width(ch):
    if unicodedata.combining(ch) or ch in "\u200b\u200c\u200d\ufe0f":
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


ESC_RE = re.compile(r"\x1b(?:\[([0-9;:?<=>]*)([@-~])|\][^\x07\x1b]*(?:\x07|\x1b\\)|[()][0-9A-Za-z]|.)")


def parse(text, cols, rows):
    """Return a rows x cols grid of (char, Attr) cells; a wide char's second cell is None."""
    blank = Attr()
    grid = [[(" ", blank) for _ in range(cols)] for _ in range(rows)]
    attr = Attr()
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for y, line in enumerate(lines[:rows]):
        x = 0
        pos = 0
        while pos < len(line):
            ch = line[pos]
            if ch == "\x1b":
                m = ESC_RE.match(line, pos)
                if m:
                    if m.group(2) == "m":
                        apply_sgr(attr, m.group(1) or "")
                    pos = m.end()
                    continue
                pos += 1
                continue
            pos += 1
            if ch == "\r" or ch < " ":
                continue
            w = char_width(ch)
            if w == 0:
                if x > 0:  # combining mark: attach to the previous cell
                    px = x - 1
                    if grid[y][px] is None and px > 0:
                        px -= 1
                    c, a = grid[y][px]
                    grid[y][px] = (c + ch, a)
                continue
            if x + w > cols:
                break
            grid[y][x] = (ch, attr.copy())
            if w == 2:
                grid[y][x + 1] = None
            x += w
        # tmux trims trailing blanks; the rest of the row keeps the default background.
    return grid


class Fonts:
    def __init__(self, size, mono=None, cjk=None):
        mono_r = mono or find_font(MONO[0])
        if not mono_r:
            sys.exit("render_ansi.py: DejaVu Sans Mono not found (apt-get install fonts-dejavu-core)")
        mono_b = find_font(MONO[1]) if not mono else mono
        self.mono = [ImageFont.truetype(mono_r, size), ImageFont.truetype(mono_b or mono_r, size)]
        fb = [find_font(FALLBACK[0]), find_font(FALLBACK[1])]
        self.fallback = [ImageFont.truetype(p, size) if p else None for p in fb]
        asc, desc = self.mono[0].getmetrics()
        self.cell_w = int(round(self.mono[0].getlength("M")))
        # A CJK glyph is 1 em wide and gets two cells (1.2 em of DejaVu Sans Mono): draw it a
        # little larger, about 90% of the two cells, as terminals with a CJK font set do.
        cjk_size = max(size, int(2 * self.cell_w * 0.9))
        self.cjk = [None, None]
        self.cjk_name = None
        cands = [(cjk, cjk, 0)] if cjk else CJK
        for reg, bold, idx in cands:
            rp = reg if os.path.isabs(reg) else find_font(reg)
            if not rp:
                continue
            bp = bold if os.path.isabs(bold) else find_font(bold)
            self.cjk = [ImageFont.truetype(rp, cjk_size, index=idx),
                        ImageFont.truetype(bp or rp, cjk_size, index=idx)]
            self.cjk_name = self.cjk[0].getname()
            break
        self.cell_h = asc + desc + 1
        self.baseline = asc
        self._missing = {}
        self._notdef = {}

    def _bitmap(self, font, ch):
        im = Image.new("L", (self.cell_w * 4, self.cell_h * 2), 0)
        ImageDraw.Draw(im).text((self.cell_w, self.cell_h), ch, font=font, fill=255, anchor="ls")
        return im.tobytes()

    def _has(self, font, ch):
        """Does font have a glyph for ch? Compared with what it draws for a code point no
        font has (its .notdef box)."""
        key = (id(font), ch)
        if key not in self._missing:
            if id(font) not in self._notdef:
                self._notdef[id(font)] = self._bitmap(font, "\U0010fffd")
            self._missing[key] = self._bitmap(font, ch) != self._notdef[id(font)]
        return self._missing[key]

    def pick(self, ch, bold):
        b = 1 if bold else 0
        wide = char_width(ch[0]) == 2
        order = []
        if wide:
            order += [self.cjk[b], self.fallback[b], self.mono[b]]
        else:
            order += [self.mono[b], self.fallback[b], self.cjk[b]]
        for f in order:
            if f is not None and self._has(f, ch[0]):
                return f
        return self.mono[b]


def box_weights(ch):
    """(left, right, up, down) for a box-drawing char: 0 none, 1 light, 2 heavy, 3 double;
    plus a flag for rounded corners. None if this char is not a plain line char."""
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return None
    if not name.startswith("BOX DRAWINGS "):
        return None
    toks = name[len("BOX DRAWINGS "):].split()
    if any(t in ("DASH", "DIAGONAL", "TRIPLE", "QUADRUPLE", "DOUBLE-DASH") for t in toks):
        return None
    arc = "ARC" in toks
    toks = [t for t in toks if t not in ("ARC", "AND")]
    weights = {"LIGHT": 1, "SINGLE": 1, "HEAVY": 2, "DOUBLE": 3}
    dirs = {"LEFT": "l", "RIGHT": "r", "UP": "u", "DOWN": "d",
            "HORIZONTAL": "lr", "VERTICAL": "ud"}
    out = {"l": 0, "r": 0, "u": 0, "d": 0}
    prefix = toks and toks[0] in weights
    cur = 1
    pending = []
    for t in toks:
        if t in weights:
            if prefix:
                cur = weights[t]
            else:
                for d in pending:
                    out[d] = weights[t]
                pending = []
        elif t in dirs:
            if prefix:
                for d in dirs[t]:
                    out[d] = cur
            else:
                pending.extend(dirs[t])
        else:
            return None
    for d in pending:
        out[d] = cur
    return (out["l"], out["r"], out["u"], out["d"]), arc


def draw_box(draw, x, y, w, h, ch, fg):
    res = box_weights(ch)
    if res is None:
        return False
    (l, r, u, d), _arc = res
    t1 = max(1, round(w / 6))  # light: 2 px in a 10 px cell (1 px vanishes when scaled down)
    t2 = 2 * t1  # heavy
    cx = x + w // 2
    cy = y + h // 2

    def thick(wt):
        return t1 if wt == 1 else t2

    # How far a segment runs past the centre so that corners and tees join squarely.
    hv = max(u, d)
    hh = max(l, r)
    ext_h = (thick(hv) + 1) // 2 if hv and hv != 3 else (t1 * 2 if hv == 3 else 0)
    ext_v = (thick(hh) + 1) // 2 if hh and hh != 3 else (t1 * 2 if hh == 3 else 0)
    gap = max(2, t1 * 2)  # distance between the two strokes of a double line

    def hseg(x0, x1, wt):
        if wt == 3:
            for off in (-gap // 2 - t1 + 1, gap // 2):
                draw.rectangle([x0, cy + off, x1, cy + off + t1 - 1], fill=fg)
        else:
            th = thick(wt)
            y0 = cy - th // 2
            draw.rectangle([x0, y0, x1, y0 + th - 1], fill=fg)

    def vseg(y0, y1, wt):
        if wt == 3:
            for off in (-gap // 2 - t1 + 1, gap // 2):
                draw.rectangle([cx + off, y0, cx + off + t1 - 1, y1], fill=fg)
        else:
            th = thick(wt)
            x0 = cx - th // 2
            draw.rectangle([x0, y0, x0 + th - 1, y1], fill=fg)

    if l:
        hseg(x, cx + ext_h - 1 if (u or d) else cx, l)
    if r:
        hseg(cx - ext_h if (u or d) else cx, x + w - 1, r)
    if u:
        vseg(y, cy + ext_v - 1 if (l or r) else cy, u)
    if d:
        vseg(cy - ext_v if (l or r) else cy, y + h - 1, d)
    return True


def draw_block(draw, x, y, w, h, ch, fg, bg):
    o = ord(ch)
    if not 0x2580 <= o <= 0x259F:
        return False
    if o == 0x2580:  # upper half
        draw.rectangle([x, y, x + w - 1, y + h // 2 - 1], fill=fg)
    elif 0x2581 <= o <= 0x2588:  # lower 1/8 .. full
        n = o - 0x2580
        top = y + h - round(h * n / 8)
        draw.rectangle([x, top, x + w - 1, y + h - 1], fill=fg)
    elif 0x2589 <= o <= 0x258F:  # left 7/8 .. 1/8
        n = 0x2590 - o
        draw.rectangle([x, y, x + max(1, round(w * n / 8)) - 1, y + h - 1], fill=fg)
    elif o == 0x2590:  # right half
        draw.rectangle([x + w // 2, y, x + w - 1, y + h - 1], fill=fg)
    elif 0x2591 <= o <= 0x2593:  # shades
        k = (o - 0x2590) / 4
        col = tuple(round(b + (f - b) * k) for f, b in zip(fg, bg))
        draw.rectangle([x, y, x + w - 1, y + h - 1], fill=col)
    elif o == 0x2594:  # upper 1/8
        draw.rectangle([x, y, x + w - 1, y + max(1, h // 8) - 1], fill=fg)
    elif o == 0x2595:  # right 1/8
        draw.rectangle([x + w - max(1, w // 8), y, x + w - 1, y + h - 1], fill=fg)
    else:  # quadrants 2596..259F: bits UL, UR, LL, LR
        quads = {0x2596: "0010", 0x2597: "0001", 0x2598: "1000", 0x2599: "1011",
                 0x259A: "1001", 0x259B: "1110", 0x259C: "1101", 0x259D: "0100",
                 0x259E: "0110", 0x259F: "0111"}[o]
        hw, hh = w // 2, h // 2
        boxes = [(x, y, x + hw - 1, y + hh - 1), (x + hw, y, x + w - 1, y + hh - 1),
                 (x, y + hh, x + hw - 1, y + h - 1), (x + hw, y + hh, x + w - 1, y + h - 1)]
        for bit, b in zip(quads, boxes):
            if bit == "1":
                draw.rectangle(b, fill=fg)
    return True


def render(grid, fonts, pad=8):
    rows, cols = len(grid), len(grid[0])
    cw, chh = fonts.cell_w, fonts.cell_h
    img = Image.new("RGB", (cols * cw + 2 * pad, rows * chh + 2 * pad), DEFAULT_BG)
    draw = ImageDraw.Draw(img)
    cells = []
    for yy, row in enumerate(grid):
        for xx, cell in enumerate(row):
            if cell is None:
                continue
            ch, a = cell
            w = 2 if char_width(ch[0]) == 2 else 1
            fg = a.fg if a.fg is not None else DEFAULT_FG
            bg = a.bg if a.bg is not None else DEFAULT_BG
            if a.reverse:
                fg, bg = bg, fg
            if a.dim:
                fg = tuple((f + b) // 2 for f, b in zip(fg, bg))
            px, py = pad + xx * cw, pad + yy * chh
            if bg != DEFAULT_BG:
                draw.rectangle([px, py, px + w * cw - 1, py + chh - 1], fill=bg)
            cells.append((px, py, w, ch, a, fg, bg))
    # Text after all backgrounds, so a glyph that overhangs its cell is not painted over.
    for px, py, w, ch, a, fg, bg in cells:
        if a.hidden:
            continue
        if ch != " ":
            if not (draw_box(draw, px, py, cw * w, chh, ch[0], fg)
                    or draw_block(draw, px, py, cw * w, chh, ch[0], fg, bg)):
                font = fonts.pick(ch, a.bold)
                adv = font.getlength(ch)
                ox = px + (w * cw - adv) / 2 if adv < w * cw else px
                if adv > w * cw + 1:  # too wide (a proportional fallback glyph): squeeze
                    glyph = Image.new("L", (int(adv) + 2, chh), 0)
                    ImageDraw.Draw(glyph).text((0, fonts.baseline), ch, font=font, fill=255, anchor="ls")
                    glyph = glyph.resize((w * cw, chh), Image.LANCZOS)
                    img.paste(fg, (px, py), glyph)
                else:
                    draw.text((ox, py + fonts.baseline), ch, font=font, fill=fg, anchor="ls")
        if a.underline:
            uy = py + fonts.baseline + 2
            draw.line([px, uy, px + w * cw - 1, uy], fill=fg)
        if a.strike:
            sy = py + chh // 2
            draw.line([px, sy, px + w * cw - 1, sy], fill=fg)
    return img


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--cols", type=int, default=0, help="columns (default: widest line)")
    ap.add_argument("--rows", type=int, default=0, help="rows (default: number of lines)")
    ap.add_argument("--size", type=int, default=16, help="font size in pixels (default 16)")
    ap.add_argument("--font", help="monospace font file (default DejaVu Sans Mono)")
    ap.add_argument("--cjk-font", help="font file for wide characters (default Noto Sans CJK KR)")
    ap.add_argument("--max-bytes", type=int, default=300_000,
                    help="if the PNG is larger, save it with a 256-colour palette")
    args = ap.parse_args()

    with open(args.input, encoding="utf-8", errors="replace") as f:
        text = f.read()
    plain = ESC_RE.sub("", text).rstrip("\n").split("\n")
    cols = args.cols or max(sum(char_width(c) for c in line) for line in plain)
    rows = args.rows or len(plain)
    fonts = Fonts(args.size, args.font, args.cjk_font)
    if fonts.cjk[0] is None and any(char_width(c) == 2 for c in "".join(plain)):
        print("render_ansi.py: warning: no CJK font found (apt-get install fonts-noto-cjk)",
              file=sys.stderr)
    img = render(parse(text, cols, rows), fonts)
    img.save(args.output, optimize=True)
    if os.path.getsize(args.output) > args.max_bytes:
        img.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(args.output, optimize=True)
    print(f"{args.output}: {img.width}x{img.height}, {os.path.getsize(args.output) // 1024} KiB")


if __name__ == "__main__":
    main()
