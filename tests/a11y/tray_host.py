"""A system tray for tests, on a private D-Bus session bus: it owns org.kde.StatusNotifierWatcher (what KDE's,
GNOME's AppIndicator and most panels' trays own), so that Qt shows its tray icon there, and it can click the
icon and the icon's menu items as a panel does (StatusNotifierItem.Activate; dbusmenu Event "clicked").
Written with jeepney, which the app already installs (through keyring).
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from jeepney import DBusAddress, HeaderFields, MessageType, new_error, new_method_call, new_method_return
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

WATCHER = "org.kde.StatusNotifierWatcher"
_INTROSPECTION = """<node><interface name="org.kde.StatusNotifierWatcher">
<method name="RegisterStatusNotifierItem"><arg name="service" type="s" direction="in"/></method>
<method name="RegisterStatusNotifierHost"><arg name="service" type="s" direction="in"/></method>
<property name="RegisteredStatusNotifierItems" type="as" access="read"/>
<property name="IsStatusNotifierHostRegistered" type="b" access="read"/>
<property name="ProtocolVersion" type="i" access="read"/>
<signal name="StatusNotifierItemRegistered"><arg type="s"/></signal>
</interface></node>"""


class TrayHost:
    """The watcher (and host) of status notifier items, served on a thread; `items` are those registered."""

    def __init__(self, bus_address: str) -> None:
        self._connection = open_dbus_connection(bus=bus_address)
        self._connection.send_and_get_reply(message_bus.RequestName(WATCHER))
        self.items: list[tuple[str, str]] = []  # (bus name, object path)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        self._calls = open_dbus_connection(bus=bus_address)  # the panel's side: clicks

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                message = self._connection.receive(timeout=0.2)
            except TimeoutError:
                continue
            except OSError:
                return
            if message.header.message_type is MessageType.method_call:
                self._answer(message)

    def _answer(self, call) -> None:
        fields = call.header.fields
        interface, member = fields.get(HeaderFields.interface), fields.get(HeaderFields.member)
        if member == "Introspect":
            reply = new_method_return(call, "s", (_INTROSPECTION,))
        elif member == "RegisterStatusNotifierItem":
            service = call.body[0]
            path = service if service.startswith("/") else "/StatusNotifierItem"
            name = fields.get(HeaderFields.sender) if service.startswith("/") else service
            self.items.append((name, path))
            reply = new_method_return(call)
        elif member == "RegisterStatusNotifierHost":
            reply = new_method_return(call)
        elif interface == "org.freedesktop.DBus.Properties" and member == "Get":
            value = self._properties().get(call.body[1])
            reply = new_method_return(call, "v", (value,)) if value else new_error(call, "org.freedesktop.DBus."
                                                                                          "Error.UnknownProperty")
        elif interface == "org.freedesktop.DBus.Properties" and member == "GetAll":
            reply = new_method_return(call, "a{sv}", (self._properties(),))
        else:
            reply = new_error(call, "org.freedesktop.DBus.Error.UnknownMethod")
        self._connection.send(reply)

    def _properties(self) -> dict:
        return {"IsStatusNotifierHostRegistered": ("b", True), "ProtocolVersion": ("i", 0),
                "RegisteredStatusNotifierItems": ("as", [f"{n}{p}" for n, p in self.items])}

    def wait_for_item(self, timeout: float = 20) -> tuple[str, str]:
        deadline = time.monotonic() + timeout
        while not self.items:
            if time.monotonic() > deadline:
                raise TimeoutError("no tray icon registered")
            time.sleep(0.05)
        return self.items[-1]

    def click_icon(self) -> None:
        name, path = self.wait_for_item()
        item = DBusAddress(path, bus_name=name, interface="org.kde.StatusNotifierItem")
        self._calls.send_and_get_reply(new_method_call(item, "Activate", "ii", (0, 0)), timeout=10)

    def menu_items(self) -> dict[str, int]:
        """The icon's menu as a panel reads it: each item's label (without "&") and id."""
        name, menu_path = self._menu()
        menu = DBusAddress(menu_path, bus_name=name, interface="com.canonical.dbusmenu")
        reply = self._calls.send_and_get_reply(new_method_call(menu, "GetLayout", "iias", (0, -1, [])), timeout=10)
        found = {}

        def walk(node) -> None:
            item_id, properties, children = node
            label = properties.get("label", ("s", ""))[1]
            if label:
                found[label.replace("_", "").replace("&", "")] = item_id
            for child in children:
                walk(child[1])

        walk(reply.body[1])
        return found

    def click_menu_item(self, label: str) -> None:
        name, menu_path = self._menu()
        menu = DBusAddress(menu_path, bus_name=name, interface="com.canonical.dbusmenu")
        item_id = self.menu_items()[label]
        self._calls.send_and_get_reply(new_method_call(menu, "Event", "isvu", (item_id, "clicked", ("i", 0), 0)),
                                       timeout=10)

    def _menu(self) -> tuple[str, str]:
        name, path = self.wait_for_item()
        item = DBusAddress(path, bus_name=name, interface="org.freedesktop.DBus.Properties")
        reply = self._calls.send_and_get_reply(new_method_call(item, "Get", "ss", ("org.kde.StatusNotifierItem",
                                                                                  "Menu")), timeout=10)
        return name, reply.body[0][1]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self._connection.close()
        self._calls.close()


@contextmanager
def private_tray(env: dict[str, str]) -> Iterator[TrayHost]:
    """A private D-Bus session bus with a tray on it; `env` (the processes' environment) is given its address."""
    import pytest

    if shutil.which("dbus-daemon") is None:
        pytest.skip("needs dbus-daemon (scripts/setup.sh --tests)")
    bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, env=env)
    env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().decode().strip()
    host = TrayHost(env["DBUS_SESSION_BUS_ADDRESS"])
    try:
        yield host
    finally:
        host.close()
        bus.terminate()
        bus.wait(10)
