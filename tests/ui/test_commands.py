#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""VM, host and storage commands through menus and context menus, against the demo pool.

Run by run-atspi-test.sh inside a private D-Bus session with an accessibility bus:
    test_commands.py LAGOON_BINARY
Starts `lagoon --demo` and reads the simulator's pool over XML-RPC to check what each command
did: Copy VM (fast clone, with a new name and description), Delete VM (the dialog lists the
disks; checked ones are destroyed with the VM), Force Shut Down (asks first; Cancel leaves the
VM running), Migrate to Server (the host submenu), maintenance mode in and out, and storage
Rescan, Detach and Repair. A disabled command's tooltip says why.
With LAGOON_SCREENSHOT_DIR set, saves screenshots of the dialogs there.
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
            if state == "0A" and inode in inodes:
                return int(local.split(":")[1], 16)
    return None


def cell_named(table, name):
    return table.findChild(lambda n: n.roleName == "table cell" and n.name == name,
                           recursive=True, retry=False, requireResult=False)


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

    def implements(self, method, *args):
        """Whether the simulator has @method (a probe call with harmless arguments)."""
        reply = self.raw(method, *args)
        return reply["Status"] == "Success" or reply["ErrorDescription"][0] not in (
            "MESSAGE_METHOD_UNKNOWN", "NOT_IMPLEMENTED")


