"""PDFs read as a listener wants them: paragraphs whole (a line-end hyphen joins its word, a paragraph runs on
over a page break), running headers, footers and page numbers left out, the outline as the contents, and the
page of each place. Test PDFs are written here with Qt's PDF writer (tests/pdf_maker.py); the real one is
OASIS's, made by LibreOffice."""

import os
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli import main
from core.documents import DocumentError, NeedsPassword, open_document
from tests.pdf_maker import LEFT, RIGHT, PdfPage, Text, write_pdf

BOOKS = Path(__file__).resolve().parents[3] / "shared" / "books"

ONE = ["The first chapter begins here with a sentence long enough to fill",
       "the line, and then it goes on to give an exam-",
       "ple of a word broken at the end of a line."]
TWO = ["A second paragraph starts after a gap and runs over the end of",
       "the page, so that its last words are on the next page of the"]
PARAGRAPHS = [
    "Chapter One",
    "The first chapter begins here with a sentence long enough to fill the line, and then it goes on to give an "
    "example of a word broken at the end of a line.",
    "A second paragraph starts after a gap and runs over the end of the page, so that its last words are on the "
    "next page of the book, where it ends.",
    "Chapter Two",
    "The second chapter has one short paragraph.",
    "Section 2.1",
    "Last words, on a page of their own.",
]


def book_pages(furniture: bool = True) -> list[PdfPage]:
    def frame(number):
        return {"header": "The Test Book", "footer": f"Page {number} of 3"} if furniture else {}

    return [
        PdfPage([Text(["Chapter One"], size=20, top=90), Text(ONE, top=130), Text(TWO, top=190, runs_on=True)],
                **frame(1)),
        PdfPage([Text(["book, where it ends."], top=100), Text(["Chapter Two"], size=20, top=150),
                 Text(["The second chapter has one short paragraph."], top=190)], **frame(2)),
        PdfPage([Text(["Section 2.1"], size=15, top=100), Text(["Last words, on a page of their own."], top=130)],
                **frame(3)),
    ]


@pytest.fixture
def book(qapp, tmp_path):
    return write_pdf(tmp_path / "book.pdf", book_pages(), title="The Test Book",
                     outline=[("Chapter One", 0, 0), ("Chapter Two", 1, 0), ("Section 2.1", 2, 1)])


def test_a_pdf_reads_as_paragraphs_without_its_headers_footers_or_page_numbers(book):
    document = open_document(book)
    assert document.text.split("\n\n") == PARAGRAPHS
    assert document.kind == "PDF" and document.title == "The Test Book" and not document.editable
    # The outline is the contents, each entry at its heading; each page starts where its first words are.
    assert [(h.title, h.level) for h in document.headings] == [("Chapter One", 1), ("Chapter Two", 1),
                                                               ("Section 2.1", 2)]
    for heading in document.headings:
        assert document.text[heading.offset:].startswith(heading.title)
    assert len(document.page_starts) == 3
    assert document.text[document.page_starts[1]:].startswith("book, where it ends.")
    assert document.text[document.page_starts[2]:].startswith("Section 2.1")
    assert document.page_at(document.text.index("where it ends")) == 2


def test_without_an_outline_larger_lines_are_the_contents(qapp, tmp_path):
    document = open_document(write_pdf(tmp_path / "plain.pdf", book_pages(furniture=False)))
    assert document.text.split("\n\n") == PARAGRAPHS
    assert [(h.title, h.level) for h in document.headings] == [("Chapter One", 1), ("Chapter Two", 1),
                                                               ("Section 2.1", 2)]


def test_two_columns_are_read_one_after_the_other(qapp, tmp_path):
    middle = (LEFT + RIGHT) / 2
    left = Text(["The left column holds the first", "paragraph of the page, set in", "narrow lines."], size=10,
                right=middle - 15)
    right = Text(["The right column holds the", "second paragraph, which then", "comes after the first."],
                 size=10, left=middle + 15)
    document = open_document(write_pdf(tmp_path / "columns.pdf", [PdfPage([left, right])]))
    assert document.text.split("\n\n") == [
        "The left column holds the first paragraph of the page, set in narrow lines.",
        "The right column holds the second paragraph, which then comes after the first."]


