#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The main window against the demo pool, through AT-SPI, as a user sees it.

Run by run-atspi-test.sh inside a private D-Bus session with an accessibility bus:
    test_main_window.py LAGOON_BINARY
Starts `lagoon --demo`, finds the simulator it started, and reads the same pool over XML-RPC
(Python's xmlrpc.client) to know what the tree must show. Checks that the tree shows the pool
and its hosts, and after expanding a host its running VMs; that typing in the search entry
filters the tree; that selecting a VM shows its name and UUID in the General tab; that
renaming the VM over XML-RPC updates the tree row and the General tab within seconds; and that
Shut Down and Start run as actions the Events pane follows to completion while the VM stays
selected (or, while the simulator lacks the call, that the failure is explained with its
details); and that the view switcher shows the Objects view.
Prints the time from start to a populated tree. With LAGOON_SCREENSHOT_DIR set, saves
screenshots of the window there.
"""

import os
import subprocess
import sys
import time
import xmlrpc.client

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
    def found():
        return any(app.name == name for app in tree.root.applications())
    wait_for(f"application {name!r} on the accessibility bus", found)
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
    """The TCP port the process listens on (IPv4 loopback), from /proc."""
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
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes:  # LISTEN
                return int(local.split(":")[1], 16)
    return None


def cells(table):
    """Names of the tree's cells that show text."""
    return [c.name for c in table.findChildren(
        lambda n: n.roleName == "table cell" and n.name, recursive=True)]


def cell_named(table, name):
    return table.findChild(lambda n: n.roleName == "table cell" and n.name == name,
                           recursive=True, retry=False, requireResult=False)


def label_named(window, text):
    return window.findChild(lambda n: n.roleName == "label" and n.name == text
                            and n.showing, recursive=True, retry=False, requireResult=False)


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

    def call(self, method, *args):
        fn = self.proxy
        for part in method.split("."):
            fn = getattr(fn, part)
        reply = fn(self.session, *args)
        assert reply["Status"] == "Success", (method, reply)
        return reply["Value"]


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

    started = time.monotonic()
    proc = subprocess.Popen([binary, "--demo"], env=env)
    try:
        app = find_app("lagoon")
        window = app.child(name="Lagoon", roleName="frame")
        table = window.child(name="Resources", roleName="tree table")

        wait_for("the simulator to start", lambda: len(children_of(proc.pid)) == 1)
        sim_pid = children_of(proc.pid)[0]
        wait_for("the simulator to listen", lambda: listening_port(sim_pid) is not None)
        pool = Pool(listening_port(sim_pid))

        pools = pool.call("pool.get_all_records")
        pool_name = list(pools.values())[0]["name_label"]
        hosts = pool.call("host.get_all_records")
        host_names = sorted(h["name_label"] for h in hosts.values())
        vms = pool.call("VM.get_all_records")
        running = {ref: vm for ref, vm in vms.items()
                   if vm["power_state"] == "Running" and not vm["is_a_template"]
                   and not vm["is_control_domain"] and not vm["is_a_snapshot"]}
        assert running, "the demo pool has no running VM"

        def populated():
            names = cells(table)
            return pool_name in names and all(h in names for h in host_names)
        wait_for("the tree to show the pool and its hosts", populated)
        log(f"tree populated {time.monotonic() - started:.2f} s after start "
            f"(pool {pool_name!r}, hosts {host_names})")

        # The same tree as lagoon-cli prints for this pool, in the same order.
        cli = os.path.join(builddir, "src", "cli", "lagoon-cli")
        cli_lines = None
        if os.access(cli, os.X_OK):
            password_file = os.path.join(os.environ["HOME"], "xapi-password")
            with open(password_file, "w") as f:
                f.write("xenroot\n")
            out = subprocess.run([cli, "-s", "127.0.0.1", "-p", str(listening_port(sim_pid)),
                                  "-pwf", password_file, "tree"],
                                 capture_output=True, text=True, timeout=TIMEOUT)
            assert out.returncode == 0, out.stderr
            cli_lines = out.stdout.splitlines()

            def at_depth(lines, depth, under=None):
                found, inside = [], under is None
                for line in lines:
                    d = (len(line) - len(line.lstrip(" "))) // 2
                    if under is not None and d == depth - 1:
                        inside = line.strip() == under
                    elif inside and d == depth:
                        found.append(line.strip())
                return found

            assert cli_lines[0] == pool_name, cli_lines[:1]
            shown = cells(table)
            # The server row, the pool, then the pool's children (hosts still folded).
            assert shown[1] == pool_name, shown[:3]
            assert shown[2:] == at_depth(cli_lines, 1), (shown[2:], at_depth(cli_lines, 1))
            log(f"the pool's {len(shown) - 2} rows match lagoon-cli tree, in order")
        else:
            log("lagoon-cli is not built: no comparison")

        # Expand the first host: its running VMs are under it.
        first_host_ref = min(hosts, key=lambda r: hosts[r]["name_label"])
        first_host = hosts[first_host_ref]["name_label"]
        on_host = sorted(vm["name_label"] for vm in running.values()
                         if vm["resident_on"] == first_host_ref)
        assert on_host, f"no running VM on {first_host}"
        host_cell = cell_named(table, first_host)
        host_cell.doActionNamed("expand or contract")
        wait_for(f"the VMs of {first_host} to show",
                 lambda: all(cell_named(table, n) is not None for n in on_host))
        log(f"{first_host} shows {on_host}")
        if cli_lines is not None:
            shown = cells(table)
            start = shown.index(first_host) + 1
            expected = at_depth(cli_lines, 2, under=first_host)
            assert shown[start:start + len(expected)] == expected, (shown, expected)
            log(f"{first_host}'s {len(expected)} rows match lagoon-cli tree, in order")

        # Typing in the search box filters as one types.
        vm_ref, vm = min(((r, v) for r, v in running.items()
                          if v["resident_on"] == first_host_ref),
                         key=lambda item: item[1]["name_label"])
        vm_name = vm["name_label"]
        other_host = host_names[-1]
        search = window.child(name="Search resources")
        search.grabFocus()
        search.typeText(vm_name)
        wait_for("the search to hide other hosts", lambda: cell_named(table, other_host) is None)
        assert cell_named(table, vm_name) is not None, f"{vm_name} is filtered out"
        log(f"searching {vm_name!r} hides {other_host}")

        # Selecting the VM shows its General tab.
        vm_cell = cell_named(table, vm_name)
        x, y = vm_cell.position
        w, h = vm_cell.size
        rawinput.click(x + w // 2, y + h // 2)
        wait_for("the General tab to show the UUID", lambda: label_named(window, vm["uuid"]))
        assert label_named(window, vm_name) is not None, "the General tab lacks the name"
        log(f"General tab shows {vm_name} {vm['uuid']}")

        # The search ends: the selection stays.
        search.grabFocus()
        rawinput.keyCombo("<Control>a")
        rawinput.pressKey("BackSpace")
        wait_for("the tree to show every host again", populated)
        screenshot("main-window.png")

        # A rename elsewhere shows up in the tree and the General tab.
        new_name = vm_name + "-renamed"
        renamed_at = time.monotonic()
        pool.call("VM.set_name_label", vm_ref, new_name)
        wait_for("the tree row to be renamed", lambda: cell_named(table, new_name) is not None,
                 timeout=5.0)
        wait_for("the General tab to show the new name",
                 lambda: label_named(window, new_name) is not None, timeout=5.0)
        log(f"rename shown {time.monotonic() - renamed_at:.2f} s after VM.set_name_label")
        assert cell_named(table, vm_name) is None, "the old name is still in the tree"

        # Commands run as actions the Events pane shows; the VM moves in the tree as its
        # power state changes, and stays selected.
        window.child(name="Events", roleName="toggle button").click()
        events = window.child(name="Event list", roleName="list box")
        wait_for("the Events pane to show", lambda: events.showing)

        # A disabled command says why (its tooltip, which is also its accessible description).
        start = window.child(name="Start", roleName="push button")
        assert not start.sensitive, "Start is enabled on a running VM"
        assert start.description == "Not possible while the VM is Running.", start.description
        shut_down = window.child(name="Shut Down", roleName="push button")
        assert shut_down.sensitive, "Shut Down is disabled on a running VM"
        log(f"Start is disabled: {start.description!r}")

        # What the simulator does with a clean shutdown decides what the pane must show: a
        # halted VM answers VM_BAD_POWER_STATE when the call exists.
        halted = next(r for r, v in vms.items() if v["power_state"] == "Halted"
                      and not v["is_a_template"] and not v["is_control_domain"])
        probe = getattr(pool.proxy.VM, "clean_shutdown")(pool.session, halted)
        implemented = probe["Status"] == "Success" or probe["ErrorDescription"][0] not in (
            "MESSAGE_METHOD_UNKNOWN", "NOT_IMPLEMENTED")
        log(f"the simulator {'implements' if implemented else 'does not implement'} "
            f"VM.clean_shutdown ({probe.get('ErrorDescription', ['ok'])[0]})")

        def wait_row(title):
            row_name = f"{title}: {new_name}"
            wait_for(f"the event {row_name!r}", lambda: events.findChild(
                lambda n: n.name == row_name, retry=False, requireResult=False) is not None)
            return events.findChild(lambda n: n.name == row_name)

        def row_label(row, predicate):
            return row.findChild(lambda n: n.roleName == "label" and predicate(n.name)
                                 and n.showing, retry=False, requireResult=False)

        def run_command(button, title, state):
            window.child(name=button, roleName="push button").click()
            row = wait_row(title)
            wait_for(f"{title} to complete", lambda: row_label(
                row, lambda t: t == "Completed") is not None, timeout=15)
            wait_for(f"the General tab to say {state}",
                     lambda: label_named(window, state) is not None, timeout=5)
            log(f"{title}: completed, the VM is {state}")

        if implemented:
            run_command("Shut Down", "Shut down VM", "Halted")
            run_command("Start", "Start VM", "Running")
        else:
            window.child(name="Shut Down", roleName="push button").click()
            row = wait_row("Shut down VM")
            wait_for("the failure to show", lambda: row_label(
                row, lambda t: t.startswith("Failed: ")) is not None, timeout=15)
            log("event: " + row_label(row, lambda t: t.startswith("Failed: ")).name)
            expander = row.child(name="Details", roleName="toggle button")
            expander.doActionNamed("activate")
            wait_for("the details to open", lambda: expander.checked or expander.expanded)
            code = probe["ErrorDescription"][0]
            wait_for("the details to show the error code", lambda: row_label(
                row, lambda t: t.startswith(code)) is not None)
            log("details: " + row_label(row, lambda t: t.startswith(code)).name.replace("\n", " "))
            assert label_named(window, "Running") is not None, "the VM's state changed"
        screenshot("events.png")
        window.child(name="Events", roleName="toggle button").click()
        wait_for("the Events pane to hide", lambda: not events.showing)

        # A host and an SR have General tabs of their own.
        srs = pool.call("SR.get_all_records")
        shared_sr = next(v for v in srs.values() if v["shared"])
        for row, key, value in ((first_host, "Address", hosts[first_host_ref]["address"]),
                                (shared_sr["name_label"], "Type", shared_sr["type"])):
            cell = cell_named(table, row)
            x, y = cell.position
            w, h = cell.size
            rawinput.click(x + w // 2, y + h // 2)
            wait_for(f"the General tab of {row}", lambda: label_named(window, key) is not None
                     and label_named(window, value) is not None)
            log(f"General tab of {row}: {key} {value}")
            if row == first_host:
                # Fold the host so that the storage rows below are on screen.
                cell.doActionNamed("expand or contract")
                wait_for("the host to fold", lambda: cell_named(table, new_name) is None)
        screenshot("sr-general.png")

        # View > Show Default Templates adds the pool's default templates, and takes them away.
        default_template = next(v["name_label"] for v in vms.values()
                                if v["is_a_template"] and v["other_config"].get(
                                    "default_template") == "true")
        assert cell_named(table, default_template) is None

        def toggle_default_templates():
            menubar = window.child(roleName="menu bar")
            view_menu = menubar.child(name="View", roleName="menu")
            view_menu.click()
            item = view_menu.child(name="Show Default Templates", roleName="check menu item")
            wait_for("the View menu", lambda: item.showing)
            item.click()

        toggle_default_templates()
        wait_for("the default templates", lambda: cell_named(table, default_template) is not None)
        toggle_default_templates()
        wait_for("the default templates to go", lambda: cell_named(table, default_template) is None)
        log(f"View > Show Default Templates shows and hides {default_template!r}")

        # The view switcher: the Objects view groups by type.
        combo = window.child(name="View", roleName="combo box")
        combo.click()
        objects = combo.child(name="Objects", roleName="menu item")
        wait_for("the view menu", lambda: objects.showing)
        objects.click()
        wait_for("the Objects view", lambda: cell_named(table, "VMs") is not None
                 and cell_named(table, "Servers") is not None)
        assert cell_named(table, "Pools") is not None, "the Pools group is missing"
        log("Objects view shows its groups")
        combo.click()
        infrastructure = combo.child(name="Infrastructure", roleName="menu item")
        wait_for("the view menu", lambda: infrastructure.showing)
        infrastructure.click()
        wait_for("the Infrastructure view", lambda: cell_named(table, "VMs") is None and
                 cell_named(table, first_host) is not None)
        log("back to the Infrastructure view")

        rawinput.keyCombo("<Control>q")
        rc = proc.wait(timeout=TIMEOUT)
        assert rc == 0, f"lagoon exited with status {rc}"
        log("quit")
    except Exception:
        screenshot("main-window-failure.png")
        raise
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
