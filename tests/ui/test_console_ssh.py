#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Console tab through a real sshd: Lagoon reaches the pool and its consoles over SSH.

Run by run-atspi-test.sh (private D-Bus session, accessibility bus, scratch HOME):
    test_console_ssh.py LAGOON_BINARY
Starts xapi-sim (a generated pool whose running VMs have QEMU consoles) and an sshd on
127.0.0.1, adds the server through SSH in the Add Server dialog (accepting its host key), opens
a running VM's Console tab and checks that the guest shows (its blue screen) and echoes typed
keys: every byte of the console went through the SSH session's channel. Then:
  - the sshd's connection processes are killed (the tunnel drops, as when a NAT forgets it):
    the console reconnects by itself through a new SSH session and the guest answers;
  - the sshd stops altogether for longer than the console's retries, then starts again on the
    same port with the same keys: the console explains the failure, and comes back by itself
    once the pool's connection is up again.
With LAGOON_SCREENSHOT_DIR set, saves screenshots there.
"""

import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from test_add_server import (  # noqa: E402  (dogtail is configured there)
    SSHD, add_server, cell_containing, die_with_parent, start_sim, start_sshd)
from test_console import (  # noqa: E402
    CONNECT_TIMEOUT, GRABBED, blue_fraction, changed_pixels, grab, label_showing, release_grab)
from test_main_window import (  # noqa: E402
    a11y_bus_ready, children_of, log, screenshot, wait_for)

from dogtail import rawinput, tree  # noqa: E402


def descendants(pid):
    found = []
    for child in children_of(pid):
        found.append(child)
        found.extend(descendants(child))
    return found


def kill_sessions(sshd):
    """SIGKILLs the sshd's per-connection processes (the listener stays): open SSH sessions
    drop at once."""
    victims = descendants(sshd.pid)
    for pid in victims:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return victims


def restart_sshd(workdir):
    """The same sshd again: same config, port and host key."""
    return subprocess.Popen([SSHD, "-D", "-e", "-f", os.path.join(workdir, "sshd_config")],
                            stderr=open(os.path.join(workdir, "sshd-restarted.log"), "w"),
                            preexec_fn=die_with_parent)


def main():
    binary = sys.argv[1]
    builddir = os.environ.get("LAGOON_BUILDDIR", "")
    if not os.access(os.path.join(builddir, "tests", "xapi-sim", "xapi-sim"), os.X_OK):
        log("SKIP: xapi-sim is not built")
        return 77
    if not os.access(SSHD, os.X_OK) or shutil.which("ssh-keygen") is None:
        log("SKIP: sshd or ssh-keygen is missing (package openssh-server)")
        return 77
    qemu = os.environ.get("XAPI_SIM_QEMU", "qemu-system-x86_64")
    if shutil.which(qemu) is None:
        log(f"SKIP: {qemu} is missing: the simulator serves no consoles")
        return 77
    if os.getuid() == 0:
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)

    home = os.environ["HOME"]
    ssh_dir = os.path.join(home, ".ssh")
    os.makedirs(ssh_dir, mode=0o700, exist_ok=True)
    identity = os.path.join(ssh_dir, "id_ed25519")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", identity], check=True)
    open(os.path.join(ssh_dir, "known_hosts"), "w").close()
    user = pwd.getpwuid(os.getuid()).pw_name

    workdir = tempfile.mkdtemp(prefix="lagoon-sshd-")
    sim = sshd = proc = None
    try:
        sim, sim_port = start_sim(builddir)
        sshd, ssh_port, _ = start_sshd(workdir, identity + ".pub")
        log(f"xapi-sim on port {sim_port}, sshd on port {ssh_port}")

        import xmlrpc.client
        proxy = xmlrpc.client.ServerProxy(f"http://127.0.0.1:{sim_port}/")
        session = proxy.session.login_with_password("root", "xenroot", "2.21", "t")["Value"]
        hosts = proxy.host.get_all_records(session)["Value"]
        vms = proxy.VM.get_all_records(session)["Value"]
        host_ref = min(hosts, key=lambda r: hosts[r]["name_label"])
        host_name = hosts[host_ref]["name_label"]
        vm_name = min(v["name_label"] for v in vms.values()
                      if v["power_state"] == "Running" and v["resident_on"] == host_ref
                      and not (v["is_a_template"] or v["is_control_domain"]))

        wait_for("the accessibility bus", a11y_bus_ready)
        env = dict(os.environ)
        env.pop("NO_AT_BRIDGE", None)
        proc = subprocess.Popen([binary], env=env)
        wait_for("lagoon on the accessibility bus",
                 lambda: any(a.name == "lagoon" for a in tree.root.applications()))
        app = tree.root.application("lagoon")
        window = app.child(name="Lagoon", roleName="frame")
        table = window.child(name="Resources", roleName="tree table")

        add_server(app, window, f"{user}@127.0.0.1:{ssh_port}", "root", "xenroot",
                   xapi_port=sim_port)
        prompt = app.child(name=f"Trust the SSH host key of {user}@127.0.0.1:{ssh_port}?",
                           roleName="label").parent
        while prompt.roleName not in ("alert", "dialog"):
            prompt = prompt.parent
        prompt.child(name="Accept and Connect", roleName="push button").click()
        wait_for(f"{host_name} in the tree", lambda: cell_containing(table, host_name)
                 is not None)
        log("pool loaded through SSH")

        def cell(name):
            return table.findChild(lambda n: n.roleName == "table cell" and n.name == name,
                                   recursive=True, retry=False, requireResult=False)
        wait_for(f"{host_name} in the tree", lambda: cell(host_name) is not None)
        cell(host_name).doActionNamed("expand or contract")
        wait_for(f"{vm_name} in the tree", lambda: cell(vm_name) is not None)
        x, y = cell(vm_name).position
        w, h = cell(vm_name).size
        rawinput.click(x + w // 2, y + h // 2)

        def tab_button():
            return window.findChild(lambda n: n.name == "Console" and n.roleName in (
                "radio button", "toggle button", "push button") and n.showing,
                recursive=True, retry=False, requireResult=False)
        wait_for("the Console tab", lambda: tab_button() is not None)
        opened = time.monotonic()
        tab_button().click()

        def console_area():
            return window.findChild(lambda n: n.name == "Console"
                                    and n.roleName in ("filler", "panel") and n.showing,
                                    recursive=True, retry=False, requireResult=False)
        connected = f"Connected to {vm_name}"

        def display():
            return window.findChild(lambda n: n.name == f"Console of {vm_name}" and n.showing,
                                    recursive=True, retry=False, requireResult=False)

        def guest_shown():
            area = console_area()
            if area is None or area.description != connected or display() is None:
                return False
            d = display()
            return d.size[0] > 100 and blue_fraction(grab(d)) > 0.3

        wait_for("the guest's blue screen through SSH", guest_shown, timeout=CONNECT_TIMEOUT)
        log(f"console through SSH: guest shown {time.monotonic() - opened:.2f} s after opening "
            "the tab")
        screenshot("console-ssh.png")

        def typed_echoes():
            d = display()
            before = grab(d)
            dx, dy = d.position
            dw, dh = d.size
            rawinput.click(dx + dw // 2, dy + dh // 2)
            wait_for("the grab indicator", lambda: label_showing(window, GRABBED) is not None,
                     timeout=5)
            time.sleep(0.3)
            rawinput.typeText("lagoon ssh")
            changed = []

            def echoed():
                changed[:] = [changed_pixels(grab(d), before)]
                return changed[0] > 350
            wait_for("the guest to echo the typed keys", echoed, timeout=10)
            release_grab(window)
            rawinput.absoluteMotion(5, 1000)
            return changed[0]

        log(f"typed keys through SSH changed {typed_echoes()} pixels")

        # The tunnel drops: the sshd's connection processes die, the listener stays.
        dropped = time.monotonic()
        victims = kill_sessions(sshd)
        assert victims, "the sshd has no connection processes to kill"
        wait_for("the console to notice", lambda: console_area() is None
                 or console_area().description != connected, timeout=10)
        wait_for("the console to come back after the tunnel dropped", guest_shown,
                 timeout=CONNECT_TIMEOUT)
        log(f"tunnel dropped ({len(victims)} sshd processes killed): console back "
            f"{time.monotonic() - dropped:.2f} s later")
        log(f"typed keys after the drop changed {typed_echoes()} pixels")

        # The sshd goes away for longer than the console's retries, then comes back.
        stopped = time.monotonic()
        kill_sessions(sshd)
        sshd.kill()
        sshd.wait()

        def retry_shown():
            return window.findChild(lambda n: n.name == "Retry" and n.roleName == "push button"
                                    and n.showing, recursive=True, retry=False,
                                    requireResult=False) is not None
        wait_for("the console to give up and offer Retry", retry_shown, timeout=30)
        message = window.findChild(lambda n: n.roleName == "label" and n.showing
                                   and n.name.startswith("The console could not be opened"),
                                   recursive=True, retry=False, requireResult=False)
        assert message is not None, "the failure is not explained"
        log(f"sshd down: the console says {message.name!r} after "
            f"{time.monotonic() - stopped:.2f} s")
        screenshot("console-ssh-down.png")
        restarted = time.monotonic()
        sshd = restart_sshd(workdir)
        wait_for("the console to come back once sshd is up again", guest_shown,
                 timeout=CONNECT_TIMEOUT)
        log(f"sshd restarted: console back by itself {time.monotonic() - restarted:.2f} s later")
        log(f"typed keys after the restart changed {typed_echoes()} pixels")
    except Exception:
        screenshot("console-ssh-failure.png")
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