class Ui:
    def __init__(self, app, window):
        self.app = app
        self.window = window
        self.table = window.child(name="Resources", roleName="tree table")
        self.search = window.child(name="Search resources")

    def search_for(self, text):
        """Puts @text in the search box as one edit, so that the tree filters once: typed key
        by key, a pause longer than the entry's search delay filtered the tree on a prefix, and
        a row found then moved before a click on it landed."""
        self.search.grabFocus()
        self.search.text = text
        wait_for(f"the search text {text!r}", lambda: self.search.text == text)

    def selected(self, name):
        cell = cell_named(self.table, name)
        return cell is not None and cell.getState().contains(pyatspi.STATE_SELECTED)

    def select(self, name):
        """Finds @name with the search box and selects its row by clicking it; the row counts
        as selected when the tree says so (one that still moved under the pointer is clicked
        again at its new place)."""
        self.search_for(name)
        return self.click_row(name)

    def click_row(self, name):
        """Clicks @name's row until the tree says it is selected (see select)."""
        wait_for(f"the row {name!r}", lambda: cell_named(self.table, name) is not None)
        deadline = time.monotonic() + TIMEOUT
        while True:
            cell = cell_named(self.table, name)
            clicked_at = (tuple(cell.position), tuple(cell.size))
            x, y = clicked_at[0]
            w, h = clicked_at[1]
            rawinput.click(x + w // 2, y + h // 2)

            def settled():
                if self.selected(name):
                    return True
                now = cell_named(self.table, name)
                return now is not None and (tuple(now.position), tuple(now.size)) != clicked_at
            wait_for(f"the row {name!r} selected", settled,
                     timeout=max(1.0, deadline - time.monotonic()))
            if self.selected(name):
                return cell_named(self.table, name)
            log(f"the row {name!r} moved under the pointer; clicking it again")

    def context_menu(self, name):
        cell = self.select(name)
        x, y = cell.position
        w, h = cell.size
        rawinput.click(x + w // 2, y + h // 2, button=3)

    def menu_item(self, label, role="menu item"):
        def found():
            return self.app.findChild(lambda n: n.roleName == role and n.name == label
                                      and n.showing, retry=False, requireResult=False)
        wait_for(f"the menu item {label!r}", lambda: found() is not None)
        return found()

    def menubar_item(self, menu, label):
        menubar = self.window.child(roleName="menu bar")
        top = menubar.child(name=menu, roleName="menu")
        top.click()
        return self.menu_item(label)

    def dialog(self, name_start):
        def found():
            return self.app.findChild(lambda n: n.roleName in ("dialog", "alert")
                                      and n.name.startswith(name_start) and n.showing,
                                      recursive=False, retry=False, requireResult=False)
        wait_for(f"the dialog {name_start!r}", lambda: found() is not None)
        return found()

    def alert(self):
        def found():
            return self.app.findChild(lambda n: n.roleName == "alert" and n.showing,
                                      recursive=False, retry=False, requireResult=False)
        wait_for("a question", lambda: found() is not None)
        return found()


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
        ui = Ui(app, window)

        wait_for("the simulator to start", lambda: len(children_of(proc.pid)) == 1)
        sim_pid = children_of(proc.pid)[0]
        wait_for("the simulator to listen", lambda: listening_port(sim_pid) is not None)
        pool = Pool(listening_port(sim_pid))
        hosts = pool.call("host.get_all_records")
        wait_for("the tree", lambda: all(cell_named(ui.table, h["name_label"]) is not None
                                         for h in hosts.values()))

        def vms():
            return {r: v for r, v in pool.call("VM.get_all_records").items()
                    if not v["is_a_template"] and not v["is_control_domain"]
                    and not v["is_a_snapshot"]}

        def vm_named(name):
            return next(((r, v) for r, v in vms().items() if v["name_label"] == name),
                        (None, None))

        # ---- Copy VM: a fast clone with a new name and description ----------------------
        halted_ref, halted = min(((r, v) for r, v in vms().items()
                                  if v["power_state"] == "Halted"),
                                 key=lambda item: item[1]["name_label"])
        ui.context_menu(halted["name_label"])
        ui.menu_item("Copy VM…").click()
        dialog = ui.dialog("Copy VM")
        name = dialog.child(name="Name", roleName="text")
        name.grabFocus()
        rawinput.keyCombo("<Control>a")
        name.typeText("copied-by-test")
        description = dialog.child(name="Description", roleName="text")
        description.grabFocus()
        rawinput.keyCombo("<Control>a")
        description.typeText("a fast clone")
        screenshot("copy-vm.png")
        dialog.child(name="Copy", roleName="push button").click()
        wait_for("the clone in the pool", lambda: vm_named("copied-by-test")[0] is not None,
                 timeout=30)
        copy_ref, copy = vm_named("copied-by-test")
        wait_for("the clone's description",
                 lambda: vm_named("copied-by-test")[1]["name_description"] == "a fast clone")
        assert copy["power_state"] == "Halted", copy["power_state"]
        assert copy_ref != halted_ref
        log(f"Copy VM cloned {halted['name_label']!r} to 'copied-by-test'")

        # ---- Delete VM: the dialog lists the disks; checked ones go with the VM -----------
        disks = []
        for vbd in pool.call("VM.get_VBDs", copy_ref):
            record = pool.call("VBD.get_record", vbd)
            if record["type"] == "Disk" and record["VDI"] != "OpaqueRef:NULL":
                disks.append(record["VDI"])
        ui.context_menu("copied-by-test")
        ui.menu_item("Delete VM…").click()
        alert = ui.alert()
        checks = alert.findChildren(lambda n: n.roleName == "check box", recursive=True)
        assert len(checks) == len(disks), (len(checks), len(disks))
        assert all(c.checked for c in checks), "a disk of the clone is not checked"
        screenshot("delete-vm.png")
        alert.child(name="Delete", roleName="push button").click()
        wait_for("the clone to go", lambda: vm_named("copied-by-test")[0] is None, timeout=30)
        all_vdis = pool.call("VDI.get_all")
        wait_for("its disks to go", lambda: not any(
            d in pool.call("VDI.get_all") for d in disks), timeout=30)
        log(f"Delete VM removed the clone and its {len(disks)} disk(s) "
            f"({len(all_vdis)} VDIs were left at that moment)")

        # ---- Properties: only what changed is written; bad input is explained --------------
        props_ref, props = min(((r, v) for r, v in vms().items()
                                if v["power_state"] == "Halted"),
                               key=lambda item: item[1]["name_label"])
        before = pool.call("VM.get_record", props_ref)
        ui.context_menu(props["name_label"])
        ui.menu_item("Properties…").click()
        dialog = ui.dialog("Properties of")

        def page(title):
            label = dialog.findChild(lambda n: n.roleName == "label" and n.name == title
                                     and n.showing, retry=False, requireResult=False)
            x, y = label.position
            w, h = label.size
            rawinput.click(x + w // 2, y + h // 2)

        def set_text(name, text, role="text"):
            entry = dialog.child(name=name, roleName=role)
            entry.grabFocus()
            rawinput.keyCombo("<Control>a")
            entry.typeText(text)

        set_text("Description", "set in Properties")
        set_text("Tags", "web, production, web")
        page("Memory")
        dmax = int(before["memory_dynamic_max"]) // (1 << 20)
        memory_writable = pool.implements("VM.set_memory_limits", "OpaqueRef:NULL", 0, 0, 0, 0)
        # An invalid range is explained and OK refuses it.
        set_text("Dynamic minimum", str(dmax + 1), "spin button")
        rawinput.pressKey("Tab")
        ok = dialog.child(name="OK", roleName="push button")
        wait_for("OK to refuse the range", lambda: not ok.sensitive)
        assert dialog.findChild(lambda n: n.roleName == "label" and "minimum memory" in n.name
                                and n.showing, retry=False, requireResult=False), \
            "the problem is not explained"
        if memory_writable:
            set_text("Dynamic minimum", str(max(dmax // 2, 16)), "spin button")
        else:
            log("the simulator has no VM.set_memory_limits yet: the memory is left alone")
            set_text("Dynamic minimum", str(int(before["memory_dynamic_min"]) // (1 << 20)),
                     "spin button")
        rawinput.pressKey("Tab")
        wait_for("OK to accept the range", lambda: ok.sensitive)
        page("Start Options")
        set_text("Start order", "7", "spin button")
        rawinput.pressKey("Tab")
        screenshot("properties.png")
        ok.click()
        wait_for("the description", lambda: pool.call("VM.get_name_description", props_ref)
                 == "set in Properties", timeout=30)
        # The calls run in order, the start order last.
        wait_for("the start order", lambda: int(pool.call("VM.get_order", props_ref)) == 7,
                 timeout=30)
        after = pool.call("VM.get_record", props_ref)
        assert after["tags"] == ["web", "production"], after["tags"]
        assert int(after["order"]) == 7, after["order"]
        if memory_writable:
            assert int(after["memory_dynamic_min"]) == max(dmax // 2, 16) << 20, \
                after["memory_dynamic_min"]
        else:
            assert after["memory_dynamic_min"] == before["memory_dynamic_min"]
        # Untouched settings are as they were.
        for key in ("name_label", "VCPUs_at_startup", "affinity", "memory_static_max",
                    "start_delay", "HVM_boot_params", "PV_args"):
            assert after[key] == before[key], (key, before[key], after[key])
        log(f"Properties wrote description, tags, memory and order of {props['name_label']!r}")

        # ---- Force Shut Down asks first; Cancel leaves the VM running ---------------------
        running_ref, running = min(((r, v) for r, v in vms().items()
                                    if v["power_state"] == "Running"),
                                   key=lambda item: item[1]["name_label"])
        ui.context_menu(running["name_label"])
        ui.menu_item("Force Shut Down").click()
        alert = ui.alert()
        assert running["name_label"] in alert.name or alert.findChild(
            lambda n: n.roleName == "label" and running["name_label"] in n.name,
            retry=False, requireResult=False), "the question does not name the VM"
        alert.child(name="Cancel", roleName="push button").click()
        time.sleep(1.0)
        assert pool.call("VM.get_power_state", running_ref) == "Running"

        # ---- Migrate to Server: the host submenu --------------------------------------
        def disk_srs(vm_ref):
            srs = set()
            for vbd in pool.call("VM.get_VBDs", vm_ref):
                vdi = pool.call("VBD.get_VDI", vbd)
                if vdi != "OpaqueRef:NULL":
                    srs.add(pool.call("VDI.get_SR", vdi))
            return srs

        # A VM on local storage cannot go elsewhere: its menu says so instead of failing.
        local_ref, local_vm = next(((r, v) for r, v in vms().items()
                                    if v["power_state"] == "Running" and any(
                                        not pool.call("SR.get_shared", sr)
                                        for sr in disk_srs(r))), (None, None))
        if local_ref is not None:
            away = next(r for r in hosts if r != local_vm["resident_on"])
            ui.context_menu(local_vm["name_label"])
            ui.menu_item("Migrate to Server", role="menu").click()
            item = ui.menu_item(f"{hosts[away]['name_label']} (cannot reach the VM's disks)")
            assert not item.sensitive, "a host without the VM's storage is offered"
            rawinput.pressKey("Escape")
            rawinput.pressKey("Escape")
            log(f"{local_vm['name_label']} on local storage: "
                f"{hosts[away]['name_label']} is shown as unreachable")

        # A VM whose disks are all on shared storage migrates.
        running_ref, running = min(((r, v) for r, v in vms().items()
                                    if v["power_state"] == "Running" and all(
                                        pool.call("SR.get_shared", sr) for sr in disk_srs(r))),
                                   key=lambda item: item[1]["name_label"])
        resident = pool.call("VM.get_resident_on", running_ref)
        other = min((r for r in hosts if r != resident), key=lambda r: hosts[r]["name_label"])
        if pool.implements("VM.pool_migrate", "OpaqueRef:NULL", "OpaqueRef:NULL", {}):
            ui.context_menu(running["name_label"])
            ui.menu_item("Migrate to Server", role="menu").click()
            ui.menu_item(hosts[other]["name_label"]).click()
            wait_for("the VM to move", lambda: pool.call("VM.get_resident_on", running_ref)
                     == other, timeout=30)
            log(f"Migrate moved {running['name_label']!r} to {hosts[other]['name_label']}")

            # Dragging the VM's row onto its old server's row moves it back.
            ui.search.grabFocus()
            rawinput.keyCombo("<Control>a")
            rawinput.pressKey("BackSpace")
            back = hosts[resident]["name_label"]
            wait_for("the hosts", lambda: cell_named(ui.table, back) is not None)
            for host_name_ in (hosts[other]["name_label"], back):
                cell = cell_named(ui.table, host_name_)
                if cell_named(ui.table, running["name_label"]) is None and \
                        host_name_ == hosts[other]["name_label"]:
                    cell.doActionNamed("expand or contract")
            wait_for("the VM under its new host",
                     lambda: cell_named(ui.table, running["name_label"]) is not None)
            source = cell_named(ui.table, running["name_label"])
            sx, sy = source.position
            sw, sh = source.size
            rawinput.click(sx + sw // 2, sy + sh // 2)
            target = cell_named(ui.table, back)
            tx, ty = target.position
            tw, th = target.size
            # Press, move in steps (GTK starts a drag past a threshold, then follows the
            # pointer), pause over the target, release.
            time.sleep(1.0)  # not a double click
            fx, fy = sx + sw // 2, sy + sh // 2
            to_x, to_y = tx + tw // 2, ty + th // 2
            rawinput.press(fx, fy)
            for step in range(1, 21):
                rawinput.absoluteMotion(fx + (to_x - fx) * step // 20,
                                        fy + (to_y - fy) * step // 20, check=False)
                time.sleep(0.03)
            time.sleep(0.3)
            rawinput.absoluteMotion(to_x + 1, to_y, check=False)
            time.sleep(0.3)
            rawinput.release(to_x + 1, to_y)
            wait_for("the VM to move back", lambda: pool.call(
                "VM.get_resident_on", running_ref) == resident, timeout=30)
            log(f"dragging {running['name_label']!r} onto {back} migrated it there")
        else:
            log("the simulator has no VM.pool_migrate yet: Migrate not exercised")

        # This time without a search: the VM's row is clicked under its expanded host, so the
        # tree view's cursor is on it when the row moves away.
        ui.search.grabFocus()
        rawinput.keyCombo("<Control>a")
        rawinput.pressKey("BackSpace")
        host_name = hosts[pool.call("VM.get_resident_on", running_ref)]["name_label"]
        wait_for("every host to show", lambda: cell_named(ui.table, host_name) is not None)
        host_cell = cell_named(ui.table, host_name)
        if cell_named(ui.table, running["name_label"]) is None:
            host_cell.doActionNamed("expand or contract")
        wait_for("the VM under its host",
                 lambda: cell_named(ui.table, running["name_label"]) is not None)
        cell = cell_named(ui.table, running["name_label"])
        x, y = cell.position
        w, h = cell.size
        rawinput.click(x + w // 2, y + h // 2)
        ui.menubar_item("VM", "Force Shut Down…").click()
        alert = ui.alert()
        screenshot("force-shutdown.png")
        alert.child(name="Force Shut Down", roleName="push button").click()
        wait_for("the VM to halt", lambda: pool.call("VM.get_power_state", running_ref)
                 == "Halted", timeout=30)
        log(f"Force Shut Down halted {running['name_label']!r} after a confirmation")

        # Its row moved from under its host to the pool: the selection followed it.
        def general_names(name):
            return window.findChild(lambda n: n.roleName == "label" and n.name == name
                                    and n.showing, retry=False, requireResult=False)
        wait_for("the General tab to say Halted", lambda: general_names("Halted") is not None)
        selected = [c.name for c in ui.table.findChildren(
            lambda n: n.roleName == "table cell" and n.name
            and n.getState().contains(pyatspi.STATE_SELECTED), recursive=True)]
        assert selected == [running["name_label"]], selected
        log(f"the selection followed {running['name_label']!r} to its new row")

        # A disabled command says why: Start on a running VM's menu bar item.
        other_running = next(v for v in vms().values() if v["power_state"] == "Running")
        ui.select(other_running["name_label"])
        start = window.child(name="Start", roleName="push button")
        wait_for("Start to be disabled", lambda: not start.sensitive)
        assert "Running" in start.description, start.description

        # ---- Host maintenance mode ----------------------------------------------------
        host_ref = min(hosts, key=lambda r: hosts[r]["name_label"])
        host_name = hosts[host_ref]["name_label"]
        if pool.implements("host.evacuate", "OpaqueRef:NULL"):
            blockers = pool.call("host.get_vms_which_prevent_evacuation", host_ref)
            if blockers:
                # The question lists the VMs that cannot move and refuses to go on.
                ui.select(host_name)
                ui.menubar_item("Server", "Enter Maintenance Mode…").click()
                alert = ui.alert()
                names = [pool.call("VM.get_name_label", r) for r in blockers]
                wait_for("the blocking VMs to be listed", lambda: alert.findChild(
                    lambda n: n.roleName == "label" and all(v in n.name for v in names),
                    retry=False, requireResult=False) is not None)
                button = alert.child(name="Enter Maintenance Mode", roleName="push button")
                assert not button.sensitive, "maintenance mode offered with VMs that cannot move"
                screenshot("maintenance-blocked.png")
                alert.child(name="Cancel", roleName="push button").click()
                log(f"maintenance mode of {host_name} refused: {names} cannot move")
                for r in blockers:
                    pool.call("VM.hard_shutdown", r)
            ui.select(host_name)
            ui.menubar_item("Server", "Enter Maintenance Mode…").click()
            alert = ui.alert()
            button = alert.child(name="Enter Maintenance Mode", roleName="push button")
            wait_for("the check of which VMs can move", lambda: button.sensitive)
            button.click()
            wait_for("the host to be disabled", lambda: not pool.call(
                "host.get_enabled", host_ref), timeout=30)
            row_name = f"Enter maintenance mode: {host_name}"
            wait_for("the action to end", lambda: app.findChild(
                lambda n: n.name == row_name, retry=False, requireResult=False) is not None
                and not [v for v in vms().values() if v["resident_on"] == host_ref
                         and v["power_state"] == "Running"] or pool.call(
                    "host.get_enabled", host_ref), timeout=60)
            if pool.call("host.get_enabled", host_ref):
                # The evacuation failed (the pool's pre-check missed a VM): the host is back
                # in service, as it was.
                log(f"evacuating {host_name} failed; the host was enabled again")
            else:
                log(f"{host_name} entered maintenance mode; its VMs moved")
            if not pool.call("host.get_enabled", host_ref):
                ui.select(host_name)
                ui.menubar_item("Server", "Exit Maintenance Mode").click()
                wait_for("the host to be enabled",
                         lambda: pool.call("host.get_enabled", host_ref), timeout=30)
                log(f"{host_name} left maintenance mode")
        else:
            log("the simulator has no host.evacuate yet: maintenance mode not exercised")

        # ---- Storage: rescan, detach, repair --------------------------------------------
        srs = pool.call("SR.get_all_records")

        def in_use(sr):
            return any(pool.call("VBD.get_currently_attached", vbd)
                       for vdi in sr["VDIs"] for vbd in pool.call("VDI.get_VBDs", vdi))
        sr_ref, sr = min(((r, v) for r, v in srs.items()
                          if v["shared"] and v["content_type"] != "iso"),
                         key=lambda item: item[1]["name_label"])
        ui.select(sr["name_label"])
        ui.menubar_item("Storage", "Rescan").click()
        events = window.child(name="Event list", roleName="list box")
        row_name = f"Rescan storage: {sr['name_label']}"
        wait_for("the rescan event", lambda: app.findChild(
            lambda n: n.name == row_name, retry=False, requireResult=False) is not None)
        log(f"Rescan ran as {row_name!r} ({'shown' if events.showing else 'pane hidden'})")

        def attached():
            return [pool.call("PBD.get_currently_attached", p) for p in sr["PBDs"]]

        if in_use(sr):
            # Running VMs use it: Detach is disabled (xapi would refuse the unplug).
            ui.select(sr["name_label"])
            assert not ui.menubar_item("Storage", "Detach…").sensitive, \
                "Detach is offered on storage that running VMs use"
            rawinput.pressKey("Escape")
            # The storage bar's button says why.
            bar = window.child(name="Storage commands", roleName="tool bar")
            detach = bar.child(name="Detach", roleName="push button")
            assert not detach.sensitive
            assert "Running VMs use disks" in detach.description, detach.description
            screenshot("sr-commands.png")
            log(f"Detach is disabled on {sr['name_label']}: {detach.description!r}")
        # A new, empty NFS storage repository nobody uses: Detach and Repair work on it.
        new_sr = pool.raw("SR.create", host_ref, {"server": "192.0.2.10",
                                                  "serverpath": "/export/scratch"},
                          "0", "Detachable NFS", "made by test_commands", "nfs", "user", True,
                          {})
        if new_sr["Status"] == "Success":
            wait_for("the new SR in the tree", lambda: ui.select("Detachable NFS") is not None)
            srs = pool.call("SR.get_all_records")
        else:
            log(f"SR.create failed: {new_sr['ErrorDescription']}")
        free = [(r, v) for r, v in srs.items() if v["PBDs"] and not in_use(v)
                and v["content_type"] != "iso" and v["type"] not in ("udev",)]
        if free:
            sr_ref, sr = min(free, key=lambda item: item[1]["name_label"])
        if free and pool.implements("PBD.unplug", "OpaqueRef:NULL"):
            ui.select(sr["name_label"])
            ui.menubar_item("Storage", "Detach…").click()
            alert = ui.alert()
            alert.child(name="Detach", roleName="push button").click()
            wait_for("the PBDs to unplug", lambda: not any(attached()), timeout=30)
            ui.select(sr["name_label"])
            ui.menubar_item("Storage", "Repair").click()
            wait_for("the PBDs to plug", lambda: all(attached()), timeout=30)
            log(f"{sr['name_label']} detached from {len(sr['PBDs'])} servers and repaired")
        else:
            log("no storage without attached disks, or no PBD.unplug: Detach not exercised")
        # ---- Several VMs at once: Ctrl-click two running VMs, one Shut Down for both ----
        running_names = sorted(v["name_label"] for v in vms().values()
                               if v["power_state"] == "Running")
        prefix = next(p for p in sorted({n.split("-")[0] + "-" for n in running_names})
                      if sum(n.startswith(p) for n in running_names) >= 2)
        both = [n for n in running_names if n.startswith(prefix)][:2]
        ui.search_for(prefix)
        wait_for("both VMs listed", lambda: all(cell_named(ui.table, n) for n in both))
        ui.click_row(both[0])
        second = cell_named(ui.table, both[1])
        x, y = second.position
        w, h = second.size
        rawinput.holdKey("Control_L")
        rawinput.click(x + w // 2, y + h // 2)
        rawinput.releaseKey("Control_L")
        wait_for("two rows selected", lambda: sorted(
            c.name for c in ui.table.findChildren(
                lambda n: n.roleName == "table cell" and n.name
                and n.getState().contains(pyatspi.STATE_SELECTED), recursive=True)) == both)
        window.child(name="Shut Down", roleName="push button").click()
        wait_for("both VMs to halt", lambda: sorted(
            v["name_label"] for v in vms().values()
            if v["name_label"] in both and v["power_state"] == "Halted") == both, timeout=30)
        log(f"one Shut Down halted both selected VMs {both}")

        # ---- Keyboard: Ctrl+B starts the selected VM, Ctrl+E shuts it down ---------------
        ui.select(props["name_label"])
        ui.table.grabFocus()
        rawinput.keyCombo("<Control>b")
        wait_for("Ctrl+B to start the VM", lambda: pool.call(
            "VM.get_power_state", props_ref) == "Running", timeout=30)
        wait_for("the Shut Down command", lambda: window.child(
            name="Shut Down", roleName="push button").sensitive)
        ui.table.grabFocus()
        rawinput.keyCombo("<Control>e")
        wait_for("Ctrl+E to shut it down", lambda: pool.call(
            "VM.get_power_state", props_ref) == "Halted", timeout=30)
        log(f"Ctrl+B started and Ctrl+E shut down {props['name_label']!r}")

        # ---- The Search tab of a pool: every matching object; a result selects its row ---
        pool_name = list(pool.call("pool.get_all_records").values())[0]["name_label"]
        ui.select(pool_name)
        window.child(name="Search", roleName="radio button").click()
        query = window.child(name="Search every pool", roleName="text")
        query.grabFocus()
        query.text = "web"  # one edit: the results are not filled on "w" and "we" first
        results = window.findChild(lambda n: n.name == "Search results" and n.showing)
        expected = sorted(v["name_label"] for v in vms().values() if "web" in v["name_label"])

        def found_names():
            return sorted(c.name for c in results.findChildren(
                lambda n: n.roleName == "table cell" and n.name in expected, recursive=True))
        wait_for("the search results", lambda: found_names() == expected)
        screenshot("search-tab.png")
        target = expected[0]

        def result_cell():
            return results.findChild(lambda n: n.roleName == "table cell" and n.name == target,
                                     retry=False, requireResult=False)

        def laid_out():
            # Until the list has laid the row out, its cell reports (-2^31, -2^31).
            cell = result_cell()
            if cell is None:
                return False
            (x, y), (w, h) = cell.position, cell.size
            (rx, ry), (rw, rh) = results.position, results.size
            return rx <= x + w // 2 < rx + rw and ry <= y + h // 2 < ry + rh
        wait_for(f"the result {target!r} on screen", laid_out)
        cell = result_cell()
        x, y = cell.position
        w, h = cell.size
        rawinput.doubleClick(x + w // 2, y + h // 2)
        wait_for("the result selected in the tree", lambda: [
            c.name for c in ui.table.findChildren(
                lambda n: n.roleName == "table cell" and n.name
                and n.getState().contains(pyatspi.STATE_SELECTED), recursive=True)] == [target])
        log(f"Search tab found {len(expected)} VMs matching 'web'; {target!r} selected from it")
        return 0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    sys.exit(main())
