#!/usr/bin/env python3
"""tools/gen_command_docs.py — writes engine/command_docs_data.inc: redis-server
7.0's COMMAND DOCS (summary, complexity, history, argument trees) and COMMAND
INFO tips and key specifications of every command and subcommand stockd has,
as static C++ data (engine/command_docs.h).

    tools/gen_command_docs.py --stockd-binary build/server/stockd
    tools/gen_command_docs.py --stockd-port 6379      # ask a running stockd

It starts its own redis-server (--redis-server, default from PATH) on a free
127.0.0.1 port and, with --stockd-binary, its own stockd likewise; both are
stopped at the end. The build never runs this: the output is committed.
Python 3 standard library only; RESP is parsed here (hiredis refuses
COMMAND DOCS' nesting).
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time

# The fields COMMAND DOCS prints, in the order Redis 7.0 prints them
# (addReplyCommandDocs / addReplyCommandArgList). The renderer
# (server/server_family.cc) prints them in this order, so the generator
# refuses any other field or order rather than emit data it would misprint.
# since, group, doc_flags, deprecated_since and replaced_by are CommandSpec's
# (engine/command.h), so they are checked by the compat test, not copied here.
DOC_FIELDS = ["summary", "since", "group", "complexity", "doc_flags", "deprecated_since", "replaced_by",
              "history", "arguments", "subcommands"]
ARG_FIELDS = ["name", "type", "key_spec_index", "token", "summary", "since", "deprecated_since", "flags",
              "arguments"]
ARG_TYPES = {"string": "kString", "integer": "kInteger", "double": "kDouble", "key": "kKey",
             "pattern": "kPattern", "unix-time": "kUnixTime", "pure-token": "kPureToken",
             "oneof": "kOneOf", "block": "kBlock"}
ARG_FLAGS = {"optional": "kArgOptional", "multiple": "kArgMultiple", "multiple_token": "kArgMultipleToken"}
# COMMAND INFO's key specs (addReplyCommandKeySpecs): fields in this order,
# flags in this order (KeySpecFlag), and per begin_search / find_keys type the
# spec's fields in order (the renderer prints exactly these).
KEY_SPEC_FIELDS = ["notes", "flags", "begin_search", "find_keys"]
KEY_FLAGS = {"RO": "kKeyRO", "RW": "kKeyRW", "OW": "kKeyOW", "RM": "kKeyRM", "access": "kKeyAccess",
             "update": "kKeyUpdate", "insert": "kKeyInsert", "delete": "kKeyDelete", "not_key": "kKeyNotKey",
             "incomplete": "kKeyIncomplete", "variable_flags": "kKeyVariableFlags"}
BEGIN_TYPES = {"unknown": ("KeyBegin::kUnknown", []), "index": ("KeyBegin::kIndex", ["index"]),
               "keyword": ("KeyBegin::kKeyword", ["keyword", "startfrom"])}
FIND_TYPES = {"unknown": ("KeyFind::kUnknown", []), "range": ("KeyFind::kRange", ["lastkey", "keystep", "limit"]),
              "keynum": ("KeyFind::kKeynum", ["keynumidx", "firstkey", "keystep"])}
# KeySpec's field declaration order (designated initializers must follow it).
KEY_SPEC_ORDER = ["notes", "flags", "begin", "index", "keyword", "startfrom", "find", "lastkey", "keynumidx",
                  "firstkey", "keystep", "limit"]


class Map(list):
    """A RESP3 map, as its (key, value) pairs in order."""


class Set(list):
    """A RESP3 set."""


def read_reply(f):
    line = f.readline()
    if not line.endswith(b"\r\n"):
        raise IOError("connection closed")
    kind, rest = chr(line[0]), line[1:-2].decode()
    if kind in "+":
        return rest
    if kind == "-":
        raise RuntimeError(rest)
    if kind == ":":
        return int(rest)
    if kind in "$=":  # a verbatim string ("=") starts with its format, "txt:"
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)[:-2].decode()
        return data[4:] if kind == "=" else data
    if kind in "*~":
        items = [read_reply(f) for _ in range(int(rest))]
        return Set(items) if kind == "~" else items
    if kind == "%":
        return Map((read_reply(f), read_reply(f)) for _ in range(int(rest)))
    if kind == "_":
        return None
    raise ValueError("unexpected RESP type %r" % line)


def command(port, *argv):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        f = s.makefile("rb")
        s.sendall(resp_command("HELLO", "3") + resp_command(*argv))
        read_reply(f)
        return read_reply(f)


def resp_command(*argv):
    out = b"*%d\r\n" % len(argv)
    for a in argv:
        a = a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(argv, port):
    proc = subprocess.Popen(argv + ["--port", str(port), "--bind", "127.0.0.1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            command(port, "PING")
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("%s did not start on port %d" % (argv[0], port))


def all_names(docs):
    """The full names of every command and subcommand in a COMMAND DOCS map."""
    for name, doc in docs:
        yield name
        for field, value in doc:
            if field == "subcommands":
                yield from all_names(value)


def check_order(pairs, known, what):
    fields = [k for k, _ in pairs]
    ranks = [known.index(k) if k in known else -1 for k in fields]
    if -1 in ranks or ranks != sorted(ranks):
        sys.exit("%s: unexpected fields or order %s (update DOC_FIELDS/ARG_FIELDS and the renderer)" %
                 (what, fields))
    return dict(pairs)


def cstr(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class Emitter:
    def __init__(self):
        self.lines = []
        self.idents = set()

    def args(self, args, ident, what):
        """Emits the array `ident` (children first); returns its name."""
        rows = []
        for i, arg in enumerate(args):
            a = check_order(arg, ARG_FIELDS, what)
            if a["type"] not in ARG_TYPES:
                sys.exit("%s: unknown argument type %s" % (what, a["type"]))
            fields = [".name = " + cstr(a["name"]), ".type = ArgType::" + ARG_TYPES[a["type"]]]
            if "key_spec_index" in a:
                fields.append(".key_spec_index = %d" % a["key_spec_index"])
            for f in ("token", "summary", "since", "deprecated_since"):
                if f in a:
                    if not a[f]:
                        sys.exit("%s: empty %s" % (what, f))
                    fields.append(".%s = %s" % (f, cstr(a[f])))
            if "flags" in a:
                if not isinstance(a["flags"], Set) or any(f not in ARG_FLAGS for f in a["flags"]) or \
                        list(a["flags"]) != [f for f in ARG_FLAGS if f in a["flags"]]:
                    sys.exit("%s: unexpected flags %s" % (what, a["flags"]))
                fields.append(".flags = " + " | ".join(ARG_FLAGS[f] for f in a["flags"]))
            if ("arguments" in a) != (a["type"] in ("oneof", "block")):
                sys.exit("%s: arguments only and always for oneof and block" % what)
            if "arguments" in a:
                fields.append(".args = " + self.args(a["arguments"], "%s_%d" % (ident, i), what + " " + a["name"]))
            rows.append("    {" + ", ".join(fields) + "},")
        self.lines += ["constexpr CommandArg %s[] = {" % ident] + rows + ["};"]
        return ident

    def key_specs(self, specs, ident, what):
        """Emits the array `ident` of COMMAND INFO key specs; returns its name."""
        rows = []
        for spec in specs:
            k = check_order(spec, KEY_SPEC_FIELDS, what)
            if list(k) != KEY_SPEC_FIELDS[len(KEY_SPEC_FIELDS) - len(k):]:
                sys.exit("%s: key spec fields %s" % (what, list(k)))
            fields = {}
            if "notes" in k:
                fields["notes"] = cstr(k["notes"])
            flags = k["flags"]
            if not isinstance(flags, Set) or list(flags) != [f for f in KEY_FLAGS if f in flags]:
                sys.exit("%s: unexpected key spec flags %s" % (what, flags))
            fields["flags"] = " | ".join(KEY_FLAGS[f] for f in flags) or "0"
            for field, types, kind in (("begin_search", BEGIN_TYPES, "begin"), ("find_keys", FIND_TYPES, "find")):
                bs = check_order(k[field], ["type", "spec"], what)
                if list(bs) != ["type", "spec"] or bs["type"] not in types:
                    sys.exit("%s: unexpected %s %s" % (what, field, k[field]))
                enum, names = types[bs["type"]]
                if [n for n, _ in bs["spec"]] != names:
                    sys.exit("%s: unexpected %s spec %s" % (what, field, bs["spec"]))
                fields[kind] = enum
                for n, v in bs["spec"]:
                    if isinstance(v, str) != (n == "keyword"):
                        sys.exit("%s: unexpected %s value %r" % (what, n, v))
                    fields[n] = cstr(v) if n == "keyword" else str(v)
            rows.append("    {" + ", ".join(".%s = %s" % (f, fields[f]) for f in KEY_SPEC_ORDER if f in fields) + "},")
        self.lines += ["constexpr KeySpec %s[] = {" % ident] + rows + ["};"]
        return ident

    def doc(self, name, pairs, info):
        d = check_order(pairs, DOC_FIELDS, name)
        ident = "k_" + "".join(c if c.isalnum() else "_" for c in name)
        if ident in self.idents:
            sys.exit("%s: identifier %s is taken" % (name, ident))
        self.idents.add(ident)
        fields = [".name = " + cstr(name), ".summary = " + cstr(d["summary"])]
        if "complexity" in d:
            fields.append(".complexity = " + cstr(d["complexity"]))
        if "history" in d:
            if not isinstance(d["history"], Set) or any(len(h) != 2 for h in d["history"]):
                sys.exit("%s: unexpected history %s" % (name, d["history"]))
            self.lines.append("constexpr CommandHistory %s_history[] = {" % ident)
            self.lines += ["    {%s, %s}," % (cstr(v), cstr(c)) for v, c in d["history"]]
            self.lines.append("};")
            fields.append(".history = %s_history" % ident)
        if "arguments" in d:
            fields.append(".args = " + self.args(d["arguments"], ident + "_args", name))
        # COMMAND INFO: [name, arity, flags, first, last, step, categories,
        # tips, key specs, subcommands].
        if info[0] != name or len(info) != 10:
            sys.exit("%s: unexpected COMMAND INFO entry %s" % (name, info[:1]))
        tips, specs = info[7], info[8]
        if not isinstance(tips, Set) or not all(isinstance(t, str) and t for t in tips):
            sys.exit("%s: unexpected tips %s" % (name, tips))
        if tips:
            self.lines.append("constexpr std::string_view %s_tips[] = {%s};" % (ident, ", ".join(map(cstr, tips))))
            fields.append(".tips = %s_tips" % ident)
        if not isinstance(specs, Set):
            sys.exit("%s: key specs not a set" % name)
        if specs:
            fields.append(".key_specs = " + self.key_specs(specs, ident + "_key_specs", name))
        return "    {" + ", ".join(fields) + "},"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--stockd-binary", help="start this stockd to learn its commands")
    g.add_argument("--stockd-port", type=int, help="ask the stockd running on this 127.0.0.1 port")
    p.add_argument("--redis-server", default=shutil.which("redis-server") or "redis-server")
    p.add_argument("-o", "--output", default=os.path.normpath(
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "engine", "command_docs_data.inc")))
    opts = p.parse_args()

    procs, tmp = [], tempfile.mkdtemp(prefix="gen-command-docs-")
    try:
        redis_port = free_port()
        procs.append(start([opts.redis_server, "--save", "", "--appendonly", "no", "--dir", tmp], redis_port))
        version = dict(line.split(":", 1) for line in command(redis_port, "INFO", "server").splitlines()
                       if ":" in line)["redis_version"]
        redis_docs = command(redis_port, "COMMAND", "DOCS")
        redis_info = command(redis_port, "COMMAND", "INFO")
        stockd_port = opts.stockd_port
        if opts.stockd_binary:
            stockd_port = free_port()
            os.mkdir(os.path.join(tmp, "stockd"))
            procs.append(start([opts.stockd_binary, "--dir", os.path.join(tmp, "stockd")], stockd_port))
        ours = set(all_names(command(stockd_port, "COMMAND", "DOCS")))
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)

    # Every documented entry, flattened: subcommands are entries of their own.
    entries = {}

    def collect(docs):
        for name, doc in docs:
            entries[name] = doc
            for field, value in doc:
                if field == "subcommands":
                    collect(value)
    collect(redis_docs)
    infos = {}

    def collect_info(info):
        for entry in info:
            infos[entry[0]] = entry
            collect_info(entry[9])
    collect_info(redis_info)

    out = Emitter()
    rows = [out.doc(name, entries[name], infos[name]) for name in sorted(ours & entries.keys())]
    stockd_only = " ".join(sorted(ours - entries.keys()))
    header = [
        "// engine/command_docs_data.inc — GENERATED by tools/gen_command_docs.py from",
        "// redis-server %s's COMMAND DOCS; do not edit. Regenerate (after adding a" % version,
        "// command Redis also has) with",
        "//   tools/gen_command_docs.py --stockd-binary build/server/stockd",
        "// Included by engine/command_docs.cc only: each documented command that both",
        "// stockd and Redis have, with Redis's summary, complexity, history,",
        "// arguments, and COMMAND INFO tips and key specs; kRedisDocs is sorted by",
        "// name (FindCommandDoc's binary search).",
    ] + textwrap.wrap("Not here (stockd's own, documented by hand in command_docs.cc): " + stockd_only,
                      width=77, initial_indent="// ", subsequent_indent="// ") + [
        "",
    ]
    footer = ["", "constexpr CommandDoc kRedisDocs[] = {"] + rows + ["};"]
    with open(opts.output, "w") as f:
        f.write("\n".join(header + out.lines + footer) + "\n")
    print("%s: %d commands from redis-server %s; stockd-only: %s" %
          (opts.output, len(rows), version, stockd_only))


if __name__ == "__main__":
    main()
