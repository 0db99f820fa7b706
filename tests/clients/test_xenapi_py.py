#!/usr/bin/env python3
"""Python's xmlrpc.client, used the way the official XenAPI.py binding does,
against tests/xapi-sim for every pool source: a generated pool, the repo's
fixtures and (when present) the real dumps in ../shared.

Standard library only.  Environment: XAPI_SIM (simulator binary),
LAGOON_SOURCEDIR, LAGOON_SHARED_DIR.
"""

import json
import os
import re
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import simproc  # noqa: E402
import xenapi_lite  # noqa: E402
from xenapi_lite import Failure  # noqa: E402

CLASSES = ["pool", "host", "VM", "SR", "VDI", "network", "PIF", "VBD", "VIF"]
PASSWORD = "clients-S3cret pw"


def jsonrpc(url, body, timeout=20.0):
    """POSTs a JSON-RPC body to <url>/jsonrpc; returns (content type, decoded reply)."""
    data = json.dumps(body).encode("utf-8")
    req = urllib.request.Request(url.rstrip("/") + "/jsonrpc", data=data, method="POST",
                                 headers={"Content-Type": "application/json",
                                          "Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        ctype = resp.headers.get("Content-Type", "")
        return ctype, json.loads(resp.read().decode("utf-8"))


class PoolSourceMixin:
    """Cases run once per pool source; subclasses set SOURCE_ID, SIM_ARGS, DUMP."""

    SOURCE_ID = None
    SIM_ARGS = None
    DUMP = None

    @classmethod
    def setUpClass(cls):
        cls.sim = simproc.Simulator(cls.SIM_ARGS, password=PASSWORD)
        try:
            cls.sim.start()
        except Exception:
            cls.sim.cleanup()
            raise
        cls.url = cls.sim.url
        cls.dump_counts = simproc.dump_row_counts(cls.DUMP) if cls.DUMP else None

    @classmethod
    def tearDownClass(cls):
        cls.sim.cleanup()

    def login(self, **kw):
        return xenapi_lite.login(self.url, "root", PASSWORD, **kw)

    def setUp(self):
        self.session = self.login()

    def tearDown(self):
        try:
            if self.session.handle is not None:
                self.session.xenapi.logout()
        except (Failure, OSError, xmlrpc.client.Error):
            pass
        self.session.close()

    # -- counts -----------------------------------------------------------

    def test_get_all_records_counts(self):
        got = {}
        for cls in CLASSES:
            records = getattr(self.session.xenapi, cls).get_all_records()
            self.assertIsInstance(records, dict, "%s.get_all_records" % cls)
            refs = getattr(self.session.xenapi, cls).get_all()
            self.assertEqual(sorted(refs), sorted(records),
                             "%s.get_all and get_all_records disagree" % cls)
            for ref, rec in records.items():
                self.assertTrue(ref.startswith("OpaqueRef:"), ref)
                self.assertIsInstance(rec, dict)
            got[cls] = len(records)
        self.assertEqual(got["pool"], 1, "a pool database has exactly one pool")
        if self.dump_counts is not None:
            want = {cls: self.dump_counts.get(cls, 0) for cls in CLASSES}
            self.assertEqual(got, want, "get_all_records counts versus rows in %s" % self.DUMP)
        else:
            # --generate HOSTS:VMS:SEED: VMS guests besides templates and dom0s
            hosts, guests = (int(n) for n in self.SIM_ARGS[1].split(":")[:2])
            self.assertEqual(got["host"], hosts)
            vms = self.session.xenapi.VM.get_all_records().values()
            self.assertEqual(sum(1 for v in vms if v["is_control_domain"]), hosts)
            self.assertEqual(sum(1 for v in vms if not (v["is_a_template"] or v["is_control_domain"]
                                                       or v["is_a_snapshot"])), guests)

    def test_dump_values(self):
        # a few columns of every row, read straight from the dump, against the API
        if self.DUMP is None:
            self.skipTest("generated pool: no dump to compare with")
        columns = {
            "VM": [("name__label", "name_label"), ("power_state", "power_state"),
                   ("memory__static_max", "memory_static_max"), ("is_a_template", "is_a_template")],
            # host.address is not compared: the simulator gives every host a
            # loopback address of its own so that supporters can answer.
            "host": [("name__label", "name_label"), ("hostname", "hostname")],
            "SR": [("name__label", "name_label"), ("type", "type")],
            "VDI": [("name__label", "name_label"), ("virtual_size", "virtual_size")],
            "network": [("name__label", "name_label"), ("bridge", "bridge")],
            "PIF": [("device", "device"), ("MAC", "MAC")],
        }
        mismatches = []
        for cls, cols in columns.items():
            rows = {r["uuid"]: r for r in simproc.dump_rows(self.DUMP, cls)}
            # over JSON-RPC: XML-RPC parsers turn a CR in text into LF (xapi
            # writes CR raw, like the simulator)
            _, reply = jsonrpc(self.url, {"jsonrpc": "2.0", "method": cls + ".get_all_records",
                                          "params": [self.session.handle], "id": 1})
            records = {r["uuid"]: r for r in reply["result"].values()}
            self.assertEqual(sorted(records), sorted(rows), "%s uuids" % cls)
            for uuid, row in rows.items():
                for column, field in cols:
                    if column not in row:
                        continue
                    want = row[column]
                    got = records[uuid][field]
                    if isinstance(got, bool):
                        got = "true" if got else "false"
                    if want.lower() != str(got).lower() if field == "power_state" else want != str(got):
                        mismatches.append("%s %s %s: dump %r, API %r" % (cls, uuid, field, want, got))
        self.assertEqual(mismatches[:10], [])

    def test_counts_match_event_from_bootstrap(self):
        # event.from(["*"], "", t) returns one add per object: the same sets
        # of refs as get_all_records, through a different code path.
        result = getattr(self.session.xenapi.event, "from")(["*"], "", 1.0)
        self.assertIsInstance(result, dict)
        for key in ("events", "valid_ref_counts", "token"):
            self.assertIn(key, result)
        by_class = {}
        for ev in result["events"]:
            self.assertEqual(ev["operation"], "add", ev.get("ref"))
            self.assertIn("snapshot", ev)
            by_class.setdefault(ev["class"], set()).add(ev["ref"])
        for cls in CLASSES:
            refs = set(getattr(self.session.xenapi, cls).get_all())
            self.assertEqual(by_class.get(cls.lower(), set()), refs,
                             "event.from bootstrap versus %s.get_all" % cls)

    def test_get_all_records_where(self):
        # hidden from the docs but served by xapi for nearly every class and
        # used by Python clients (expressions: ocaml/database/db_filter_parse.mly,
        # DB column names such as name__label)
        x = self.session.xenapi
        vms = x.VM.get_all_records()
        name = sorted(v["name_label"] for v in vms.values())[0]
        cases = [
            ("VM", 'field "power_state" = "Running"',
             {r for r, v in vms.items() if v["power_state"] == "Running"}),
            ("VM", 'field "is_a_template" = "true" and not (field "power_state" = "Running")',
             {r for r, v in vms.items() if v["is_a_template"] and v["power_state"] != "Running"}),
            ("VM", 'field "name__label" = "%s"' % name,
             {r for r, v in vms.items() if v["name_label"] == name}),
            ("host", "true", set(x.host.get_all())),
            ("SR", "false", set()),
        ]
        for cls, expr, want in cases:
            try:
                got = getattr(x, cls).get_all_records_where(expr)
            except Failure as failure:
                self.fail("%s.get_all_records_where(%r): %s" % (cls, expr, failure.details))
            self.assertEqual(set(got), want, "%s.get_all_records_where(%r)" % (cls, expr))

    def test_static_roles(self):
        # xapi serves its built-in RBAC roles (and permissions) from
        # role.get_all_records whatever the database holds
        # (ocaml/xapi/xapi_role.ml); XenCenter reads them on connect.
        roles = self.session.xenapi.role.get_all_records()
        names = {r["name_label"] for r in roles.values()}
        for role in ("pool-admin", "pool-operator", "vm-power-admin", "vm-admin",
                     "vm-operator", "read-only"):
            self.assertIn(role, names)

    def test_static_role_permissions(self):
        # Each built-in role lists its permissions as subroles; a permission is
        # a role without subroles, named in lower case (ocaml/idl/ocaml_backend/
        # gen_rbac.ml). pool-admin has a fixed uuid and its ref is OpaqueRef:<uuid>
        # (ocaml/xapi-consts/constants.ml rbac_pool_admin_uuid, xapi_role.ml).
        roles = self.session.xenapi.role.get_all_records()
        by_name = {r["name_label"]: (ref, r) for ref, r in roles.items()}
        ref, admin = by_name["pool-admin"]
        self.assertEqual(admin["uuid"], "0165f154-ba3e-034e-6b27-5d271af109ba")
        self.assertEqual(ref, "OpaqueRef:" + admin["uuid"])
        perms = {}
        for name in ("pool-admin", "pool-operator", "vm-power-admin", "vm-admin",
                     "vm-operator", "read-only"):
            subroles = by_name[name][1]["subroles"]
            self.assertTrue(subroles, "%s has no permissions" % name)
            for sub in subroles:
                self.assertIn(sub, roles, "%s: subrole %s is not a role" % (name, sub))
                self.assertEqual(roles[sub]["subroles"], [], "%s: %s is not a permission"
                                 % (name, roles[sub]["name_label"]))
                self.assertEqual(roles[sub]["name_label"], roles[sub]["name_label"].lower())
            perms[name] = set(subroles)
        self.assertLessEqual(perms["read-only"], perms["vm-operator"])
        self.assertLessEqual(perms["vm-operator"], perms["pool-admin"])
        self.assertLess(perms["pool-operator"], perms["pool-admin"])

    def test_records_round_trip(self):
        for cls in CLASSES:
            api = getattr(self.session.xenapi, cls)
            records = api.get_all_records()
            for ref in sorted(records)[:3]:
                rec = records[ref]
                self.assertEqual(api.get_record(ref), rec, "%s.get_record(%s)" % (cls, ref))
                self.assertEqual(api.get_by_uuid(rec["uuid"]), ref, "%s.get_by_uuid" % cls)
                self.assertEqual(api.get_uuid(ref), rec["uuid"])
                if "name_label" in rec:
                    self.assertEqual(api.get_name_label(ref), rec["name_label"])

    def test_list_methods(self):
        methods = self.session.raw("system.listMethods")
        self.assertIsInstance(methods, list)
        for m in ("session.login_with_password", "event.from", "event.inject", "task.destroy",
                  "VM.get_all_records", "VM.clone", "host.get_all_records"):
            self.assertIn(m, methods)
        # xen-api (Xen Orchestra) fetches every listed <class>.get_all_records:
        # classes xapi has none for must not be listed.
        for m in ("session.get_all_records", "event.get_all_records", "user.get_all_records"):
            self.assertNotIn(m, methods)
        # xapi lists one plain wire name per message, no Async.* twins
        # (ocaml/idl/ocaml_backend/gen_server.ml: wire_name ~sync:true); an
        # "Async.message.get_all_records" entry makes xen-api take "Async" for
        # a class name.
        self.assertEqual([m for m in methods if m.startswith("Async.")][:5], [])

    def test_async_only_where_declared(self):
        # Messages declared without `Async (getters, setters, and explicit
        # session-only ones like VM.set_other_config) refuse Async.* calls:
        # xapi answers "No async mode for this operation" (server_helpers.ml
        # do_dispatch) instead of starting a task.
        vm = sorted(self.session.xenapi.VM.get_all())[0]
        started = []
        for method, args in (("Async.VM.get_record", (vm,)),
                             ("Async.VM.set_name_label", (vm, "x")),
                             ("Async.VM.set_other_config", (vm, {})),
                             ("Async.VM.get_allowed_VBD_devices", (vm,)),
                             ("Async.message.get_all_records", ())):
            try:
                reply = self.session.raw(method, self.session.handle, *args)
            except xmlrpc.client.Fault:
                continue
            if reply.get("Status") == "Success":
                started.append(method)
        self.assertEqual(started, [], "these started a task")

    def test_wire_format(self):
        # xapi's replies: text/xml, no whitespace between elements, strings untyped.
        body = xmlrpc.client.dumps(("root", PASSWORD, "2.20", "lagoon-wire"),
                                   "session.login_with_password").encode("utf-8")
        for path in ("/", "/RPC2", "/xmlrpc"):
            req = urllib.request.Request(self.url + path, data=body, method="POST",
                                         headers={"Content-Type": "text/xml"})
            with urllib.request.urlopen(req, timeout=20) as resp:
                ctype = resp.headers.get("Content-Type", "")
                text = resp.read().decode("utf-8")
            self.assertEqual(ctype.split(";")[0].strip(), "text/xml", path)
            self.assertIsNone(re.search(r">\s+<", text), "whitespace between elements: %r" % text)
            self.assertIn("<value>OpaqueRef:", text)
            self.assertNotIn("<string>", text)
            ref = xenapi_lite.unwrap(xmlrpc.client.loads(text)[0][0])
            self.session.raw("session.logout", ref)

    # -- errors -----------------------------------------------------------

    def test_handle_invalid(self):
        with self.assertRaises(Failure) as cm:
            self.session.xenapi.VM.get_record("OpaqueRef:nope")
        self.assertEqual(cm.exception.details, ["HANDLE_INVALID", "VM", "OpaqueRef:nope"])

    def test_uuid_invalid(self):
        bogus = "00000000-0000-0000-0000-00000000dead"
        with self.assertRaises(Failure) as cm:
            self.session.xenapi.SR.get_by_uuid(bogus)
        self.assertEqual(cm.exception.details, ["UUID_INVALID", "SR", bogus])

    def test_method_unknown(self):
        with self.assertRaises(Failure) as cm:
            self.session.xenapi.VM.no_such_message()
        self.assertEqual(cm.exception.details, ["MESSAGE_METHOD_UNKNOWN", "VM.no_such_message"])

    def test_wrong_password(self):
        s = xenapi_lite.Session(self.url)
        self.addCleanup(s.close)
        with self.assertRaises(Failure) as cm:
            s.xenapi.login_with_password("root", PASSWORD + "x", "2.20", "lagoon-client-tests")
        self.assertEqual(cm.exception.code, "SESSION_AUTHENTICATION_FAILED")

    def test_login_short_forms(self):
        # version and originator are versioned parameters with defaults.
        for params in (("root", PASSWORD), ("root", PASSWORD, "1.1")):
            s = xenapi_lite.Session(self.url)
            self.addCleanup(s.close)
            ref = s.xenapi.login_with_password(*params)
            self.assertTrue(ref.startswith("OpaqueRef:"), ref)
            s.xenapi.logout()

    def test_logout_then_call(self):
        s = self.login()
        self.addCleanup(s.close)
        ref = s.handle
        self.assertEqual(len(s.xenapi.pool.get_all()), 1)
        s.xenapi.logout()
        reply = s.raw("VM.get_all", ref)
        with self.assertRaises(Failure) as cm:
            xenapi_lite.unwrap(reply)
        self.assertEqual(cm.exception.details, ["SESSION_INVALID", ref])

    def test_session_invalid_relogin(self):
        # The official binding logs in again on SESSION_INVALID and retries.
        s = self.login(retry_on_session_invalid=True)
        self.addCleanup(s.close)
        old = s.handle
        s.raw("session.logout", old)
        self.assertEqual(len(s.xenapi.pool.get_all()), 1)
        self.assertNotEqual(s.handle, old)
        s.xenapi.logout()

    def test_parameter_count_mismatch(self):
        reply = self.session.raw("VM.get_record", self.session.handle)
        with self.assertRaises(Failure) as cm:
            xenapi_lite.unwrap(reply)
        # counts include the session argument
        self.assertEqual(cm.exception.details,
                         ["MESSAGE_PARAMETER_COUNT_MISMATCH", "VM.get_record", "2", "1"])

    def test_malformed_request_is_http_500(self):
        req = urllib.request.Request(self.url + "/", data=b"<methodCall><oops", method="POST",
                                     headers={"Content-Type": "text/xml"})
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(req, timeout=20).read()
        self.assertEqual(cm.exception.code, 500)

    # -- values on the wire -----------------------------------------------

    def test_value_types(self):
        vms = self.session.xenapi.VM.get_all_records()
        ref, rec = sorted(vms.items())[0]
        # int64 is an untyped <value>: a decimal string for xmlrpc.client
        self.assertIsInstance(rec["memory_static_max"], str)
        self.assertRegex(rec["memory_static_max"], r"^-?[0-9]+$")
        self.assertIsInstance(rec["is_a_template"], bool)
        self.assertIsInstance(rec["other_config"], dict)
        self.assertIsInstance(rec["VBDs"], list)
        self.assertIsInstance(rec["snapshot_time"], xmlrpc.client.DateTime)
        self.assertRegex(rec["snapshot_time"].value, r"^[0-9]{8}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")
        # the same record over JSON-RPC: numbers, booleans, date strings
        _, reply = jsonrpc(self.url, {"jsonrpc": "2.0", "method": "VM.get_record",
                                      "params": [self.session.handle, ref], "id": 1})
        j = reply["result"]
        self.assertEqual(j["memory_static_max"], int(rec["memory_static_max"]))
        self.assertIs(j["is_a_template"], rec["is_a_template"])
        self.assertEqual(j["snapshot_time"], rec["snapshot_time"].value)
        self.assertEqual(j["other_config"], rec["other_config"])

    def test_xmlrpc_and_jsonrpc_records_agree(self):
        # every field of every record, through both serialisers
        def same(xml, js, path, out):
            if isinstance(js, bool) or isinstance(xml, bool):
                ok = isinstance(js, bool) and isinstance(xml, bool) and js == xml
            elif isinstance(js, int):
                ok = isinstance(xml, str) and xml == str(js)  # int64: untyped <value>
            elif isinstance(js, float):
                ok = isinstance(xml, float) and xml == js
            elif isinstance(js, str):
                # an XML parser reads a raw CR (xapi writes them raw) as LF
                eol = js.replace("\r\n", "\n").replace("\r", "\n")
                ok = (xml.value if isinstance(xml, xmlrpc.client.DateTime) else xml) == eol
            elif isinstance(js, list):
                ok = isinstance(xml, list) and len(xml) == len(js)
                if ok:
                    for i, (a, b) in enumerate(zip(xml, js)):
                        same(a, b, "%s[%d]" % (path, i), out)
            elif isinstance(js, dict):
                ok = isinstance(xml, dict) and sorted(xml) == sorted(js)
                if ok:
                    for k in js:
                        same(xml[k], js[k], "%s.%s" % (path, k), out)
            else:
                ok = False
            if not ok:
                out.append("%s: XML-RPC %r, JSON-RPC %r" % (path, xml, js))

        diffs = []
        for cls in CLASSES + ["VM_metrics", "host_metrics", "PBD", "console"]:
            xml = getattr(self.session.xenapi, cls).get_all_records()
            _, reply = jsonrpc(self.url, {"jsonrpc": "2.0", "method": cls + ".get_all_records",
                                          "params": [self.session.handle], "id": cls})
            same(xml, reply.get("result"), cls, diffs)
        self.assertEqual(diffs[:10], [])

    # -- events -----------------------------------------------------------

    def test_event_from_result_shape(self):
        result = getattr(self.session.xenapi.event, "from")(["*"], "", 1.0)
        self.assertRegex(result["token"], r"^[0-9]{20},[0-9]{20}$")
        counts = result["valid_ref_counts"]
        self.assertIsInstance(counts, dict)
        for cls, n in counts.items():
            self.assertEqual(cls, cls.lower())
            self.assertIsInstance(n, int)
        self.assertEqual(counts.get("vm"), len(self.session.xenapi.VM.get_all()))
        for ev in result["events"][:50]:
            self.assertEqual(set(ev) - {"snapshot"}, {"id", "timestamp", "class", "operation", "ref"})
            self.assertEqual(ev["class"], ev["class"].lower())

    def test_event_from_filters_by_subscription(self):
        x = self.session.xenapi
        token = x.event.inject("pool", x.pool.get_all()[0])
        vm = sorted(x.VM.get_all())[0]
        net = sorted(x.network.get_all())[0]
        x.VM.set_name_label(vm, "event filter vm")
        x.network.set_name_label(net, "event filter network")
        event_from = getattr(x.event, "from")

        def seen(subs, timeout=1.0):
            return sorted({(e["class"], e["ref"]) for e in event_from(subs, token, timeout)["events"]})

        self.assertEqual(seen(["network"]), [("network", net)])
        self.assertEqual(seen(["VM/" + vm]), [("vm", vm)])
        self.assertEqual(seen(["vm", "NETWORK"]), sorted([("vm", vm), ("network", net)]))
        # a class that matches nothing: an empty result at the timeout
        self.assertEqual(seen(["nosuchclass"], 0.3), [])

    def test_event_from_bad_token(self):
        with self.assertRaises(Failure) as cm:
            getattr(self.session.xenapi.event, "from")(["*"], "garbage", 1.0)
        self.assertEqual(cm.exception.details, ["EVENT_FROM_TOKEN_PARSE_FAILURE", "garbage"])

    def test_event_from_wakes_on_change(self):
        x = self.session.xenapi
        token = x.event.inject("pool", x.pool.get_all()[0])
        vm = sorted(x.VM.get_all())[-1]
        other = self.login()
        self.addCleanup(other.close)
        errors = []

        def rename():
            try:
                time.sleep(0.3)
                other.xenapi.VM.set_name_label(vm, "woken")
            except Exception as e:  # reported below
                errors.append(e)

        thread = threading.Thread(target=rename)
        thread.start()
        start = time.monotonic()
        result = getattr(x.event, "from")(["vm"], token, 10.0)
        elapsed = time.monotonic() - start
        thread.join(10)
        other.xenapi.logout()
        self.assertEqual(errors, [])
        self.assertLess(elapsed, 5.0, "event.from did not return when the VM changed")
        mods = [e for e in result["events"] if e["ref"] == vm]
        self.assertEqual([e["operation"] for e in mods], ["mod"])
        self.assertEqual(mods[0]["snapshot"]["name_label"], "woken")

    def test_one_session_on_several_connections(self):
        # XenCenter keeps event.from blocked on a second connection that
        # shares the session; xen-api runs up to 20 calls at once.
        x = self.session.xenapi
        token = x.event.inject("pool", x.pool.get_all()[0])
        vm = sorted(x.VM.get_all())[1]
        results, errors = {}, []

        def watch():
            s2 = xenapi_lite.Session(self.url)
            s2._session = self.session.handle
            try:
                results["events"] = getattr(s2.xenapi.event, "from")(["vm"], token, 10.0)["events"]
            except Exception as e:  # reported below
                errors.append(e)
            finally:
                s2.close()

        def fetch(cls):
            s3 = xenapi_lite.Session(self.url)
            s3._session = self.session.handle
            try:
                results[cls] = len(getattr(s3.xenapi, cls).get_all_records())
            except Exception as e:  # reported below
                errors.append(e)
            finally:
                s3.close()

        watcher = threading.Thread(target=watch)
        watcher.start()
        fetchers = [threading.Thread(target=fetch, args=(cls,)) for cls in CLASSES * 2]
        for t in fetchers:
            t.start()
        for t in fetchers:
            t.join(20)
        time.sleep(0.2)
        start = time.monotonic()
        x.VM.set_name_label(vm, "seen by the shared session")
        watcher.join(10)
        self.assertFalse(watcher.is_alive(), "event.from still blocked")
        self.assertEqual(errors, [])
        self.assertLess(time.monotonic() - start, 5.0)
        for cls in CLASSES:
            self.assertEqual(results[cls], len(getattr(x, cls).get_all()))
        self.assertIn(vm, [e["ref"] for e in results["events"]])

    def test_event_del_has_no_snapshot(self):
        x = self.session.xenapi
        net = x.network.create({"name_label": "short-lived", "name_description": "",
                                "MTU": "1500", "other_config": {}, "tags": []})
        token = x.event.inject("pool", x.pool.get_all()[0])
        x.network.destroy(net)
        events = getattr(x.event, "from")(["network"], token, 1.0)["events"]
        dels = [e for e in events if e["ref"] == net]
        self.assertEqual([e["operation"] for e in dels], ["del"])
        self.assertNotIn("snapshot", dels[0])

    # -- tasks ------------------------------------------------------------

    def test_async_task_lifecycle(self):
        x = self.session.xenapi
        task = x.Async.network.create({"name_label": "made by a task", "name_description": "",
                                       "MTU": "1500", "other_config": {}, "tags": []})
        self.assertTrue(task.startswith("OpaqueRef:"), task)
        deadline = time.monotonic() + 10
        while True:
            rec = x.task.get_record(task)
            if rec["status"] != "pending" or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(rec["status"], "success", rec)
        self.assertEqual(rec["name_label"], "Async.network.create")
        self.assertEqual(rec["progress"], 1.0)
        self.assertEqual(rec["error_info"], [])
        m = re.match(r"^<value>(OpaqueRef:[^<]+)</value>$", rec["result"])
        self.assertIsNotNone(m, rec["result"])
        self.assertEqual(x.network.get_name_label(m.group(1)), "made by a task")
        self.assertNotEqual(rec["finished"].value, "19700101T00:00:00Z")
        x.task.destroy(task)
        with self.assertRaises(Failure) as cm:
            x.task.get_record(task)
        self.assertEqual(cm.exception.details, ["HANDLE_INVALID", "task", task])
        x.network.destroy(m.group(1))

    def test_async_failure_in_task(self):
        x = self.session.xenapi
        try:
            task = x.Async.network.destroy("OpaqueRef:nope")
        except Failure as failure:  # xapi may refuse before making a task
            self.assertEqual(failure.details, ["HANDLE_INVALID", "network", "OpaqueRef:nope"])
            return
        deadline = time.monotonic() + 10
        while x.task.get_status(task) == "pending" and time.monotonic() < deadline:
            time.sleep(0.05)
        rec = x.task.get_record(task)
        self.assertEqual(rec["status"], "failure")
        self.assertEqual(rec["error_info"], ["HANDLE_INVALID", "network", "OpaqueRef:nope"])
        x.task.destroy(task)

    # -- pool roles -------------------------------------------------------

    def test_supporters_answer_host_is_slave(self):
        if self.DUMP is not None:
            self.skipTest("dump host addresses are not local")
        x = self.session.xenapi
        master = x.pool.get_master(x.pool.get_all()[0])
        master_address = x.host.get_address(master)
        port = self.url.rsplit(":", 1)[1]
        supporters = [h for h in x.host.get_all() if h != master]
        self.assertTrue(supporters)
        for host in supporters:
            address = x.host.get_address(host)
            s = xenapi_lite.Session("http://%s:%s" % (address, port))
            self.addCleanup(s.close)
            with self.assertRaises(Failure) as cm:
                s.xenapi.login_with_password("root", PASSWORD, "2.20", "lagoon-client-tests")
            self.assertEqual(cm.exception.details, ["HOST_IS_SLAVE", master_address])

    # -- JSON-RPC ---------------------------------------------------------

    def test_jsonrpc_v1(self):
        ctype, reply = jsonrpc(self.url, {"method": "session.login_with_password",
                                          "params": ["root", PASSWORD, "2.20", "lagoon-json"],
                                          "id": 7})
        self.assertTrue(ctype.startswith("application/json"), ctype)
        # v1 replies carry both members (ocaml-rpc jsonrpc.ml json_of_response)
        self.assertEqual(reply, {"result": reply.get("result"), "error": None, "id": 7})
        sref = reply["result"]
        self.assertTrue(sref.startswith("OpaqueRef:"), sref)

        _, reply = jsonrpc(self.url, {"method": "VM.get_all_records", "params": [sref], "id": 8})
        self.assertIsNone(reply.get("error"), reply)
        self.assertEqual(len(reply["result"]), len(self.session.xenapi.VM.get_all()))

        _, reply = jsonrpc(self.url, {"method": "VM.get_record",
                                      "params": [sref, "OpaqueRef:nope"], "id": 9})
        self.assertEqual(reply, {"result": None, "error": ["HANDLE_INVALID", "VM", "OpaqueRef:nope"],
                                 "id": 9})

        _, reply = jsonrpc(self.url, {"method": "session.logout", "params": [sref], "id": 10})
        self.assertIsNone(reply.get("error"), reply)

    def test_jsonrpc_v2(self):
        ctype, reply = jsonrpc(self.url, {"jsonrpc": "2.0", "method": "session.login_with_password",
                                          "params": ["root", PASSWORD, "2.20", "lagoon-json"],
                                          "id": "a"})
        self.assertEqual(ctype.split(";")[0].strip(), "application/json")
        self.assertEqual(reply.get("jsonrpc"), "2.0")
        self.assertEqual(reply.get("id"), "a")
        self.assertNotIn("error", reply)
        sref = reply["result"]

        # Records over JSON-RPC equal the XML-RPC ones (ints as numbers, bools as booleans).
        _, reply = jsonrpc(self.url, {"jsonrpc": "2.0", "method": "host.get_all_records",
                                      "params": [sref], "id": "b"})
        self.assertEqual(reply.get("id"), "b")
        hosts_xml = self.session.xenapi.host.get_all_records()
        hosts_json = reply["result"]
        self.assertEqual(sorted(hosts_json), sorted(hosts_xml))
        for ref, rec in hosts_xml.items():
            self.assertEqual(hosts_json[ref]["uuid"], rec["uuid"])
            self.assertEqual(hosts_json[ref]["name_label"], rec["name_label"])
            self.assertIs(hosts_json[ref]["enabled"], rec["enabled"])
            self.assertEqual(hosts_json[ref]["API_version_major"], int(rec["API_version_major"]))

        _, reply = jsonrpc(self.url, {"jsonrpc": "2.0", "method": "VM.get_record",
                                      "params": [sref, "OpaqueRef:nope"], "id": "c"})
        self.assertNotIn("result", reply)
        err = reply.get("error")
        self.assertIsInstance(err, dict, reply)
        self.assertNotEqual(err.get("code"), 0)
        self.assertEqual(err.get("message"), "HANDLE_INVALID")
        self.assertEqual(err.get("data"), ["VM", "OpaqueRef:nope"])

        _, reply = jsonrpc(self.url, {"jsonrpc": "2.0", "method": "session.login_with_password",
                                      "params": ["root", "wrong"], "id": "d"})
        self.assertEqual(reply["error"]["message"], "SESSION_AUTHENTICATION_FAILED")

        _, reply = jsonrpc(self.url, {"jsonrpc": "2.0", "method": "session.logout",
                                      "params": [sref], "id": "e"})
        self.assertNotIn("error", reply)
        _, reply = jsonrpc(self.url, {"jsonrpc": "2.0", "method": "VM.get_all",
                                      "params": [sref], "id": "f"})
        self.assertEqual(reply["error"]["message"], "SESSION_INVALID")
        self.assertEqual(reply["error"]["data"], [sref])

    def test_session_shared_between_transports(self):
        sref = self.session.handle
        _, reply = jsonrpc(self.url, {"jsonrpc": "2.0", "method": "pool.get_all",
                                      "params": [sref], "id": 1})
        self.assertEqual(reply.get("result"), self.session.xenapi.pool.get_all())


class TestCredentials(unittest.TestCase):
    """--user and --password-file, and the defaults (root / xenroot)."""

    def _codes(self, sim, attempts):
        out = []
        for user, password in attempts:
            s = xenapi_lite.Session(sim.url)
            self.addCleanup(s.close)
            try:
                s.xenapi.login_with_password(user, password, "2.20", "lagoon-client-tests")
                out.append("ok")
                s.xenapi.logout()
            except Failure as failure:
                out.append(failure.code)
        return out

    def test_custom_user(self):
        with simproc.Simulator(["--generate", "1:2:1"], user="lagoon-admin",
                               password="p w\u00e9") as sim:
            self.assertEqual(self._codes(sim, [("lagoon-admin", "p w\u00e9"), ("root", "p w\u00e9"),
                                               ("lagoon-admin", "xenroot"), ("lagoon-admin", "")]),
                             ["ok", "SESSION_AUTHENTICATION_FAILED",
                              "SESSION_AUTHENTICATION_FAILED", "SESSION_AUTHENTICATION_FAILED"])

    def test_defaults(self):
        with simproc.Simulator(["--generate", "1:2:1"], user=None, password=None) as sim:
            self.assertEqual(self._codes(sim, [("root", "xenroot"), ("root", "xenroot2")]),
                             ["ok", "SESSION_AUTHENTICATION_FAILED"])


class TestSaveRoundTrip(unittest.TestCase):
    """--save FILE writes a dump on exit that another simulator loads back."""

    def test_save_and_reload(self):
        import tempfile
        tmp = tempfile.mkdtemp(prefix="lagoon-clients-save-")
        self.addCleanup(lambda: __import__("shutil").rmtree(tmp, ignore_errors=True))
        saved = os.path.join(tmp, "saved.xml")
        sim = simproc.Simulator(["--generate", "2:12:3"], password=PASSWORD, extra=["--save", saved])
        self.addCleanup(sim.cleanup)
        sim.start()
        s = xenapi_lite.login(sim.url, "root", PASSWORD)
        self.addCleanup(s.close)
        x = s.xenapi
        vm = sorted(x.VM.get_all())[0]
        x.VM.set_name_label(vm, "saved name with  two spaces,\ttab & <xml>")
        net = x.network.create({"name_label": "saved network", "name_description": "",
                                "MTU": "9000", "other_config": {"k": "v w"}, "tags": ["t1"]})
        before = xenapi_lite.count_all(s, CLASSES)
        vm_uuid = x.VM.get_uuid(vm)
        net_uuid = x.network.get_uuid(net)
        x.logout()
        status = sim.stop()
        self.assertIn(status, (0, -15, 143), "simulator exit status on SIGTERM: %s" % status)
        self.assertTrue(os.path.isfile(saved), "--save wrote no file")

        rows = simproc.dump_row_counts(saved)
        self.assertEqual({c: rows.get(c, 0) for c in CLASSES}, before)
        for table in ("session", "task"):
            self.assertEqual(rows.get(table, 0), 0, "%s rows are not persistent in xapi" % table)
        names = {r["uuid"]: r.get("name__label") for r in simproc.dump_rows(saved, "VM")}
        self.assertEqual(names.get(vm_uuid), "saved name with  two spaces,\ttab & <xml>")

        again = simproc.Simulator(["--db", saved], password=PASSWORD)
        self.addCleanup(again.cleanup)
        again.start()
        s2 = xenapi_lite.login(again.url, "root", PASSWORD)
        self.addCleanup(s2.close)
        self.assertEqual(xenapi_lite.count_all(s2, CLASSES), before)
        x2 = s2.xenapi
        self.assertEqual(x2.VM.get_name_label(x2.VM.get_by_uuid(vm_uuid)),
                         "saved name with  two spaces,\ttab & <xml>")
        rec = x2.network.get_record(x2.network.get_by_uuid(net_uuid))
        self.assertEqual((rec["name_label"], rec["MTU"], rec["other_config"], rec["tags"]),
                         ("saved network", "9000", {"k": "v w"}, ["t1"]))
        x2.logout()


def _make_case(source_id, args, dump):
    name = "Test_" + "".join(c if c.isalnum() else "_" for c in source_id)
    return name, type(name, (PoolSourceMixin, unittest.TestCase),
                      {"SOURCE_ID": source_id, "SIM_ARGS": args, "DUMP": dump})


_SOURCES, _SHARED_NOTE = simproc.sources()
for _sid, _args, _dump in _SOURCES:
    _n, _c = _make_case(_sid, _args, _dump)
    globals()[_n] = _c
# (the loader would otherwise find the last class a second time under "_c")
del _sid, _args, _dump, _n, _c


class TestSharedFixtures(unittest.TestCase):
    def test_present(self):
        if _SHARED_NOTE:
            self.skipTest(_SHARED_NOTE)


if __name__ == "__main__":
    unittest.main(verbosity=2)
