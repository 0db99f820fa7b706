#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Smoke test of the real lagoon binary through AT-SPI, as a user (or a screen reader) sees it.

Run by run-atspi-test.sh inside a private D-Bus session with an accessibility bus:
    test_smoke.py LAGOON_BINARY
Starts Lagoon, finds the main window and its controls by accessible name, opens
Help > About Lagoon with the mouse, checks and closes the About dialog, and quits with Ctrl+Q.
Then starts `lagoon --demo` (when the build has xapi-sim), waits for the banner saying it is
connected, and checks
that the simulator runs as Lagoon's child and stops when Lagoon quits.
"""

import os
import subprocess
import sys
import time

from gi.repository import Gio, GLib

from dogtail.config import config

# The a11y GSettings key is irrelevant here: GTK 3 loads the bridge whenever the bus exists.
config.checkForA11y = False
config.logDebugToFile = False
config.logDir = os.environ.get("XDG_CACHE_HOME", "/tmp") + "/dogtail/"
config.searchBackoffDuration = 0.25
config.searchCutoffCount = 40
config.actionDelay = 0.2

from dogtail import rawinput, tree  # noqa: E402  (after the config)

TIMEOUT = 15.0


def log(message):
    print(message, flush=True)


def wait_for(what, condition, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except GLib.Error:
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
    def found():
        return any(app.name == name for app in tree.root.applications())
    wait_for(f"application {name!r} on the accessibility bus", found)
    return tree.root.application(name)


def showing(node):
    try:
        return node.showing
    except Exception:  # the object went away with its window
        return False


def children_of(pid):
    """Pids of the processes whose parent is pid."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def process_gone(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state == "Z"  # exited, waiting for its new parent to reap it
    except OSError:
        return True


def quit_with_keyboard(window, proc):
    # Quit with the keyboard, pointer over the main window (no window manager here).
    x, y = window.position
    w, h = window.size
    rawinput.absoluteMotion(x + w // 2, y + h // 2)
    time.sleep(0.3)
    rawinput.keyCombo("<Control>q")
    try:
        rc = proc.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise AssertionError("Ctrl+Q did not quit Lagoon")
    assert rc == 0, f"lagoon exited with status {rc}"


def test_demo(binary, env):
    """lagoon --demo starts the simulator, connects to it, and stops it on quit."""
    builddir = os.environ.get("LAGOON_BUILDDIR", "")
    sim = os.path.join(builddir, "tests", "xapi-sim", "xapi-sim")
    if not os.access(sim, os.X_OK):
        log(f"demo part skipped: {sim} is not built")
        return

    proc = subprocess.Popen([binary, "--demo"], env=env)
    try:
        app = find_app("lagoon")
        window = app.child(name="Lagoon", roleName="frame")
        prefix = "Demo pool: connected to the simulator on loopback"
        banner = window.findChild(
            lambda n: n.roleName == "label" and n.name.startswith(prefix))
        wait_for("the demo banner to show", lambda: banner.showing)
        log("demo banner: " + banner.name)

        sims = children_of(proc.pid)
        assert len(sims) == 1, f"expected one simulator process, found {sims}"
        with open(f"/proc/{sims[0]}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
        assert b"--generate" in argv and b"3:40" in argv, argv

        quit_with_keyboard(window, proc)
        wait_for("the simulator to stop with Lagoon", lambda: process_gone(sims[0]))
        log("the simulator stopped with Lagoon")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def main():
    binary = sys.argv[1]
    wait_for("the accessibility bus", a11y_bus_ready)

    env = dict(os.environ)
    env.pop("NO_AT_BRIDGE", None)
    proc = subprocess.Popen([binary], env=env)
    try:
        app = find_app("lagoon")
        log("found the application on the accessibility bus")

        window = app.child(name="Lagoon", roleName="frame")
        wait_for("the main window to show", lambda: window.showing)
        log("main window: %r" % window)

        # Controls are reachable by accessible name.
        resources = window.child(name="Resources", roleName="tree table")
        assert resources.showing, "the resource tree is not showing"
        search = window.child(name="Search resources")
        assert search.showing, "the search entry is not showing"
        empty = window.child(name="No server connected", roleName="label")
        assert empty.showing, "the empty state is not showing"

        # The seven XenCenter menus, in order.
        menubar = window.child(roleName="menu bar")
        menus = [m.name for m in menubar.children if m.roleName == "menu"]
        assert menus == ["Server", "View", "Pool", "VM", "Storage", "Templates", "Tools",
                         "Help"], menus

        # Help > About Lagoon, with the mouse.
        help_menu = menubar.child(name="Help", roleName="menu")
        help_menu.click()
        about_item = help_menu.child(name="About Lagoon", roleName="menu item")
        wait_for("the Help menu to open", lambda: about_item.showing)
        about_item.click()

        about = app.child(name="About Lagoon", roleName="dialog")
        wait_for("the About dialog to show", lambda: about.showing)
        about.child(name="Lagoon", roleName="label")
        about.child(name="0.1.0", roleName="label")
        about.child(name="A desktop client for Xen pools (XCP-ng, XenServer)", roleName="label")
        log("About dialog is showing")

        close = about.child(name="Close", roleName="push button")
        close.click()
        wait_for("the About dialog to close", lambda: not showing(about))
        log("About dialog closed")

        quit_with_keyboard(window, proc)
        log("Ctrl+Q quit Lagoon")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    test_demo(binary, env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
