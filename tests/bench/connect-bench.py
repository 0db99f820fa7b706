#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Time from process start to a complete object cache, side by side, on one simulator.

For generated pools 1:50, 16:1000 and 64:5000 (or the sizes given), against the same
xapi-sim process:
  - lagoon-cli stats            (event.from from an empty token, streamed into the cache)
  - Xen Orchestra's xen-api     (npm, XML-RPC and JSON-RPC transports; objectsFetched)
  - Python xmlrpc.client        (login + get_all_records of every class, like XenAPI.py users)
Each client runs as its own process; the wall time includes process start. Prints the
machine's figures, the times, peak RSS, and the ratios the client-core issue sets as goals.

    tests/bench/connect-bench.py BUILDDIR [HOSTS:VMS ...]

The npm client needs `npm ci` in tests/clients (tools/run-tests does it).
"""
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import xmlrpc.client

HERE = os.path.dirname(os.path.abspath(__file__))
PASSWORD = "bench-pw"


def machine():
    model = platform.processor() or "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}"


def start_sim(builddir, size, pwfile):
    sim = os.path.join(builddir, "tests", "xapi-sim", "xapi-sim")
    proc = subprocess.Popen([sim, "--generate", size + ":1", "--port", "0", "--speed", "0",
                             "--consoles", "none", "--password-file", pwfile],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    m = re.search(r"listening on http://([\d.]+):(\d+)", line)
    if not m:
        proc.kill()
        raise SystemExit(f"xapi-sim did not start: {line!r}")
    return proc, m.group(1), int(m.group(2))


def timed(argv, env=None, limit=180):
    t0 = time.monotonic()
    try:
        out = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=limit)
    except subprocess.TimeoutExpired:
        return None, limit * 1000.0, f"no result within {limit} s"
    wall = (time.monotonic() - t0) * 1000
    if out.returncode != 0:
        return None, wall, out.stderr.strip()[-300:]
    return out.stdout, wall, None


PY_CLIENT = r'''
import sys, time, xmlrpc.client, resource
url, pw = sys.argv[1], sys.argv[2]
s = xmlrpc.client.ServerProxy(url, allow_none=True)
r = s.session.login_with_password("root", pw, "2.21", "bench")
sess = r["Value"]
n = 0
for cls in ("pool", "host", "host_metrics", "host_cpu", "VM", "VM_metrics", "VM_guest_metrics",
            "VM_appliance", "VBD", "VDI", "VIF", "SR", "PBD", "network", "PIF", "PIF_metrics",
            "console", "message", "Bond", "VLAN", "task"):
    v = getattr(s, cls).get_all_records(sess)
    if v["Status"] != "Success":
        raise SystemExit(str(v))
    n += len(v["Value"])
print(n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
'''


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    builddir = os.path.abspath(sys.argv[1])
    sizes = sys.argv[2:] or ["1:50", "16:1000", "64:5000"]
    cli = os.path.join(builddir, "src", "cli", "lagoon-cli")
    node = shutil.which("node")
    have_xo = node and os.path.isdir(os.path.join(HERE, "..", "clients", "node_modules", "xen-api"))
    tmp = tempfile.mkdtemp(prefix="lagoon-bench-")
    pwfile = os.path.join(tmp, "pw")
    with open(pwfile, "w") as f:
        f.write(PASSWORD + "\n")

    print(f"machine: {machine()}", flush=True)
    if not have_xo:
        print("note: xen-api npm client not installed (run npm ci in tests/clients): skipped")
    for size in sizes:
        proc, addr, port = start_sim(builddir, size, pwfile)
        url = f"http://{addr}:{port}"
        rows = []
        try:
            # lagoon-cli: process start -> cache complete (wall), and its own figures
            out, wall, err = timed([cli, "-s", addr, "-p", str(port), "-pwf", pwfile,
                                    "--timeout", "600", "stats"])
            if out is None:
                rows.append(("lagoon-cli", None, None, None, err))
            else:
                stats = dict(l.split(": ", 1) for l in out.splitlines() if ": " in l)
                objs = sum(int(v) for k, v in stats.items() if k.startswith("objects."))
                rows.append(("lagoon-cli", wall, objs, int(stats.get("rss_kb", 0)),
                             f"login {stats.get('time.login_ms')} ms, cache ready "
                             f"{stats.get('time.cache_ready_ms')} ms after connect"))
            if have_xo:
                env = dict(os.environ, XO_PASSWORD=PASSWORD)
                for transport in ("xml-rpc", "json-rpc"):
                    out, wall, err = timed([node, os.path.join(HERE, "xo-connect.mjs"), url,
                                            transport], env=env)
                    if out is None:
                        rows.append((f"xen-api {transport}", None, None, None, err))
                    else:
                        ms, count, rss = out.split()
                        rows.append((f"xen-api {transport}", wall, int(count), int(rss), ""))
            out, wall, err = timed([sys.executable, "-c", PY_CLIENT, url, PASSWORD])
            if out is None:
                rows.append(("python xmlrpc.client", None, None, None, err))
            else:
                count, rss = out.split()
                rows.append(("python xmlrpc.client", wall, int(count), int(rss), ""))
        finally:
            proc.terminate()
            proc.wait(timeout=30)

        print(f"\npool {size} (hosts:VMs)")
        print(f"  {'client':24} {'ms to cache':>12} {'objects':>9} {'peak RSS MB':>12}  notes")
        for name, ms, objs, rss, note in rows:
            if ms is None:
                print(f"  {name:24} {'failed':>12} {'':>9} {'':>12}  {note}")
            else:
                print(f"  {name:24} {ms:12.0f} {objs:9d} {rss / 1024:12.1f}  {note}")
        times = {name: ms for name, ms, *_ in rows if ms is not None}
        lagoon = times.get("lagoon-cli")
        if lagoon:
            for other in ("xen-api xml-rpc", "xen-api json-rpc", "python xmlrpc.client"):
                if other in times:
                    print(f"  {other} / lagoon-cli: {times[other] / lagoon:.2f}x")
        sys.stdout.flush()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
