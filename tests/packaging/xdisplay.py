"""A private X display for driving an installed GUI the way a user does: Xvfb on a free display
number (``-displayfd``: Xvfb picks it, no race with other test runs), ``xdotool`` to find windows,
give them the keyboard focus and type, and the screen read from Xvfb's own framebuffer file
(``-fbdir``, XWD format) so a screenshot needs no extra tool.

There is no window manager: ``xdotool windowfocus`` (not ``windowactivate``) gives the focus, and
typing goes to the focused window as real key events, which Qt accepts (it ignores synthetic ones).
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QImage

WIDTH, HEIGHT = 1366, 768
"""The laptop screen the app is designed for (fieldapp.ui.app.WINDOW_SIZE)."""


@dataclass(frozen=True)
class Window:
    id: str
    name: str
    width: int
    height: int


class XDisplay:
    """``with XDisplay() as x:`` a running Xvfb; ``x.env`` is os.environ with its DISPLAY."""

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="xvfb-")
        self.folder = Path(self._folder.name)
        self.process: subprocess.Popen[bytes] | None = None
        self.display = ""

    def __enter__(self) -> XDisplay:
        read, write = os.pipe()
        self.process = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{WIDTH}x{HEIGHT}x24"]
            + ["-fbdir", str(self.folder), "-nolisten", "tcp"],
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=(self.folder / "xvfb.log").open("wb"),
        )
        os.close(write)
        with os.fdopen(read) as announced:
            number = announced.readline().strip()  # written once the server is ready
        assert number, f"Xvfb did not start: {(self.folder / 'xvfb.log').read_text()}"
        self.display = f":{number}"
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self._folder.cleanup()

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ, DISPLAY=self.display, LANG="C.UTF-8")
        env.pop("QT_QPA_PLATFORM", None)  # the tests' offscreen default: this is a real screen
        return env

    def xdotool(self, *args: str) -> str:
        done = subprocess.run(
            ["xdotool", *args], env=self.env, capture_output=True, text=True, timeout=60
        )
        return done.stdout

    def windows(self, pattern: str) -> list[Window]:
        """Mapped windows whose title matches ``pattern`` (a Python regular expression; xdotool's
        own are POSIX, without lookarounds, so every visible window is listed and filtered here)."""
        found = []
        for wid in self.xdotool("search", "--onlyvisible", "--name", ".").split():
            name = self.xdotool("getwindowname", wid).strip()
            geometry = self.xdotool("getwindowgeometry", wid)
            size = re.search(r"Geometry: (\d+)x(\d+)", geometry)
            if name and size and re.search(pattern, name):
                found.append(Window(wid, name, int(size[1]), int(size[2])))
        return found

    def wait_for(self, pattern: str, timeout: float = 120, min_width: int = 2) -> Window:
        """The first window titled ``pattern`` and at least ``min_width`` wide, polled for
        (loaded CI machines take their time to start Qt)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for window in self.windows(pattern):
                if window.width >= min_width:
                    return window
            time.sleep(0.5)
        titles = [w.name for w in self.windows(".")]
        raise AssertionError(f"no window titled {pattern!r} after {timeout} s; shown: {titles}")

    def type_into(self, window: Window, text: str = "", *keys: str) -> None:
        """Focus ``window``, type ``text`` (ASCII), then press ``keys`` (X key names)."""
        self.xdotool("windowfocus", "--sync", window.id)
        if text:
            self.xdotool("type", "--delay", "30", text)
        if keys:
            self.xdotool("key", "--delay", "100", *keys)

    def screenshot(self, target: Path) -> QImage:
        """The whole screen, saved as PNG at ``target`` and returned."""
        data = (self.folder / "Xvfb_screen0").read_bytes()
        header = struct.unpack(">25I", data[:100])
        header_size, width, height = header[0], header[4], header[5]
        bits_per_pixel, bytes_per_line, colours = header[11], header[12], header[19]
        assert bits_per_pixel == 32, f"unexpected XWD pixel size {bits_per_pixel}"
        start = header_size + colours * 12  # the colour map (12 bytes an entry) precedes pixels
        pixels = data[start : start + bytes_per_line * height]
        image = QImage(pixels, width, height, bytes_per_line, QImage.Format.Format_RGB32).copy()
        target.parent.mkdir(parents=True, exist_ok=True)
        assert image.save(str(target)), f"could not write {target}"
        return image


def distinct_colours(image: QImage, step: int = 7) -> int:
    """How many colours a grid of sample points shows: 1 for a blank screen, hundreds for a
    window with text and anti-aliased Chinese."""
    return len(
        {
            image.pixel(x, y)
            for x in range(0, image.width(), step)
            for y in range(0, image.height(), step)
        }
    )
