#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Logs tab against the demo pool, through AT-SPI.

Run by run-atspi-test.sh inside a private D-Bus session with an accessibility bus:
    test_logs.py LAGOON_BINARY
Starts `lagoon --demo` and talks to the same simulator over XML-RPC. A message created with
message.create shows up in the pool's Logs tab within seconds, with its severity, title and
body; the severity filter hides and shows it; the VM's own Logs tab lists it; Dismiss deletes
it (message.destroy, checked in the simulator); Dismiss All, after a confirmation, deletes the
messages shown and leaves those the filter hides; an SR's Logs tab lists its own messages only.
With LAGOON_SCREENSHOT_DIR set, saves screenshots of the tab there.
"""

import os
import subprocess
import sys
import time
import xmlrpc.client

import pyatspi
from gi.repository import Gio, GLib

from dogtail.config import config

config.checkForA11y = False
config.logDebugToFile = False
config.logDir = os.environ.get("XDG_CACHE_HOME", "/tmp") + "/dogtail/"
config.searchBackoffDuration = 0.25
config.searchCutoffCount = 40
config.actionDelay = 0.1

from dogtail import rawinput, tree  # noqa: E402  (after the config)

TIMEOUT = 20.0


def log(message):
    print(message, flush=True)


def wait_for(what, condition, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except (GLib.Error, LookupError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def a11y_bus_ready():
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    reply = bus.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "NameHasOwner",
                          GLib.Variant("(s)", ("org.a11y.Bus",)),
                          GLib.VariantType("(b)"), Gio.DBusCallFlags.NONE, -1, None)
    return reply.unpack()[0]


def find_app(name):
    wait_for(f"application {name!r} on the accessibility bus",
             lambda: any(app.name == name for app in tree.root.applications()))
    return tree.root.application(name)


def children_of(pid):
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def listening_port(pid):
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    with open(f"/proc/{pid}/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:
                return int(fields[1].split(":")[1], 16)
    return None


def find(root, predicate):
    return root.findChild(predicate, recursive=True, retry=False, requireResult=False)


def cell_named(table, name):
    return find(table, lambda n: n.roleName == "table cell" and n.name == name)


def cell_names(table):
    return [c.name for c in table.findChildren(
        lambda n: n.roleName == "table cell" and n.name, recursive=True)]


def laid_out(node):
    """Whether @node has a place on screen: a table cell the view has not laid out yet reports
    (-2^31, -2^31) or some other far-away position, and a click there selects nothing."""
    (x, y), (w, h) = node.position, node.size
    return w > 0 and h > 0 and 0 <= x + w // 2 < 32768 and 0 <= y + h // 2 < 32768


def click(node):
    wait_for("a place on screen to click", lambda: laid_out(node))
    x, y = node.position
    w, h = node.size
    rawinput.click(x + w // 2, y + h // 2)


def selected(table, name):
    cell = cell_named(table, name)
    return cell is not None and cell.getState().contains(pyatspi.STATE_SELECTED)


def search_and_select(table, search, name):
    """Finds @name with the search box and selects its row by clicking it.

    The text goes in as one edit, so the tree filters once (typed key by key, each pause longer
    than the entry's search delay filtered the tree again, and a row found after one of those
    moved before the click landed: the click selected another object). The row then counts as
    selected only when the tree says so; should it still move under the pointer, it is clicked
    again at its new place."""
    search.grabFocus()
    search.text = name
    wait_for(f"the search text {name!r}", lambda: search.text == name)
    wait_for(f"{name} in the tree", lambda: cell_named(table, name) is not None)
    deadline = time.monotonic() + TIMEOUT
    while True:
        cell = cell_named(table, name)
        clicked_at = (tuple(cell.position), tuple(cell.size))
        click(cell)

        def settled():
            if selected(table, name):
                return True
            now = cell_named(table, name)
            return now is not None and (tuple(now.position), tuple(now.size)) != clicked_at
        wait_for(f"{name} selected", settled, timeout=max(1.0, deadline - time.monotonic()))
        if selected(table, name):
            return
        log(f"the row {name!r} moved under the pointer; clicking it again")


def ctrl_click(node):
    x, y = node.position
    w, h = node.size
    rawinput.holdKey("Control_L")
    try:
        rawinput.click(x + w // 2, y + h // 2)
    finally:
        rawinput.releaseKey("Control_L")


def screenshot(name):
    directory = os.environ.get("LAGOON_SCREENSHOT_DIR")
    if not directory:
        return
    path = os.path.join(directory, name)
    subprocess.run(["import", "-window", "root", path], check=False)
    log(f"screenshot: {path}")


class Pool:
    """The simulator's pool, read over XML-RPC."""

    def __init__(self, port):
        self.proxy = xmlrpc.client.ServerProxy(f"http://127.0.0.1:{port}/")
        reply = self.proxy.session.login_with_password("root", "xenroot", "2.21", "test")
        assert reply["Status"] == "Success", reply
        self.session = reply["Value"]

    def raw(self, method, *args):
        fn = self.proxy
        for part in method.split("."):
            fn = getattr(fn, part)
        return fn(self.session, *args)

    def call(self, method, *args):
        reply = self.raw(method, *args)
        assert reply["Status"] == "Success", (method, reply)
        return reply["Value"]

    def snapshots_of(self, vm_ref):
        return {r: v for r, v in self.call("VM.get_all_records").items()
                if v["is_a_snapshot"] and v["snapshot_of"] == vm_ref}


