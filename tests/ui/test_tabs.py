#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Memory, Storage and Networking tabs against the demo pool, through AT-SPI.

Run by run-atspi-test.sh inside a private D-Bus session with an accessibility bus:
    test_tabs.py LAGOON_BINARY
Starts `lagoon --demo` and reads the same pool over XML-RPC. For a running VM: the Memory tab
shows its ranges; an invalid dynamic range is explained and not sent; a valid one reaches the
simulator's record and the tab. The Storage tab lists its disks (a disk renamed by another
client changes in place and stays selected), inserts and ejects an ISO, adds a disk (a missing
name is explained first), refuses to shrink it, renames it, detaches it (the disk stays),
attaches it again and deletes it. The Networking tab lists its interfaces with the guest's IP
address, adds one with a given MAC (a multicast MAC is explained first), moves it to another
network and removes it. For a host, the pool and an SR the tabs show what the pool has. On an
SR's Storage tab: deleting a disk a running VM has plugged in is refused with the reason in the
tooltip; Rescan runs SR.scan; Properties renames, describes and grows a disk in one action;
Copy puts a copy in another SR; Move copies then destroys the original; Delete (row menu)
names the halted VM using the disk in its confirmation and removes the disk and its VBD. For a
halted VM every memory limit can change, invalid limits are explained first. With
LAGOON_SCREENSHOT_DIR set, saves screenshots of each tab (tabs-*.png).
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

GIB = 1024 ** 3
MIB = 1024 ** 2
ACTION_TIMEOUT = 30.0


def size_text(n):
    """As g_format_size_full (IEC units) prints it (XenAPI ints arrive as strings)."""
    n = int(n)
    if n <= 0:
        return "0 bytes"
    if n < 1024:
        return f"{n}\u00a0bytes"
    value = float(n)
    for unit in ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        value /= 1024.0
        if value < 1024.0 or unit == "EiB":
            return f"{value:.1f}\u00a0{unit}"  # GLib puts a no-break space


def showing(root, role, name=None, predicate=None):
    return root.findChild(lambda n: n.roleName == role and n.showing
                          and (name is None or n.name == name)
                          and (predicate is None or predicate(n.name)),
                          recursive=True, retry=False, requireResult=False)


