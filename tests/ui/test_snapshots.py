#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Snapshots tab and its dialogs against the demo pool, through AT-SPI.

Run by run-atspi-test.sh inside a private D-Bus session with an accessibility bus:
    test_snapshots.py LAGOON_BINARY
Starts `lagoon --demo` and reads the same pool over XML-RPC. On a halted VM that already has
a snapshot: the tab shows the chain (tree and list); the Take Snapshot dialog explains why
"disks and memory" is disabled, takes a snapshot with a description that the simulator then
has and the tree shows; the VM menu offers Take a Snapshot too; Revert To (with "take a
snapshot of the current state first") runs both calls, checked in the simulator (or, while the
simulator lacks VM.revert, the failure is explained); Delete removes two snapshots at once after
a confirmation naming both; New VM from Snapshot makes a VM that is not a template.
With LAGOON_SCREENSHOT_DIR set, saves screenshots of the tab and of each dialog there.
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

        vms = pool.call("VM.get_all_records")
        pool_name = list(pool.call("pool.get_all_records").values())[0]["name_label"]
        wait_for("the tree to show the pool", lambda: cell_named(table, pool_name) is not None)

        # A halted VM with at least two snapshots: snapshot (disks) is allowed, checkpoint not.
        def ordinary(v):
            return not (v["is_a_template"] or v["is_control_domain"] or v["is_a_snapshot"])
        counts = {}
        for v in vms.values():
            if v["is_a_snapshot"]:
                counts[v["snapshot_of"]] = counts.get(v["snapshot_of"], 0) + 1
        candidates = sorted(((r, v) for r, v in vms.items() if ordinary(v)
                             and counts.get(r, 0) >= 1),
                            key=lambda item: (item[1]["power_state"] != "Halted",
                                              -counts[item[0]], item[1]["name_label"]))
        assert candidates, "the demo pool has no VM with a snapshot"
        vm_ref, vm = candidates[0]
        vm_name = vm["name_label"]
        # Halted, the VM offers disks-only snapshots but not disks and memory.
        if vm["power_state"] != "Halted":
            pool.call("VM.hard_shutdown", vm_ref)
            log(f"{vm_name} was {vm['power_state']}: shut down for the test")
        before = pool.snapshots_of(vm_ref)
        log(f"VM {vm_name!r} has {len(before)} snapshots: "
            f"{sorted(v['name_label'] for v in before.values())}")

        # Find the VM through the search box and select it.
        search = window.child(name="Search resources")
        search_and_select(table, search, vm_name)

        def tab_button(name):
            return find(window, lambda n: n.name == name and n.roleName in (
                "radio button", "toggle button") and n.showing)
        wait_for("the Snapshots tab", lambda: tab_button("Snapshots") is not None)
        tab_button("Snapshots").click()
        snap_tree = window.child(name="Snapshot tree", roleName="tree table")
        wait_for("the snapshot tree to show", lambda: snap_tree.showing)
        wait_for("the existing snapshots in the tree", lambda: all(
            cell_named(snap_tree, v["name_label"]) is not None for v in before.values()))
        assert cell_named(snap_tree, "Now") is not None, "no Now row in the tree"
        log(f"the tree shows {cell_names(snap_tree)}")
        screenshot("snaps-tab.png")

        # Take Snapshot: the memory option is disabled and says why.
        window.child(name="Take Snapshot…", roleName="push button").click()
        wait_for("the Take Snapshot dialog", lambda: dialog_named(app, "Take Snapshot"))
        dialog = dialog_named(app, "Take Snapshot")
        memory = dialog.child(name="Snapshot the VM's disks and memory", roleName="radio button")
        disks = dialog.child(name="Snapshot the VM's disks", roleName="radio button")
        assert not memory.sensitive, "disks and memory is offered on a halted VM"
        halted_reason = "Only a running VM's memory can be saved; this VM is Halted."
        assert memory.description == halted_reason, memory.description
        assert find(dialog, lambda n: n.roleName == "label" and n.name == memory.description
                    and n.showing) is not None, "the reason is not shown in the dialog"
        assert disks.sensitive and disks.checked, "disks only is not chosen"
        quiesce = dialog.child(name="Quiesce the VM, then snapshot its disks",
                               roleName="radio button")
        assert not quiesce.sensitive, "quiesce is offered"
        log(f"disks and memory disabled: {memory.description!r}")
        log(f"quiesced disabled: {quiesce.description!r}")
        name_entry = dialog.child(name="Snapshot name", roleName="text")
        default_name = name_entry.text
        assert default_name and all(v["name_label"] != default_name for v in vms.values()), \
            f"default name {default_name!r} is not unique"
        new_name = f"{vm_name} test snapshot"
        name_entry.text = new_name
        dialog.child(name="Snapshot description").typeText("taken by test_snapshots")
        screenshot("snaps-take-dialog.png")
        dialog.child(name="Take Snapshot", roleName="push button").click()

        def new_snapshot():
            return next(((r, v) for r, v in pool.snapshots_of(vm_ref).items()
                         if v["name_label"] == new_name), None)
        wait_for("the simulator to have the new snapshot", lambda: new_snapshot() is not None)
        taken_ref, _ = new_snapshot()
        wait_for("the description to be set",
                 lambda: pool.call("VM.get_name_description", taken_ref)
                 == "taken by test_snapshots")
        wait_for("the new snapshot in the tree",
                 lambda: cell_named(snap_tree, new_name) is not None, timeout=5)
        log(f"took {new_name!r} ({taken_ref}); the tree shows it, with its description")
        window.child(name="Events", roleName="toggle button").click()
        events = window.child(name="Event list", roleName="list box")
        take_row = f"Take snapshot '{new_name}': {vm_name}"
        wait_for(f"the event {take_row!r} to complete", lambda: find(
            find(events, lambda n: n.name == take_row),
            lambda n: n.roleName == "label" and n.name == "Completed" and n.showing))
        window.child(name="Events", roleName="toggle button").click()
        log("one event, completed, for the snapshot and its description")

        # The details pane shows the selected snapshot.
        click(cell_named(snap_tree, new_name))
        details = window.child(name="Snapshot details")
        wait_for("the details", lambda: find(details, lambda n: n.name == "taken by test_snapshots")
                 is not None)
        assert find(details, lambda n: n.name == "Disks only") is not None
        log("details pane shows the description and 'Disks only'")

        # Revert to it, taking a snapshot of the current state first.
        window.child(name="Revert To…", roleName="push button").click()
        wait_for("the Revert dialog", lambda: dialog_named(app, "Revert to Snapshot"))
        dialog = dialog_named(app, "Revert to Snapshot")
        check = dialog.child(name="Take a snapshot of the current state first",
                             roleName="check box")
        assert check.checked, "snapshot-first is not the default"
        screenshot("snaps-revert-dialog.png")
        dialog.child(name="Revert", roleName="push button").click()
        saved_name = f"{vm_name} before revert"
        wait_for("the snapshot of the current state", lambda: any(
            v["name_label"] == saved_name for v in pool.snapshots_of(vm_ref).values()))
        log(f"the current state was saved as {saved_name!r} first")
        window.child(name="Events", roleName="toggle button").click()
        row_name = f"Revert to snapshot '{new_name}': {vm_name}"
        wait_for(f"the event {row_name!r}", lambda: find(events, lambda n: n.name == row_name))
        row = find(events, lambda n: n.name == row_name)

        def row_label(predicate):
            return find(row, lambda n: n.roleName == "label" and predicate(n.name) and n.showing)
        wait_for("the revert to end", lambda: row_label(
            lambda t: t == "Completed" or t.startswith("Failed: ")))
        failed = row_label(lambda t: t.startswith("Failed: "))
        if failed is None:
            wait_for("the VM's parent to be the snapshot",
                     lambda: pool.call("VM.get_parent", vm_ref) == taken_ref)
            log("reverted: the VM's parent is the snapshot")
            wait_for("the saved state in the tree", lambda: cell_named(snap_tree, saved_name)
                     is not None, timeout=5)
            screenshot("snaps-tree-after-revert.png")
        else:
            # Only a simulator without VM.revert excuses a failure; the pane must say why.
            log("revert: " + failed.name)
            probe = pool.raw("VM.revert", taken_ref)
            assert probe["Status"] != "Success" and probe["ErrorDescription"][0] in (
                "MESSAGE_METHOD_UNKNOWN", "NOT_IMPLEMENTED"), ("revert failed", failed.name, probe)
            log(f"the simulator lacks VM.revert ({probe['ErrorDescription'][0]})")
        window.child(name="Events", roleName="toggle button").click()

        # Delete two at once, from the list view.
        tab_button("List").click()
        def list_table():
            # A list store makes it a table, not a tree table.
            return find(window, lambda n: n.roleName in ("table", "tree table") and n.showing
                        and n.name == "Snapshot list")
        wait_for("the list", lambda: list_table() is not None)
        snap_list = list_table()
        # One snapshot the VM had, and the one taken before the revert.
        victims = [sorted(v["name_label"] for v in before.values())[0], saved_name]
        wait_for("the snapshots in the list", lambda: all(
            cell_named(snap_list, n) is not None for n in victims))
        click(cell_named(snap_list, victims[0]))
        ctrl_click(cell_named(snap_list, victims[1]))
        wait_for("two selected", lambda: find(details, lambda n: n.name == "2 snapshots selected"))
        screenshot("snaps-list.png")
        records = pool.call("VM.get_all_records")
        victim_vdis = set()
        for r, v in records.items():
            if v["is_a_snapshot"] and v["snapshot_of"] == vm_ref and v["name_label"] in victims:
                for vbd in v["VBDs"]:
                    b = pool.call("VBD.get_record", vbd)
                    if b["type"] == "Disk" and b["VDI"] != "OpaqueRef:NULL":
                        victim_vdis.add(b["VDI"])
        window.child(name="Delete…", roleName="push button").click()
        wait_for("the Delete dialog", lambda: dialog_named(app, "Delete Snapshots"))
        dialog = dialog_named(app, "Delete Snapshots")
        text = " ".join(n.name for n in dialog.findChildren(lambda n: n.roleName == "label",
                                                            recursive=True))
        assert all(v in text for v in victims), f"the confirmation does not name both: {text!r}"
        screenshot("snaps-delete-dialog.png")
        dialog.child(name="Delete", roleName="push button").click()
        wait_for("both snapshots gone from the simulator", lambda: not any(
            v["name_label"] in victims for v in pool.snapshots_of(vm_ref).values()))
        wait_for("both gone from the list", lambda: all(
            cell_named(snap_list, n) is None for n in victims), timeout=5)
        wait_for("their disks to go", lambda: not (victim_vdis & set(pool.call("VDI.get_all"))))
        log(f"deleted {victims} at once, with their {len(victim_vdis)} disks")

        # New Template from Snapshot, from the context menu: a template marked instant.
        cell = cell_named(snap_list, new_name)
        x, y = cell.position
        w, h = cell.size
        rawinput.click(x + w // 2, y + h // 2, button=3)

        def menu_item(name):
            return find(app, lambda n: n.name == name and n.roleName == "menu item"
                        and n.showing)
        wait_for("the context menu", lambda: menu_item("New Template from Snapshot…"))
        assert menu_item("Revert To…") is not None and menu_item("Delete…") is not None
        menu_item("New Template from Snapshot…").click()
        wait_for("the New Template dialog", lambda: dialog_named(app,
                                                                "New Template from Snapshot"))
        dialog = dialog_named(app, "New Template from Snapshot")
        template_name = dialog.child(name="Template name", roleName="text").text
        dialog.child(name="Create Template", roleName="push button").click()

        def template():
            return next((v for v in pool.call("VM.get_all_records").values()
                         if v["name_label"] == template_name), None)
        wait_for(f"the template {template_name!r}", lambda: template() is not None
                 and template()["is_a_template"]
                 and template()["other_config"].get("instant") == "true")
        assert not template()["is_a_snapshot"]
        log(f"New Template from Snapshot made {template_name!r}, a template marked instant")

        # New VM from Snapshot: a VM, not a template.
        click(cell_named(snap_list, new_name))
        more = window.child(name="Snapshot actions", roleName="toggle button")
        more.click()
        # The menu is a popover of buttons.
        def new_vm_item():
            return find(app, lambda n: n.name == "New VM from Snapshot…" and n.showing
                        and n.roleName in ("menu item", "push button"))
        wait_for("the Actions menu", lambda: new_vm_item() is not None)
        assert new_vm_item().sensitive, "New VM from Snapshot is disabled"
        # Through its action, not the pointer: the popover may still be sliding in.
        new_vm_item().doActionNamed("click")
        wait_for("the New VM dialog", lambda: dialog_named(app, "New VM from Snapshot"))
        dialog = dialog_named(app, "New VM from Snapshot")
        made_name = dialog.child(name="VM name", roleName="text").text
        screenshot("snaps-new-vm-dialog.png")
        dialog.child(name="Create VM", roleName="push button").click()

        def made():
            return next((v for v in pool.call("VM.get_all_records").values()
                         if v["name_label"] == made_name), None)
        wait_for(f"the VM {made_name!r}", lambda: made() is not None)
        wait_for(f"{made_name!r} to be a VM", lambda: not made()["is_a_template"]
                 and not made()["is_a_snapshot"])
        log(f"New VM from Snapshot made {made_name!r}, a VM")

        # The VM menu offers Take a Snapshot for the selected VM.
        menubar = window.child(roleName="menu bar")
        vm_menu = menubar.child(name="VM", roleName="menu")
        vm_menu.click()
        item = vm_menu.child(name="Take a Snapshot…", roleName="menu item")
        wait_for("the VM menu", lambda: item.showing)
        assert item.sensitive, "Take a Snapshot is disabled in the VM menu"
        item.click()
        wait_for("the Take Snapshot dialog from the menu", lambda: dialog_named(app,
                                                                               "Take Snapshot"))
        dialog = dialog_named(app, "Take Snapshot")
        memory = dialog.child(name="Snapshot the VM's disks and memory", roleName="radio button")
        assert not memory.sensitive
        log("VM > Take a Snapshot opens the dialog")

        # The VM starts while the dialog is open: disks and memory becomes possible.
        pool.call("VM.start", vm_ref, False, False)
        wait_for("the memory option to be enabled", lambda: memory.sensitive)
        log("the dialog follows the VM: disks and memory is enabled once it runs")
        memory.click()
        memory_name = dialog.child(name="Snapshot name", roleName="text").text
        dialog.child(name="Take Snapshot", roleName="push button").click()

        def memory_snapshot():
            return next((v for v in pool.snapshots_of(vm_ref).values()
                         if v["name_label"] == memory_name), None)
        wait_for("the checkpoint", lambda: memory_snapshot() is not None, timeout=30)
        assert memory_snapshot()["power_state"] == "Suspended", memory_snapshot()["power_state"]
        wait_for("the list to show it as disks and memory", lambda: cell_named(
            snap_list, memory_name) is not None and "Disks and memory" in cell_names(snap_list))
        log(f"VM.checkpoint made {memory_name!r} (Suspended): the list says disks and memory")
        screenshot("snaps-list-memory.png")

        # In the Objects view a snapshot is a row of its own: its Snapshots tab shows its VM's
        # chain with it selected, and its context menu offers the snapshot commands.
        combo = window.child(name="View", roleName="combo box")
        combo.click()
        objects = combo.child(name="Objects", roleName="menu item")
        wait_for("the view menu", lambda: objects.showing)
        objects.click()
        wait_for("the Snapshots group", lambda: cell_named(table, "Snapshots") is not None)
        if cell_named(table, new_name) is None:
            cell_named(table, "Snapshots").doActionNamed("expand or contract")
        wait_for(f"{new_name} in the tree", lambda: cell_named(table, new_name) is not None)
        click(cell_named(table, new_name))
        wait_for("the Snapshots tab", lambda: tab_button("Snapshots") is not None)
        tab_button("Snapshots").click()
        wait_for("the snapshot's details in its VM's chain", lambda: find(
            details, lambda n: n.name == new_name and n.showing) is not None)
        cell = cell_named(table, new_name)
        x, y = cell.position
        w, h = cell.size
        rawinput.click(x + w // 2, y + h // 2, button=3)
        wait_for("the snapshot's context menu", lambda: menu_item("Revert to Snapshot…"))
        for item_name in ("Revert to Snapshot…", "New VM from Snapshot…",
                          "New Template from Snapshot…", "Delete Snapshot…"):
            assert menu_item(item_name) is not None and menu_item(item_name).sensitive, item_name
        menu_item("Delete Snapshot…").click()
        wait_for("the Delete dialog", lambda: dialog_named(app, "Delete Snapshots"))
        dialog_named(app, "Delete Snapshots").child(name="Delete", roleName="push button").click()
        wait_for(f"{new_name} to be deleted", lambda: new_snapshot() is None)
        wait_for(f"{new_name} to leave the tree", lambda: cell_named(table, new_name) is None,
                 timeout=5)
        log("a snapshot row in the Objects view: its VM's chain, and Delete Snapshot from its "
            "context menu")

        # The Delete key deletes the disks-and-memory snapshot, memory image included.
        memory_ref = next(r for r, v in pool.snapshots_of(vm_ref).items()
                          if v["name_label"] == memory_name)
        suspend_vdi = pool.call("VM.get_suspend_VDI", memory_ref)
        click(cell_named(table, memory_name))
        wait_for("the Snapshots tab", lambda: tab_button("Snapshots") is not None)
        tab_button("Snapshots").click()
        wait_for("the checkpoint in the list", lambda: list_table() is not None
                 and cell_named(list_table(), memory_name) is not None)
        click(cell_named(list_table(), memory_name))
        rawinput.pressKey("Delete")
        wait_for("the Delete dialog", lambda: dialog_named(app, "Delete Snapshots"))
        dialog_named(app, "Delete Snapshots").child(name="Delete", roleName="push button").click()
        wait_for(f"{memory_name} to be deleted", lambda: memory_snapshot() is None)
        if suspend_vdi != "OpaqueRef:NULL":
            wait_for("its memory image to go", lambda: suspend_vdi not in pool.call("VDI.get_all"))
        log(f"the Delete key deleted {memory_name!r} and its memory image ({suspend_vdi})")

        rawinput.keyCombo("<Control>q")
        rc = proc.wait(timeout=TIMEOUT)
        assert rc == 0, f"lagoon exited with status {rc}"
        log("quit")
    except Exception:
        screenshot("snaps-failure.png")
        raise
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
