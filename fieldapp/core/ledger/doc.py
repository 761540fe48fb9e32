"""The page machinery of a ledger: page groups numbered on their own, header and footer drawn
when a group's page count is known, lazily fed stories, and recorded positions.

A *group* is one household's ledger (or a batch's summary). Its pages are kept in memory only
until the group ends; then each gets the header (档案编号, name) and the footer "第 X 页 共 Y
页", and is written out. So page numbers need no second pass and memory stays bounded by one
household, however many households a batch holds. Zero-size marker flowables tell the canvas
where groups begin and end, where each form starts (for the cover's table of contents), and
where the electronic-signature boxes landed (for pyHanko, which adds the fields afterwards).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from reportlab.pdfbase.pdfdoc import PDFArray, PDFName, PDFStream
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from fieldapp.core.ledger import style as st


@dataclass(frozen=True)
class SignatureBox:
    """Where an electronic-signature stamp goes: page index (0-based) and a rectangle in PDF
    points, origin at the page's bottom-left corner."""

    role: str
    field_name: str
    page: int
    x: float
    y: float
    width: float
    height: float

    @property
    def rect(self) -> tuple[float, float, float, float]:
        return (self.x, self.y, self.x + self.width, self.y + self.height)


@dataclass
class PageGroup:
    """One separately numbered part of the document (a household's ledger, a batch summary)."""

    header_left: str
    header_right: str
    header_center: str
    footer_left: str = ""
    first_page: int = 0  # document page index (0-based) of the group's first page
    anchors: dict[str, int] = field(default_factory=dict)  # key -> page number in the group
    refs: list[tuple[int, str, float, float]] = field(default_factory=list)


@dataclass
class RenderLog:
    """What the build observed: pages written and signature boxes, by role."""

    pages: int = 0
    boxes: dict[str, SignatureBox] = field(default_factory=dict)
    groups: int = 0
    unprintable: tuple[str, ...] = ()
    """Characters the font lacks, as the layout reported them (set by the batch renderers)."""


class _CanvasState:
    """Mutable per-canvas bookkeeping kept out of the page-state snapshots (which copy
    ``Canvas.__dict__``): the object is shared by every snapshot, so restoring one never
    rolls it back."""

    def __init__(self, log: RenderLog) -> None:
        self.log = log
        self.pending: list[dict[str, Any]] = []
        self.group: PageGroup | None = None
        self.ends = False
        self.page_index = 0


