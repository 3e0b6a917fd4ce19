"""Qt's worker-object pattern in one place: a QObject moved to a QThread of its own, started, and joined."""

from __future__ import annotations

from PySide6.QtCore import QMetaObject, QObject, Qt, QThread


class WorkerThread:
    """Runs `worker` in a thread named `name`. The worker needs a `shutdown` slot that ends its work."""

    def __init__(self, worker: QObject, name: str, parent: QObject) -> None:
        self.worker = worker
        self.thread = QThread(parent)
        self.thread.setObjectName(name)
        worker.moveToThread(self.thread)
        self.thread.finished.connect(worker.deleteLater)
        self.thread.start()

    def shutdown(self, timeout_ms: int = 3000) -> None:
        """Have the worker end its work (waiting for it), then stop and join the thread."""
        if not self.thread.isRunning():
            return
        QMetaObject.invokeMethod(self.worker, "shutdown", Qt.ConnectionType.BlockingQueuedConnection)
        self.thread.quit()
        self.thread.wait(timeout_ms)
