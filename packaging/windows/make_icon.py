"""Make huhuqing.ico (the installer's, the launcher's and the shortcuts' icon) from the Debian
package's huhuqing.svg, so both platforms show the same picture. Run once when the SVG changes;
the .ico is committed because the build must not need Qt on the build machine.

    python make_icon.py SVG ICO     (needs PySide6 with QtSvg: the development venv has it)

An .ico is a directory of images: 16–48 px as 32-bit BMP (what Windows' shell reads fastest, and
what NSIS requires of an installer icon), 256 px as PNG (Vista and later).
"""

from __future__ import annotations

import struct
import sys

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

SIZES = (16, 24, 32, 48, 256)


def render(svg: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    svg.render(painter)
    painter.end()
    return image


def bmp_entry(image: QImage) -> bytes:
    """A BITMAPINFOHEADER, BGRA rows bottom-up, then the 1-bit AND mask (all zero: alpha rules)."""
    size = image.width()
    header = struct.pack("<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, 0, 0, 0, 0, 0)
    rows = b"".join(bytes(image.constScanLine(y))[: size * 4] for y in range(size - 1, -1, -1))
    mask_row = ((size + 31) // 32) * 4
    return header + rows + b"\0" * mask_row * size


def png_entry(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def main(svg_path: str, ico_path: str) -> None:
    _app = QGuiApplication([])
    svg = QSvgRenderer(svg_path)
    entries = [
        (size, png_entry(img) if size >= 256 else bmp_entry(img))
        for size in SIZES
        for img in [render(svg, size)]
    ]
    offset = 6 + 16 * len(entries)
    directory, blobs = b"", b""
    for size, blob in entries:
        edge = 0 if size >= 256 else size  # 0 means 256
        directory += struct.pack("<BBBBHHII", edge, edge, 0, 0, 1, 32, len(blob), offset)
        offset += len(blob)
        blobs += blob
    with open(ico_path, "wb") as out:
        out.write(struct.pack("<HHH", 0, 1, len(entries)) + directory + blobs)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
