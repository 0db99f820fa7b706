#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""vApps through the accessibility bus, against the demo pool.

Run by run-atspi-test.sh:  test_vapps.py LAGOON_BINARY
Creates a vApp of four halted VMs with the New vApp wizard (Pool menu), reorders them in the
start-order editor: spin buttons on one row and on two rows at once, a drag in the timeline
(rawinput) and the timeline's arrow keys; checks the pool afterwards over XML-RPC (the values
changed, and a VM that was not touched keeps its order and delays); starts the vApp from
Manage vApps and checks, from power_state polled over XML-RPC and VM_metrics.start_time, that
the groups came up in order with the configured delays while the dialog showed the sequence;
shuts it down; deletes it (the VMs stay). With LAGOON_SCREENSHOT_DIR set, saves screenshots of
each wizard page and dialog there (vapps-*.png).
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
NULL = "OpaqueRef:NULL"

# The timeline's layout (src/ui/lagoon-start-order-timeline.c), to aim the drag.
MARGIN, HEADER, CHIP_H, CHIP_GAP, COL_W, LEAD_W, GAP_MIN = 10, 24, 26, 4, 150, 26, 44


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
    time.sleep(0.4)
    path = os.path.join(directory, name)
    subprocess.run(["import", "-window", "root", path], check=False)
    log(f"screenshot: {path}")


