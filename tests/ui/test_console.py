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
    Pool, a11y_bus_ready, cell_named, children_of, find_app, listening_port, log,
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


def changed_pixels(a, b):
    """How many pixels differ between two grabs of the same area (all of them if the sizes
    differ)."""
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
            if da[i:i + 3] != db[i:i + 3]:
                count += 1
    return count


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
            return (blue_fraction(shown[0]) > 0.3
                    and changed_pixels(shown[0], before) <= 2 * noise + 100)
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
        cad = time.monotonic()
        window.findChild(lambda n: n.name == "Send Ctrl+Alt+Del" and n.roleName == "push button"
                         and n.showing, recursive=True).click()
        rawinput.absoluteMotion(5, 740)
        wait_for("the guest to restart after Ctrl+Alt+Del", fresh_guest,
                 timeout=CONNECT_TIMEOUT)
        log(f"Ctrl+Alt+Del restarted the guest; console back {time.monotonic() - cad:.2f} s "
            "after the click")

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
            search.grabFocus()
            search.typeText(sorted(halted)[0])
            target = sorted(halted)[0]
            wait_for(f"{target} in the tree", lambda: cell_named(table, target) is not None)
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
