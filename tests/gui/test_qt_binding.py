"""Guards against a Qt binding that corrupts memory, which no other test would show until a crash."""

import sys
import threading

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    nothing = Signal()
    data = Signal(bytes)
    result = Signal(str, bool)


def test_emitting_signals_leaves_reference_counts_alone(qapp):
    # PySide6 6.12.0 decrements True or False on every emit(): a reading of a few pages then kills the
    # process ("bool_dealloc"). pyproject.toml excludes that version; this keeps it excluded.
    emitter = _Emitter()
    emitter.result.connect(lambda text, ok: None)
    before = sys.getrefcount(True), sys.getrefcount(False)

    def emit_many():
        for _ in range(300):
            emitter.nothing.emit()
            emitter.data.emit(b"audio")
            emitter.result.emit("Closed", True)

    thread = threading.Thread(target=emit_many)
    thread.start()
    thread.join()
    emit_many()
    after = sys.getrefcount(True), sys.getrefcount(False)
    assert abs(after[0] - before[0]) < 50 and abs(after[1] - before[1]) < 50