def dialog_named(app, name):
    return find(app, lambda n: n.roleName in ("dialog", "alert") and n.name == name
                and n.showing)


def main():
    binary = sys.argv[1]
    builddir = os.environ.get("LAGOON_BUILDDIR", "")
    sim = os.path.join(builddir, "tests", "xapi-sim", "xapi-sim")
    if not os.access(sim, os.X_OK):
        log(f"SKIP: {sim} is not built")
        return 77

    wait_for("the accessibility bus", a11y_bus_ready)
    env = dict(os.environ)
    env.pop("NO_AT_BRIDGE", None)

    proc = subprocess.Popen([binary, "--demo"], env=env)
    try:
        app = find_app("lagoon")
        window = app.child(name="Lagoon", roleName="frame")
        table = window.child(name="Resources", roleName="tree table")

        wait_for("the simulator to start", lambda: len(children_of(proc.pid)) == 1)
        sim_pid = children_of(proc.pid)[0]
        wait_for("the simulator to listen", lambda: listening_port(sim_pid) is not None)
        pool = Pool(listening_port(sim_pid))

        pool_name = list(pool.call("pool.get_all_records").values())[0]["name_label"]
        vms = pool.call("VM.get_all_records")
        vm_ref, vm = min(((r, v) for r, v in vms.items() if not (
            v["is_a_template"] or v["is_control_domain"] or v["is_a_snapshot"])),
            key=lambda item: item[1]["name_label"])
        vm_name = vm["name_label"]
        existing = pool.call("message.get_all_records")
        log(f"the pool has {len(existing)} messages")

        wait_for("the tree to show the pool", lambda: cell_named(table, pool_name) is not None)
        click(cell_named(table, pool_name))
        wait_for("the pool selected", lambda: selected(table, pool_name))

        def tab_button(name):
            return find(window, lambda n: n.name == name and n.roleName in (
                "radio button", "toggle button") and n.showing)
        wait_for("the Logs tab", lambda: tab_button("Logs") is not None)
        tab_button("Logs").click()

        def messages_table():
            return find(window, lambda n: n.name == "Messages" and n.showing
                        and n.roleName in ("table", "tree table"))
        wait_for("the message list", lambda: messages_table() is not None)
        messages = messages_table()
        count = len([n for n in existing.values() if 1 <= int(n["priority"]) <= 5])
        wait_for("the existing messages", lambda: find(
            window, lambda n: n.roleName == "label" and n.showing
            and n.name == f"{len(existing)} of {len(existing)} messages shown"))
        log(f"the pool's Logs tab lists all {len(existing)} messages ({count} with priority 1-5)")

        # A new critical message about the VM appears live.
        body = f"Test alert about {vm_name}"
        created_at = time.monotonic()
        msg_ref = pool.call("message.create", "TEST_LOGS_ALERT", 1, "VM", vm["uuid"], body)
        wait_for("the new message in the list", lambda: cell_named(messages, body) is not None,
                 timeout=5)
        log(f"message shown {time.monotonic() - created_at:.2f} s after message.create")
        row_cells = [c.name for c in messages.findChildren(
            lambda n: n.roleName == "table cell", recursive=True)]
        i = row_cells.index(body)
        assert "Critical" in row_cells[i - 4:i] and "Test logs alert" in row_cells[i - 4:i], \
            row_cells[i - 4:i + 1]
        assert vm_name in row_cells[i - 4:i], row_cells[i - 4:i + 1]
        log(f"row: {row_cells[i - 4:i + 1]}")
        screenshot("snaps-logs-pool.png")

        # The severity filter hides it and shows it again.
        critical = window.child(name="Show critical messages", roleName="toggle button")
        critical.click()
        wait_for("the filter to hide it", lambda: cell_named(messages, body) is None)
        critical.click()
        wait_for("the filter to show it", lambda: cell_named(messages, body) is not None)
        log("the Critical filter hides and shows the message")

        # The VM's own Logs tab lists it.
        search = window.child(name="Search resources")
        search_and_select(table, search, vm_name)
        wait_for("the VM's Logs tab", lambda: tab_button("Logs") is not None)
        tab_button("Logs").click()
        wait_for("the VM's message list", lambda: messages_table() is not None
                 and cell_named(messages_table(), body) is not None)
        messages = messages_table()
        vm_messages = [m for m in pool.call("message.get_all_records").values()
                       if m["obj_uuid"] == vm["uuid"]]
        n = len(vm_messages)
        wait_for("the VM's count", lambda: find(window, lambda x: x.roleName == "label"
                                                 and x.showing
                                                 and x.name == f"{n} of {n} messages shown"
                                                 or x.name == f"{n} of {n} message shown"))
        log(f"the VM's Logs tab lists its {n} messages")

        # Dismiss the selected message.
        click(cell_named(messages, body))
        wait_for("the details", lambda: find(window, lambda x: x.roleName == "label"
                                              and x.showing and x.name.startswith(
                                                  "Test logs alert\nCritical")))
        window.child(name="Dismiss", roleName="push button").click()
        wait_for("the simulator to lose the message", lambda: msg_ref not in pool.call(
            "message.get_all_records"))
        wait_for("the list to lose it", lambda: cell_named(messages, body) is None, timeout=5)
        log("Dismiss deleted the message (message.destroy)")

        # Dismiss All deletes what is shown, not what the filter hides.
        info_body = f"Information about {vm_name}"
        warning_body = f"Warning about {vm_name}"
        info_ref = pool.call("message.create", "TEST_LOGS_INFO", 5, "VM", vm["uuid"], info_body)
        warning_ref = pool.call("message.create", "TEST_LOGS_WARNING", 3, "VM", vm["uuid"],
                                warning_body)
        wait_for("both new messages", lambda: cell_named(messages, info_body) is not None
                 and cell_named(messages, warning_body) is not None, timeout=5)
        window.child(name="Show warnings", roleName="toggle button").click()
        wait_for("the warning to hide", lambda: cell_named(messages, warning_body) is None)
        shown_refs = [r for r, m in pool.call("message.get_all_records").items()
                      if m["obj_uuid"] == vm["uuid"] and int(m["priority"]) != 3]
        screenshot("snaps-logs-vm.png")
        window.child(name="Dismiss All…", roleName="push button").click()
        wait_for("the confirmation", lambda: dialog_named(app, "Dismiss Messages"))
        dialog = dialog_named(app, "Dismiss Messages")
        screenshot("snaps-logs-dismiss-all.png")
        dialog.child(name="Dismiss All", roleName="push button").click()
        wait_for("the shown messages to go", lambda: not any(
            r in pool.call("message.get_all_records") for r in shown_refs))
        remaining = pool.call("message.get_all_records")
        assert warning_ref in remaining, "the hidden warning was dismissed too"
        assert info_ref not in remaining
        window.child(name="Show warnings", roleName="toggle button").click()
        wait_for("the warning to show again", lambda: cell_named(messages, warning_body)
                 is not None)
        wait_for("one message left", lambda: find(window, lambda x: x.roleName == "label"
                                                  and x.showing
                                                  and x.name == "1 of 1 message shown"))
        log(f"Dismiss All deleted the {len(shown_refs)} messages shown; the hidden warning stays")

        # An SR's Logs tab: its own messages only.
        srs = pool.call("SR.get_all_records")
        sr_ref, sr = next((r, v) for r, v in sorted(srs.items(), key=lambda i: i[1]["name_label"])
                          if v["shared"])
        sr_body = f"Test alert about {sr['name_label']}"
        pool.call("message.create", "SR_IO_ERRORS", 2, "SR", sr["uuid"], sr_body)
        search_and_select(table, search, sr["name_label"])
        wait_for("the SR's Logs tab", lambda: tab_button("Logs") is not None)
        tab_button("Logs").click()
        try:
            wait_for("the SR's message", lambda: messages_table() is not None
                     and cell_named(messages_table(), sr_body) is not None, timeout=40)
        except AssertionError:
            # Say what was on screen instead, to tell a slow machine from a wrong list.
            shown = [c.name for c in messages_table().findChildren(
                lambda n: n.roleName == "table cell", recursive=True)] \
                if messages_table() is not None else None
            log(f"the SR's message did not show; the Logs table had: {shown}")
            log("selected in the tree: " + repr([c.name for c in table.findChildren(
                lambda n: n.roleName == "table cell" and n.name
                and n.getState().contains(pyatspi.STATE_SELECTED),
                recursive=True)]))
            raise
        sr_cells = [c.name for c in messages_table().findChildren(
            lambda n: n.roleName == "table cell", recursive=True)]
        i = sr_cells.index(sr_body)
        assert sr_cells[i - 4] == "Major" and sr_cells[i - 2] == "SR IO errors", sr_cells
        assert warning_body not in sr_cells, "the VM's warning is listed for the SR"
        log(f"the SR's Logs tab: {sr_cells[i - 4:i + 1]}")

        rawinput.keyCombo("<Control>q")
        rc = proc.wait(timeout=TIMEOUT)
        assert rc == 0, f"lagoon exited with status {rc}"
        log("quit")
    except Exception:
        screenshot("snaps-logs-failure.png")
        raise
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