class LedgerCanvas(Canvas):  # type: ignore[misc]
    """A canvas that holds a group's pages until the group ends, then numbers them."""

    def __init__(self, *args: Any, log: RenderLog | None = None, **kwargs: Any) -> None:
        # BaseDocTemplate passes these explicitly (None by default): without the CJK font here
        # every page's preamble would reference an unembedded Helvetica.
        kwargs["initialFontName"] = kwargs.get("initialFontName") or st.FONT
        kwargs["initialFontSize"] = kwargs.get("initialFontSize") or st.GRID_SIZE
        super().__init__(*args, **kwargs)
        self._ledger = _CanvasState(log or RenderLog())
        self.setAuthor("fieldapp 户户清")
        self.setCreator("fieldapp 户户清")
        self.setProducer("fieldapp 户户清 (reportlab)")

    @property
    def page_index(self) -> int:
        """0-based index, in the final document, of the page being drawn."""
        return self._ledger.page_index

    def begin_group(self, group: PageGroup) -> None:
        state = self._ledger
        if state.pending:  # a group that did not end itself: close it here
            self._flush()
        group.first_page = state.page_index
        state.group = group

    def end_group(self) -> None:
        self._ledger.ends = True

    def anchor(self, key: str) -> None:
        group = self._ledger.group
        if group is not None:
            group.anchors.setdefault(key, self._ledger.page_index - group.first_page + 1)

    def page_ref(self, key: str, x: float, y: float) -> None:
        group = self._ledger.group
        if group is not None:
            group.refs.append((self._ledger.page_index - group.first_page, key, x, y))

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        state = self._ledger
        state.pending.append(dict(self.__dict__))
        self._startPage()
        state.page_index += 1
        if state.ends:
            self._flush()

    def save(self) -> None:
        if self._ledger.pending:
            self._flush()
        super().save()

    def _flush(self) -> None:
        state = self._ledger
        current = dict(self.__dict__)
        pages, group = state.pending, state.group
        total = len(pages)
        for number, snapshot in enumerate(pages, 1):
            self.__dict__.update(snapshot)
            if group is not None:
                self._decorate(group, number, total)
            Canvas.showPage(self)
            self._compress_last_page()
        self.__dict__.update(current)
        state.pending = []
        state.ends = False
        state.log.pages += total
        state.log.groups += 1

    def _compress_last_page(self) -> None:
        """Deflate the page just written now rather than when the document is saved.

        reportlab keeps every page's drawing operators as text until ``save()``; for a batch of
        thousands of pages that, not the layout, is what grows. Compressed (the same bytes it
        would write, without the ASCII85 layer) a page takes a few KB instead of tens.
        """
        page = self._doc.Pages.pages[-1]
        stream = getattr(page, "stream", None)
        if not isinstance(stream, str) or page.Contents or not getattr(page, "compression", 0):
            return
        contents = PDFStream(content=zlib.compress(stream.encode("utf-8")))
        contents.dictionary["Filter"] = PDFArray([PDFName("FlateDecode")])
        contents.__Comment__ = "page stream"
        page.Contents = contents
        page.stream = None

    def _decorate(self, group: PageGroup, number: int, total: int) -> None:
        self.saveState()
        self.setFillColor(st.INK)
        self.setStrokeColor(st.RULE)
        top = st.PAGE_HEIGHT - st.TOP_MARGIN + 7
        left, right = st.LEFT_MARGIN, st.PAGE_WIDTH - st.RIGHT_MARGIN
        self.setFont(st.FONT, 8.5)
        self.drawString(left, top + 3, group.header_left)
        self.drawRightString(right, top + 3, group.header_right)
        self.drawCentredString((left + right) / 2, top + 3, group.header_center)
        self.setLineWidth(0.8)
        self.line(left, top, right, top)
        self.setLineWidth(0.3)
        self.line(left, top - 1.6, right, top - 1.6)
        bottom = st.BOTTOM_MARGIN - 16
        self.setFont(st.FONT, 9)
        self.drawCentredString((left + right) / 2, bottom, f"第 {number} 页 共 {total} 页")
        if group.footer_left:
            self.setFont(st.FONT, 7)
            self.setFillColor(st.MUTED)
            self.drawString(left, bottom, group.footer_left)
        self.setFillColor(st.INK)
        self.setFont(st.FONT, st.TABLE_SIZE)
        for page, key, x, y in group.refs:
            if page == number - 1 and key in group.anchors:
                self.drawCentredString(x, y, str(group.anchors[key]))
        self.restoreState()


# -- markers -------------------------------------------------------------------------------------


class _Marker(Flowable):  # type: ignore[misc]
    """A zero-size flowable that acts on the canvas when drawn."""

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return (0, 0)

    def act(self, canvas: LedgerCanvas) -> None:
        raise NotImplementedError

    def draw(self) -> None:
        canvas = self.canv
        if isinstance(canvas, LedgerCanvas):
            self.act(canvas)


class GroupStart(_Marker):
    def __init__(self, group: PageGroup) -> None:
        super().__init__()
        self.group = group

    def act(self, canvas: LedgerCanvas) -> None:
        canvas.begin_group(self.group)


class GroupEnd(_Marker):
    def act(self, canvas: LedgerCanvas) -> None:
        canvas.end_group()


