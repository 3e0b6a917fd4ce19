"""Rules of the layout that nothing else would check."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_core_never_imports_qt():
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "core").rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] in ("PySide6", "shiboken6", "gui")
    ]
    assert offenders == []


def test_gui_has_no_socket_code():
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "gui").rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] in ("websocket", "websockets", "socket")
    ]
    assert offenders == []


def test_gui_reaches_readings_only_through_the_playback_core():
    """One place joins a reader to an output (core/playback.py): the window never does it itself."""
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "gui").rglob("*.py")
        for name in imported_modules(path)
        if name in ("core.reader", "core.session") or name.startswith("core.audio")
    ]
    assert offenders == []


def test_no_module_is_over_400_lines():
    sources = [ROOT / "main.py", *(p for d in ("core", "gui", "tests", "bench") for p in (ROOT / d).rglob("*.py"))]
    long = {str(p.relative_to(ROOT)): n for p in sources if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert long == {}


def _modules_after(code: str) -> set[str]:
    import subprocess
    import sys
    import tempfile

    env = {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "XDG_CONFIG_HOME": tempfile.mkdtemp()}
    out = subprocess.run([sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sys.modules))"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    return set(out.stdout.split())


def test_the_command_line_does_not_load_the_offline_server_unless_it_needs_it():
    # `speak --url` and Deepgram readings need neither the server nor `websockets` (with importlib.metadata).
    loaded = _modules_after("import core.cli")
    assert not {"core.offline.server", "websockets", "core.offline.espeak"} & loaded


def test_the_first_frame_does_not_wait_for_the_keyring():
    loaded = _modules_after(
        "from gui.app import create_application\ncreate_application([])\n"
        "from gui.main_window import MainWindow\nwindow = MainWindow()\nwindow.show()\nwindow.shutdown()"
    )
    assert "gui.main_window.window" in loaded and "keyring" not in loaded
