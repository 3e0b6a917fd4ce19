"""Books and web pages in the window: opened read-only with their Contents panel, chapters read from by keyboard,
Save going to Save As (the book is never overwritten), the position in the status bar, and a slow open
cancelled."""

import zipfile
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QPushButton

from core.documents import open_document
from core.playback import PlaybackState
from tests.gui.test_documents import reading_starts

BOOKS = Path(__file__).resolve().parents[3] / "shared" / "books"
ALICE = BOOKS / "alice-epub3.epub"


def test_a_book_opens_read_only_with_its_contents(window_for, open_file, qtbot):
    window = window_for()
    assert open_file(window, ALICE)
    book = open_document(ALICE)
    assert window.text.text() == book.text
    assert window.editor.isReadOnly() and window.windowTitle() == "alice-epub3.epub (read-only) – Aloud"
    assert "Opened alice-epub3.epub: EPUB, read-only, 11 in Contents (Ctrl+T)" in window.closure_label.text()
    tree = window.contents.tree
    assert window.contents.isVisible() and tree.topLevelItemCount() == 11
    assert tree.topLevelItem(1).text(0) == "Down The Rabbit-Hole"
    # Ctrl+T puts the keyboard in the list; it is named for screen readers.
    qtbot.keyClick(window.editor, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is tree, timeout=3000)
    assert tree.accessibleName() == "Contents"


def test_enter_on_a_chapter_reads_from_it_and_the_chapter_keys_move_between_them(window_for, open_file, qtbot,
                                                                                 quiet_server):
    window = window_for(quiet_server.url)
    assert open_file(window, ALICE)
    book = open_document(ALICE)
    starts = reading_starts(window)
    window.contents.focus_list()
    tree = window.contents.tree
    tree.setCurrentItem(tree.topLevelItem(3))
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(starts) and starts[-1] is not None, timeout=10000)
    assert starts[-1] == book.headings[3].offset
    # The status bar says where the listener is: the chapter, how far through, and the time left.
    qtbot.waitUntil(lambda: window.position_label.text().startswith("A Caucus-Race And A Long Tale · "),
                    timeout=10000)
    assert "% · " in window.position_label.text() and "left" in window.position_label.text()
    assert [k.toString() for k in window.next_chapter_action.shortcuts()] == ["Alt+PgDown"]
    readings = len(starts)
    window.next_chapter_action.trigger()
    qtbot.waitUntil(lambda: len(starts) > readings and starts[-1] is not None, timeout=10000)
    assert starts[-1] == book.headings[4].offset
    readings = len(starts)
    window.previous_chapter_action.trigger()  # at the chapter's start: the one before
    qtbot.waitUntil(lambda: len(starts) > readings and starts[-1] is not None, timeout=10000)
    assert starts[-1] == book.headings[3].offset
    window.reading.stop()
    qtbot.waitUntil(lambda: window.reading.state is PlaybackState.STOPPED, timeout=5000)


def test_save_on_a_book_saves_its_text_elsewhere_and_never_overwrites_it(window_for, open_file, tmp_path,
                                                                         monkeypatch):
    copy = tmp_path / "alice.epub"
    copy.write_bytes(ALICE.read_bytes())
    window = window_for()
    assert open_file(window, copy)
    target = tmp_path / "alice.txt"
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (asked.append(a), (str(target), ""))[1])
    window.save_action.trigger()  # Ctrl+S on a book: Save As
    assert asked and copy.read_bytes() == ALICE.read_bytes()
    assert target.read_text(encoding="utf-8") == open_document(ALICE).text
    # That text is now the document: editable, saved where it was saved, with no chapters to list.
    assert not window.editor.isReadOnly() and window.documents.path == target
    assert not window.contents.isVisible() and window.windowTitle() == "alice.txt – Aloud"


def test_plain_text_has_no_contents_panel_and_stays_editable(window_for, open_file, tmp_path):
    path = tmp_path / "note.txt"
    path.write_bytes("Café au lait, 2 €.".encode("cp1252"))
    window = window_for()
    assert open_file(window, path)
    assert window.text.text() == "Café au lait, 2 €." and not window.editor.isReadOnly()
    assert not window.contents.isVisible() and window.contents.offsets == []
    assert "read as Windows-1252" in window.closure_label.text()


def window_watching_opens(window_for):
    """A window with a document of its own, and the outcome of each open: "opened", or the failure's message
    ("" when cancelled)."""
    window = window_for()
    window.editor.setPlainText("What was there before.")
    window.editor.document().setModified(False)
    outcome = []
    window.documents.loader.failed.connect(lambda path, message: outcome.append(message))
    window.documents.loader.opened.connect(lambda *_: outcome.append("opened"))
    return window, outcome


