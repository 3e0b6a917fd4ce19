"""`aloud --self-test`: the window, offscreen, reads a sentence with the offline voice through the real
audio output, and the session must end with 1000 Normal Closure. Prints what it checked; exits 0 when all
passed, 3 when all passed but no audio device could be opened (so nothing was heard), 1 otherwise.
"""

from __future__ import annotations

import os
import sys
import time

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_NO_AUDIO_DEVICE = 3

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
    from core.speed import self_check as speed_self_check
    from core.playback import PlaybackState
    from gui.app import create_application
    from gui.main_window import MainWindow

    def check(ok: bool, what: str, failed: str = "FAILED") -> bool:
        print(f"[{'ok' if ok else failed}] {what}", flush=True)
        return ok

    app = create_application(sys.argv[:1])
    server = embedded_server()
    window = MainWindow(url=server.url)
    window.show()
    app.processEvents()
    results = [check(window.isVisible(), f"window shown ({app.platformName()} platform)")]
    results.append(check(not window.windowIcon().isNull(), "resources found (window icon loaded)"))
    results.append(check(True, f"offline voice listening on {server.url}"))
    results.append(check(*_qt_text_services()))
    results.append(check(*speed_self_check()))
    readings, audio_errors = [], []
    window.reading.worker.closed.connect(readings.append)
    window.reading.worker.audio_error.connect(audio_errors.append)
    window.editor.setPlainText(SENTENCE)
    window.reading.speak_range(0, len(SENTENCE))
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while not (window.reading.state.ended and readings) and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)
    app.processEvents()
    reading = readings[-1] if readings else None
    audio = reading.audio_bytes if reading is not None else 0
    results.append(check(audio > 0, f"audio received: {audio} bytes ({window.latency_label.text() or 'no audio'})"))
    no_device = bool(audio_errors)
    if no_device:
        check(False, f"audio output: {audio_errors[0]}", failed="NO AUDIO DEVICE")
    else:
        results.append(check(window.reading.state is PlaybackState.FINISHED,
                             f"audio output played it to the end (state: {window.reading.state.value})"))
    closure = str(reading) if reading is not None else "none"
    results.append(check(closure == "Closed: 1000 Normal Closure", f"closure: {closure}"))
    window.editor.document().setModified(False)
    window.shutdown()
    window.close()
    stop_embedded_server()
    if not all(results):
        print("Self-test FAILED.", flush=True)
        return EXIT_FAILED
    if no_device:
        print("Self-test passed, but no audio device could be opened: nothing was heard.", flush=True)
        return EXIT_NO_AUDIO_DEVICE
    print("Self-test passed.", flush=True)
    return EXIT_OK
