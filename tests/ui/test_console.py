#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Console tab against the demo pool (xapi-sim with a real QEMU per running VM).

Run by run-atspi-test.sh inside a private D-Bus session with an accessibility bus:
    test_console.py LAGOON_BINARY
Starts `lagoon --demo`, selects a running VM, opens the Console tab and waits until the console
area says it is connected (its accessible description), prints the time that took; checks
from a grab of the screen that the display shows the guest (its blue background), types into
the display and checks that the guest's picture changes; reboots the VM and checks that the
tab reconnects to the fresh guest by itself, and that Ctrl+Alt+Del resets the guest; saves a
screenshot from the toolbar; then selects a halted VM and checks that the tab offers the
Start button, which starts it and connects; and that a host shows its control
domain's console. Then, with a simulator whose QEMU cannot start, checks that the refused
CONNECT is explained with a Retry button that tries again. With LAGOON_SCREENSHOT_DIR set,
saves screenshots of the console tab there.
"""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from test_main_window import (  # noqa: E402  (dogtail is configured there)
    TIMEOUT, Pool, a11y_bus_ready, cell_named, children_of, find_app, listening_port, log,
    screenshot, wait_for)

from dogtail import rawinput  # noqa: E402
from gi.repository import GdkPixbuf  # noqa: E402

CONNECT_TIMEOUT = 60.0


def grab(node):
    """The node's area of the screen, as (width, height, rowstride, channels, bytes)."""
    x, y = node.position
    w, h = node.size
    data = subprocess.run(["import", "-window", "root", "-crop", f"{w}x{h}+{x}+{y}",
                           "+repage", "png:-"], capture_output=True, check=True).stdout
    loader = GdkPixbuf.PixbufLoader.new_with_type("png")
    loader.write(data)
    loader.close()
    pix = loader.get_pixbuf()
    return (pix.get_width(), pix.get_height(), pix.get_rowstride(), pix.get_n_channels(),
            pix.get_pixels())


def blue_fraction(image):
    """The share of pixels that are clearly blue (the guest's background), sampled."""
    w, h, stride, channels, data = image
    blue = total = 0
    for y in range(0, h, 4):
        for x in range(0, w, 4):
            i = y * stride + x * channels
            r, g, b = data[i], data[i + 1], data[i + 2]
            total += 1
            if b > 80 and b > r + 40 and b > g + 40:
                blue += 1
    return blue / max(total, 1)


def changed_pixels(a, b, threshold=0):
    """How many pixels differ between two grabs of the same area (all of them if the sizes
    differ); with @threshold, only those where a colour channel differs by more. (A scaled
    display redrawn piecemeal, one framebuffer update at a time, differs from one drawn at
    once in the filtered edges of its glyphs.)"""
    if a[:3] != b[:3]:
        return a[0] * a[1]
    w, h, stride, channels, da = a
    db = b[4]
    count = 0
    for y in range(h):
        row = y * stride
        if da[row:row + w * channels] == db[row:row + w * channels]:
            continue
        for x in range(w):
            i = row + x * channels
            if (abs(da[i] - db[i]) > threshold or abs(da[i + 1] - db[i + 1]) > threshold
                    or abs(da[i + 2] - db[i + 2]) > threshold):
                count += 1
    return count


GRABBED = "The console has the mouse and keyboard. Press Ctrl+Alt to release them."
KEYBOARD_ONLY = "The console has the keyboard while the pointer is over it."