def test_opening_a_large_book_can_be_cancelled_and_leaves_the_document_as_it_was(window_for, open_file, qtbot,
                                                                                 tmp_path):
    path = tmp_path / "big.epub"
    chapters = 1500
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/epub+zip")
        z.writestr("META-INF/container.xml", '<container><rootfiles><rootfile full-path="p.opf"/></rootfiles>'
                                             "</container>")
        items = "".join(f'<item id="c{n}" href="c{n}.xhtml"/>' for n in range(chapters))
        refs = "".join(f'<itemref idref="c{n}"/>' for n in range(chapters))
        z.writestr("p.opf", f"<package><manifest>{items}</manifest><spine>{refs}</spine></package>")
        for n in range(chapters):
            z.writestr(f"c{n}.xhtml", f"<html><body><h1>Chapter {n}</h1>" + "<p>Words and more words.</p>" * 200
                       + "</body></html>")
    window, outcome = window_watching_opens(window_for)
    window.documents.open_path(path)
    # A slow open shows its progress (after half a second), with a Cancel button.
    qtbot.waitUntil(lambda: window.documents.open_progress is not None and window.documents.open_progress.isVisible()
                    and window.documents.open_progress.value() > 0, timeout=10000)
    window.documents.open_progress.findChild(QPushButton).click()
    qtbot.waitUntil(lambda: bool(outcome), timeout=10000)
    assert outcome == [""]
    assert window.text.text() == "What was there before."
    assert "was cancelled; the document is as it was" in window.closure_label.text()


def test_a_pdf_opens_with_its_outline_and_the_status_bar_says_the_page_heard(window_for, open_file, qtbot,
                                                                            quiet_server, tmp_path):
    from tests.core.test_pdf import PARAGRAPHS, book_pages
    from tests.pdf_maker import write_pdf

    path = write_pdf(tmp_path / "book.pdf", book_pages(), outline=[("Chapter One", 0, 0), ("Chapter Two", 1, 0)])
    window = window_for(quiet_server.url)
    assert open_file(window, path)
    assert window.text.text().split("\n\n") == PARAGRAPHS and window.editor.isReadOnly()
    assert "Opened book.pdf: PDF, read-only, 2 in Contents (Ctrl+T)" in window.closure_label.text()
    tree = window.contents.tree
    assert [tree.topLevelItem(n).text(0) for n in range(tree.topLevelItemCount())] == ["Chapter One", "Chapter Two"]
    starts = reading_starts(window)
    window.contents.focus_list()
    tree.setCurrentItem(tree.topLevelItem(1))
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(starts) and starts[-1] is not None, timeout=10000)
    assert window.text.text()[starts[-1]:].startswith("Chapter Two")
    qtbot.waitUntil(lambda: window.position_label.text().startswith("Chapter Two · page 2 · "), timeout=10000)
    window.reading.stop()
    qtbot.waitUntil(lambda: window.reading.state is PlaybackState.STOPPED, timeout=5000)


def test_a_locked_pdf_asks_for_its_password_again_until_it_is_right(window_for, open_file, qtbot, tmp_path):
    from tests.core.test_pdf import PARAGRAPHS, book_pages
    from tests.pdf_maker import write_pdf

    path = write_pdf(tmp_path / "locked.pdf", book_pages(), password="secret")
    window = window_for()
    opened = []
    window.documents.loader.opened.connect(lambda *_: opened.append(True))
    window.documents.open_path(path)
    asked = []
    for answer in ("guess", "secret"):
        qtbot.waitUntil(lambda: window.documents.password_dialog is not None
                        and window.documents.password_dialog.isVisible()
                        and window.documents.password_dialog not in asked, timeout=10000)
        dialog = window.documents.password_dialog
        asked.append(dialog)
        label = dialog.labelText()
        assert dialog.textEchoMode() == QLineEdit.EchoMode.Password
        dialog.setTextValue(answer)
        dialog.accept()
    assert label == "locked.pdf: the password is not right. Type its password:"
    qtbot.waitUntil(lambda: bool(opened), timeout=10000)
    assert window.text.text().split("\n\n") == PARAGRAPHS
    assert "secret" not in window.closure_label.text()


def test_an_odt_opens_with_its_numbered_headings_as_contents(window_for, open_file):
    window = window_for()
    assert open_file(window, BOOKS / "odf-1.4-part2-packages.odt")
    tree = window.contents.tree
    assert tree.topLevelItemCount() == 11 and tree.topLevelItem(1).text(0) == "2 Packages, Package Consumers and " \
                                                                               "Package Producers"
    assert "Opened odf-1.4-part2-packages.odt: OpenDocument text, read-only" in window.closure_label.text()


def test_cancel_is_immediate_even_while_a_parser_cannot_stop(window_for, qtbot):
    window, outcome = window_watching_opens(window_for)
    window.documents.open_path(BOOKS / "sarif-v2.1.0-committee-specification.docx")  # python-docx: 1.5 s
    window.documents.loader.cancel()
    assert outcome == [""]  # at once, not when the parser next says how far it is
    assert "was cancelled; the document is as it was" in window.closure_label.text()
    # What the worker still makes of the file is dropped; the next file opens.
    assert window.documents.loader.loading is False
    window.documents.open_path(ALICE)
    qtbot.waitUntil(lambda: "opened" in outcome, timeout=20000)
    assert outcome == ["", "opened"] and window.text.text() == open_document(ALICE).text