def click(node):
    x, y = node.position
    w, h = node.size
    rawinput.click(x + w // 2, y + h // 2)


def table_cells(table):
    return [c.name for c in table.findChildren(
        lambda n: n.roleName == "table cell" and n.name, recursive=True)]


def shot(name):
    time.sleep(0.3)  # the last change drawn
    screenshot(name)


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
        tree = window.child(name="Resources", roleName="tree table")

        wait_for("the simulator to start", lambda: len(children_of(proc.pid)) == 1)
        sim_pid = children_of(proc.pid)[0]
        wait_for("the simulator to listen", lambda: listening_port(sim_pid) is not None)
        pool = Pool(listening_port(sim_pid))

        pool_rec = list(pool.call("pool.get_all_records").values())[0]
        hosts = pool.call("host.get_all_records")
        vms = pool.call("VM.get_all_records")

        def ordinary(v):
            return not (v["is_a_template"] or v["is_control_domain"] or v["is_a_snapshot"])

        host_ref = min(hosts, key=lambda r: hosts[r]["name_label"])
        host_name = hosts[host_ref]["name_label"]
        candidates = sorted(((r, v) for r, v in vms.items()
                             if ordinary(v) and v["power_state"] == "Running"
                             and v["resident_on"] == host_ref and v["VIFs"]
                             and any(pool.call("VBD.get_type", b) == "CD" for b in v["VBDs"])),
                            key=lambda item: item[1]["name_label"])
        assert candidates, f"no running VM with a CD drive and a VIF on {host_name}"
        vm_ref, vm = candidates[0]
        vm_name = vm["name_label"]

        wait_for(f"{host_name} in the tree", lambda: cell_named(tree, host_name) is not None)
        cell_named(tree, host_name).doActionNamed("expand or contract")
        wait_for(f"{vm_name} in the tree", lambda: cell_named(tree, vm_name) is not None)
        click(cell_named(tree, vm_name))

        def open_tab(name):
            def button():
                return window.findChild(lambda n: n.name == name and n.roleName in (
                    "radio button", "toggle button", "push button") and n.showing,
                    recursive=True, retry=False, requireResult=False)
            wait_for(f"the {name} tab", lambda: button() is not None)
            button().click()

        def events_failure(title):
            """The Events pane's row for @title, when it failed: its text."""
            events = window.findChild(lambda n: n.name == "Event list", recursive=True,
                                      retry=False, requireResult=False)
            if events is None:
                return None
            row = events.findChild(lambda n: n.name.startswith(title + ":"), retry=False,
                                   requireResult=False)
            if row is None:
                return None
            label = row.findChild(lambda n: n.roleName == "label" and n.name.startswith(
                "Failed: "), retry=False, requireResult=False)
            return label.name if label is not None else None

        def events_completed(title):
            """Whether the Events pane's newest row for @title says Completed."""
            events = window.findChild(lambda n: n.name == "Event list", recursive=True,
                                      retry=False, requireResult=False)
            row = events.findChild(lambda n: n.name.startswith(title + ":"), retry=False,
                                   requireResult=False) if events is not None else None
            return row is not None and row.findChild(
                lambda n: n.roleName == "label" and n.name == "Completed", retry=False,
                requireResult=False) is not None

        # ---- Memory (VM) ---------------------------------------------------------------
        open_tab("Memory")
        static = f"{size_text(vm['memory_static_min'])} – {size_text(vm['memory_static_max'])}"
        dynamic = (f"{size_text(vm['memory_dynamic_min'])} – "
                   f"{size_text(vm['memory_dynamic_max'])}")
        wait_for(f"the static range {static!r}", lambda: showing(window, "label", static))
        wait_for(f"the dynamic range {dynamic!r}", lambda: showing(window, "label", dynamic))
        log(f"Memory tab of {vm_name}: static {static}, dynamic {dynamic}")
        shot("tabs-memory-vm.png")

        edit = showing(window, "push button", "Edit memory")
        assert edit is not None and edit.sensitive, "Edit memory is not available"
        edit.click()
        dialog = app.child(name="Edit memory", roleName="dialog")
        spins = {name: dialog.child(name=name, roleName="spin button")
                 for name in ("Static minimum", "Static maximum", "Dynamic minimum",
                              "Dynamic maximum")}
        assert not spins["Static maximum"].sensitive, "a running VM's static range is editable"
        smax = int(vm["memory_static_max"])
        unit = GIB if smax % GIB == 0 and int(vm["memory_dynamic_min"]) % GIB == 0 else MIB
        new_min, new_max = smax // 2, smax * 3 // 4
        # The minimum above the maximum: explained, Apply disabled, nothing sent.
        spins["Dynamic maximum"].value = new_min / unit
        spins["Dynamic minimum"].value = new_max / unit
        apply = dialog.child(name="Apply", roleName="push button")
        problem = (f"The dynamic minimum ({size_text(new_max)}) is above the dynamic maximum "
                   f"({size_text(new_min)}).")
        wait_for(f"the dialog to say {problem!r}", lambda: showing(dialog, "label", problem))
        assert not apply.sensitive, "Apply is enabled with an invalid range"
        shot("tabs-memory-invalid.png")
        log(f"invalid range explained: {problem}")
        assert pool.call("VM.get_memory_dynamic_min", vm_ref) == vm["memory_dynamic_min"]
        # A valid range is sent.
        spins["Dynamic minimum"].value = new_min / unit
        spins["Dynamic maximum"].value = new_max / unit
        wait_for("Apply to be enabled", lambda: apply.sensitive)
        apply.click()
        wait_for("the simulator's dynamic range to change",
                 lambda: (int(pool.call("VM.get_memory_dynamic_min", vm_ref)) == new_min
                          and int(pool.call("VM.get_memory_dynamic_max", vm_ref)) == new_max)
                 or events_failure("Change dynamic memory range"),
                 timeout=ACTION_TIMEOUT)
        failure = events_failure("Change dynamic memory range")
        if failure:
            log(f"VM.set_memory_dynamic_range failed in the simulator: {failure}")
        else:
            dynamic = f"{size_text(new_min)} – {size_text(new_max)}"
            wait_for(f"the tab to show {dynamic!r}", lambda: showing(window, "label", dynamic))
            log(f"dynamic range set to {dynamic} and shown")

        # ---- Storage (VM) ----------------------------------------------------------------
        open_tab("Storage")
        disks = window.child(name="Virtual disks", roleName="table")
        vbds = {b: pool.call("VBD.get_record", b) for b in vm["VBDs"]}
        disk_vdis = [v["VDI"] for v in vbds.values() if v["type"] == "Disk"]
        disk_names = [pool.call("VDI.get_name_label", v) for v in disk_vdis]
        wait_for(f"the disks {disk_names}",
                 lambda: all(n in table_cells(disks) for n in disk_names))
        log(f"Storage tab of {vm_name}: disks {disk_names}")
        shot("tabs-storage-vm.png")

        # Another client renames the first disk: the row changes in place, still selected.
        first = cell_named(disks, disk_names[0])
        click(first)
        wait_for("the disk row to be selected", lambda: cell_named(disks, disk_names[0]).selected)
        renamed = disk_names[0] + " (renamed)"
        pool.call("VDI.set_name_label", disk_vdis[0], renamed)
        wait_for("the renamed disk", lambda: cell_named(disks, renamed) is not None)
        assert cell_named(disks, renamed).selected, "the selection was lost"
        log("a renamed disk updates in place and stays selected")

        # The CD drive: insert an ISO, swap it for another (ejected first), eject it.
        srs = pool.call("SR.get_all_records")
        isos = sorted((pool.call("VDI.get_name_label", v), v) for r, s in srs.items()
                      if s["content_type"] == "iso" for v in s["VDIs"])

        def cd_cycle(vbd_refs, screenshot_name=None):
            cd_ref = next(b for b in vbd_refs if pool.call("VBD.get_type", b) == "CD")
            combo = window.child(name="ISO image", roleName="combo box")
            insert = showing(window, "push button", "Insert")
            eject = showing(window, "push button", "Eject")
            if not pool.call("VBD.get_empty", cd_ref):
                wait_for("Eject to be enabled", lambda: eject.sensitive)
                eject.click()
                wait_for("the drive to be empty", lambda: pool.call("VBD.get_empty", cd_ref),
                         timeout=ACTION_TIMEOUT)
            for iso_name, iso_ref in isos[:2]:
                combo.click()
                item = combo.child(name=iso_name, roleName="menu item")
                wait_for("the ISO menu", lambda: item.showing)
                item.click()
                wait_for("Insert to be enabled", lambda: insert.sensitive)
                insert.click()
                wait_for(f"{iso_name} in the drive",
                         lambda: (not pool.call("VBD.get_empty", cd_ref)
                                  and pool.call("VBD.get_VDI", cd_ref) == iso_ref)
                         or events_failure("Insert ISO") or events_failure("Eject ISO"),
                         timeout=ACTION_TIMEOUT)
                for step in ("Eject ISO", "Insert ISO"):
                    assert not events_failure(step), f"{step}: {events_failure(step)}"
                log(f"{iso_name} in the drive")
                wait_for("Eject to be enabled", lambda: eject.sensitive)
                wait_for("Insert to be disabled for the ISO in the drive",
                         lambda: not insert.sensitive)
            if screenshot_name:
                shot(screenshot_name)
            eject.click()
            wait_for("the drive to be empty", lambda: pool.call("VBD.get_empty", cd_ref)
                     or events_failure("Eject ISO"), timeout=ACTION_TIMEOUT)
            assert not events_failure("Eject ISO"), events_failure("Eject ISO")
            wait_for("the chooser to say the drive is empty", lambda: combo.name == "<empty>"
                     or showing(combo, "menu item", "<empty>") is not None
                     or not eject.sensitive)
            log("ejected")

        cd_cycle(vm["VBDs"], "tabs-storage-cd.png")

        # Add a disk: a missing name is explained first.
        showing(window, "push button", "Add disk").click()
        dialog = app.child(name="Add Virtual Disk", roleName="dialog")
        name_entry = dialog.child(name="Name", roleName="text")
        add = dialog.child(name="Add", roleName="push button")
        name_entry.text = ""
        wait_for("the missing name to be explained",
                 lambda: showing(dialog, "label", "Give the disk a name."))
        assert not add.sensitive, "Add is enabled without a name"
        disk_name = "tabs-test-disk"
        name_entry.text = disk_name
        dialog.child(name="Size in GiB", roleName="spin button").value = 1.0
        wait_for("Add to be enabled", lambda: add.sensitive)
        shot("tabs-storage-add.png")
        add.click()

        def new_vdi():
            for ref, rec in pool.call("VDI.get_all_records").items():
                if rec["name_label"] == disk_name:
                    return ref
            return None

        def new_vbd():
            vdi = new_vdi()
            if vdi is None:
                return None
            # One call: records read one by one may vanish in between.
            for ref, rec in pool.call("VBD.get_all_records").items():
                if rec["VM"] == vm_ref and rec["VDI"] == vdi:
                    return ref
            return None
        wait_for("the new disk in the simulator", lambda: new_vbd() is not None
                 or events_failure("Add virtual disk"), timeout=ACTION_TIMEOUT)
        assert not events_failure("Add virtual disk"), events_failure("Add virtual disk")
        # One row in the Events pane for the three calls (create, attach, plug).
        wait_for("the Add virtual disk event to complete",
                 lambda: events_completed("Add virtual disk"), timeout=ACTION_TIMEOUT)
        if os.environ.get("LAGOON_SCREENSHOT_DIR"):
            toggle = window.child(name="Events", roleName="toggle button")
            toggle.click()
            shot("tabs-events.png")
            toggle.click()
        vdi_ref = new_vdi()
        size = int(pool.call("VDI.get_virtual_size", vdi_ref))
        assert size == GIB, f"the new disk has {size} bytes"
        log(f"added {disk_name} (1 GiB) as VBD {pool.call('VBD.get_userdevice', new_vbd())}")
        wait_for("the new disk in the tab", lambda: cell_named(disks, disk_name) is not None)
        time.sleep(1.0)  # let a plug step (if any) settle
        plugged = pool.call("VBD.get_currently_attached", new_vbd())
        log(f"the new disk is {'plugged' if plugged else 'not plugged'}"
            + ("" if plugged else f" ({events_failure('Add virtual disk')})"))

        # Properties: a smaller size is explained; a new name (and a bigger size, when the
        # server allows resizing the disk now) is sent.
        click(cell_named(disks, disk_name))
        props = showing(window, "push button", "Disk properties")
        wait_for("Properties to be enabled", lambda: props.sensitive)
        props.click()
        dialog = app.child(name="Virtual Disk Properties", roleName="dialog")
        size_spin = dialog.child(name="Size in GiB", roleName="spin button")
        ok = dialog.child(name="OK", roleName="push button")
        size_spin.value = 0.5
        shrink = f"A disk can only grow: its size is {size_text(GIB)} now."
        wait_for(f"the dialog to say {shrink!r}", lambda: showing(dialog, "label", shrink))
        assert not ok.sensitive, "OK is enabled for a smaller disk"
        log(f"shrinking explained: {shrink}")
        size_spin.value = 2.0
        can_resize = "resize" in pool.call("VDI.get_allowed_operations", vdi_ref)
        if can_resize:
            wait_for("OK to be enabled", lambda: ok.sensitive)
        else:
            wait_for("the resize refusal to be explained", lambda: showing(
                dialog, "label", predicate=lambda t: t.startswith(
                    "The server does not allow resizing this disk now")))
            assert not ok.sensitive, "OK is enabled for a resize the server refuses"
            log("resizing a disk in use is refused before sending (allowed_operations)")
            size_spin.value = 1.0
        new_disk_name = disk_name + "-renamed"
        dialog.child(name="Name", roleName="text").text = new_disk_name
        wait_for("OK to be enabled", lambda: ok.sensitive)
        ok.click()
        wait_for("the simulator's disk to be renamed",
                 lambda: pool.call("VDI.get_name_label", vdi_ref) == new_disk_name
                 or events_failure("Rename virtual disk"), timeout=ACTION_TIMEOUT)
        assert not events_failure("Rename virtual disk"), events_failure("Rename virtual disk")
        if can_resize:
            wait_for("the simulator's disk to grow",
                     lambda: int(pool.call("VDI.get_virtual_size", vdi_ref)) == 2 * GIB
                     or events_failure("Resize virtual disk"), timeout=ACTION_TIMEOUT)
            assert not events_failure("Resize virtual disk"), events_failure(
                "Resize virtual disk")
            log("resized to 2 GiB")
        disk_name = new_disk_name
        wait_for("the renamed disk in the tab", lambda: cell_named(disks, disk_name) is not None)
        log(f"renamed to {disk_name}")

        # Detach keeps the disk; Attach brings it back.
        click(cell_named(disks, disk_name))
        detach = showing(window, "push button", "Detach")
        wait_for("Detach to be enabled", lambda: detach.sensitive)
        detach.click()
        app.child(roleName="alert").child(name="Detach", roleName="push button").click()
        wait_for("the disk to be detached", lambda: new_vbd() is None
                 or events_failure("Detach virtual disk"), timeout=ACTION_TIMEOUT)
        assert new_vbd() is None, events_failure("Detach virtual disk")
        assert new_vdi() == vdi_ref, "detaching deleted the disk"
        wait_for("the disk to leave the tab", lambda: cell_named(disks, disk_name) is None)
        log("detached; the disk stays in its SR")
        showing(window, "push button", "Attach disk").click()
        dialog = app.child(name="Attach Disk", roleName="dialog")
        unused = dialog.child(name="Unused disks", roleName="table")
        wait_for("the detached disk among the unused ones",
                 lambda: cell_named(unused, disk_name) is not None)
        click(cell_named(unused, disk_name))
        dialog.child(name="Attach", roleName="push button").click()
        wait_for("the disk to be attached again", lambda: new_vbd() is not None
                 or events_failure("Attach virtual disk"), timeout=ACTION_TIMEOUT)
        assert new_vbd() is not None, events_failure("Attach virtual disk")
        wait_for("the disk back in the tab", lambda: cell_named(disks, disk_name) is not None)
        log(f"attached again as VBD {pool.call('VBD.get_userdevice', new_vbd())}")
        wait_for("the disk to be plugged into the running VM",
                 lambda: pool.call("VBD.get_currently_attached", new_vbd())
                 or events_failure("Attach virtual disk"), timeout=ACTION_TIMEOUT)
        assert not events_failure("Attach virtual disk"), events_failure("Attach virtual disk")

        # ... and delete it from the row's menu, after a confirmation.
        delete = showing(window, "push button", "Delete")
        cell = cell_named(disks, disk_name)
        x, y = cell.position
        w, h = cell.size
        rawinput.click(x + w // 2, y + h // 2, button=3)
        item = app.findChild(lambda n: n.roleName == "menu item" and n.name == "Delete"
                             and n.showing, retry=True, requireResult=True)
        wait_for("Delete to be enabled", lambda: delete.sensitive and item.sensitive)
        item.click()
        alert = app.child(roleName="alert")
        alert.child(name="Delete", roleName="push button").click()
        wait_for("the disk to be deleted", lambda: new_vdi() is None
                 or events_failure("Delete virtual disk"), timeout=ACTION_TIMEOUT)
        assert not events_failure("Delete virtual disk"), events_failure("Delete virtual disk")
        wait_for("the disk to leave the tab", lambda: cell_named(disks, disk_name) is None)
        log(f"deleted {disk_name}")

        # ---- Networking (VM) ---------------------------------------------------------------
        def guest_network_names():
            return sorted(n["name_label"] for n in pool.call("network.get_all_records").values()
                          if n["other_config"].get("is_host_internal_management_network")
                          != "true"
                          and n["other_config"].get("is_guest_installer_network") != "true")

        open_tab("Networking")
        vifs_table = window.child(name="Virtual network interfaces", roleName="table")
        vifs = {r: pool.call("VIF.get_record", r) for r in vm["VIFs"]}
        macs = [v["MAC"] for v in vifs.values()]
        networks = [pool.call("network.get_name_label", v["network"]) for v in vifs.values()]
        wait_for(f"the interfaces {macs}", lambda: all(m in table_cells(vifs_table) for m in macs)
                 and all(n in table_cells(vifs_table) for n in networks))
        ips = pool.call("VM_guest_metrics.get_networks", vm["guest_metrics"])
        ip = ips.get("0/ip") or ips.get("0/ipv4/0")
        if ip:
            wait_for(f"the guest's address {ip}",
                     lambda: any(ip in c for c in table_cells(vifs_table)))
        log(f"Networking tab of {vm_name}: {macs} on {networks}, address {ip}")
        shot("tabs-networking-vm.png")

        showing(window, "push button", "Add Interface").click()
        dialog = app.child(name="Add Virtual Interface", roleName="dialog")
        dialog.child(name="Use this MAC address", roleName="radio button").click()
        mac_entry = dialog.child(name="MAC address", roleName="text")
        add = dialog.child(name="Add", roleName="push button")
        mac_entry.text = "01:16:3e:00:00:01"
        wait_for("the multicast MAC to be explained", lambda: showing(
            dialog, "label", predicate=lambda t: t.startswith("This is a multicast address")))
        assert not add.sensitive, "Add is enabled with a multicast MAC"
        mac_entry.text = "0a:16:3e:12:34:56"
        wait_for("Add to be enabled", lambda: add.sensitive)
        shot("tabs-networking-add.png")
        add.click()

        def new_vif_record():
            for ref, rec in pool.call("VIF.get_all_records").items():
                if rec["VM"] == vm_ref and rec["MAC"] == "0a:16:3e:12:34:56":
                    return ref, rec
            return None, None

        def new_vif():
            return new_vif_record()[0]
        wait_for("the new interface in the simulator", lambda: new_vif() is not None
                 or events_failure("Add network interface"), timeout=ACTION_TIMEOUT)
        assert not events_failure("Add network interface"), events_failure(
            "Add network interface")
        log(f"added an interface as device {pool.call('VIF.get_device', new_vif())}")
        wait_for("the new interface in the tab",
                 lambda: cell_named(vifs_table, "0a:16:3e:12:34:56") is not None)
        time.sleep(1.0)
        plugged = pool.call("VIF.get_currently_attached", new_vif())
        log(f"the new interface is {'plugged' if plugged else 'not plugged'}"
            + ("" if plugged else f" ({events_failure('Add network interface')})"))

        # Properties: another network (the interface is replaced, keeping its MAC).
        click(cell_named(vifs_table, "0a:16:3e:12:34:56"))
        vif_props = showing(window, "push button", "Interface properties")
        wait_for("Properties to be enabled", lambda: vif_props.sensitive)
        vif_props.click()
        dialog = app.child(name="Virtual Interface Properties", roleName="dialog")
        old_network = pool.call("VIF.get_network", new_vif())
        other_ref, other_name = next(
            (r, n["name_label"]) for r, n in sorted(pool.call("network.get_all_records").items(),
                                                    key=lambda i: i[1]["name_label"])
            if r != old_network and n["name_label"] in guest_network_names())
        combo = dialog.child(name="Network", roleName="combo box")
        combo.click()
        item = combo.child(name=other_name, roleName="menu item")
        wait_for("the network menu", lambda: item.showing)
        item.click()
        ok = dialog.child(name="OK", roleName="push button")
        wait_for("OK to be enabled", lambda: ok.sensitive)
        ok.click()
        wait_for(f"the interface to move to {other_name}",
                 # One read: between two, the old interface may be gone and the new not made.
                 lambda: (lambda rec: rec is not None and rec["network"] == other_ref)(
                     new_vif_record()[1]) or events_failure("Change network interface"),
                 timeout=ACTION_TIMEOUT)
        assert new_vif() is not None and pool.call("VIF.get_network", new_vif()) == other_ref, \
            events_failure("Change network interface")
        wait_for("the tab to show the new network", lambda: cell_named(
            vifs_table, other_name) is not None and cell_named(
            vifs_table, "0a:16:3e:12:34:56") is not None)
        log(f"the interface moved to {other_name}, same MAC")
        wait_for("the interface to be plugged again",
                 lambda: pool.call("VIF.get_currently_attached", new_vif())
                 or events_failure("Change network interface"), timeout=ACTION_TIMEOUT)

        # Remove, with the Delete key on the row.
        click(cell_named(vifs_table, "0a:16:3e:12:34:56"))
        remove = showing(window, "push button", "Remove Interface")
        wait_for("Remove to be enabled", lambda: remove.sensitive)
        rawinput.pressKey("Delete")
        app.child(roleName="alert").child(name="Remove", roleName="push button").click()
        wait_for("the interface to be removed", lambda: new_vif() is None
                 or events_failure("Remove network interface"), timeout=ACTION_TIMEOUT)
        assert new_vif() is None, events_failure("Remove network interface")
        wait_for("the interface to leave the tab",
                 lambda: cell_named(vifs_table, "0a:16:3e:12:34:56") is None)
        log("removed it")

        # ---- a host ----------------------------------------------------------------------
        cell_named(tree, host_name).doActionNamed("expand or contract")
        wait_for("the host to fold", lambda: cell_named(tree, vm_name) is None)
        click(cell_named(tree, host_name))
        open_tab("Memory")
        metrics = pool.call("host_metrics.get_record", hosts[host_ref]["metrics"])
        total, free = int(metrics["memory_total"]), int(metrics["memory_free"])
        summary = f"Total {size_text(total)} · used {size_text(total - free)} · free "
        wait_for(f"the host's memory {summary!r}",
                 lambda: showing(window, "label", predicate=lambda t: t.startswith(summary)))
        users = window.child(name="Memory users", roleName="table")
        on_host = [v["name_label"] for v in pool.call("VM.get_all_records").values()
                   if v["resident_on"] == host_ref and v["power_state"] == "Running"
                   and not v["is_control_domain"]]
        wait_for("the host's VMs in the memory list",
                 lambda: all(n in table_cells(users) for n in on_host))
        log(f"Memory tab of {host_name}: {summary}…, {len(on_host)} VMs listed")
        shot("tabs-memory-host.png")

        open_tab("Storage")
        srs_table = window.child(name="Storage repositories", roleName="table")
        pbds = pool.call("PBD.get_all_records")
        host_srs = sorted({srs[p["SR"]]["name_label"] for p in pbds.values()
                           if p["host"] == host_ref})
        wait_for(f"the host's SRs {host_srs}",
                 lambda: all(n in table_cells(srs_table) for n in host_srs))
        log(f"Storage tab of {host_name}: {host_srs}")
        shot("tabs-storage-host.png")

        open_tab("Networking")
        pifs = [p for p in pool.call("PIF.get_all_records").values() if p["host"] == host_ref]
        pif_table = window.child(name="Physical network interfaces", roleName="table")
        devices = sorted({p["device"] for p in pifs})
        wait_for(f"the host's interfaces {devices}",
                 lambda: all(d in table_cells(pif_table) for d in devices))
        management = next(p for p in pifs if p["management"])
        wait_for("the management interface", lambda: showing(
            window, "label", predicate=lambda t: t.startswith(
                f"Management interface: {management['device']}, {management['IP']}")))
        log(f"Networking tab of {host_name}: {devices}, management on {management['device']}")
        shot("tabs-networking-host.png")

        # ---- the pool --------------------------------------------------------------------
        click(cell_named(tree, pool_rec["name_label"]))
        open_tab("Memory")
        server_memory = window.child(name="Server memory", roleName="table")
        host_names = sorted(h["name_label"] for h in hosts.values())
        wait_for("every host in the pool's memory list",
                 lambda: all(n in table_cells(server_memory) for n in host_names))
        shot("tabs-memory-pool.png")
        open_tab("Networking")
        networks_table = window.child(name="Networks", roleName="table")
        guest_networks = guest_network_names()
        wait_for(f"the pool's networks {guest_networks}",
                 lambda: all(n in table_cells(networks_table) for n in guest_networks))
        shot("tabs-networking-pool.png")
        open_tab("Storage")
        all_srs = sorted(s["name_label"] for s in srs.values())
        wait_for("every SR in the pool's storage list",
                 lambda: all(n in table_cells(srs_table) for n in all_srs))
        shot("tabs-storage-pool.png")
        log(f"pool: hosts {host_names}, networks {guest_networks}, {len(all_srs)} SRs")

        # ---- an SR -----------------------------------------------------------------------
        sr_ref, sr = next((r, s) for r, s in sorted(srs.items(),
                                                    key=lambda i: i[1]["name_label"])
                          if s["shared"] and s["content_type"] != "iso" and s["VDIs"])
        wait_for(f"{sr['name_label']} in the tree",
                 lambda: cell_named(tree, sr["name_label"]) is not None)
        click(cell_named(tree, sr["name_label"]))
        open_tab("Storage")
        sr_disks = window.child(name="Disks of the SR", roleName="table")
        vdi_names = sorted({pool.call("VDI.get_name_label", v) for v in sr["VDIs"]})
        wait_for(f"the SR's {len(vdi_names)} disks",
                 lambda: all(n in table_cells(sr_disks) for n in vdi_names), timeout=30)
        log(f"Storage tab of {sr['name_label']}: {len(vdi_names)} disks")
        shot("tabs-storage-sr.png")

        # ---- an SR's disks: rescan, properties, copy, move, delete -------------------------
        def sr_vdis(name):
            return {r: v for r, v in pool.call("VDI.get_all_records").items()
                    if v["name_label"] == name}

        def sr_button(name):
            return showing(window, "push button", name)

        def sr_pick(name):
            """Selects the row of disk @name, scrolled into view (the SR has many disks)."""
            cell_named(sr_disks, name).grabFocus()
            time.sleep(0.5)
            cell = cell_named(sr_disks, name)
            click(cell)
            return cell

        # A disk a running VM has plugged in cannot be deleted, and the tooltip says why.
        vbds_now = pool.call("VBD.get_all_records")
        sr_vdi_refs = pool.call("SR.get_VDIs", sr_ref)
        vms_now = pool.call("VM.get_all_records")
        busy = sorted(pool.call("VDI.get_name_label", b["VDI"]) for b in vbds_now.values()
                      if b["VDI"] in sr_vdi_refs and b["currently_attached"]
                      and vms_now.get(b["VM"], {}).get("power_state") == "Running")
        if busy:
            sr_pick(busy[0])
            delete = sr_button("Delete")
            wait_for("the refusal in Delete's tooltip", lambda: not delete.sensitive
                     and delete.description.startswith("The running VM “"), timeout=10)
            log(f"deleting {busy[0]} refused: {delete.description}")
        else:
            log("no disk of the SR is plugged into a running VM: refusal not checked")

        sr_button("Rescan storage repository").click()
        wait_for("the rescan to complete", lambda: events_completed("Rescan storage repository")
                 or events_failure("Rescan storage repository"), timeout=ACTION_TIMEOUT)
        assert not events_failure("Rescan storage repository"), events_failure(
            "Rescan storage repository")
        log("rescan completed")

        empty = {}
        record = {"name_label": "srdisks-test", "name_description": "", "SR": sr_ref,
                  "virtual_size": str(GIB), "type": "user", "sharable": False,
                  "read_only": False, "other_config": empty, "xenstore_data": empty,
                  "sm_config": empty, "tags": []}
        disk_ref = pool.call("VDI.create", record)
        wait_for("the new disk in the SR's list",
                 lambda: cell_named(sr_disks, "srdisks-test") is not None)
        sr_pick("srdisks-test")
        props = sr_button("Disk properties")
        wait_for("Properties to be enabled", lambda: props.sensitive)
        props.click()
        dialog = app.child(name="Virtual Disk Properties", roleName="dialog")
        dialog.child(name="Name", roleName="text").text = "srdisks-renamed"
        dialog.child(name="Description", roleName="text").text = "from the SR tab"
        grow = "resize" in pool.call("VDI.get_allowed_operations", disk_ref)
        if grow:
            dialog.child(name="Size in GiB", roleName="spin button").value = 2.0
        ok = dialog.child(name="OK", roleName="push button")
        wait_for("OK to be enabled", lambda: ok.sensitive)
        ok.click()
        title = "Change virtual disk properties"
        wait_for("the properties in the simulator", lambda: events_completed(title)
                 or events_failure(title), timeout=ACTION_TIMEOUT)
        assert not events_failure(title), events_failure(title)
        got = pool.call("VDI.get_record", disk_ref)
        assert got["name_label"] == "srdisks-renamed", got["name_label"]
        assert got["name_description"] == "from the SR tab", got["name_description"]
        if grow:
            assert int(got["virtual_size"]) == 2 * GIB, got["virtual_size"]
        log(f"properties: renamed, described{', grown to 2 GiB' if grow else ''} in one action")

        wait_for("the renamed disk in the list",
                 lambda: cell_named(sr_disks, "srdisks-renamed") is not None)
        sr_pick("srdisks-renamed")
        copy = sr_button("Copy disk")
        wait_for("Copy to be enabled", lambda: copy.sensitive)
        copy.click()
        dialog = app.child(name="Copy Virtual Disk", roleName="dialog")
        dialog.child(name="Destination storage repository", roleName="combo box")
        shot("srdisks-copy.png")
        dialog.child(name="Copy", roleName="push button").click()
        wait_for("the copy in the simulator", lambda: events_completed("Copy virtual disk")
                 or events_failure("Copy virtual disk"), timeout=ACTION_TIMEOUT)
        assert not events_failure("Copy virtual disk"), events_failure("Copy virtual disk")
        copies = {r: v for r, v in sr_vdis("srdisks-renamed").items() if r != disk_ref}
        assert len(copies) == 1, copies
        target_ref = list(copies.values())[0]["SR"]
        assert target_ref != sr_ref, "the copy is in the same SR"
        target_name = pool.call("SR.get_name_label", target_ref)
        assert disk_ref in pool.call("VDI.get_all"), "copying removed the original"
        log(f"copied to {target_name}")

        sr_pick("srdisks-renamed")
        move = sr_button("Move disk")
        wait_for("Move to be enabled", lambda: move.sensitive)
        move.click()
        dialog = app.child(name="Move Virtual Disk", roleName="dialog")
        dialog.child(name="Move", roleName="push button").click()
        wait_for("the move in the simulator", lambda: events_completed("Move virtual disk")
                 or events_failure("Move virtual disk"), timeout=ACTION_TIMEOUT)
        assert not events_failure("Move virtual disk"), events_failure("Move virtual disk")
        left = sr_vdis("srdisks-renamed")
        assert disk_ref not in left, "the moved disk is still in its SR"
        assert len(left) == 2 and all(v["SR"] != sr_ref for v in left.values()), left
        wait_for("the moved disk to leave the list",
                 lambda: cell_named(sr_disks, "srdisks-renamed") is None)
        log("moved: the original is gone, the copy is in the other SR")
        for r in left:
            pool.call("VDI.destroy", r)

        # Delete from the row menu: the confirmation names the VM using the disk.
        halted_vm = sorted((v["name_label"], r) for r, v in pool.call(
            "VM.get_all_records").items() if ordinary(v) and v["power_state"] == "Halted")[0]
        record["name_label"] = "srdisks-doomed"
        doomed = pool.call("VDI.create", record)
        device = pool.call("VM.get_allowed_VBD_devices", halted_vm[1])[0]
        vbd = pool.call("VBD.create", {
            "VM": halted_vm[1], "VDI": doomed, "userdevice": device, "bootable": False,
            "mode": "RW", "type": "Disk", "unpluggable": True, "empty": False,
            "other_config": empty, "qos_algorithm_type": "", "qos_algorithm_params": empty})
        wait_for("the disk to delete in the list",
                 lambda: cell_named(sr_disks, "srdisks-doomed") is not None)
        cell = sr_pick("srdisks-doomed")
        x, y = cell.position
        w, h = cell.size
        rawinput.click(x + w // 2, y + h // 2, button=3)
        item = app.findChild(lambda n: n.roleName == "menu item" and n.name == "Delete"
                             and n.showing, retry=True, requireResult=True)
        wait_for("Delete to be enabled", lambda: item.sensitive)
        item.click()
        alert = app.child(roleName="alert")
        wait_for("the confirmation to name the VM", lambda: showing(
            alert, "label", predicate=lambda t: halted_vm[0] in t) is not None)
        shot("srdisks-delete.png")
        alert.child(name="Delete", roleName="push button").click()
        wait_for("the disk to be deleted", lambda: events_completed("Delete virtual disk")
                 or events_failure("Delete virtual disk"), timeout=ACTION_TIMEOUT)
        assert not events_failure("Delete virtual disk"), events_failure("Delete virtual disk")
        assert doomed not in pool.call("VDI.get_all"), "the disk is still there"
        assert vbd not in pool.call("VBD.get_all"), "the VM still has the disk's VBD"
        wait_for("the deleted disk to leave the list",
                 lambda: cell_named(sr_disks, "srdisks-doomed") is None)
        log(f"deleted after a confirmation naming {halted_vm[0]}")
        shot("srdisks-sr.png")

        # ---- a halted VM: every limit can change --------------------------------------------
        vms = pool.call("VM.get_all_records")
        halted = sorted(((r, v) for r, v in vms.items() if ordinary(v)
                         and v["power_state"] == "Halted"
                         and cell_named(tree, v["name_label"]) is not None),
                        key=lambda item: item[1]["name_label"])
        assert halted, "no halted VM in the tree"
        vm_ref, vm = halted[0]
        click(cell_named(tree, vm["name_label"]))
        open_tab("Memory")
        edit = showing(window, "push button", "Edit memory")
        wait_for("Edit memory to be enabled", lambda: edit.sensitive)
        edit.click()
        dialog = app.child(name="Edit memory", roleName="dialog")
        spins = {name: dialog.child(name=name, roleName="spin button")
                 for name in ("Static minimum", "Static maximum", "Dynamic minimum",
                              "Dynamic maximum")}
        assert all(spin.sensitive for spin in spins.values()), "a halted VM's limits are fixed"
        smin, smax = int(vm["memory_static_min"]), int(vm["memory_static_max"])
        unit = GIB if smax % GIB == 0 and int(vm["memory_dynamic_min"]) % GIB == 0 else MIB
        new_min, new_max = smax // 2, smax * 3 // 4
        assert smin <= new_min, (smin, new_min)
        spins["Dynamic minimum"].value = new_min / unit
        spins["Dynamic maximum"].value = smax / unit
        spins["Static maximum"].value = new_max / unit
        problem = (f"The dynamic maximum ({size_text(smax)}) is above the static maximum "
                   f"({size_text(new_max)}).")
        wait_for(f"the dialog to say {problem!r}", lambda: showing(dialog, "label", problem))
        apply = dialog.child(name="Apply", roleName="push button")
        assert not apply.sensitive, "Apply is enabled with invalid limits"
        log(f"{vm['name_label']} (halted): {problem}")
        spins["Dynamic maximum"].value = new_max / unit
        wait_for("Apply to be enabled", lambda: apply.sensitive)
        apply.click()
        wait_for("the simulator's limits to change",
                 lambda: (int(pool.call("VM.get_memory_static_max", vm_ref)) == new_max
                          and int(pool.call("VM.get_memory_dynamic_max", vm_ref)) == new_max
                          and int(pool.call("VM.get_memory_dynamic_min", vm_ref)) == new_min)
                 or events_failure("Change memory limits"), timeout=ACTION_TIMEOUT)
        assert not events_failure("Change memory limits"), events_failure("Change memory limits")
        static = f"{size_text(smin)} – {size_text(new_max)}"
        wait_for(f"the tab to show {static!r}", lambda: showing(window, "label", static))
        log(f"limits set: static {static}, dynamic {size_text(new_min)} – {size_text(new_max)}")

        # A halted VM's CD drive changes too.
        if any(pool.call("VBD.get_type", b) == "CD" for b in vm["VBDs"]):
            open_tab("Storage")
            cd_cycle(vm["VBDs"])
            log(f"{vm['name_label']} (halted): ISO inserted, swapped and ejected")

        rawinput.keyCombo("<Control>q")
        rc = proc.wait(timeout=20)
        assert rc == 0, f"lagoon exited with status {rc}"
        log("quit")
    except Exception:
        screenshot("tabs-failure.png")
        raise
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