def search_and_select(table, search, name):
    """Finds @name with the search box and selects its row by clicking it.

    The text goes in as one edit, so the tree filters once (typed key by key, a pause longer
    than the entry's search delay filtered the tree on a prefix, and a row found then moved
    before the click landed). The row counts as selected when the tree says so; one that still
    moved under the pointer is clicked again at its new place."""
    import pyatspi

    def selected():
        cell = cell_named(table, name)
        return cell is not None and cell.getState().contains(pyatspi.STATE_SELECTED)

    search.grabFocus()
    search.text = name
    wait_for(f"the search text {name!r}", lambda: search.text == name)
    wait_for(f"{name} in the tree", lambda: cell_named(table, name) is not None)
    deadline = time.monotonic() + TIMEOUT
    while True:
        cell = cell_named(table, name)
        clicked_at = (tuple(cell.position), tuple(cell.size))
        (x, y), (w, h) = clicked_at
        rawinput.click(x + w // 2, y + h // 2)

        def settled():
            now = cell_named(table, name)
            return selected() or (now is not None and
                                  (tuple(now.position), tuple(now.size)) != clicked_at)
        wait_for(f"{name} selected", settled, timeout=max(1.0, deadline - time.monotonic()))
        if selected():
            return cell_named(table, name)
        log(f"the row {name!r} moved under the pointer; clicking it again")


def label_showing(window, text):
    return window.findChild(lambda n: n.roleName == "label" and n.name == text and n.showing,
                            recursive=True, retry=False, requireResult=False)


def button(window, name, role="push button"):
    return window.findChild(lambda n: n.name == name and n.roleName == role and n.showing,
                            recursive=True, retry=False, requireResult=False)


def release_grab(window):
    """Ctrl+Alt, the release combination: the console lets go of the mouse."""
    rawinput.holdKey("Control_L")
    rawinput.holdKey("Alt_L")
    time.sleep(0.1)
    rawinput.releaseKey("Alt_L")
    rawinput.releaseKey("Control_L")
    wait_for("the console to release the mouse", lambda: label_showing(window, GRABBED) is None,
             timeout=5)


def console_sockets(pid, port):
    """Inodes of the process's established TCP connections to 127.0.0.1:port."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = set()
    with open(f"/proc/{pid}/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            remote, state, inode = fields[2], fields[3], fields[9]
            if state == "01" and int(remote.split(":")[1], 16) == port and inode in inodes:
                found.add(inode)
    return found


CLIPBOARD_OWNER = """
import sys
import gi
gi.require_version("Gdk", "3.0")
gi.require_version("Gtk", "3.0")
from gi.repository import Gdk, GLib, Gtk
clipboard = Gtk.Clipboard.get(Gdk.SELECTION_CLIPBOARD)
clipboard.set_text(sys.argv[1], -1)
print("ready", flush=True)
GLib.timeout_add_seconds(int(sys.argv[2]), Gtk.main_quit)
Gtk.main()
"""


def own_clipboard(text, seconds=30):
    """A process that holds @text on the clipboard for a while (as a text editor would)."""
    env = dict(os.environ)
    env["NO_AT_BRIDGE"] = "1"
    owner = subprocess.Popen(["/usr/bin/python3", "-c", CLIPBOARD_OWNER, text, str(seconds)],
                             env=env, stdout=subprocess.PIPE, text=True)
    assert owner.stdout.readline().strip() == "ready", "the clipboard owner did not start"
    return owner


def frame(app, title):
    return app.findChild(lambda n: n.roleName == "frame" and n.name == title, recursive=False,
                         retry=False, requireResult=False)


_gdk_display = []


def gdk_display():
    """The test's own connection to the X display (to move windows, read the screen size)."""
    if not _gdk_display:
        import gi
        gi.require_version("Gdk", "3.0")
        from gi.repository import Gdk
        _gdk_display.append(Gdk.Display.open(os.environ["DISPLAY"]))
    return _gdk_display[0]


def place_window(title, x, y):
    """Moves (and raises) the top-level X window called @title: without a window manager, new
    windows open at the top left, over the main window."""
    import gi
    gi.require_version("GdkX11", "3.0")
    from gi.repository import GdkX11
    out = subprocess.run(["xwininfo", "-root", "-tree"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        line = line.strip()
        if f'"{title}"' in line:
            xid = int(line.split()[0], 16)
            window = GdkX11.X11Window.foreign_new_for_display(gdk_display(), xid)
            window.move(x, y)
            window.raise_()
            gdk_display().flush()
            return
    raise AssertionError(f"no X window called {title!r}")


def window_xid(title):
    out = subprocess.run(["xwininfo", "-root", "-tree"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        line = line.strip()
        if f'"{title}"' in line:
            return int(line.split()[0], 16)
    raise AssertionError(f"no X window called {title!r}")


def close_window(title):
    """Asks the window to close as a window manager does (WM_DELETE_WINDOW)."""
    import ctypes

    class ClientMessage(ctypes.Structure):
        _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong),
                    ("send_event", ctypes.c_int), ("display", ctypes.c_void_p),
                    ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                    ("format", ctypes.c_int), ("data", ctypes.c_long * 5),
                    ("pad", ctypes.c_long * 24)]

    xlib = ctypes.CDLL("libX11.so.6")
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XInternAtom.restype = ctypes.c_ulong
    xlib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    xlib.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long,
                                ctypes.c_void_p]
    xlib.XFlush.argtypes = [ctypes.c_void_p]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = xlib.XOpenDisplay(os.environ["DISPLAY"].encode())
    assert display, "cannot open the X display"
    try:
        event = ClientMessage()
        event.type = 33  # ClientMessage
        event.window = window_xid(title)
        event.message_type = xlib.XInternAtom(display, b"WM_PROTOCOLS", 0)
        event.format = 32
        event.data[0] = xlib.XInternAtom(display, b"WM_DELETE_WINDOW", 0)
        event.data[1] = 0  # CurrentTime
        xlib.XSendEvent(display, event.window, 0, 0, ctypes.byref(event))
        xlib.XFlush(display)
    finally:
        xlib.XCloseDisplay(display)


def screen_size():
    area = gdk_display().get_monitor(0).get_geometry()
    return area.width, area.height


def wait_blue(display, what):
    shown = []

    def blue():
        shown[:] = [grab(display)]
        return blue_fraction(shown[0]) > 0.3
    wait_for(what, blue, timeout=CONNECT_TIMEOUT)


def type_and_see(container, display, text="lagoon xyz"):
    """Clicks into @display, types, and waits for the guest to echo; releases the grab."""
    before = grab(display)
    x, y = display.position
    w, h = display.size
    rawinput.click(x + w // 2, y + h // 2)
    wait_for("the grab indicator", lambda: label_showing(container, GRABBED) is not None,
             timeout=5)
    rawinput.typeText(text)
    typed = time.monotonic()
    changed = []

    def echoed():
        changed[:] = [changed_pixels(grab(display), before)]
        return changed[0] > 25 * len(text) + 100
    wait_for(f"the guest to echo {text!r}", echoed, timeout=10)
    log(f"  {text!r} on the guest's screen {time.monotonic() - typed:.2f} s after the last key "
        "(screen grabs poll every 0.1 s or so)")
    release_grab(container)
    rawinput.absoluteMotion(5, 1000)
    return changed[0]


def one_to_one(window, display, fb_size):
    """Scale to Fit off shows the guest at its own size (1:1); on again, the tab's size."""
    scaled = tuple(display.size)
    assert scaled != fb_size, f"the scaled display already has the guest's size {fb_size}"
    toggle = button(window, "Scale to Fit", "toggle button")
    toggle.doActionNamed("click")
    wait_for(f"the display at the guest's own size {fb_size}",
             lambda: tuple(display.size) == fb_size, timeout=5)
    log(f"1:1: display {fb_size[0]}x{fb_size[1]} (scaled to fit: {scaled[0]}x{scaled[1]})")
    type_clipboard(window, display, fb_size)
    toggle.doActionNamed("click")
    wait_for("the display scaled to the tab again", lambda: tuple(display.size) == scaled,
             timeout=5)


def cell_image(image, column, row):
    """The pixels of one 9x16 character cell of a 1:1 grab of the VGA text screen."""
    w, h, stride, channels, data = image
    rows = []
    for y in range(row * 16, row * 16 + 16):
        start = y * stride + column * 9 * channels
        rows.append(bytes(data[start:start + 9 * channels]))
    return b"".join(rows)


def type_clipboard(window, display, fb_size):
    """Type Clipboard Text types the clipboard into the guest with the layout's shift levels:
    at 1:1 each character is a 9x16 cell, so "AAaa!!11" must give four pairs of equal cells,
    each pair unlike the next (a lost Shift would type "aaaa1111")."""
    text = "\nAAaa!!11"

    def problem(after):
        """What is wrong with the screen @after (None: the typed line is all there)."""
        if after[:2] != fb_size:
            return f"display size {after[:2]}, not {fb_size}"
        changed = changed_pixels(after, before)
        if changed <= 300:
            return f"typing the clipboard changed only {changed} pixels"
        # The cursor's line: the lowest 16-pixel band with white pixels.
        w, h, stride, channels, data = after
        row = None
        for band in reversed(range(h // 16)):
            if any(data[y * stride + x * channels] > 200
                   and data[y * stride + x * channels + 2] > 200
                   for y in range(band * 16, band * 16 + 16) for x in range(0, w, 3)):
                row = band
                break
        if row is None:
            return "no text on the guest's screen"
        # "lagoon> " is 8 cells; the typed characters follow.
        cells = [cell_image(after, 8 + i, row) for i in range(8)]
        for i in range(0, 8, 2):
            if cells[i] != cells[i + 1]:
                return f"cells {8 + i} and {9 + i} differ: not the same key"
        for i in range(0, 6, 2):
            if cells[i] == cells[i + 2]:
                return f"cells {8 + i} and {10 + i} are the same: Shift was lost"
        return None

    owner = own_clipboard(text)
    try:
        before = grab(display)
        button(window, "Type Clipboard Text").doActionNamed("click")
        note = f"Typed {len(text)} characters."
        wait_for(f"the note {note!r}", lambda: label_showing(window, note) is not None,
                 timeout=15)
        # The note comes when the keys are sent; the guest echoes them, and the display shows
        # the echo, a little later (under load, more than a few tenths of a second).
        seen = []

        def typed_line_shown():
            seen[:] = [grab(display)]
            return problem(seen[0]) is None
        try:
            wait_for("the typed line on the guest's screen", typed_line_shown, timeout=10)
        except AssertionError:
            raise AssertionError(problem(seen[0]) if seen else "no screen grab") from None
        after = seen[0]
    finally:
        owner.kill()
        owner.wait()
    changed = changed_pixels(after, before)
    log(f"Type Clipboard Text typed {text[1:]!r}: {changed} pixels changed, upper and lower "
        "case and shifted digits come out as distinct glyphs")

    # More than 200 characters asks first; Cancel types nothing.
    long_text = "x" * 300
    owner = own_clipboard(long_text)
    try:
        before = grab(display)
        button(window, "Type Clipboard Text").doActionNamed("click")
        app = window.parent
        question = "Type 300 characters into "
        wait_for("the confirmation", lambda: app.findChild(
            lambda n: n.roleName == "label" and n.name.startswith(question) and n.showing,
            recursive=True, retry=False, requireResult=False) is not None)
        dialog = app.findChild(lambda n: n.roleName in ("alert", "dialog") and n.showing,
                               recursive=False, retry=False, requireResult=False)
        cancel = (dialog or app).findChild(lambda n: n.name == "Cancel" and
                                           n.roleName == "push button" and n.showing,
                                           recursive=True)
        cancel.doActionNamed("click")
        time.sleep(1.5)
        changed = changed_pixels(grab(display), before)
        assert changed < 300, f"cancelled typing still changed {changed} pixels"
    finally:
        owner.kill()
        owner.wait()
    log("300 characters: asked first; Cancel typed nothing")


def send_key_menu(window, app, display, connected, console_area):
    """The Send Key menu offers virt-viewer's combinations and the SysRq keys; sending one
    keeps the console connected."""
    toggle = window.findChild(lambda n: n.name == "Send Key" and n.showing and n.roleName in (
        "toggle button", "push button"), recursive=True)
    toggle.click()
    wait_for("the Send Key menu", lambda: app.findChild(
        lambda n: n.roleName == "menu item" and n.name == "Ctrl+Alt+F2" and n.showing,
        recursive=True, retry=False, requireResult=False) is not None, timeout=5)
    names = [n.name for n in app.findChildren(
        lambda n: n.roleName == "menu item" and n.showing, recursive=True)]
    expected = (["Ctrl+Alt+Del", "Ctrl+Alt+Backspace", "PrintScreen"]
                + [f"Ctrl+Alt+F{i}" for i in range(1, 13)])
    missing = [n for n in expected if n not in names]
    assert not missing, f"the Send Key menu lacks {missing}"
    sysrq = [n for n in names if n.startswith("Alt+SysRq+")]
    assert len(sysrq) >= 6, f"SysRq entries: {sysrq}"
    app.findChild(lambda n: n.roleName == "menu item" and n.name == "Ctrl+Alt+F2"
                  and n.showing, recursive=True).click()
    time.sleep(1.0)
    assert console_area().description == connected, console_area().description
    log(f"Send Key menu: {len(names)} entries ({len(sysrq)} SysRq); Ctrl+Alt+F2 sent, still "
        "connected (the test guest shows no keys without a character)")
    rawinput.absoluteMotion(5, 1000)


def undock_and_dock(app, window, display, vm_name, pid, port, console_area, connected, pool,
                    vm_ref):
    """Undock moves the live console into its own window and Dock moves it back: the same
    TCP connection all along (no new CONNECT), and the guest answers in both places."""
    sockets = console_sockets(pid, port)
    button(window, "Undock").doActionNamed("click")
    title = f"{vm_name} — Console"
    wait_for("the console window", lambda: frame(app, title) is not None)
    wait_for("the tab's note", lambda: label_showing(
        window, f"The console of {vm_name} is in its own window.") is not None)
    time.sleep(0.3)
    place_window(title, 0, 700)
    wait_for("the console window placed", lambda: tuple(frame(app, title).position) == (0, 700),
             timeout=5)
    win = frame(app, title)
    undocked = win.findChild(lambda n: n.name == f"Console of {vm_name}" and n.showing,
                             recursive=True)
    wait_for("the undocked display to have a size", lambda: undocked.size[0] > 100)
    wait_blue(undocked, "the guest in the undocked window")
    time.sleep(0.5)
    screenshot("console-undocked.png")
    changed = type_and_see(win, undocked)
    now = console_sockets(pid, port)
    assert not now - sockets, f"undocking opened new connections: {now - sockets}"
    assert sockets <= now, f"undocking closed connections: {sockets - now}"
    log(f"undocked: the same connection; typing in the window changed {changed} pixels")

    # The window's title follows the VM's name.
    renamed = f"{vm_name} (renamed)"
    pool.call("VM.set_name_label", vm_ref, renamed)
    wait_for("the window's title to follow the rename",
             lambda: frame(app, f"{renamed} — Console") is not None, timeout=10)
    pool.call("VM.set_name_label", vm_ref, vm_name)
    wait_for("the window's title to follow the name back", lambda: frame(app, title) is not None,
             timeout=10)
    win = frame(app, title)
    log("the window's title follows the VM's name")

    # The tab's own buttons: Show Console Window, then Dock Console.
    button(window, "Show Console Window").doActionNamed("click")
    button(window, "Dock Console").doActionNamed("click")
    wait_for("the console window to close", lambda: frame(app, title) is None)
    wait_for("the console back in the tab", lambda: console_area() is not None
             and console_area().description == connected, timeout=5)
    # Undocked again, closing the window (as a window manager asks) docks it back too.
    button(window, "Undock").doActionNamed("click")
    wait_for("the console window again", lambda: frame(app, title) is not None)
    time.sleep(0.5)
    close_window(title)
    wait_for("the closed console window to go", lambda: frame(app, title) is None)
    log("Dock Console in the tab docks the console back; so does closing its window")
    wait_for("the console back in the tab", lambda: console_area() is not None
             and console_area().description == connected, timeout=5)
    docked = window.findChild(lambda n: n.name == f"Console of {vm_name}" and n.showing,
                              recursive=True)
    wait_blue(docked, "the guest in the tab again")
    time.sleep(6)  # longer than a hidden view keeps its console
    now = console_sockets(pid, port)
    assert not now - sockets, f"docking opened new connections: {now - sockets}"
    assert sockets <= now, f"docking closed connections: {sockets - now}"
    assert console_area().description == connected
    log("docked back: still the same connection 6 s later")


def fullscreen(app, window, vm_name, pid, port, console_area, connected):
    """Fullscreen from the tab: a window over the whole screen without the toolbar; a small
    toolbar slides down from the top edge; Leave Fullscreen docks the console back."""
    sockets = console_sockets(pid, port)
    button(window, "Fullscreen").doActionNamed("click")
    title = f"{vm_name} — Console"
    wait_for("the full-screen window", lambda: frame(app, title) is not None)
    win = frame(app, title)
    size = screen_size()
    wait_for(f"the window to cover the screen {size}", lambda: tuple(win.size) == size
             and tuple(win.position) == (0, 0), timeout=5)
    assert button(win, "Undock") is None and button(win, "Dock") is None, \
        "the view's toolbar shows in full screen"
    leave = []

    def leave_button():
        leave[:] = [button(win, "Leave Fullscreen")]
        return leave[0] is not None
    wait_for("the full-screen toolbar", leave_button, timeout=3)
    time.sleep(0.3)
    screenshot("console-fullscreen.png")
    wait_for("the full-screen toolbar to hide", lambda: not leave_button(), timeout=6)
    rawinput.absoluteMotion(size[0] // 2, 40)
    rawinput.absoluteMotion(size[0] // 2, 0)
    wait_for("the toolbar at the top edge", leave_button, timeout=5)
    log("full screen: the window covers the screen; the toolbar hides and comes back at the "
        "top edge")
    # Without the status line, a grab is announced over the picture.
    rawinput.click(size[0] // 2, size[1] // 2)
    wait_for("the grab hint in full screen", lambda: label_showing(win, GRABBED) is not None,
             timeout=5)
    screenshot("console-fullscreen-grabbed.png")
    release_grab(win)
    log("full screen: a click shows the grab hint over the picture; Ctrl+Alt hides it")
    leave[0].doActionNamed("click")
    wait_for("the full-screen window to close", lambda: frame(app, title) is None)
    wait_for("the console back in the tab", lambda: console_area() is not None
             and console_area().description == connected, timeout=5)
    rawinput.absoluteMotion(5, 1000)
    now = console_sockets(pid, port)
    assert not now - sockets, f"full screen opened new connections: {now - sockets}"
    assert sockets <= now, f"full screen closed connections: {sockets - now}"
    log("left full screen: docked back on the same connection")


def select_vm(table, name):
    """Clicks the VM's row, again if the click did not select it (a click right after a window
    moved away from under the pointer can be lost without a window manager)."""
    for attempt in range(3):
        cell = cell_named(table, name)
        x, y = cell.position
        w, h = cell.size
        rawinput.click(x + w // 2, y + h // 2)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            import pyatspi
            if cell_named(table, name).getState().contains(pyatspi.STATE_SELECTED):
                return
            time.sleep(0.1)
        log(f"{name} not selected after a click (attempt {attempt + 1})")
    raise AssertionError(f"{name} could not be selected")


def several(app, window, table, pool, vms, running, host_ref, vm_name):
    """Two undocked consoles and the tab's at once: each answers typing."""
    others = sorted(v["name_label"] for v in running.values()
                    if v["resident_on"] == host_ref and v["name_label"] != vm_name)[:2]
    assert len(others) == 2, f"not enough running VMs on the host: {others}"
    names = [vm_name] + others
    places = [(0, 700), (300, 740)]
    consoles = []

    def area():
        return window.findChild(lambda n: n.name == "Console"
                                and n.roleName in ("filler", "panel") and n.showing,
                                recursive=True, retry=False, requireResult=False)
    for i, name in enumerate(names):
        select_vm(table, name)
        wait_for(f"the console of {name}", lambda: area() is not None
                 and area().description == f"Connected to {name}", timeout=CONNECT_TIMEOUT)
        if i < 2:
            button(window, "Undock").doActionNamed("click")
            title = f"{name} — Console"
            wait_for(f"the window of {name}", lambda: frame(app, title) is not None)
            time.sleep(0.3)
            place_window(title, *places[i])
            wait_for(f"the window of {name} at {places[i]}",
                     lambda: tuple(frame(app, title).position) == places[i], timeout=5)
            time.sleep(0.3)
            consoles.append((name, title))
    consoles.append((names[2], None))
    started = time.monotonic()
    for name, title in consoles:
        container = frame(app, title) if title else window
        if title:
            place_window(title, *places[names.index(name)])
            time.sleep(0.3)
        display = container.findChild(lambda n: n.name == f"Console of {name}" and n.showing,
                                      recursive=True)
        wait_blue(display, f"the guest of {name}")
        type_and_see(container, display)
    log(f"three consoles open (two windows and the tab): each echoed typing; "
        f"{time.monotonic() - started:.1f} s for the three")
    screenshot("console-several.png")
    for name, title in consoles[:2]:
        button(frame(app, title), "Dock").doActionNamed("click")
        wait_for(f"the window of {name} to close", lambda: frame(app, title) is None)
    log("Dock on a console the tab does not show closes its window")


def main():
    binary = sys.argv[1]
    builddir = os.environ.get("LAGOON_BUILDDIR", "")
    sim = os.path.join(builddir, "tests", "xapi-sim", "xapi-sim")
    if not os.access(sim, os.X_OK):
        log(f"SKIP: {sim} is not built")
        return 77
    qemu = os.environ.get("XAPI_SIM_QEMU", "qemu-system-x86_64")
    if subprocess.run(["sh", "-c", f"command -v {qemu}"], capture_output=True).returncode != 0:
        log(f"SKIP: {qemu} is missing: the simulator serves no consoles")
        return 77

    if subprocess.run(["sh", "-c", "command -v xwininfo"], capture_output=True).returncode != 0:
        log("SKIP: xwininfo is missing (package x11-utils): undocked windows cannot be placed")
        return 77

    wait_for("the accessibility bus", a11y_bus_ready)
    env = dict(os.environ)
    env.pop("NO_AT_BRIDGE", None)

    fresh_state = []
    proc = subprocess.Popen([binary, "--demo"], env=env)
    try:
        app = find_app("lagoon")
        window = app.child(name="Lagoon", roleName="frame")
        table = window.child(name="Resources", roleName="tree table")

        wait_for("the simulator to start", lambda: len(children_of(proc.pid)) == 1)
        sim_pid = children_of(proc.pid)[0]
        wait_for("the simulator to listen", lambda: listening_port(sim_pid) is not None)
        pool = Pool(listening_port(sim_pid))

        hosts = pool.call("host.get_all_records")
        vms = pool.call("VM.get_all_records")

        def ordinary(v):
            return not (v["is_a_template"] or v["is_control_domain"] or v["is_a_snapshot"])
        running = {r: v for r, v in vms.items() if v["power_state"] == "Running" and ordinary(v)}
        assert running, "the demo pool has no running VM"
        host_ref = min(hosts, key=lambda r: hosts[r]["name_label"])
        host_name = hosts[host_ref]["name_label"]
        vm_ref, vm = min(((r, v) for r, v in running.items() if v["resident_on"] == host_ref),
                         key=lambda item: item[1]["name_label"])
        vm_name = vm["name_label"]

        wait_for(f"{host_name} in the tree", lambda: cell_named(table, host_name) is not None)
        cell_named(table, host_name).doActionNamed("expand or contract")
        wait_for(f"{vm_name} in the tree", lambda: cell_named(table, vm_name) is not None)
        vm_cell = cell_named(table, vm_name)
        x, y = vm_cell.position
        w, h = vm_cell.size
        rawinput.click(x + w // 2, y + h // 2)

        def tab_button():
            return window.findChild(lambda n: n.name == "Console" and n.roleName in (
                "radio button", "toggle button", "push button") and n.showing,
                recursive=True, retry=False, requireResult=False)
        wait_for("the Console tab", lambda: tab_button() is not None)
        opened = time.monotonic()
        tab_button().click()

        # The stack exposes only the page it shows: find the console area when it is there.
        def console_area():
            return window.findChild(lambda n: n.name == "Console"
                                    and n.roleName in ("filler", "panel") and n.showing,
                                    recursive=True, retry=False, requireResult=False)
        connected = f"Connected to {vm_name}"
        wait_for(f"the console area to say {connected!r}",
                 lambda: console_area() is not None and console_area().description == connected,
                 timeout=CONNECT_TIMEOUT)
        log(f"console connected {time.monotonic() - opened:.2f} s after opening the tab")

        display = window.findChild(lambda n: n.name == f"Console of {vm_name}",
                                   recursive=True)
        wait_for("the display to have a size", lambda: display.size[0] > 100
                 and display.size[1] > 100)

        # The guest's screen (blue background) fills much of the display once it booted.
        shown = []

        def guest_shown():
            shown[:] = [grab(display)]
            return blue_fraction(shown[0]) > 0.3
        wait_for("the guest's blue screen in the display", guest_shown,
                 timeout=CONNECT_TIMEOUT)
        log(f"guest shown {time.monotonic() - opened:.2f} s after opening the tab "
            f"({blue_fraction(shown[0]):.0%} of the display blue)")
        screenshot("console.png")

        # Typing into the display reaches the guest, which echoes the keys.
        before = grab(display)
        dx, dy = display.position
        dw, dh = display.size
        rawinput.click(dx + dw // 2, dy + dh // 2)
        # The click captures mouse and keyboard (the guest has a relative mouse): the status
        # line says so and how to get them back.
        wait_for("the grab indicator", lambda: label_showing(window, GRABBED) is not None,
                 timeout=5)
        log("grab indicator shown after a click into the display")
        time.sleep(0.3)
        before = grab(display)
        # The guest's cursor blinks: what changes without typing is the noise to beat.
        noise = 0
        settle = time.monotonic() + 1.5
        while time.monotonic() < settle:
            noise = max(noise, changed_pixels(grab(display), before))
            time.sleep(0.1)
        rawinput.typeText("lagoon lagoon")
        changed = []

        def echoed():
            changed[:] = [changed_pixels(grab(display), before)]
            return changed[0] > 2 * noise + 500
        wait_for("the guest to echo the typed keys", echoed, timeout=10)
        log(f"typed keys changed {changed[0]} pixels of the guest's screen "
            f"(blinking alone: {noise})")
        # With the console focused every key is the guest's: Alt+V does not open the window's
        # View menu (its mnemonic), Ctrl+Q does not quit.
        rawinput.keyCombo("<Alt>v")
        rawinput.keyCombo("<Control>q")
        time.sleep(0.8)
        opened = app.findChild(lambda n: n.roleName == "menu item" and n.showing,
                               recursive=True, retry=False, requireResult=False)
        assert opened is None, f"Alt+V opened the window's menu ({opened.name})"
        assert proc.poll() is None, "Ctrl+Q in the console quit Lagoon"
        log("Alt+V and Ctrl+Q went to the guest, not to the window's menu and accelerators")
        # Ctrl+Alt gives the mouse back; the keyboard stays with the console while the
        # pointer is over it, and comes back when the pointer leaves.
        release_grab(window)
        wait_for("the keyboard-only indicator",
                 lambda: label_showing(window, KEYBOARD_ONLY) is not None, timeout=5)
        rawinput.absoluteMotion(5, 740)
        wait_for("the grab indicator to go", lambda: label_showing(window, KEYBOARD_ONLY) is None
                 and label_showing(window, GRABBED) is None, timeout=5)
        log("Ctrl+Alt released the mouse; leaving the display released the keyboard")

        # Screenshot saves the guest's framebuffer as a PNG of the guest's size.
        png = os.path.join(os.environ["HOME"], "guest.png")
        window.findChild(lambda n: n.name == "Screenshot" and n.roleName == "push button"
                         and n.showing, recursive=True).click()
        chooser = app.child(name="Save Console Screenshot", roleName="file chooser")
        name_entry = chooser.findChild(lambda n: n.roleName == "text" and n.showing,
                                       recursive=True)
        name_entry.grabFocus()
        rawinput.keyCombo("<Control>a")
        name_entry.typeText(png)
        rawinput.pressKey("Return")
        wait_for("the screenshot file", lambda: os.path.exists(png) and os.path.getsize(png) > 0,
                 timeout=10)
        saved = GdkPixbuf.Pixbuf.new_from_file(png)
        assert saved.get_width() >= 640 and saved.get_height() >= 350, \
            (saved.get_width(), saved.get_height())
        log(f"screenshot saved: {saved.get_width()}x{saved.get_height()} PNG")
        # Away from the toolbar: its tooltips would cover part of the display.
        rawinput.absoluteMotion(5, 740)

        one_to_one(window, display, (saved.get_width(), saved.get_height()))
        send_key_menu(window, app, display, connected, console_area)
        console_port = listening_port(sim_pid)
        undock_and_dock(app, window, display, vm_name, proc.pid, console_port, console_area,
                        connected, pool, vm_ref)
        display = window.findChild(lambda n: n.name == f"Console of {vm_name}" and n.showing,
                                   recursive=True)
        fullscreen(app, window, vm_name, proc.pid, console_port, console_area, connected)
        display = window.findChild(lambda n: n.name == f"Console of {vm_name}" and n.showing,
                                   recursive=True)
        several(app, window, table, pool, vms, running, host_ref, vm_name)
        cell = cell_named(table, vm_name)
        x, y = cell.position
        w, h = cell.size
        rawinput.click(x + w // 2, y + h // 2)
        wait_for(f"the console area to say {connected!r} again",
                 lambda: console_area() is not None and console_area().description == connected,
                 timeout=CONNECT_TIMEOUT)
        display = window.findChild(lambda n: n.name == f"Console of {vm_name}" and n.showing,
                                   recursive=True)
        rawinput.absoluteMotion(5, 740)
        time.sleep(0.5)

        # A reboot ends the console session (a new QEMU serves the rebooted guest): the tab
        # reconnects by itself and shows the fresh guest, without the typed text.
        rebooted = time.monotonic()
        pool.call("VM.hard_reboot", vm_ref)

        def fresh_guest():
            area = console_area()
            if area is None or area.description != connected:
                return False
            # A new display widget serves the new connection.
            current = window.findChild(lambda n: n.name == f"Console of {vm_name}"
                                       and n.showing, recursive=True, retry=False,
                                       requireResult=False)
            if current is None:
                return False
            nonlocal display
            display = current
            shown[:] = [grab(current)]
            # Only clear differences: the typed text is gone, the glyphs' filtered edges may
            # differ (the new display drew the screen in other pieces).
            changed = changed_pixels(shown[0], before, 96)
            fresh_state[:] = [shown[0][:2], before[:2], blue_fraction(shown[0]), changed,
                              2 * noise + 100]
            return blue_fraction(shown[0]) > 0.3 and changed <= 2 * noise + 100
        wait_for("the reconnected console to show the rebooted guest", fresh_guest,
                 timeout=CONNECT_TIMEOUT)
        log(f"reconnected to the rebooted guest {time.monotonic() - rebooted:.2f} s after "
            f"VM.hard_reboot")

        # Ctrl+Alt+Del reaches the guest: its BIOS resets the machine (QEMU runs with
        # -no-reboot, so the simulator restarts it), the console reconnects by itself and the
        # typed text is gone.
        rawinput.click(dx + dw // 2, dy + dh // 2)
        time.sleep(0.3)
        rawinput.typeText("lagoon lagoon")
        wait_for("the guest to echo the typed keys again",
                 lambda: changed_pixels(grab(display), before) > 2 * noise + 500, timeout=10)
        release_grab(window)
        cad = time.monotonic()
        window.findChild(lambda n: n.name == "Send Ctrl+Alt+Del" and n.roleName == "push button"
                         and n.showing, recursive=True).click()
        rawinput.absoluteMotion(5, 740)
        wait_for("the guest to restart after Ctrl+Alt+Del", fresh_guest,
                 timeout=CONNECT_TIMEOUT)
        log(f"Ctrl+Alt+Del restarted the guest; console back {time.monotonic() - cad:.2f} s "
            "after the click")

        # The same through the Send Key menu: its keys reach the guest too.
        rawinput.click(dx + dw // 2, dy + dh // 2)
        time.sleep(0.3)
        rawinput.typeText("lagoon lagoon")
        wait_for("the guest to echo the typed keys once more",
                 lambda: changed_pixels(grab(display), before) > 2 * noise + 500, timeout=10)
        release_grab(window)
        cad = time.monotonic()
        window.findChild(lambda n: n.name == "Send Key" and n.showing and n.roleName in (
            "toggle button", "push button"), recursive=True).click()
        wait_for("the Send Key menu", lambda: app.findChild(
            lambda n: n.roleName == "menu item" and n.name == "Ctrl+Alt+Del" and n.showing,
            recursive=True, retry=False, requireResult=False) is not None, timeout=5)
        app.findChild(lambda n: n.roleName == "menu item" and n.name == "Ctrl+Alt+Del"
                      and n.showing, recursive=True).click()
        rawinput.absoluteMotion(5, 740)
        wait_for("the guest to restart after Send Key, Ctrl+Alt+Del", fresh_guest,
                 timeout=CONNECT_TIMEOUT)
        log(f"Send Key > Ctrl+Alt+Del restarted the guest; console back "
            f"{time.monotonic() - cad:.2f} s after the click")

        # Hidden for a while (another tab), the console closes; shown again, it reconnects.
        window.findChild(lambda n: n.name == "General" and n.roleName == "radio button"
                         and n.showing, recursive=True).click()
        time.sleep(6.5)
        shown_again = time.monotonic()
        tab_button().click()
        wait_for("the console to connect again", lambda: console_area() is not None
                 and console_area().description == connected, timeout=CONNECT_TIMEOUT)
        log(f"tab hidden 6.5 s, shown again: connected {time.monotonic() - shown_again:.2f} s "
            "later")

        # A halted VM: the tab offers to start it.
        halted = [v["name_label"] for v in vms.values()
                  if v["power_state"] == "Halted" and ordinary(v)]
        assert halted, "the demo pool has no halted VM"
        target = None
        for name in sorted(halted):
            if cell_named(table, name) is not None:
                target = name
                break
        if target is None:
            search = window.child(name="Search resources")
            target = sorted(halted)[0]
            search_and_select(table, search, target)
        else:
            cell = cell_named(table, target)
            x, y = cell.position
            w, h = cell.size
            rawinput.click(x + w // 2, y + h // 2)
        wait_for("the Start button in the Console tab", lambda: window.findChild(
            lambda n: n.name == "Start VM" and n.roleName == "push button" and n.showing,
            recursive=True, retry=False, requireResult=False) is not None)
        stopped = window.findChild(lambda n: n.roleName == "label" and n.showing and n.name ==
                                   f"{target} is halted. Start it to see its console.",
                                   recursive=True, retry=False, requireResult=False)
        assert stopped is not None, "the Console tab does not say the VM is halted"
        log(f"{target} (halted) shows the Start button")
        screenshot("console-halted.png")

        # Start from the tab: the VM starts and its console comes up in place.
        started = time.monotonic()
        window.findChild(lambda n: n.name == "Start VM" and n.roleName == "push button"
                         and n.showing, recursive=True).click()
        target_ref = next(r for r, v in vms.items() if v["name_label"] == target)
        wait_for(f"{target} to run", lambda: pool.call("VM.get_power_state", target_ref)
                 == "Running", timeout=CONNECT_TIMEOUT)
        # The running VM moves under its host in the tree (the selection does not always
        # follow it there yet): select its new row.
        wait_for(f"{target} in the tree", lambda: cell_named(table, target) is not None)
        time.sleep(0.5)
        cell = cell_named(table, target)
        x, y = cell.position
        w, h = cell.size
        rawinput.click(x + w // 2, y + h // 2)
        target_connected = f"Connected to {target}"
        wait_for(f"the console area to say {target_connected!r}",
                 lambda: console_area() is not None
                 and console_area().description == target_connected, timeout=CONNECT_TIMEOUT)
        log(f"started {target} from the Console tab: console connected "
            f"{time.monotonic() - started:.2f} s after the click")

        # A host: the console of its control domain.
        dom0_name = vms[hosts[host_ref]["control_domain"]]["name_label"]
        cell = cell_named(table, host_name)
        x, y = cell.position
        w, h = cell.size
        rawinput.click(x + w // 2, y + h // 2)
        dom0_connected = f"Connected to {dom0_name}"
        wait_for(f"the console area to say {dom0_connected!r}",
                 lambda: console_area() is not None
                 and console_area().description == dom0_connected, timeout=CONNECT_TIMEOUT)
        log(f"{host_name} shows the console of {dom0_name}")
    except Exception:
        screenshot("console-failure.png")
        if fresh_state:
            log("last fresh-guest check: size {}, first size {}, blue {:.2f}, changed {} "
                "(at most {})".format(*fresh_state))
        raise
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    refused(binary, env)
    return 0


def refused(binary, env):
    """A simulator whose QEMU cannot start refuses CONNECT: the tab explains it, offers
    Retry, and Retry tries again."""
    env = dict(env)
    env["XAPI_SIM_QEMU"] = "/nonexistent/qemu-system-x86_64"
    proc = subprocess.Popen([binary, "--demo"], env=env)
    try:
        app = find_app("lagoon")
        window = app.child(name="Lagoon", roleName="frame")
        table = window.child(name="Resources", roleName="tree table")
        wait_for("the simulator to start", lambda: len(children_of(proc.pid)) == 1)
        sim_pid = children_of(proc.pid)[0]
        wait_for("the simulator to listen", lambda: listening_port(sim_pid) is not None)
        pool = Pool(listening_port(sim_pid))
        hosts = pool.call("host.get_all_records")
        vms = pool.call("VM.get_all_records")
        host_ref = min(hosts, key=lambda r: hosts[r]["name_label"])
        host_name = hosts[host_ref]["name_label"]
        vm_name = min(v["name_label"] for v in vms.values()
                      if v["power_state"] == "Running" and v["resident_on"] == host_ref
                      and not (v["is_a_template"] or v["is_control_domain"]))

        wait_for(f"{host_name} in the tree", lambda: cell_named(table, host_name) is not None)
        cell_named(table, host_name).doActionNamed("expand or contract")
        wait_for(f"{vm_name} in the tree", lambda: cell_named(table, vm_name) is not None)
        cell = cell_named(table, vm_name)
        x, y = cell.position
        w, h = cell.size
        rawinput.click(x + w // 2, y + h // 2)
        wait_for("the Console tab", lambda: window.findChild(
            lambda n: n.name == "Console" and n.roleName == "radio button" and n.showing,
            recursive=True, retry=False, requireResult=False) is not None)
        window.findChild(lambda n: n.name == "Console" and n.roleName == "radio button"
                         and n.showing, recursive=True).click()

        def retry_button():
            return window.findChild(lambda n: n.name == "Retry" and n.roleName == "push button"
                                    and n.showing, recursive=True, retry=False,
                                    requireResult=False)
        wait_for("the Retry button", lambda: retry_button() is not None, timeout=CONNECT_TIMEOUT)
        message = window.findChild(lambda n: n.roleName == "label" and n.showing
                                   and n.name.startswith("The console could not be opened"),
                                   recursive=True, retry=False, requireResult=False)
        assert message is not None, "the error is not explained"
        log(f"CONNECT refused: {message.name!r}")
        screenshot("console-error.png")

        retry_button().click()
        wait_for("Retry to try again", lambda: retry_button() is None, timeout=5)
        wait_for("the Retry button after the new attempts", lambda: retry_button() is not None,
                 timeout=CONNECT_TIMEOUT)
        log("Retry tried again and explained the failure again")
    except Exception:
        screenshot("console-refused-failure.png")
        raise
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    sys.exit(main())
