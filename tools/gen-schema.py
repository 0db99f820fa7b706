#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Generate Lagoon's XenAPI schema tables from the datamodel JSON.

The datamodel (xenapi.json, as published by the xapi project) is an input
only: it is never copied into the repository.  This script keeps the facts
we need -- class, field and message names, types, qualifiers, defaults,
lifecycle states and enum values -- and drops every description.

    tools/gen-schema.py PATH/TO/xenapi.json src/model

writes src/model/lagoon-schema-data.c and src/model/lagoon-schema-ids.h.
Both outputs are committed, so a clone builds without the datamodel.
"""

import json
import re
import sys
from pathlib import Path

# Classes whose messages have no Async.* twin (see PROTOCOL.md section 4).
SYNC_ONLY_CLASSES = {"session", "task", "event"}

# Classes that produce no events (xapi: gen_events = false, or not in the DB).
NO_EVENT_CLASSES = {
    "session", "event", "user", "data_source", "auth", "sr_stat",
    "probe_result", "vdi_nbd_server_info", "secret",
}

# Implicit messages that still have an Async.* form.
ASYNC_IMPLICIT = {"create", "destroy"}


def load_sync_only():
    """Explicit messages without an Async.* form, from tools/xenapi-sync-only.txt."""
    path = Path(__file__).with_name("xenapi-sync-only.txt")
    names = set()
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            names.add(line)
    return names


def has_async_form(cls, msg, sync_only):
    if cls in SYNC_ONLY_CLASSES:
        return False
    if msg.get("implicit"):
        return msg["name"] in ASYNC_IMPLICIT
    if "%s.%s" % (cls, msg["name"]) in sync_only:
        return False
    # Newer than the list: queries answer at once, everything else may take time.
    return not msg["name"].startswith(("get_", "list_", "query_"))

LIFECYCLE = {
    "Published_s": "LAGOON_LIFECYCLE_PUBLISHED",
    "Prototyped_s": "LAGOON_LIFECYCLE_PROTOTYPED",
    "Deprecated_s": "LAGOON_LIFECYCLE_DEPRECATED",
    "Removed_s": "LAGOON_LIFECYCLE_REMOVED",
}

# xapi's built-in roles, strongest first (LAGOON_ROLE_* bits in lagoon-schema.h).
ROLES = ["pool-admin", "pool-operator", "vm-power-admin", "vm-admin", "vm-operator", "read-only"]

QUALIFIER = {
    "RW": "LAGOON_QUALIFIER_RW",
    "RO/constructor": "LAGOON_QUALIFIER_RO_CONSTRUCTOR",
    "RO/runtime": "LAGOON_QUALIFIER_RO_RUNTIME",
}


def c_string(s):
    if s is None:
        return "NULL"
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def c_ident(s):
    return re.sub(r"[^A-Za-z0-9]", "_", s).upper()


class Types:
    """Deduplicated LagoonType descriptors, emitted children first."""

    def __init__(self, enums):
        self.enums = enums
        self.ids = {}
        self.lines = []

    def ref(self, text):
        text = text.strip()
        if text in self.ids:
            return "&lagoon_type_%d" % self.ids[text]
        kind, cls, enum, key, value = self.parse(text)
        ident = len(self.ids)
        self.ids[text] = ident
        self.lines.append(
            "static const LagoonType lagoon_type_%d = { %s, %s, %s, %s, %s }; /* %s */"
            % (ident, kind, c_string(cls), enum, key, value, text))
        return "&lagoon_type_%d" % ident

    def parse(self, t):
        simple = {
            "string": "LAGOON_TYPE_STRING", "int": "LAGOON_TYPE_INT",
            "float": "LAGOON_TYPE_FLOAT", "bool": "LAGOON_TYPE_BOOL",
            "datetime": "LAGOON_TYPE_DATETIME", "void": "LAGOON_TYPE_VOID",
        }
        if t in simple:
            return simple[t], None, "NULL", "NULL", "NULL"
        if t == "an event batch":
            return "LAGOON_TYPE_EVENT_BATCH", None, "NULL", "NULL", "NULL"
        if t.startswith("(") and t.endswith(") map"):
            inner, depth = t[1:-5], 0
            for i, ch in enumerate(inner):
                depth += ch == "("
                depth -= ch == ")"
                if depth == 0 and inner.startswith(" -> ", i):
                    return ("LAGOON_TYPE_MAP", None, "NULL",
                            self.ref(inner[:i]), self.ref(inner[i + 4:]))
            raise SystemExit("bad map type %r" % t)
        for suffix, kind in ((" set", "LAGOON_TYPE_SET"), (" option", "LAGOON_TYPE_OPTION")):
            if t.endswith(suffix):
                return kind, None, "NULL", "NULL", self.ref(t[: -len(suffix)])
        if t.startswith("enum "):
            name = t[5:]
            if name not in self.enums:
                raise SystemExit("unknown enum %r" % name)
            return "LAGOON_TYPE_ENUM", None, "&lagoon_enum_%s" % name, "NULL", "NULL"
        if t.endswith(" ref"):
            return "LAGOON_TYPE_REF", t[:-4], "NULL", "NULL", "NULL"
        if t.endswith(" record"):
            cls = t[:-7]
            if cls == "<class>":
                cls = None
            return "LAGOON_TYPE_RECORD", cls, "NULL", "NULL", "NULL"
        raise SystemExit("unknown type %r" % t)


def split_top(s):
    """Split 'a, b, c' at top-level commas, honouring double quotes."""
    out, cur, quoted = [], "", False
    for ch in s:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def unquote(s):
    s = s.strip()
    if len(s) >= 2 and s[0] == '"' and s[-1] == '"':
        return s[1:-1]
    return s


def sexpr_atom(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


def default_to_db(ftype, text):
    """Turn a datamodel default into xapi's database-dump encoding."""
    if text is None:
        return None
    t = ftype.strip()
    if t.endswith(" map"):
        body = text.strip()[1:-1].strip()
        pairs = []
        for item in split_top(body):
            k, v = item.split("->", 1)
            pairs.append("(%s %s)" % (sexpr_atom(unquote(k)), sexpr_atom(unquote(v))))
        return "(" + " ".join(pairs) + ")"
    if t.endswith(" set"):
        body = text.strip()[1:-1].strip()
        return "(" + " ".join(sexpr_atom(unquote(x)) for x in split_top(body)) + ")"
    if t.endswith(" ref"):
        return "OpaqueRef:NULL" if text in ("Null", "OpaqueRef:NULL") else text
    if t == "string":
        return unquote(text)
    if t == "float":
        return text + "0" if text.endswith(".") else text
    return text


