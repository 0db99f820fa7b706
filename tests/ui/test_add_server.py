#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Add Server through the UI, against a real sshd and the simulator, through AT-SPI.

Run by run-atspi-test.sh (private D-Bus session, accessibility bus, scratch HOME):
    test_add_server.py LAGOON_BINARY
Starts xapi-sim and an sshd on 127.0.0.1 (generated host key, the user's key authorized),
with ~/.ssh/id_ed25519 and an empty known_hosts in the scratch HOME. In Lagoon: Add Server,
user@127.0.0.1:port with the simulator as the xapi target, the host-key prompt shows the
key's SHA256 fingerprint and is accepted (known_hosts gets the key), and the pool loads.
Then a direct connection with a wrong password shows a clear error in its tree row, and the
window stays usable; Disconnect and Reconnect work from the row's context menu; an identity
with a passphrase makes Lagoon ask for it; a changed host
key is a hard error that cannot be accepted; and when the simulator dies the row says the
connection is lost. Both servers stop by themselves if this script dies.
"""

import ctypes
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import xmlrpc.client

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
SSHD = "/usr/sbin/sshd"


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
    """preexec_fn: the child gets SIGTERM when this script dies, whatever the cause."""
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_PDEATHSIG = 1
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def start_sshd(workdir, authorized_key):
    host_key = os.path.join(workdir, "host_ed25519_key")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", host_key], check=True)
    authorized = os.path.join(workdir, "authorized_keys")
    shutil.copy(authorized_key, authorized)
    for attempt in range(5):
        port = free_port()
        config_path = os.path.join(workdir, "sshd_config")
        with open(config_path, "w") as f:
            f.write(f"ListenAddress 127.0.0.1\nPort {port}\nHostKey {host_key}\n"
                    f"PidFile {workdir}/sshd.pid\nAuthorizedKeysFile {authorized}\n"
                    "PubkeyAuthentication yes\nPasswordAuthentication no\n"
                    "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n"
                    "UsePAM no\nStrictModes no\nAllowTcpForwarding yes\nUseDNS no\n"
                    "LoginGraceTime 30\n")
        proc = subprocess.Popen([SSHD, "-D", "-e", "-f", config_path],
                                stderr=open(os.path.join(workdir, "sshd.log"), "w"),
                                preexec_fn=die_with_parent)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    if s.recv(4).startswith(b"SSH-"):
                        return proc, port, host_key
            except OSError:
                time.sleep(0.1)
        proc.kill()
        proc.wait()
    with open(os.path.join(workdir, "sshd.log")) as f:
        raise AssertionError("sshd did not start:\n" + f.read())


def screenshot(name):
    directory = os.environ.get("LAGOON_SCREENSHOT_DIR")
    if directory:
        path = os.path.join(directory, name)
        subprocess.run(["import", "-window", "root", path], check=False)
        log(f"screenshot: {path}")


def fingerprint(public_key):
    out = subprocess.run(["ssh-keygen", "-l", "-E", "sha256", "-f", public_key],
                         check=True, capture_output=True, text=True).stdout
    return out.split()[1]  # "256 SHA256:... comment (ED25519)"


def cell_containing(table, text):
    return table.findChild(lambda n: n.roleName == "table cell" and text in (n.name or ""),
                           recursive=True, retry=False, requireResult=False)


def fill(node, text):
    node.grabFocus()
    node.text = text


def add_server(app, window, address, user, password, xapi_port=None, direct=False):
    window.child(name="Add Server", roleName="push button").click()
    dialog = app.child(name="Add Server", roleName="dialog")
    wait_for("the Add Server dialog", lambda: dialog.showing)
    if direct:
        dialog.child(name="Directly (HTTP or TLS)", roleName="radio button").click()
        tls = dialog.child(name="Use TLS (https, port 443)", roleName="check box")
        if tls.checked:
            tls.click()
    fill(dialog.child(name="Server address", roleName="text"), address)
    if xapi_port is not None:
        dialog.child(name="xapi address on the SSH server").click()
        port = dialog.child(name="xapi port", roleName="spin button")
        wait_for("the xapi fields", lambda: port.showing)
        fill(port, str(xapi_port))
    fill(dialog.child(name="User name", roleName="text"), user)
    fill(dialog.child(name="Password", roleName="password text"), password)
    remember = dialog.child(name="Remember in keyring", roleName="check box")
    if remember.checked:
        remember.click()
    screenshot("add-server-dialog-direct.png" if direct else "add-server-dialog.png")
    dialog.child(name="Add", roleName="push button").click()
    wait_for("the Add Server dialog to close", lambda: not dialog.showing)


def main():
    binary = sys.argv[1]
    builddir = os.environ.get("LAGOON_BUILDDIR", "")
    if not os.access(os.path.join(builddir, "tests", "xapi-sim", "xapi-sim"), os.X_OK):
        log("SKIP: xapi-sim is not built")
        return 77
    if not os.access(SSHD, os.X_OK) or shutil.which("ssh-keygen") is None:
        log("SKIP: sshd or ssh-keygen is missing (package openssh-server)")
        return 77
    # sshd running as root wants its privilege separation directory.
    if os.getuid() == 0:
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)

    home = os.environ["HOME"]
    ssh_dir = os.path.join(home, ".ssh")
    os.makedirs(ssh_dir, mode=0o700, exist_ok=True)
    identity = os.path.join(ssh_dir, "id_ed25519")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", identity], check=True)
    known_hosts = os.path.join(ssh_dir, "known_hosts")
    open(known_hosts, "w").close()
    user = pwd.getpwuid(os.getuid()).pw_name

    workdir = tempfile.mkdtemp(prefix="lagoon-sshd-")
    sim = sshd = proc = None
    try:
        sim, sim_port = start_sim(builddir)
        sshd, ssh_port, host_key = start_sshd(workdir, identity + ".pub")
        expected_fp = fingerprint(host_key + ".pub")
        log(f"xapi-sim on port {sim_port}, sshd on port {ssh_port} ({expected_fp})")

        proxy = xmlrpc.client.ServerProxy(f"http://127.0.0.1:{sim_port}/")
        session = proxy.session.login_with_password("root", "xenroot", "2.21", "t")["Value"]
        pool_name = list(proxy.pool.get_all_records(session)["Value"].values())[0]["name_label"]
        host_records = proxy.host.get_all_records(session)["Value"]
        host_names = [h["name_label"] for h in host_records.values()]

        wait_for("the accessibility bus", a11y_bus_ready)
        env = dict(os.environ)
        env.pop("NO_AT_BRIDGE", None)
        proc = subprocess.Popen([binary], env=env)
        wait_for("lagoon on the accessibility bus",
                 lambda: any(a.name == "lagoon" for a in tree.root.applications()))
        app = tree.root.application("lagoon")
        window = app.child(name="Lagoon", roleName="frame")
        table = window.child(name="Resources", roleName="tree table")

        # Through SSH: the host-key prompt, accepted.
        started = time.monotonic()
        add_server(app, window, f"{user}@127.0.0.1:{ssh_port}", "root", "xenroot",
                   xapi_port=sim_port)
        screenshot("add-server-host-key.png")
        prompt = app.child(name=f"Trust the SSH host key of {user}@127.0.0.1:{ssh_port}?",
                           roleName="label").parent
        while prompt.roleName not in ("alert", "dialog"):
            prompt = prompt.parent
        fp_label = prompt.findChild(lambda n: n.roleName == "label" and expected_fp in n.name)
        assert fp_label is not None, "the prompt does not show the host key's fingerprint"
        assert "ssh-ed25519" in fp_label.name or "ed25519" in fp_label.name.lower(), fp_label.name
        log("host-key prompt shows " + expected_fp)
        prompt.child(name="Accept and Connect", roleName="push button").click()

        wait_for("the pool to load through SSH",
                 lambda: cell_containing(table, pool_name) is not None and
                 all(cell_containing(table, h) is not None for h in host_names))
        log(f"pool {pool_name!r} with {host_names} loaded through SSH "
            f"{time.monotonic() - started:.2f} s after Add")
        with open(known_hosts) as f:
            assert f"[127.0.0.1]:{ssh_port}" in f.read(), "known_hosts did not get the key"
        log("known_hosts has the key")

        # A wrong password: a clear error in the tree row, and the window still works.
        add_server(app, window, f"127.0.0.1:{sim_port}", "root", "not-the-password",
                   direct=True)
        wait_for("the wrong password to show in the tree",
                 lambda: cell_containing(table, "password is incorrect") is not None)
        row = cell_containing(table, "password is incorrect")
        log("tree row: " + row.name)
        search = window.child(name="Search resources")
        search.grabFocus()
        search.typeText(host_names[0])
        wait_for("the search to filter", lambda: cell_containing(table, host_names[1]) is None)
        log("the window stays usable")

        search.grabFocus()
        rawinput.keyCombo("<Control>a")
        rawinput.pressKey("BackSpace")

        # Disconnect and Reconnect from the server row's context menu.
        ssh_row = cell_containing(table, f"{user}@127.0.0.1:{ssh_port}")
        def context(row, item_name):
            x, y = row.position
            w, h = row.size
            rawinput.click(x + w // 2, y + h // 2, button=3)
            # The menu bar's Server menu has the same items: take the popup's.
            item = app.findChild(lambda n: n.roleName == "menu item" and n.name == item_name
                                 and n.showing and n.parent.parent.roleName != "menu bar")
            item.click()
        context(ssh_row, "Disconnect")
        wait_for("the row to say Disconnected", lambda: cell_containing(
            table, f"{user}@127.0.0.1:{ssh_port}  Disconnected") is not None)
        log("disconnected")
        context(cell_containing(table, f"{user}@127.0.0.1:{ssh_port}"), "Reconnect")
        wait_for("the pool to come back", lambda: cell_containing(
            table, f"{user}@127.0.0.1:{ssh_port}  Connected") is not None and
            cell_containing(table, host_names[0]) is not None)
        log("reconnected")

        # The identity gets a passphrase: Lagoon asks for it, and connects with it.
        subprocess.run(["ssh-keygen", "-q", "-p", "-N", "open sesame", "-f", identity],
                       check=True, capture_output=True)
        context(cell_containing(table, f"{user}@127.0.0.1:{ssh_port}"), "Disconnect")
        wait_for("the row to say Disconnected", lambda: cell_containing(
            table, f"{user}@127.0.0.1:{ssh_port}  Disconnected") is not None)
        context(cell_containing(table, f"{user}@127.0.0.1:{ssh_port}"), "Reconnect")
        unlock = f"Unlock your SSH key for {user}@127.0.0.1:{ssh_port}"
        wait_for("the passphrase prompt", lambda: app.findChild(
            lambda n: n.roleName == "label" and n.name == unlock and n.showing,
            retry=False, requireResult=False) is not None)
        entry = app.findChild(lambda n: n.name == "SSH key passphrase" and n.showing)
        entry.grabFocus()
        entry.text = "open sesame"
        app.findChild(lambda n: n.roleName == "push button" and n.name == "Connect"
                      and n.showing).click()
        wait_for("the pool to come back", lambda: cell_containing(
            table, f"{user}@127.0.0.1:{ssh_port}  Connected") is not None)
        log("asked for the key's passphrase, connected")

        # The host key changes (known_hosts now names another key): a hard error, no override.
        other_key = os.path.join(workdir, "other_key")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other_key],
                       check=True)
        with open(other_key + ".pub") as f:
            key_type, key_data = f.read().split()[:2]
        with open(known_hosts, "w") as f:
            f.write(f"[127.0.0.1]:{ssh_port} {key_type} {key_data}\n")
        context(cell_containing(table, f"{user}@127.0.0.1:{ssh_port}"), "Disconnect")
        wait_for("the row to say Disconnected", lambda: cell_containing(
            table, f"{user}@127.0.0.1:{ssh_port}  Disconnected") is not None)
        context(cell_containing(table, f"{user}@127.0.0.1:{ssh_port}"), "Reconnect")
        title = f"The SSH host key of {user}@127.0.0.1:{ssh_port} has changed"
        wait_for("the changed-key error", lambda: app.findChild(
            lambda n: n.roleName == "label" and n.name == title and n.showing,
            retry=False, requireResult=False) is not None)
        alert = app.findChild(lambda n: n.roleName == "label" and n.name == title).parent
        while alert.roleName not in ("alert", "dialog"):
            alert = alert.parent
        accept = alert.findChild(lambda n: n.roleName == "push button"
                                 and n.name == "Accept and Connect",
                                 retry=False, requireResult=False)
        assert accept is None, "a changed key can be accepted"
        screenshot("add-server-key-changed.png")
        alert.child(name="Close", roleName="push button").click()
        wait_for("the error to close", lambda: not alert.showing)
        with open(known_hosts) as f:
            assert key_data in f.read(), "known_hosts was changed"
        log("a changed host key is refused with an error")
        with open(known_hosts, "w") as f:
            pass
        # Trusting the real key again brings the pool back.
        context(cell_containing(table, f"{user}@127.0.0.1:{ssh_port}"), "Reconnect")
        prompt_title = f"Trust the SSH host key of {user}@127.0.0.1:{ssh_port}?"
        wait_for("the host-key prompt", lambda: app.findChild(
            lambda n: n.roleName == "label" and n.name == prompt_title and n.showing,
            retry=False, requireResult=False) is not None)
        app.findChild(lambda n: n.roleName == "push button" and n.name == "Accept and Connect"
                      and n.showing).click()
        wait_for("the pool to come back", lambda: cell_containing(
            table, f"{user}@127.0.0.1:{ssh_port}  Connected") is not None)
        log("trusted again, connected")

        # The simulator dies: the row says the connection is lost, the window stays usable.
        sim.kill()
        sim.wait()
        wait_for("the row to report the lost connection", lambda: cell_containing(
            table, f"{user}@127.0.0.1:{ssh_port}  Connection to") is not None or
            cell_containing(table, f"{user}@127.0.0.1:{ssh_port}  Could not connect")
            is not None, timeout=40)
        log("tree row: " + cell_containing(table, f"{user}@127.0.0.1:{ssh_port}").name)
        window.child(name="View", roleName="combo box")
        search.grabFocus()
        search.typeText("x")
        log("the window stays usable after the loss")

        rawinput.keyCombo("<Control>q")
        rc = proc.wait(timeout=TIMEOUT)
        assert rc == 0, f"lagoon exited with status {rc}"
    except Exception:
        screenshot("add-server-failure.png")
        raise
    finally:
        for p in (proc, sshd, sim):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
