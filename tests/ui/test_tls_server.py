#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Add Server with a direct TLS connection: the certificate prompt, pinning, through AT-SPI.

Run by run-atspi-test.sh (private D-Bus session, accessibility bus, scratch HOME):
    test_tls_server.py LAGOON_BINARY
Puts a TLS front (Python's ssl, a self-signed certificate made with openssl) before xapi-sim on
127.0.0.1. Add Server, https://127.0.0.1:port: Lagoon shows the certificate's SHA-256
fingerprint as `openssl x509 -fingerprint -sha256` prints it; Cancel leaves the server
unconnected; Reconnect and Accept connect and load the pool. Then the front switches to
another certificate: the pinned server refuses to connect, naming the mismatch.
"""

import ctypes
import os
import signal
import socket
import ssl
import subprocess
import sys
import shutil
import tempfile
import threading
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


def make_certificate(directory, name):
    key = os.path.join(directory, name + ".key")
    cert = os.path.join(directory, name + ".pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=127.0.0.1",
                    "-days", "1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    out = subprocess.run(["openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", cert],
                         check=True, capture_output=True, text=True).stdout
    return key, cert, out.strip().split("=", 1)[1]


class TlsFront:
    """Accepts TLS on 127.0.0.1 and relays each connection to the simulator in clear."""

    def __init__(self, target_port, key, cert):
        self.target_port = target_port
        self.set_certificate(key, cert)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.5)
        self.port = self.listener.getsockname()[1]
        self.stopping = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def set_certificate(self, key, cert):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.context = context

    def serve(self):
        while not self.stopping:
            try:
                client, _ = self.listener.accept()
            except (socket.timeout, OSError):
                continue
            threading.Thread(target=self.relay, args=(client,), daemon=True).start()

    def relay(self, client):
        try:
            client.settimeout(60)
            tls = self.context.wrap_socket(client, server_side=True)
        except (ssl.SSLError, OSError):
            client.close()
            return
        upstream = socket.create_connection(("127.0.0.1", self.target_port))

        def pump(src, dst):
            try:
                while True:
                    data = src.recv(65536)
                    if not data:
                        break
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                for s in (src, dst):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        threading.Thread(target=pump, args=(upstream, tls), daemon=True).start()
        pump(tls, upstream)

    def stop(self):
        self.stopping = True
        self.listener.close()


def cell_containing(table, text):
    return table.findChild(lambda n: n.roleName == "table cell" and text in (n.name or ""),
                           recursive=True, retry=False, requireResult=False)


def fill(node, text):
    node.grabFocus()
    node.text = text


def find_showing(app, role, name):
    return app.findChild(lambda n: n.roleName == role and n.name == name and n.showing,
                         retry=False, requireResult=False)


def main():
    binary = sys.argv[1]
    builddir = os.environ.get("LAGOON_BUILDDIR", "")
    if not os.access(os.path.join(builddir, "tests", "xapi-sim", "xapi-sim"), os.X_OK):
        log("SKIP: xapi-sim is not built")
        return 77
    if shutil.which("openssl") is None:
        log("SKIP: openssl is missing")
        return 77

    workdir = tempfile.mkdtemp(prefix="lagoon-tls-")
    sim = proc = front = None
    try:
        sim, sim_port = start_sim(builddir)
        key, cert, fingerprint = make_certificate(workdir, "first")
        front = TlsFront(sim_port, key, cert)
        log(f"TLS front on port {front.port} ({fingerprint})")

        wait_for("the accessibility bus", a11y_bus_ready)
        env = dict(os.environ)
        env.pop("NO_AT_BRIDGE", None)
        proc = subprocess.Popen([binary], env=env)
        wait_for("lagoon on the accessibility bus",
                 lambda: any(a.name == "lagoon" for a in tree.root.applications()))
        app = tree.root.application("lagoon")
        window = app.child(name="Lagoon", roleName="frame")
        table = window.child(name="Resources", roleName="tree table")

        window.child(name="Add Server", roleName="push button").click()
        dialog = app.child(name="Add Server", roleName="dialog")
        wait_for("the Add Server dialog", lambda: dialog.showing)
        dialog.child(name="Directly (HTTP or TLS)", roleName="radio button").click()
        assert dialog.child(name="Use TLS (https, port 443)", roleName="check box").checked
        fill(dialog.child(name="Server address", roleName="text"), f"127.0.0.1:{front.port}")
        fill(dialog.child(name="Password", roleName="password text"), "xenroot")
        remember = dialog.child(name="Remember in keyring", roleName="check box")
        if remember.checked:
            remember.click()
        dialog.child(name="Add", roleName="push button").click()

        address = f"https://127.0.0.1:{front.port}"
        title = f"Trust the TLS certificate of {address}?"
        wait_for("the certificate prompt", lambda: find_showing(app, "label", title))
        prompt = find_showing(app, "label", title).parent
        while prompt.roleName not in ("alert", "dialog"):
            prompt = prompt.parent
        assert prompt.findChild(lambda n: n.roleName == "label" and fingerprint in n.name,
                                retry=False, requireResult=False) is not None, \
            "the prompt does not show the certificate's fingerprint"
        log("certificate prompt shows " + fingerprint)

        # Cancel: nothing is trusted, the row says why it is not connected.
        prompt.child(name="Cancel", roleName="push button").click()
        wait_for("the prompt to close", lambda: not prompt.showing)
        wait_for("the row to explain", lambda: cell_containing(table, address + "  ") is not None)
        log("cancelled: " + cell_containing(table, address).name)
        assert cell_containing(table, "host-01") is None

        # Reconnect from the row's menu, accept: the pool loads.
        def context(item_name):
            row = cell_containing(table, address)
            x, y = row.position
            w, h = row.size
            rawinput.click(x + w // 2, y + h // 2, button=3)
            item = app.findChild(lambda n: n.roleName == "menu item" and n.name == item_name
                                 and n.showing and n.parent.parent.roleName != "menu bar")
            item.click()

        context("Reconnect")
        wait_for("the certificate prompt again", lambda: find_showing(app, "label", title))
        find_showing(app, "push button", "Accept and Connect").click()
        wait_for("the pool to load over TLS", lambda: cell_containing(table, "host-01"))
        log("accepted: the pool loaded over TLS")

        # Another certificate behind the same address: refused without asking.
        key2, cert2, fingerprint2 = make_certificate(workdir, "second")
        front.set_certificate(key2, cert2)
        context("Disconnect")
        wait_for("Disconnected", lambda: cell_containing(table, address + "  Disconnected"))
        context("Reconnect")
        wait_for("the refusal", lambda: cell_containing(table, address + "  Could not connect"))
        row = cell_containing(table, address).name
        log("another certificate: " + row)
        assert find_showing(app, "label", title) is None, "a pinned server asked again"

        rawinput.keyCombo("<Control>q")
        rc = proc.wait(timeout=TIMEOUT)
        assert rc == 0, f"lagoon exited with status {rc}"
    finally:
        for p in (proc, sim):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
        if front is not None:
            front.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
