#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Saved servers and "Remember in keyring", against a real Secret Service, through AT-SPI.

Run by run-atspi-test.sh (private D-Bus session, accessibility bus, scratch HOME):
    test_saved_servers.py LAGOON_BINARY
Starts gnome-keyring-daemon (a fresh, unlocked login keyring in the scratch HOME) and
xapi-sim. First run of Lagoon: Add Server (direct, to the simulator) with "Remember in
keyring"; the pool loads. The password is then in the keyring (secret-tool finds it by the
schema's attribute) and not in the settings file. Second run: the server is restored from
GSettings and connects by itself with the password from the keyring. A password that fails
to log in is not remembered.
"""

import ctypes
import os
import signal
import subprocess
import sys
import time

from gi.repository import Gio, GLib

from dogtail.config import config

config.checkForA11y = False
config.logDebugToFile = False
config.logDir = os.environ.get("XDG_CACHE_HOME", "/tmp") + "/dogtail/"
config.searchBackoffDuration = 0.25
config.searchCutoffCount = 20
config.actionDelay = 0.1

from dogtail import rawinput, tree  # noqa: E402  (after the config)

TIMEOUT = 20.0
PASSWORD = "xenroot"


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


def die_with_parent():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start_sim(builddir):
    sim = os.path.join(builddir, "tests", "xapi-sim", "xapi-sim")
    proc = subprocess.Popen([sim, "--generate", "2:6", "--port", "0", "--speed", "0"],
                            stdout=subprocess.PIPE, text=True, preexec_fn=die_with_parent)
    prefix = "xapi-sim: listening on http://127.0.0.1:"
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith(prefix):
            return proc, int(line[len(prefix):].strip().rstrip("/"))
    proc.kill()
    raise AssertionError("xapi-sim did not report its address")


def start_keyring(env):
    """A fresh unlocked login keyring; returns the daemon's environment variables."""
    out = subprocess.run(["gnome-keyring-daemon", "--unlock", "--replace",
                          "--components=secrets"], input="\n", capture_output=True,
                         text=True, env=env, timeout=TIMEOUT, check=True).stdout
    found = {}
    for line in out.splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            found[key] = value
    return found


def cell_containing(table, text):
    return table.findChild(lambda n: n.roleName == "table cell" and text in (n.name or ""),
                           recursive=True, retry=False, requireResult=False)


def fill(node, text):
    node.grabFocus()
    node.text = text


def run_lagoon(binary, env):
    proc = subprocess.Popen([binary], env=env)
    wait_for("lagoon on the accessibility bus",
             lambda: any(a.name == "lagoon" for a in tree.root.applications()))
    app = tree.root.application("lagoon")
    window = app.child(name="Lagoon", roleName="frame")
    return proc, app, window, window.child(name="Resources", roleName="tree table")


def quit_lagoon(proc):
    rawinput.keyCombo("<Control>q")
    rc = proc.wait(timeout=TIMEOUT)
    assert rc == 0, f"lagoon exited with status {rc}"
    wait_for("lagoon to leave the accessibility bus",
             lambda: not any(a.name == "lagoon" for a in tree.root.applications()))


def main():
    binary = sys.argv[1]
    builddir = os.environ.get("LAGOON_BUILDDIR", "")
    if not os.access(os.path.join(builddir, "tests", "xapi-sim", "xapi-sim"), os.X_OK):
        log("SKIP: xapi-sim is not built")
        return 77
    for tool in ("gnome-keyring-daemon", "secret-tool"):
        if subprocess.run(["which", tool], capture_output=True).returncode != 0:
            log(f"SKIP: {tool} is missing (packages gnome-keyring, libsecret-tools)")
            return 77

    home = os.environ["HOME"]
    env = dict(os.environ)
    env.pop("NO_AT_BRIDGE", None)
    env["XDG_DATA_HOME"] = os.path.join(home, "data")
    env["XDG_CONFIG_HOME"] = os.path.join(home, "config")
    # Settings that outlive the process: the keyfile backend, in the scratch HOME.
    env["GSETTINGS_BACKEND"] = "keyfile"
    os.makedirs(env["XDG_DATA_HOME"], exist_ok=True)
    env.update(start_keyring(env))

    wait_for("the accessibility bus", a11y_bus_ready)
    sim = proc = None
    try:
        sim, port = start_sim(builddir)
        address = f"127.0.0.1:{port}"

        # First run: add the server and let Lagoon remember the password.
        proc, app, window, table = run_lagoon(binary, env)
        window.child(name="Add Server", roleName="push button").click()
        dialog = app.child(name="Add Server", roleName="dialog")
        wait_for("the Add Server dialog", lambda: dialog.showing)
        dialog.child(name="Directly (HTTP or TLS)", roleName="radio button").click()
        tls = dialog.child(name="Use TLS (https, port 443)", roleName="check box")
        if tls.checked:
            tls.click()
        fill(dialog.child(name="Server address", roleName="text"), address)
        fill(dialog.child(name="Password", roleName="password text"), PASSWORD)
        assert dialog.child(name="Remember in keyring", roleName="check box").checked
        dialog.child(name="Add", roleName="push button").click()
        wait_for("the pool to load", lambda: cell_containing(table, "host-01") is not None)
        log("first run: the pool loaded")

        key = f"direct:{address}>{address}"
        wait_for("the password to reach the keyring", lambda: subprocess.run(
            ["secret-tool", "lookup", "server", key], env=env, capture_output=True,
            text=True).stdout == PASSWORD, timeout=10)
        log("the keyring holds the password under server=" + key)

        # A wrong password, "remembered": not kept, since it did not log in.
        window.child(name="Add Server", roleName="push button").click()
        dialog = app.child(name="Add Server", roleName="dialog")
        wait_for("the Add Server dialog", lambda: dialog.showing)
        dialog.child(name="Directly (HTTP or TLS)", roleName="radio button").click()
        tls = dialog.child(name="Use TLS (https, port 443)", roleName="check box")
        if tls.checked:
            tls.click()
        wrong_address = f"http://127.0.0.1:{port}"
        fill(dialog.child(name="Server address", roleName="text"), wrong_address)
        fill(dialog.child(name="Password", roleName="password text"), "mistyped")
        dialog.child(name="Add", roleName="push button").click()
        wait_for("the login to fail", lambda: cell_containing(
            table, "password is incorrect") is not None)
        time.sleep(1)
        wrong_key = f"direct:{wrong_address}>{address}"
        looked_up = subprocess.run(["secret-tool", "lookup", "server", wrong_key], env=env,
                                   capture_output=True, text=True).stdout
        assert looked_up == "", "a password that failed to log in was remembered"
        log("a password that failed to log in is not remembered")
        quit_lagoon(proc)

        settings = os.path.join(env["XDG_CONFIG_HOME"], "glib-2.0", "settings", "keyfile")
        with open(settings) as f:
            saved = f.read()
        assert address in saved, f"the server list was not saved:\n{saved}"
        assert PASSWORD not in saved, "the password leaked into the settings file"
        log("the settings file lists the server without its password")

        # Second run: restored and connected without asking.
        started = time.monotonic()
        proc, app, window, table = run_lagoon(binary, env)
        wait_for("the saved server to connect by itself",
                 lambda: cell_containing(table, "host-01") is not None)
        log(f"second run: restored and connected {time.monotonic() - started:.2f} s after start")
        quit_lagoon(proc)
    finally:
        for p in (proc, sim):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
        # gnome-keyring-daemon leaves with the private session bus it registered on.
    return 0


if __name__ == "__main__":
    sys.exit(main())
