"""What a screen reader sees of the Aloud window, read through the AT-SPI bus by a process of its own.

Run by tests/gui/test_atspi.py with the system's Python (Debian's python3-pyatspi), never imported by the
project. It finds the running app, walks its tree, reads the document through the Text interface and the
status bar's state, presses keys as a user does and notes the events and the focus they cause, and prints one
JSON object on its last line of output.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pyatspi
from gi.repository import GLib

INTERACTIVE = {
    pyatspi.ROLE_PUSH_BUTTON, pyatspi.ROLE_TOGGLE_BUTTON, pyatspi.ROLE_COMBO_BOX, pyatspi.ROLE_SPIN_BUTTON,
    pyatspi.ROLE_SLIDER, pyatspi.ROLE_TEXT, pyatspi.ROLE_ENTRY, pyatspi.ROLE_CHECK_BOX, pyatspi.ROLE_RADIO_BUTTON,
    pyatspi.ROLE_MENU, pyatspi.ROLE_MENU_ITEM, pyatspi.ROLE_LIST, pyatspi.ROLE_PAGE_TAB, pyatspi.ROLE_PASSWORD_TEXT,
}
KEYSYMS = {"Tab": 0xFF09, "F1": 0xFFBE, "F5": 0xFFC2, "F6": 0xFFC3, "F7": 0xFFC4, "Escape": 0xFF1B}


def pump(seconds: float) -> None:
    """Let AT-SPI deliver events for a while (its events arrive through GLib's main loop)."""
    context = GLib.MainContext.default()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        while context.iteration(False):
            pass
        time.sleep(0.01)


def find_app(name: str, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        desktop = pyatspi.Registry.getDesktop(0)
        for index in range(desktop.childCount):
            app = desktop.getChildAtIndex(index)
            if app is not None and app.name == name:
                return app
        time.sleep(0.2)
    raise SystemExit(f"no application named {name!r} on the bus")


def walk(node, depth=0):
    yield node
    if depth > 40:
        return
    for index in range(node.childCount):
        child = node.getChildAtIndex(index)
        if child is not None:
            yield from walk(child, depth + 1)


def label_of(node) -> str:
    """The name, or the name of what labels it (a relation), as a screen reader would say it."""
    if node.name.strip():
        return node.name
    for relation in node.getRelationSet():
        if relation.getRelationType() == pyatspi.RELATION_LABELLED_BY:
            for index in range(relation.getNTargets()):
                target = relation.getTarget(index)
                if target is not None and target.name.strip():
                    return target.name
    return ""


def describe(node) -> dict:
    states = node.getState()
    return {
        "role": node.getRoleName(),
        "name": node.name,
        "label": label_of(node),
        "description": node.description,
        "showing": states.contains(pyatspi.STATE_SHOWING),
        "focusable": states.contains(pyatspi.STATE_FOCUSABLE),
    }


def listen(report: dict) -> None:
    """Note focus changes, name changes and announcements in `report`, as a screen reader hears them."""

    def on_event(event) -> None:
        source = event.source
        if event.type.startswith("object:state-changed:focused"):
            if event.detail1 == 1 and source is not None:
                report["focus"].append(f"{source.getRoleName()}: {label_of(source)}")
        elif source is not None:
            report["events"].append({"type": str(event.type), "name": source.name, "data": str(event.any_data)})

    pyatspi.Registry.registerEventListener(on_event, "object:state-changed:focused",
                                           "object:property-change:accessible-name", "object:announcement")


def press(key: str, wait: float = 0.4) -> None:
    pyatspi.Registry.generateKeyboardEvent(KEYSYMS[key], None, pyatspi.KEY_SYM)
    pump(wait)


def announced(report: dict, match, timeout: float = 10.0) -> bool:
    """Wait until an announcement for which `match(text)` is true is heard."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(e["type"].startswith("object:announcement") and match(e["data"]) for e in report["events"]):
            return True
        pump(0.05)
    return False


def reconnecting() -> None:
    """Read (F5) through a server that drops the connection: what is announced until the reading reconnects."""
    find_app("Aloud", 20)
    pump(1.0)
    report: dict = {"events": [], "focus": []}
    listen(report)
    press("F5", 0.1)
    report["reconnected"] = announced(report, lambda text: text.startswith("Reconnected after"), 30)
    press("F7", 1.0)
    print(json.dumps(report))


def contents() -> None:
    """A book open: the Contents panel as a screen reader meets it, by Ctrl+T and by Tab."""
    app = find_app("Aloud", 20)
    pump(1.0)
    report: dict = {"events": [], "focus": []}
    listen(report)
    window = next(n for n in walk(app) if n.getRole() == pyatspi.ROLE_FRAME)
    trees = [n for n in walk(window) if n.getRole() in (pyatspi.ROLE_TREE, pyatspi.ROLE_TREE_TABLE, pyatspi.ROLE_LIST)
             and n.getState().contains(pyatspi.STATE_SHOWING)]
    report["trees"] = [describe(n) for n in trees]
    report["entries"] = [label_of(item) for tree in trees for item in walk(tree)
                         if item.getRole() in (pyatspi.ROLE_TREE_ITEM, pyatspi.ROLE_LIST_ITEM, pyatspi.ROLE_TABLE_CELL)]
    subprocess.run(["xdotool", "key", "ctrl+t"], check=False)  # a chord: xdotool makes it, as for Settings
    pump(1.0)
    report["after_ctrl_t"] = report["focus"][-1] if report["focus"] else ""
    for _ in range(10):
        press("Tab")
    report["tab_cycle"] = list(report["focus"])
    print(json.dumps(report))


def main() -> None:
    app = find_app("Aloud", 20)
    pump(1.0)
    report: dict = {"objects": [], "events": [], "focus": []}
    window = next(n for n in walk(app) if n.getRole() == pyatspi.ROLE_FRAME)
    for node in walk(window):
        if node.getRole() in INTERACTIVE and node.getState().contains(pyatspi.STATE_SHOWING):
            report["objects"].append(describe(node))
    editor = next(n for n in walk(window) if n.getRole() == pyatspi.ROLE_TEXT and n.name == "Document")
    text = editor.queryText()
    report["document"] = text.getText(0, text.characterCount)
    report["status"] = sorted(n.name for n in walk(window)
                              if n.getRole() == pyatspi.ROLE_LABEL and ":" in n.name)

    listen(report)

    for _ in range(int(sys.argv[1]) if len(sys.argv) > 1 else 8):
        press("Tab")
    report["after_tabs"] = text.getText(0, text.characterCount)
    for _ in range(20):
        if report["focus"] and report["focus"][-1].endswith("Document"):
            break
        press("Tab")  # back to the document, to read from its start
    for key, state in (("F5", "Speaking"), ("F6", "Paused"), ("F6", "Speaking"), ("F7", "Stopped")):
        report["events"].append({"type": "key", "name": key, "data": ""})
        press(key, 0.1)
        announced(report, lambda text, state=state: text == state)
    pump(1.0)  # the closure comes after the state
    report["events"].append({"type": "key", "name": "F1", "data": ""})
    press("F1", 1.0)
    dialogs = [n for n in walk(app) if n.getRole() in (pyatspi.ROLE_DIALOG, pyatspi.ROLE_ALERT)]
    report["shortcuts_page"] = [label.name for dialog in dialogs for label in walk(dialog)
                                if label.getRole() == pyatspi.ROLE_LABEL and label.name]
    report["focus_before_escape"] = len(report["focus"])
    press("Escape", 1.0)
    # Settings (Ctrl+,): a chord, which AT-SPI's key synthesis does not make from key names; xdotool does.
    subprocess.run(["xdotool", "key", "ctrl+comma"], check=False)
    pump(1.5)
    settings = [n for n in walk(app) if n.getRole() == pyatspi.ROLE_DIALOG and "Settings" in n.name]
    report["settings"] = [describe(node) for dialog in settings for node in walk(dialog)
                          if node.getRole() in INTERACTIVE and node.getState().contains(pyatspi.STATE_SHOWING)]
    report["focus_before_settings_escape"] = len(report["focus"])
    press("Escape", 1.0)
    print(json.dumps(report))


if __name__ == "__main__":
    modes = {"reconnecting": reconnecting, "contents": contents}
    modes.get(sys.argv[1] if len(sys.argv) > 1 else "", main)()
