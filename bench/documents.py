"""How long documents take to open (read and parse, as the window's worker and `speak --file` do), for the real
books in ../shared/books, for books of 5 MB of text in each format and a PDF of 1,000 pages, and the memory a
5 MB book takes.

Run: .venv/bin/python -m bench.documents [--json FILE]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from bench.common import book_text, machine_load, report, summary
from core.documents import open_document

ROOT = Path(__file__).resolve().parents[1]
BOOKS = ROOT.parent / "shared" / "books"
RUNS = 5


def big_books(folder: Path) -> dict[str, Path]:
    """5 MB of text as an EPUB (1,300 chapters), a web page and a Markdown file."""
    from tests.core.test_documents import book_of

    paragraphs = book_text(5_200_000).split("\n\n")
    web = folder / "big.html"
    web.write_text("<html><body><nav>Menu</nav><main>" + "".join(f"<p>{p}</p>" for p in paragraphs)
                   + "</main></body></html>", encoding="utf-8")
    markdown = folder / "big.md"
    markdown.write_text("\n\n".join(f"## Part {n}\n\n{p}" if n % 40 == 0 else p for n, p in enumerate(paragraphs)),
                        encoding="utf-8")
    epub = book_of(1300, "It was a dark and stormy night, and the rain fell in torrents, except at occasional "
                   "intervals.", folder)
    odt = folder / "big.odt"
    body = "".join(f"<text:h text:outline-level=\"1\">Part {n}</text:h>" * (n % 40 == 0) + f"<text:p>{escape(p)}</text:p>"
                   for n, p in enumerate(paragraphs))
    with zipfile.ZipFile(odt, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:'
                   'office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body>'
                   f"<office:text>{body}</office:text></office:body></office:document-content>")
    return {"EPUB, 5 MB of text": epub, "web page, 5 MB": web, "Markdown, 5 MB": markdown, "ODT, 5 MB": odt,
            "PDF, 1,000 pages": thousand_page_pdf(folder)}


def thousand_page_pdf(folder: Path) -> Path:
    """1,000 A4 pages of justified prose (48 lines a page), with a running header and page numbers, written
    by Qt's PDF writer as the tests' PDFs are."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    from tests.pdf_maker import PdfPage, Text, write_pdf

    _app = QGuiApplication.instance() or QGuiApplication([])
    pages: list[PdfPage] = []
    texts: list[Text] = []
    top = 80.0
    for paragraph in book_text(3_000_000).split("\n\n"):
        lines = textwrap.wrap(paragraph, 60)
        while lines and len(pages) < 1000:
            room = int((780 - top) / 14.3)
            if room <= 0:
                pages.append(PdfPage(texts, header="A Long Book", footer=f"Page {len(pages) + 1}"))
                texts, top = [], 80.0
                continue
            part, lines = lines[:room], lines[room:]
            texts.append(Text(part, size=11, top=top, runs_on=bool(lines)))
            top += 14.3 * len(part) + 8
    return write_pdf(folder / "big.pdf", pages)


def timed(path: Path) -> tuple[dict, int]:
    seconds = []
    for _ in range(RUNS):
        started = time.perf_counter()
        document = open_document(path)
        seconds.append((time.perf_counter() - started) * 1000)
    return summary(seconds), len(document.text)


def peak_memory(path: Path | None) -> float:
    """Peak RSS (MB) of a fresh process that imports the document readers and opens `path` (None: opens none)."""
    opening = f"open_document({str(path)!r}); " if path is not None else ""
    code = ("import core.documents.epub, core.documents.webpage, core.documents.markdown, core.documents.pdf, "
            "core.documents.opendocument, core.documents.wordprocessing; "
            f"from bench.common import peak_rss_mb; from core.documents import open_document; {opening}"
            "print(peak_rss_mb())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    return float(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    load_before = machine_load()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        books = {path.name: path for path in sorted(BOOKS.glob("*")) if path.is_file()
                 and path.suffix in (".epub", ".html", ".md", ".docx", ".pdf", ".odt")}
        books.update(big_books(Path(folder)))
        for name, path in books.items():
            times, chars = timed(path)
            rows.append((f"open {name} ({chars:,} characters)", "ms", times))
        rows.append(("peak RSS opening the 5 MB EPUB (the process's whole)", "MB",
                     peak_memory(books["EPUB, 5 MB of text"])))
        rows.append(("peak RSS opening the 1,000-page PDF", "MB", peak_memory(books["PDF, 1,000 pages"])))
        rows.append(("peak RSS of a process that only imports the readers", "MB", peak_memory(None)))
    report(f"Documents ({load_before} before; {machine_load()} after)", rows, args.json)


if __name__ == "__main__":
    main()