class Anchor(_Marker):
    """Remembers the page (within the group) where a part such as a form begins."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key

    def act(self, canvas: LedgerCanvas) -> None:
        canvas.anchor(self.key)


class PageRef(Flowable):  # type: ignore[misc]
    """A table cell showing the page number of an anchor, filled in when the group ends."""

    def __init__(self, key: str, width: float = 20, height: float = 10) -> None:
        super().__init__()
        self.key, self.width, self.height = key, width, height

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return (self.width, self.height)

    def draw(self) -> None:
        canvas = self.canv
        if isinstance(canvas, LedgerCanvas):
            x, y = canvas.absolutePosition(self.width / 2, 1.5)
            canvas.page_ref(self.key, x, y)


class SignatureSlot(Flowable):  # type: ignore[misc]
    """The box an electronic-signature stamp will cover; records where it lands."""

    def __init__(self, role: str, field_name: str, width: float, height: float) -> None:
        super().__init__()
        self.role, self.field_name = role, field_name
        self.width, self.height = width, height

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return (self.width, self.height)

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.setStrokeColor(st.MUTED)
        canvas.setLineWidth(0.4)
        canvas.setDash(2, 2)
        canvas.rect(0, 0, self.width, self.height)
        canvas.setFillColor(st.MUTED)
        canvas.setFont(st.FONT, st.SMALL_SIZE)
        canvas.drawCentredString(self.width / 2, self.height / 2 - 3, "（电子签章处）")
        canvas.restoreState()
        if isinstance(canvas, LedgerCanvas):
            x0, y0 = canvas.absolutePosition(0, 0)
            x1, y1 = canvas.absolutePosition(self.width, self.height)
            canvas._ledger.log.boxes.setdefault(
                self.role,
                SignatureBox(
                    self.role,
                    self.field_name,
                    canvas.page_index,
                    round(x0, 2),
                    round(y0, 2),
                    round(x1 - x0, 2),
                    round(y1 - y0, 2),
                ),
            )


class Feed(_Marker):
    """Stands for the rest of a story, produced only when the build reaches it."""

    def __init__(self, source: Iterator[list[Flowable]]) -> None:
        super().__init__()
        self.source = source

    def act(self, canvas: LedgerCanvas) -> None:  # pragma: no cover - replaced before drawing
        pass


class LedgerDocTemplate(BaseDocTemplate):  # type: ignore[misc]
    """A4 portrait with one frame; expands Feed markers as the build reaches them."""

    def __init__(self, filename: Any, *, invariant: bool, title: str, **kwargs: Any) -> None:
        super().__init__(
            filename,
            pagesize=(st.PAGE_WIDTH, st.PAGE_HEIGHT),
            leftMargin=st.LEFT_MARGIN,
            rightMargin=st.RIGHT_MARGIN,
            topMargin=st.TOP_MARGIN,
            bottomMargin=st.BOTTOM_MARGIN,
            title=title,
            author="fieldapp 户户清",
            creator="fieldapp 户户清",
            invariant=1 if invariant else 0,
            initialFontName=st.FONT,
            initialFontSize=st.GRID_SIZE,
            **kwargs,
        )
        frame = Frame(
            st.LEFT_MARGIN,
            st.BOTTOM_MARGIN,
            st.FRAME_WIDTH,
            st.FRAME_HEIGHT,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
            id="body",
        )
        self.addPageTemplates([PageTemplate(id="page", frames=[frame])])

    def filterFlowables(self, flowables: list[Any]) -> None:  # noqa: N802 - reportlab's name
        while flowables and isinstance(flowables[0], Feed):
            feed = flowables[0]
            chunk = next(feed.source, None)
            flowables[0:1] = [*chunk, feed] if chunk is not None else [None]


def build(
    target: Any,
    story: list[Flowable],
    *,
    reproducible: bool,
    title: str,
    log: RenderLog,
) -> None:
    """Lay out ``story`` into ``target`` (a path or binary file object)."""
    st.ensure_fonts()
    doc = LedgerDocTemplate(target, invariant=reproducible, title=title)

    def make_canvas(*args: Any, **kwargs: Any) -> LedgerCanvas:
        return LedgerCanvas(*args, log=log, **kwargs)

    doc.build(story, canvasmaker=make_canvas)


ProgressCallback = Callable[[int, int], None]
CancelCallback = Callable[[], bool]
