"""PDFs written for the tests the way applications write them: Qt's QPdfWriter draws the pages (embedded
fonts, a ToUnicode map), pypdf adds bookmarks and encryption. Lines are placed exactly, justified as a book
sets them, so a test knows which words end each line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

PAGE_WIDTH, PAGE_HEIGHT = 595.0, 842.0  # A4 in points
LEFT, RIGHT = 72.0, 523.0  # the text column


@dataclass
class Text:
    """Lines set from `top` (points below the page's top edge to the first baseline) down."""

    lines: list[str]
    size: float = 11.0
    top: float = 100.0
    leading: float = 1.3  # baseline to baseline, in font sizes
    justify: bool = True  # every line but the last reaches the right edge, as in a book
    bold: bool = False
    left: float = LEFT
    right: float = RIGHT  # a column narrower than the page's: set `left` and `right`
    runs_on: bool = False  # the paragraph goes on past its last line here (on the next page): justify that too


@dataclass
class PdfPage:
    texts: list[Text] = field(default_factory=list)
    header: str | None = None
    footer: str | None = None
    picture: bool = False  # a filled box where a scan's image would be


def write_pdf(path: Path, pages: list[PdfPage], outline: list[tuple[str, int, int]] = (),
              password: str | None = None, title: str | None = None) -> Path:
    """outline: (title, page index, level from 0) in order. Needs a QGuiApplication (pytest-qt's qapp)."""
    from PySide6.QtCore import QMarginsF, QPointF, QRectF
    from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPageLayout, QPageSize, QPainter, QPdfWriter

    writer = QPdfWriter(str(path))
    writer.setResolution(72)  # one unit a point
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(0, 0, 0, 0)))
    if title:
        writer.setTitle(title)
    painter = QPainter(writer)

    def draw(text: Text) -> None:
        font = QFont("DejaVu Serif")
        font.setPointSizeF(text.size)
        font.setBold(text.bold)
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        y = text.top
        for number, line in enumerate(text.lines):
            words = line.split(" ")
            last = number == len(text.lines) - 1 and not text.runs_on
            if text.justify and not last and len(words) > 1:
                spare = (text.right - text.left) - sum(metrics.horizontalAdvance(w) for w in words)
                gap = spare / (len(words) - 1)
                x = text.left
                for word in words:
                    painter.drawText(QPointF(x, y), word)
                    x += metrics.horizontalAdvance(word) + gap
            else:
                painter.drawText(QPointF(text.left, y), line)
            y += text.size * text.leading

    for index, page in enumerate(pages):
        if index:
            writer.newPage()
        for text in page.texts:
            draw(text)
        if page.header:
            draw(Text([page.header], size=9, top=40, justify=False))
        if page.footer:
            draw(Text([page.footer], size=9, top=PAGE_HEIGHT - 30, justify=False))
        if page.picture:
            painter.fillRect(QRectF(LEFT, 100, RIGHT - LEFT, 600), QColor("gray"))
    painter.end()
    if outline or password:
        _finish(path, outline, password)
    return path


def _finish(path: Path, outline, password: str | None) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(str(path)))
    parents = []
    for name, page, level in outline:
        parents = parents[:level]
        parents.append(writer.add_outline_item(title=name, page_number=page, parent=parents[-1] if parents else None))
    if password:
        writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="RC4-128")
    with open(path, "wb") as stream:
        writer.write(stream)
