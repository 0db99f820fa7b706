"""Starts and stops tests/xapi-sim/xapi-sim for the client-fidelity tests.

Standard library only.  The simulator runs under coreutils `timeout` so it
stops by itself even if the test process dies without cleaning up.
"""

import os
import re
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET

LISTENING_RE = re.compile(r"^xapi-sim: listening on (http://(\S+):(\d+))\s*$")

# Hard limit on one simulator's life, in seconds.
SIM_LIFETIME = 150


def simulator_path():
    path = os.environ.get("XAPI_SIM")
    if not path:
        builddir = os.environ.get("LAGOON_BUILDDIR")
        if not builddir:
            here = os.path.dirname(os.path.abspath(__file__))
            builddir = os.path.join(here, "..", "..", "_build")
        path = os.path.join(builddir, "tests", "xapi-sim", "xapi-sim")
    return os.path.abspath(path)


def sources():
    """(id, simulator args, dump path or None) for every pool the tests use.

    Returns (list, note): note says why the shared fixtures are absent.
    """
    out = [("generate-3-40-7", ["--generate", "3:40:7"], None)]
    srcdir = os.environ.get("LAGOON_SOURCEDIR")
    if not srcdir:
        srcdir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    fixtures = os.path.join(srcdir, "tests", "fixtures")
    if os.path.isdir(fixtures):
        for name in sorted(os.listdir(fixtures)):
            if name.endswith(".xml"):
                path = os.path.join(fixtures, name)
                out.append(("repo-" + name, ["--db", path], path))
    note = None
    shared = os.environ.get("LAGOON_SHARED_DIR")
    dbdir = os.path.join(shared, "fixtures", "xapi-db") if shared else None
    if dbdir and os.path.isdir(dbdir):
        for name in sorted(os.listdir(dbdir)):
            path = os.path.join(dbdir, name)
            if os.path.isfile(path):
                out.append(("shared-" + name, ["--db", path], path))
    else:
        note = ("real dumps not found: %s is absent (a user's clone has no ../shared)"
                % (dbdir or "LAGOON_SHARED_DIR"))
    return out, note


def unprotect(value):
    """Undoes the whitespace protection of dump attributes (xapi's Xml_spaces):
    %. space, %t tab, %n newline, %r return, %% percent, legacy %_ two spaces."""
    table = {".": " ", "t": "\t", "n": "\n", "r": "\r", "%": "%", "_": "  "}
    out = []
    i = 0
    while i < len(value):
        if value[i] == "%" and i + 1 < len(value) and value[i + 1] in table:
            out.append(table[value[i + 1]])
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def dump_rows(path, table_name):
    """The rows of one table as attribute dicts (values unprotected)."""
    root = ET.parse(path).getroot()
    rows = []
    for table in root.iter("table"):
        if table.get("name") == table_name:
            for row in table.findall("row"):
                rows.append({k: unprotect(v) for k, v in row.attrib.items()})
    return rows


def dump_row_counts(path):
    """Counts the rows of every table of a xapi database dump, read independently."""
    root = ET.parse(path).getroot()
    counts = {}
    for table in root.iter("table"):
        name = table.get("name")
        counts[name] = counts.get(name, 0) + len(table.findall("row"))
    return counts


_RUNNING = set()


def _kill_all(signum, frame):
    for sim in list(_RUNNING):
        try:
            os.killpg(sim.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, AttributeError):
            pass
    raise SystemExit(128 + signum)


def _install_signal_handlers():
    # meson stops a test that runs too long with SIGTERM: take the simulators along
    for signum in (signal.SIGTERM, signal.SIGINT):
        if signal.getsignal(signum) in (signal.SIG_DFL, signal.default_int_handler):
            signal.signal(signum, _kill_all)


class Simulator:
    """One running xapi-sim; use as a context manager."""

    def __init__(self, args, user="root", password="xenroot", speed="0", extra=()):
        self.binary = simulator_path()
        self.user = user
        self.password = password
        self.tmpdir = tempfile.mkdtemp(prefix="lagoon-clients-")
        options = ["--address", "127.0.0.1", "--port", "0", "--speed", speed]
        if user is not None:
            options += ["--user", user]
        else:
            self.user = "root"
        if password is not None:
            pwfile = os.path.join(self.tmpdir, "password")
            with open(pwfile, "w", encoding="utf-8") as f:
                f.write(password + "\n")
            options += ["--password-file", pwfile]
        else:
            self.password = "xenroot"
        self.argv = [self.binary] + list(args) + options + list(extra)
        self.proc = None
        self.url = None
        self.stderr_path = os.path.join(self.tmpdir, "stderr")

    def start(self, wait=15.0):
        if not os.access(self.binary, os.X_OK):
            raise RuntimeError("simulator binary not found or not executable: %s" % self.binary)
        timeout_cmd = shutil.which("timeout")
        argv = self.argv
        if timeout_cmd:
            argv = [timeout_cmd, "-k", "5", str(SIM_LIFETIME)] + argv
        self._stderr = open(self.stderr_path, "wb")
        _install_signal_handlers()
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self._stderr,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        _RUNNING.add(self)
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + wait
        buf = b""
        try:
            while time.monotonic() < deadline:
                if not sel.select(timeout=max(0.0, deadline - time.monotonic())):
                    continue
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    m = LISTENING_RE.match(line.decode("utf-8", "replace"))
                    if m:
                        self.url = m.group(1)
                        return self
                    raise RuntimeError("unexpected first stdout line from xapi-sim: %r" % line)
        finally:
            sel.close()
        self.stop()
        raise RuntimeError("xapi-sim did not report 'listening' within %.0f s (argv %s); stderr: %s"
                           % (wait, self.argv, self.stderr_tail()))

    def stderr_tail(self, n=2000):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")[-n:]
        except OSError:
            return ""

    def stop(self):
        """Stops the simulator: SIGTERM, then SIGKILL after 5 s.  Returns its exit status."""
        status = None
        if self.proc is not None:
            if self.proc.poll() is None:
                try:
                    os.killpg(self.proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    try:
                        os.killpg(self.proc.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    self.proc.wait(5)
            status = self.proc.returncode
            self.proc.stdout.close()
            _RUNNING.discard(self)
            self.proc = None
            self._stderr.close()
        return status

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()
        return False