def main():
    src, outdir = Path(sys.argv[1]), Path(sys.argv[2])
    model = json.loads(src.read_text())

    enums = {}
    for cls in model:
        for e in cls.get("enums", []):
            enums.setdefault(e["name"], [v["name"] for v in e["values"]])

    sync_only = load_sync_only()
    types = Types(enums)
    body = []
    ids = []

    for ename in sorted(enums):
        vals = enums[ename]
        body.append("static const char * const lagoon_enum_%s_values[] = { %s };"
                    % (ename, ", ".join(c_string(v) for v in vals)))
    enum_defs = []
    for ename in sorted(enums):
        enum_defs.append("const LagoonSchemaEnum lagoon_enum_%s = { %s, %d, lagoon_enum_%s_values };"
                         % (ename, c_string(ename), len(enums[ename]), ename))

    class_rows = []
    ids.append("typedef enum {")
    for ci, cls in enumerate(model):
        name = cls["name"]
        ids.append("  LAGOON_CLASS_%s = %d," % (c_ident(name), ci))
    ids.append("  LAGOON_N_CLASSES = %d" % len(model))
    ids.append("} LagoonClassId;")
    ids.append("")

    for ci, cls in enumerate(model):
        name = cls["name"]
        cid = c_ident(name)
        fields = cls["fields"]
        frows = []
        ids.append("/* %s */" % name)
        ids.append("enum {")
        for fi, f in enumerate(fields):
            ids.append("  LAGOON_%s_%s = %d," % (cid, c_ident(f["name"]), fi))
            frows.append("  { %s, %s, %s, %s, %s },"
                         % (c_string(f["name"]), types.ref(f["type"]),
                            QUALIFIER[f["qualifier"]], LIFECYCLE[f["lifecycle"]["state"]],
                            c_string(default_to_db(f["type"], f.get("default")))))
        ids.append("  LAGOON_%s_N_FIELDS = %d" % (cid, len(fields)))
        ids.append("};")
        ids.append("")

        mrows = []
        for m in cls["messages"]:
            params = m["params"]
            prow_name = "lagoon_params_%s_%s" % (name, m["name"])
            if params:
                body.append("static const LagoonSchemaParam %s[] = {" % prow_name)
                for p in params:
                    body.append("  { %s, %s, %s },"
                                % (c_string(p["name"]), types.ref(p["type"]),
                                   "TRUE" if p.get("required", True) else "FALSE"))
                body.append("};")
            flags = []
            if m.get("implicit"):
                flags.append("LAGOON_MESSAGE_IMPLICIT")
            if has_async_form(name, m, sync_only):
                flags.append("LAGOON_MESSAGE_ASYNC")
            if not params or params[0]["type"] != "session ref":
                flags.append("LAGOON_MESSAGE_SESSIONLESS")
            roles = 0
            for r in m.get("roles", []):
                if r in ROLES:
                    roles |= 1 << ROLES.index(r)
            mrows.append("  { %s, %s, %d, %s, %s, %s, 0x%02x },"
                         % (c_string(m["name"]), prow_name if params else "NULL", len(params),
                            types.ref(m["result"][0]), " | ".join(flags) or "0",
                            LIFECYCLE[m["lifecycle"]["state"]], roles))

        body.append("static const LagoonSchemaField lagoon_fields_%s[] = {" % name)
        body.extend(frows)
        body.append("};")
        body.append("static const LagoonSchemaMessage lagoon_messages_%s[] = {" % name)
        body.extend(mrows)
        body.append("};")
        cflags = []
        if name not in NO_EVENT_CLASSES:
            cflags.append("LAGOON_CLASS_EVENTS")
        class_rows.append("  { %s, LAGOON_CLASS_%s, lagoon_fields_%s, %d, lagoon_messages_%s, %d, %s },"
                          % (c_string(name), cid, name, len(fields), name, len(cls["messages"]),
                             " | ".join(cflags) or "0"))

    header = ("/* SPDX-License-Identifier: GPL-3.0-or-later */\n"
              "/* Generated by tools/gen-schema.py from the XenAPI datamodel. Do not edit. */\n")
    out_c = [header, '#include "config.h"', "", '#include "lagoon-schema.h"', ""]
    out_c.extend(l for l in body if l.startswith("static const char * const lagoon_enum_"))
    out_c.append("")
    out_c.extend(enum_defs)
    out_c.append("")
    out_c.extend(types.lines)
    out_c.append("")
    out_c.extend(l for l in body if not l.startswith("static const char * const lagoon_enum_"))
    out_c.append("")
    out_c.append("const LagoonSchemaClass lagoon_schema_classes[] = {")
    out_c.extend(class_rows)
    out_c.append("};")
    out_c.append("const guint lagoon_schema_n_classes = G_N_ELEMENTS (lagoon_schema_classes);")
    out_c.append("")
    out_c.append("const LagoonSchemaEnum * const lagoon_schema_enums[] = {")
    out_c.extend("  &lagoon_enum_%s," % e for e in sorted(enums))
    out_c.append("};")
    out_c.append("const guint lagoon_schema_n_enums = G_N_ELEMENTS (lagoon_schema_enums);")
    (outdir / "lagoon-schema-data.c").write_text("\n".join(out_c) + "\n")

    out_h = [header, "#pragma once", "", "#include <glib.h>", "", "G_BEGIN_DECLS", ""]
    out_h.extend(ids)
    out_h.append("")
    for e in sorted(enums):
        out_h.append("extern const struct _LagoonSchemaEnum lagoon_enum_%s;" % e)
    out_h.append("")
    out_h.append("G_END_DECLS")
    (outdir / "lagoon-schema-ids.h").write_text("\n".join(out_h) + "\n")


if __name__ == "__main__":
    main()
