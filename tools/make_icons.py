"""Draw the application icon (resources/icons): the character 户 in white on union red, a gold tick.

Run once after changing the design (`python tools/make_icons.py`); the PNG and ICO files it writes
are committed, so building the installers needs no image tools. The glyph comes from the font the
app ships (resources/fonts), so the icon looks the same on every machine that regenerates it.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "resources" / "icons"
FONT = REPO / "resources" / "fonts" / "wqy-microhei.ttc"
RED = (200, 16, 46, 255)
GOLD = (255, 209, 0, 255)
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256)


def draw(size: int = 1024) -> Image.Image:
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    margin = size // 32
    pen.rounded_rectangle(
        (margin, margin, size - margin, size - margin), radius=size // 6, fill=RED
    )
    font = ImageFont.truetype(str(FONT), int(size * 0.72))
    pen.text((size * 0.47, size * 0.47), "户", font=font, fill="white", anchor="mm")
    w = size // 14
    tick = [(size * 0.62, size * 0.74), (size * 0.71, size * 0.83), (size * 0.88, size * 0.60)]
    pen.line(tick, fill=GOLD, width=w, joint="curve")
    return image


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    big = draw()
    for px in PNG_SIZES:
        big.resize((px, px), Image.Resampling.LANCZOS).save(OUT / f"huhuqing-{px}.png")
    big.resize((256, 256), Image.Resampling.LANCZOS).save(
        OUT / "huhuqing.ico", sizes=[(px, px) for px in PNG_SIZES]
    )
    print(f"icons written to {OUT}")


if __name__ == "__main__":
    main()
