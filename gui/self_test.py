"""`aloud --self-test`: the window, offscreen, reads a sentence with the offline voice through the real
audio output, and the session must end with 1000 Normal Closure. Prints what it checked; exit 0 or 1.
"""

from __future__ import annotations

import os
import sys
import time

SENTENCE = "Aloud self test. The offline voice is speaking through the audio output."
TIMEOUT_SECONDS = 30


def _qt_text_services() -> tuple[bool, str]:
    """What Qt asks ICU for: the packaged app carries only part of ICU's data (aloud.spec)."""
    from PySide6.QtCore import QCollator, QLocale, QStringDecoder

    collates = QCollator(QLocale("de_DE")).compare("Äpfel", "Birnen") < 0  # code points would put Ä after B
    decodes = QStringDecoder("Shift_JIS").isValid()  # ICU opens the converter from its data
    cases = QLocale("tr_TR").toUpper("i") == "\u0130"  # Turkish dotted capital I
    ok = collates and decodes and cases
    detail = f"collation {'ok' if collates else 'wrong'}, Shift_JIS codec {'ok' if decodes else 'missing'}, " \
             f"Turkish case {'ok' if cases else 'wrong'}"
    return ok, f"Qt text services (ICU): {detail}"


def run() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from core.endpoints import embedded_server, stop_embedded_server
    from gui.app import create_application
    from gui.main_window import MainWindow

    def check(ok: bool, what: str) -> bool:
        print(f"[{'ok' if ok else 'FAILED'}] {what}", flush=True)
        return ok

    app = create_application(sys.argv[:1])
    server = embedded_server()
    window = MainWindow(url=server.url)
    window.show()
    app.processEvents()
    results = [check(window.isVisible(), f"window shown ({app.platformName()} platform)")]
    results.append(check(True, f"offline voice listening on {server.url}"))
    results.append(check(*_qt_text_services()))
    received = []
    window.worker.audio_received.connect(lambda chunk: received.append(len(chunk)))
    window.editor.setPlainText(SENTENCE)
    window.speak_range(0, len(SENTENCE))
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while window.state not in ("finished", "failed", "stopped") and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)
    app.processEvents()
    audio = sum(received)
    results.append(check(audio > 0, f"audio received: {audio} bytes ({window.latency_label.text() or 'no audio'})"))
    results.append(check(window.state == "finished",
                         f"audio output played it to the end (state: {window.state}"
                         f"{'; ' + window.closure_label.text() if window.state != 'finished' else ''})"))
    closure = window.closure_label.text()
    results.append(check(closure == "Closed: 1000 Normal Closure", f"closure: {closure or 'none'}"))
    window.editor.document().setModified(False)
    window.shutdown()
    window.close()
    stop_embedded_server()
    ok = all(results)
    print("Self-test passed." if ok else "Self-test FAILED.", flush=True)
    return 0 if ok else 1