def click(node, button=1):
    x, y = node.position
    w, h = node.size
    rawinput.click(x + w // 2, y + h // 2, button=button)


class Pool:
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


class Ui:
    def __init__(self, app, window):
        self.app = app
        self.window = window
        self.table = window.child(name="Resources", roleName="tree table")

    def menu_item(self, label):
        def found():
            return self.app.findChild(lambda n: n.roleName == "menu item" and n.name == label
                                      and n.showing, retry=False, requireResult=False)
        wait_for(f"the menu item {label!r}", lambda: found() is not None)
        return found()

    def menubar_item(self, menu, label):
        menubar = self.window.child(roleName="menu bar")
        menubar.child(name=menu, roleName="menu").click()
        item = self.menu_item(label)
        wait_for(f"{label!r} enabled", lambda: item.sensitive)
        return item

    def toplevel(self, name_start, roles=("frame", "dialog", "alert")):
        def found():
            return self.app.findChild(lambda n: n.roleName in roles and n.showing and
                                      n.name.startswith(name_start), recursive=False,
                                      retry=False, requireResult=False)
        wait_for(f"the window {name_start!r}", lambda: found() is not None)
        return found()

    def gone(self, node, what="the window"):
        def closed():
            try:
                return not node.showing
            except Exception:
                return True
        wait_for(f"{what} to close", closed)


def table_rows(table):
    """Rows of a tree table as lists of cell names (the Table interface)."""
    t = table.queryTable()
    rows = []
    for r in range(t.nRows):
        row = []
        for c in range(t.nColumns):
            cell = t.getAccessibleAt(r, c)
            if cell is None:
                raise LookupError("the table changed while it was read")
            row.append(cell.name)
        rows.append(row)
    return rows


def row_of(table, column, name):
    for r, row in enumerate(table_rows(table)):
        if row[column] == name:
            return r
    return -1


def select_rows(table, column, names):
    """Selects exactly the rows whose @column is one of @names."""
    t = table.queryTable()
    for r in range(t.nRows):
        if t.isRowSelected(r):
            t.removeRowSelection(r)
    for name in names:
        r = row_of(table, column, name)
        assert r >= 0, (name, table_rows(table))
        t.addRowSelection(r)


def text_of(label):
    return label.queryText().getText(0, -1)


def set_spin(spin, value):
    spin.queryValue().currentValue = float(value)


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
        pool_name = list(pool.call("pool.get_all_records").values())[0]["name_label"]
        wait_for("the tree", lambda: cell_named(ui.table, pool_name) is not None)

        def guests():
            return {r: v for r, v in pool.call("VM.get_all_records").items()
                    if not v["is_a_template"] and not v["is_control_domain"]
                    and not v["is_a_snapshot"]}

        # Four VMs outside any vApp, halted (shut down over XML-RPC if need be), by name.
        free = sorted(((r, v) for r, v in guests().items() if v["appliance"] == NULL),
                      key=lambda rv: (rv[1]["power_state"] != "Halted", rv[1]["name_label"]))
        assert len(free) >= 4, "the demo pool has fewer than four VMs outside vApps"
        chosen = free[:4]
        chosen.sort(key=lambda rv: rv[1]["name_label"])
        names = [v["name_label"] for _, v in chosen]
        assert len(set(names)) == 4, names
        refs = {v["name_label"]: r for r, v in chosen}
        for r, v in chosen:
            if v["power_state"] != "Halted":
                pool.call("VM.hard_shutdown", r)
        before = {n: pool.call("VM.get_record", refs[n]) for n in names}
        a, b, c, d = names
        d_order, d_delay = int(before[d]["order"]), int(before[d]["start_delay"])
        log(f"VMs: {names}; D={d!r} is left alone "
            f"(order {before[d]['order']}, start delay {before[d]['start_delay']}, "
            f"shutdown delay {before[d]['shutdown_delay']})")

        # ---- New vApp wizard, from the Pool menu with the pool selected ------------------
        click(cell_named(ui.table, pool_name))
        ui.menubar_item("Pool", "New vApp…").click()
        wizard = ui.toplevel("New vApp")
        next_button = wizard.child(name="Next", roleName="push button")
        wait_for("Next disabled without a name", lambda: not next_button.sensitive)
        screenshot("vapps-wizard-name-empty.png")
        name_entry = wizard.child(name="Name", roleName="text")
        name_entry.grabFocus()
        existing = [v["name_label"] for v in pool.call("VM_appliance.get_all_records").values()]
        if existing:
            name_entry.typeText(existing[0])
            wait_for("Next still disabled for a name in use", lambda: not next_button.sensitive)
            reason = wizard.findChild(lambda n: n.roleName == "label" and n.showing and
                                      n.name == "Another vApp of this pool has that name.",
                                      retry=True)
            log(f"a name in use: {reason.name!r}")
            screenshot("vapps-wizard-name-taken.png")
            rawinput.keyCombo("<Control>a")
            rawinput.pressKey("BackSpace")
        name_entry.typeText("Test vApp")
        wait_for("Next enabled with a name", lambda: next_button.sensitive)
        screenshot("vapps-wizard-name.png")
        next_button.click()

        if os.environ.get("VAPPS_DUMP"):
            time.sleep(1)
            wizard.dump()
        vm_table = wizard.child(name="VMs to include", roleName="table")
        wait_for("the VM list", lambda: row_of(vm_table, 1, a) >= 0)
        search = wizard.child(name="Search VMs", roleName="text")
        for n in names:
            search.grabFocus()
            rawinput.keyCombo("<Control>a")
            search.typeText(n)
            wait_for(f"the list filtered to {n!r}", lambda: len(table_rows(vm_table)) >= 1 and
                     all(n in row[1] for row in table_rows(vm_table)))
            r = row_of(vm_table, 1, n)
            toggle = vm_table.queryTable().getAccessibleAt(r, 0)
            toggle.doActionNamed("toggle")
        search.grabFocus()
        rawinput.keyCombo("<Control>a")
        rawinput.pressKey("BackSpace")
        wait_for("every VM listed again", lambda: len(table_rows(vm_table)) >= 4)
        count = wizard.child(name="4 VMs selected", roleName="label")
        assert count.showing
        screenshot("vapps-wizard-vms.png")
        next_button.click()

        # ---- Startup sequence: grid and spin buttons ------------------------------------
        grid = wizard.child(name="VMs in start order", roleName="table")
        wait_for("the four VMs in the grid", lambda: len(table_rows(grid)) == 4)
        order_spin = wizard.child(name="Start order", roleName="spin button")
        delay_spin = wizard.child(name="Start delay", roleName="spin button")
        timeline = wizard.child(name="Start sequence timeline")

        # A starts first, then waits 4 s.
        select_rows(grid, 0, [a])
        set_spin(order_spin, 0)
        set_spin(delay_spin, 4)
        # B and C together: order 1, delay 3 (one spin applies to both rows).
        select_rows(grid, 0, [b, c])
        set_spin(order_spin, 1)
        set_spin(delay_spin, 3)
        # A and B differ in their start delay: the spin button shows blank for both.
        select_rows(grid, 0, [a, b])
        wait_for("a blank start delay for a mixed selection",
                 lambda: delay_spin.queryText().getText(0, -1) == "")
        assert order_spin.queryText().getText(0, -1) == "", "orders 0 and 1 shown as one"
        shutdown_spin = wizard.child(name="Shutdown delay", roleName="spin button")
        same = before[a]["shutdown_delay"] == before[b]["shutdown_delay"]
        wait_for("the common shutdown delay shown", lambda: shutdown_spin.queryText().getText(
            0, -1) == (before[a]["shutdown_delay"] if same else ""))
        # C stops first when the vApp shuts down; then 2 s before B.
        select_rows(grid, 0, [c])
        set_spin(shutdown_spin, 2)
        select_rows(grid, 0, [b, c])
        wait_for("B and C in order 1", lambda: all(
            row[2] == "1" for row in table_rows(grid) if row[0] in (b, c)))
        log(f"timeline: {timeline.description}")
        screenshot("vapps-wizard-sequence.png")

        # Drag C to the timeline's "New group" slot: order 2.
        group_delay0 = max(4, d_delay) if d_order == 0 else 4
        groups = sorted({0, 1, d_order})
        wait_for("the timeline to show the groups",
                 lambda: f"Order {groups[-1]}:" in timeline.description)
        tx, ty = timeline.position
        xs = []
        x = MARGIN + LEAD_W + GAP_MIN
        delays = {0: group_delay0, 1: 3}
        if d_order not in (0, 1):
            delays[d_order] = d_delay
        for i, g in enumerate(groups):
            xs.append(x)
            x += COL_W + (GAP_MIN + min(delays.get(g, 0), 120) if i + 1 < len(groups) else GAP_MIN)
        new_slot = x
        members1 = sorted([b, c] + ([d] if d_order == 1 else []))
        gi = groups.index(1)
        cy = MARGIN + HEADER + members1.index(c) * (CHIP_H + CHIP_GAP) + CHIP_H // 2
        start = (tx + xs[gi] + COL_W // 2, ty + cy)
        end = (tx + new_slot + COL_W // 2, ty + MARGIN + HEADER + CHIP_H // 2)
        # A click on C alone selects it (a press on a selected VM would drag the selection).
        rawinput.click(*start)
        wait_for("only C selected", lambda: timeline.description is not None and
                 wizard.child(name="1 VM selected", roleName="label").showing)
        log(f"drag C from {start} to {end}")
        rawinput.press(*start)
        for k in range(1, 11):
            rawinput.absoluteMotion(start[0] + (end[0] - start[0]) * k // 10,
                                    start[1] + (end[1] - start[1]) * k // 10)
            time.sleep(0.03)
        rawinput.release(*end)
        wait_for("C in order 2 after the drag", lambda: any(
            row[0] == c and row[2] == "2" for row in table_rows(grid)))
        log(f"after the drag: {timeline.description}")

        # The keyboard does the same: Left puts C back into group 1, Right makes group 2 again.
        timeline.grabFocus()
        rawinput.pressKey("Left")
        wait_for("C back in order 1", lambda: any(
            row[0] == c and row[2] == "1" for row in table_rows(grid)))
        rawinput.pressKey("Right")
        wait_for("C in order 2 again", lambda: any(
            row[0] == c and row[2] == "2" for row in table_rows(grid)))
        description = timeline.description
        log(f"timeline: {description}")
        assert f"Order 2: {c}." in description or f"Order 2: {c};" in description, description
        screenshot("vapps-wizard-timeline.png")
        next_button.click()

        finish = wizard.child(name="Finish", roleName="push button")
        wait_for("Finish enabled", lambda: finish.sensitive)
        summary = wizard.findChild(lambda n: n.roleName == "label" and n.showing and
                                   n.name.startswith("Sequence: Order 0:"), retry=True)
        assert summary.name == "Sequence: " + description, (summary.name, description)
        log(f"summary: {summary.name}")
        wanted = {a: {"order": 0, "start_delay": 4}, b: {"order": 1, "start_delay": 3},
                  c: {"order": 2, "start_delay": 3, "shutdown_delay": 2}}
        n_changes = sum(1 for n, fields in wanted.items() for f, v in fields.items()
                        if int(before[n][f]) != v)
        changes = wizard.findChild(lambda n: n.roleName == "label" and n.showing and
                                   n.name.startswith("Changes: "), retry=True)
        log(f"{changes.name} (expected {n_changes})")
        assert changes.name == f"Changes: {n_changes} values changed", changes.name
        screenshot("vapps-wizard-finish.png")
        finish.click()
        ui.gone(wizard)

        # ---- the pool afterwards -----------------------------------------------------
        def the_vapp():
            apps = pool.call("VM_appliance.get_all_records")
            return next(((r, v) for r, v in apps.items() if v["name_label"] == "Test vApp"),
                        (None, None))
        wait_for("the vApp with four VMs in the pool",
                 lambda: the_vapp()[0] is not None and
                 all(pool.call("VM.get_appliance", refs[n]) == the_vapp()[0] for n in names))
        app_ref, _ = the_vapp()
        after = {n: pool.call("VM.get_record", refs[n]) for n in names}
        expect = {a: ("0", "4"), b: ("1", "3"), c: ("2", "3")}
        for n, (order, delay) in expect.items():
            assert (after[n]["order"], after[n]["start_delay"]) == (order, delay), \
                (n, after[n]["order"], after[n]["start_delay"])
            if n != c:
                assert after[n]["shutdown_delay"] == before[n]["shutdown_delay"], n
        assert after[c]["shutdown_delay"] == "2", after[c]["shutdown_delay"]
        for field in ("order", "start_delay", "shutdown_delay"):
            assert after[d][field] == before[d][field], (field, before[d][field], after[d][field])
        log("the pool has the vApp with the orders and delays set; D kept its values")

        # ---- Manage vApps: start it and follow the sequence ----------------------------
        ui.menubar_item("Pool", "Manage vApps…").click()
        dialog = ui.toplevel("Manage vApps")
        vapps = dialog.child(name="vApps", roleName="table")
        wait_for("the vApp in the list", lambda: row_of(vapps, 0, "Test vApp") >= 0)
        select_rows(vapps, 0, ["Test vApp"])
        start_button = dialog.child(name="Start", roleName="push button")
        wait_for("Start enabled", lambda: start_button.sensitive)
        screenshot("vapps-manage.png")

        up_at = {}
        t0 = time.monotonic()
        start_button.click()
        status = dialog.child(name="Sequence status", roleName="label")
        midway = None
        while len(up_at) < 4 and time.monotonic() - t0 < 40:
            for n in names:
                if n not in up_at and pool.call("VM.get_power_state", refs[n]) == "Running":
                    up_at[n] = time.monotonic() - t0
            if len(up_at) == 2 and midway is None:
                time.sleep(0.5)
                midway = text_of(status)
                log(f"midway, the dialog says: {midway}")
                screenshot("vapps-manage-starting.png")
            time.sleep(0.05)
        log("came up after (s): " + ", ".join(f"{n} {up_at.get(n, -1):.2f}" for n in names))
        assert len(up_at) == 4, up_at
        first = [a] + ([d] if d_order == 0 else [])
        t_first = max(up_at[n] for n in first)
        assert up_at[b] - t_first >= 3.5, ("B did not wait A's 4 s", up_at)
        assert up_at[c] - up_at[b] >= 2.5, ("C did not wait B's 3 s", up_at)
        assert up_at[b] - t_first < 8 and up_at[c] - up_at[b] < 7, ("delays too long", up_at)
        metrics = {n: pool.call("VM_metrics.get_start_time", after[n]["metrics"]) for n in names}
        log(f"VM_metrics.start_time: {[str(metrics[n]) for n in (a, b, c)]}")
        assert str(metrics[a]) <= str(metrics[b]) <= str(metrics[c]), metrics
        wait_for("the dialog to say it started",
                 lambda: text_of(status).startswith("vApp “Test vApp” started"), timeout=30)
        seq = dialog.child(name="vApp sequence", roleName="table")
        rows = table_rows(seq)
        log(f"dialog: {text_of(status)}; sequence {rows}")
        assert [row[1] for row in rows][-1] == c, rows
        assert all(row[2] == "Running" for row in rows), rows
        screenshot("vapps-manage-started.png")

        # The tree's vApps view shows it with its VMs.
        dialog.child(name="Close", roleName="push button").click()
        ui.gone(dialog, "Manage vApps")
        combo = window.child(name="View", roleName="combo box")
        combo.click()
        item = combo.child(name="vApps", roleName="menu item")
        wait_for("the view menu", lambda: item.showing)
        item.click()
        wait_for("the vApp in the tree", lambda: cell_named(ui.table, "Test vApp") is not None)
        vapp_cell = cell_named(ui.table, "Test vApp")
        if not vapp_cell.getState().contains(pyatspi.STATE_EXPANDED):
            vapp_cell.doActionNamed("expand or contract")
        wait_for("its VMs under it", lambda: all(cell_named(ui.table, n) is not None
                                                 for n in names))
        screenshot("vapps-tree-view.png")

        # Shut Down vApp from the context menu of its row: Manage vApps follows it; C first,
        # then B 2 s later (C's shutdown delay).
        click(cell_named(ui.table, "Test vApp"))
        click(cell_named(ui.table, "Test vApp"), button=3)
        ui.menu_item("Shut Down vApp").click()
        dialog = ui.toplevel("Manage vApps")
        vapps = dialog.child(name="vApps", roleName="table")
        status = dialog.child(name="Sequence status", roleName="label")
        down_at = {}
        t0 = time.monotonic()
        while len(down_at) < 4 and time.monotonic() - t0 < 40:
            for n in names:
                if n not in down_at and pool.call("VM.get_power_state", refs[n]) == "Halted":
                    down_at[n] = time.monotonic() - t0
            time.sleep(0.05)
        log("halted after (s): " + ", ".join(f"{n} {down_at.get(n, -1):.2f}" for n in names))
        assert len(down_at) == 4, down_at
        assert down_at[b] - down_at[c] >= 1.5, ("B did not wait C's 2 s", down_at)
        assert down_at[a] - down_at[b] < 1.5, ("A waited although B has no delay", down_at)
        wait_for("the dialog to say it shut down",
                 lambda: text_of(status).startswith("vApp “Test vApp” shut down"), timeout=30)
        log(f"dialog: {text_of(status)}")
        screenshot("vapps-manage-shutdown.png")

        # Properties: the editor shows what the pool has.
        properties_button = dialog.child(name="Properties…", roleName="push button")
        properties_button.click()
        props = ui.toplevel("Properties of vApp")
        props.child(name="VM Startup Sequence", roleName="radio button").click()
        pgrid = props.child(name="VMs in start order", roleName="table")
        wait_for("the properties' grid", lambda: len(table_rows(pgrid)) == 4)
        assert [row[0] for row in table_rows(pgrid)][-1] == c, table_rows(pgrid)
        screenshot("vapps-properties.png")
        props.child(name="Cancel", roleName="push button").click()
        ui.gone(props)

        # Properties again: a new description, OK; nothing else is written.
        properties_button.click()
        props = ui.toplevel("Properties of vApp")
        description_entry = props.child(name="Description", roleName="text")
        description_entry.grabFocus()
        description_entry.typeText("three groups")
        props.child(name="OK", roleName="push button").click()
        ui.gone(props)
        wait_for("the new description", lambda: pool.call(
            "VM_appliance.get_name_description", app_ref) == "three groups")
        for n in names:
            now = pool.call("VM.get_record", refs[n])
            assert all(now[f] == after[n][f] for f in ("order", "start_delay", "shutdown_delay",
                                                      "appliance")), n
        log("Properties changed the description only")

        # ---- Delete: asked first; the VMs stay ------------------------------------------
        select_rows(vapps, 0, ["Test vApp"])
        dialog.child(name="Delete", roleName="push button").click()
        # A message dialog's accessible name is its kind ("Question"): find it by role.
        alert = ui.toplevel("", roles=("alert",))
        assert alert.findChild(lambda n: n.roleName == "label" and
                               n.name.startswith("Delete vApp “Test vApp”?"), retry=True)
        screenshot("vapps-delete.png")
        alert.child(name="Delete vApp", roleName="push button").click()
        wait_for("the vApp gone", lambda: app_ref not in pool.call("VM_appliance.get_all"))
        for n in names:
            assert pool.call("VM.get_appliance", refs[n]) == NULL, n
        wait_for("the vApp gone from the dialog", lambda: row_of(vapps, 0, "Test vApp") < 0)
        log("deleted; the four VMs are still there, outside any vApp")
        dialog.child(name="Close", roleName="push button").click()

        rawinput.keyCombo("<Control>q")
        proc.wait(timeout=10)
        log("PASS")
        return 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    sys.exit(main())
