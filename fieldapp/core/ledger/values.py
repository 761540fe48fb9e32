"""What a ledger prints for a stored value, and captured handwritten signatures drawn.

``format_value`` turns a field's stored value into its printed text: 元 with two decimals,
dates as 2026年3月5日, option labels, region full names, attachment names. ``SignatureDrawing``
draws a signature field's value: a PNG, or pen strokes as lines.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
from collections.abc import Mapping
from typing import Any

from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable

from fieldapp.core.forms.model import Field
from fieldapp.core.ledger import style as st
from fieldapp.core.values.money import format_yuan
from fieldapp.core.values.regions import RegionTable

# -- values ----------------------------------------------------------------------------------------


def region_name(regions: RegionTable, code: Any) -> str:
    """Full name of a region, e.g. 云南省昆明市五华区; the bare code when unknown."""
    if not isinstance(code, str):
        return str(code)
    try:
        return regions.full_name(code).replace(" ", "")
    except KeyError:
        return f"{code}（代码未收录）"


def format_value(f: Field, value: Any, regions: RegionTable, *, unit: bool = False) -> str:
    """A stored value as printed: 元 with two decimals, Chinese dates, option labels, names."""
    if value is None or value == "" or value == []:
        return ""
    kind = f.type
    if kind == "money":
        if isinstance(value, int) and not isinstance(value, bool):
            text = format_yuan(value)
            return f"{text} 元" if unit and "元" not in f.label else text
        return str(value)
    if kind == "date":
        return st.chinese_date(value) if isinstance(value, str) else str(value)
    if kind == "month":
        return st.chinese_month(value) if isinstance(value, str) else str(value)
    if kind == "select_one":
        return f.option_label(str(value))
    if kind == "select_multiple":
        items = value if isinstance(value, list) else [value]
        return "、".join(f.option_label(str(v)) for v in items)
    if kind == "region":
        return region_name(regions, value)
    if kind == "signature":
        return "（已签名）"
    if kind == "attachment":
        items = value if isinstance(value, list) else [value]
        kinds = {o.value: o.label for o in f.kinds}
        parts = []
        for item in items:
            if isinstance(item, Mapping):
                kind_label = kinds.get(str(item.get("kind") or ""), str(item.get("kind") or ""))
                name = str(item.get("name") or "")
                parts.append(f"{kind_label}：{name}" if kind_label else name)
        return "；".join(parts)
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


# -- handwritten signatures -------------------------------------------------------------------------


CANVAS = (600.0, 200.0)  # the GUI signature pad's coordinate space (fieldapp.ui.signature_pad)


class SignatureDrawing(Flowable):  # type: ignore[misc]
    """A captured handwritten signature: a PNG, or pen strokes drawn as lines (y grows down).

    Strokes within the signature pad's 600 × 200 canvas are placed as on the pad; other
    coordinates are fitted by their bounding box."""

    def __init__(self, value: Any, width: float, height: float) -> None:
        super().__init__()
        self.value, self.width, self.height = value, width, height

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return (self.width, self.height)

    def draw(self) -> None:
        value = self.value if isinstance(self.value, Mapping) else {}
        canvas = self.canv
        if "png" in value:
            try:
                raw = base64.b64decode(str(value["png"]), validate=True)
                image = ImageReader(io.BytesIO(raw))
            except (binascii.Error, ValueError, OSError):
                self._fallback("（签名图像无法显示）")
                return
            canvas.drawImage(
                image,
                1,
                1,
                self.width - 2,
                self.height - 2,
                preserveAspectRatio=True,
                anchor="c",
                mask="auto",
            )
            return
        drawn: Any = value.get("strokes")
        strokes = [
            [(float(p[0]), float(p[1])) for p in stroke if _is_point(p)]
            for stroke in (drawn if isinstance(drawn, list) else [])
            if isinstance(stroke, list)
        ]
        points = [p for stroke in strokes for p in stroke]
        if not points:
            self._fallback("")
            return
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        if min(xs) >= 0 and min(ys) >= 0 and max(xs) <= CANVAS[0] and max(ys) <= CANVAS[1]:
            # The signature pad's fixed canvas, kept whole: a signature prints as it was seen.
            left, top, span_x, span_y = 0.0, 0.0, CANVAS[0], CANVAS[1]
        else:
            left, top = min(xs), min(ys)
            span_x, span_y = max(xs) - left or 1.0, max(ys) - top or 1.0
        scale = min((self.width - 4) / span_x, (self.height - 4) / span_y)
        off_x = (self.width - span_x * scale) / 2
        off_y = (self.height - span_y * scale) / 2
        canvas.saveState()
        canvas.setStrokeColor(st.SIGNATURE_INK)
        canvas.setLineWidth(0.9)
        canvas.setLineCap(1)
        canvas.setLineJoin(1)
        for stroke in strokes:
            mapped = [
                (off_x + (x - left) * scale, self.height - off_y - (y - top) * scale)
                for x, y in stroke
            ]
            if len(mapped) == 1:
                x, y = mapped[0]
                canvas.circle(x, y, 0.5, stroke=1, fill=1)
                continue
            path = canvas.beginPath()
            path.moveTo(*mapped[0])
            for x, y in mapped[1:]:
                path.lineTo(x, y)
            canvas.drawPath(path, stroke=1, fill=0)
        canvas.restoreState()

    def _fallback(self, text: str) -> None:
        if text:
            self.canv.setFont(st.FONT, st.SMALL_SIZE)
            self.canv.drawString(2, self.height / 2 - 3, text)


def _is_point(p: Any) -> bool:
    """A pen position a draft may hold: two finite numbers (a draft keeps odd values too)."""
    if not isinstance(p, list | tuple) or len(p) != 2:
        return False
    try:
        return all(not isinstance(c, bool) and math.isfinite(float(c)) for c in p)
    except (TypeError, ValueError, OverflowError):
        return False


def has_signature(value: Any) -> bool:
    return isinstance(value, Mapping) and bool(value.get("png") or value.get("strokes"))