def test_a_scan_says_it_has_no_text_and_a_partial_scan_warns(qapp, tmp_path):
    scan = write_pdf(tmp_path / "scan.pdf", [PdfPage(picture=True), PdfPage(picture=True)])
    with pytest.raises(DocumentError, match=r"no text to read: its pages are images \(a scan\?\)"):
        open_document(scan)
    mixed = write_pdf(tmp_path / "mixed.pdf", [PdfPage([Text(["Typed words."])]), PdfPage(picture=True)])
    document = open_document(mixed)
    assert document.text == "Typed words."
    assert document.warnings == ("1 of 2 pages have no text (images only) and are not read: 2",)


def test_a_password_protected_pdf_asks_for_its_password(qapp, tmp_path):
    locked = write_pdf(tmp_path / "locked.pdf", book_pages(), password="secret")
    with pytest.raises(NeedsPassword, match="protected by a password"):
        open_document(locked)
    with pytest.raises(NeedsPassword, match="password is not right"):
        open_document(locked, password="guess")
    assert open_document(locked, password="secret").text.split("\n\n") == PARAGRAPHS


def test_damaged_pdfs_are_refused_with_one_line(book, tmp_path):
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(book.read_bytes()[:300])
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    for path in (truncated, garbage):
        with pytest.raises(DocumentError, match="^it is not a PDF, or it is damaged$"):
            open_document(path)


def test_the_command_line_names_a_locked_pdf_and_a_scan(qapp, tmp_path, capsys):
    locked = write_pdf(tmp_path / "locked.pdf", book_pages(), password="secret")
    assert main(["text", str(locked)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "locked.pdf" in err and "protected by a password" in err


def test_the_oasis_pdf_reads_without_its_footers_with_its_outline_and_addresses_whole():
    document = open_document(BOOKS / "odf-1.4-part1-introduction.pdf")
    assert len(document.page_starts) == 8
    assert [(h.title, h.level) for h in document.headings] == [
        ("1 Introduction", 1), ("1.1 IPR Policy", 2), ("1.2 Scope", 2), ("1.3 Terminology", 2),
        ("1.4 Normative References", 2), ("1.5 Non Normative References", 2), ("Appendix A Acknowledgments", 1)]
    for heading in document.headings:
        assert document.text[heading.offset:].startswith(heading.title)
        assert document.page_at(heading.offset) in (5, 6, 7)
    text = document.text
    # The two-line footer on every page, with its page number, is not read; nor the printed contents.
    assert "Standards Track Work Product" not in text and not re.search(r"Page \d of 8", text)
    assert "OpenDocument-v1.4-os-part1-introduction 6 October 2025" not in text
    assert "....." not in text
    # Lines of a paragraph joined with spaces, paragraphs apart; a hyphen ending a line inside an address stays.
    assert ("This standard specifies the characteristics of an XML-based application-independent and "
            "platform-independent digital document file format,") in text
    assert "https://groups.oasis-open.org/communities/tc-community-home2?CommunityKey=" in text
    assert "https://docs.oasis-open.org/office/OpenDocument/v1.4/os/part1-introduction/" \
           "OpenDocument-v1.4-os-part1-introduction.odt (Authoritative)" in text
    assert "\n\nPart 2 defines the package format language for OpenDocument documents.\n\n" in text


def test_in_a_terminal_the_command_line_asks_for_the_password(qapp, tmp_path):
    locked = write_pdf(tmp_path / "locked.pdf", book_pages(), password="secret")
    main_py = Path(__file__).resolve().parents[2] / "main.py"
    terminal, child_end = os.openpty()
    process = subprocess.Popen([sys.executable, str(main_py), "text", str(locked)], stdin=child_end,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.close(child_end)
    errors = b""
    try:
        for answer in (b"guess\n", b"secret\n"):
            prompts = errors.count(b"Password for")
            while errors.count(b"Password for") == prompts:  # typed before the prompt, it would be flushed
                ready, _, _ = select.select([process.stderr], [], [], 20)
                assert ready, f"no password prompt: {errors!r}"
                errors += os.read(process.stderr.fileno(), 4096)
            os.write(terminal, answer)
        out, more = process.communicate(timeout=30)
    finally:
        process.kill()
        os.close(terminal)
    errors += more
    assert process.returncode == 0, errors
    assert b"Wrong password. Password for" in errors and b"secret" not in errors + out
    assert out.decode().split("\n\n")[:2] == PARAGRAPHS[:2]
