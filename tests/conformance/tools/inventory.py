#!/usr/bin/env python3
"""Inventory of the Terraform-language features a conformance case uses.

Reads every *.tf file under a case directory (the published files plus the local modules kept
beside them), lexes and parses the native HCL syntax just far enough to know block structure,
attributes and expression tokens, and writes a JSON inventory with file:line for every use.
FEATURES.md of each case and the matrix in README.md are written from these inventories.

Usage: inventory.py CASE_DIR [--json OUT]
"""
import json
import os
import re
import sys
from collections import defaultdict

# ----------------------------------------------------------------------------- lexer

PUNCT = ["...", "::", "==", "!=", "<=", ">=", "&&", "||", "=>",
         "?", ":", "[", "]", "{", "}", "(", ")", ",", ".", "*", "=", "!", "+", "-", "/", "%", "<", ">"]


class Tok:
    __slots__ = ("kind", "text", "line")

    def __init__(self, kind, text, line):
        self.kind, self.text, self.line = kind, text, line

    def __repr__(self):
        return f"{self.kind}:{self.text!r}@{self.line}"


def lex(src):
    """Tokens: IDENT NUM STR_BEGIN STR_LIT STR_END HEREDOC_BEGIN HEREDOC_END INTERP_OPEN
    INTERP_CLOSE DIRECTIVE_OPEN DIRECTIVE_CLOSE NL and punctuation (kind == text)."""
    toks = []
    i, line, n = 0, 1, len(src)
    # A stack of frames: ('code', depth, closer) or template frames handled inline.
    stack = [["code", 0, None]]

    def template(i, line, end_quote, heredoc_term=None, strip=False):
        """Lex a quoted string (end_quote='"') or heredoc body; returns (i, line)."""
        lit = []
        while i < n:
            if heredoc_term is not None and (i == 0 or src[i - 1] == "\n"):
                m = re.match(r"[ \t]*" + re.escape(heredoc_term) + r"[ \t]*(\r?\n|$)", src[i:])
                if m:
                    if lit:
                        toks.append(Tok("STR_LIT", "".join(lit), line))
                    toks.append(Tok("HEREDOC_END", heredoc_term, line))
                    i += len(m.group(0).rstrip("\r\n"))
                    return i, line
            c = src[i]
            if end_quote and c == "\\" and i + 1 < n:
                lit.append(src[i:i + 2])
                i += 2
                continue
            if end_quote and c == '"':
                if lit:
                    toks.append(Tok("STR_LIT", "".join(lit), line))
                toks.append(Tok("STR_END", '"', line))
                return i + 1, line
            if src.startswith("$${", i) or src.startswith("%%{", i):
                lit.append(src[i:i + 3])
                i += 3
                continue
            if src.startswith("${", i) or src.startswith("%{", i):
                if lit:
                    toks.append(Tok("STR_LIT", "".join(lit), line))
                    lit = []
                kind = "INTERP_OPEN" if c == "$" else "DIRECTIVE_OPEN"
                toks.append(Tok(kind, src[i:i + 2], line))
                i += 2
                if i < n and src[i] == "~":
                    i += 1
                i, line = code(i, line, closer=("INTERP_CLOSE" if c == "$" else "DIRECTIVE_CLOSE"))
                continue
            if c == "\n":
                line += 1
            lit.append(c)
            i += 1
        return i, line

    def code(i, line, closer=None):
        depth = 0
        while i < n:
            c = src[i]
            if c in " \t\r":
                i += 1
                continue
            if c == "\n":
                toks.append(Tok("NL", "\n", line))
                line += 1
                i += 1
                continue
            if c == "#" or src.startswith("//", i):
                j = src.find("\n", i)
                i = n if j < 0 else j
                continue
            if src.startswith("/*", i):
                j = src.find("*/", i + 2)
                j = n if j < 0 else j + 2
                line += src.count("\n", i, j)
                i = j
                continue
            if c == '"':
                toks.append(Tok("STR_BEGIN", '"', line))
                i, line = template(i + 1, line, end_quote=True)
                continue
            m = re.match(r"<<(-?)([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n", src[i:])
            if m:
                toks.append(Tok("HEREDOC_BEGIN", m.group(0).strip(), line))
                i += len(m.group(0))
                line += 1
                i, line = template(i, line, end_quote=False, heredoc_term=m.group(2))
                continue
            m = re.match(r"[A-Za-z_][A-Za-z0-9_-]*", src[i:])
            if m:
                toks.append(Tok("IDENT", m.group(0), line))
                i += len(m.group(0))
                continue
            m = re.match(r"[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?", src[i:])
            if m:
                toks.append(Tok("NUM", m.group(0), line))
                i += len(m.group(0))
                continue
            if c == "~" and closer and src.startswith("~}", i) and depth == 0:
                i += 1
                continue
            for p in PUNCT:
                if src.startswith(p, i):
                    break
            else:
                p = c
            if p == "{":
                depth += 1
            elif p == "}":
                if depth == 0 and closer:
                    toks.append(Tok(closer, "}", line))
                    return i + 1, line
                depth -= 1
            toks.append(Tok(p, p, line))
            i += len(p)
        return i, line

    code(0, 1)
    toks.append(Tok("EOF", "", line))
    return toks


# ----------------------------------------------------------------------------- parser

class Node:
    def __init__(self, kind, labels, line):
        self.kind, self.labels, self.line = kind, labels, line
        self.attrs = {}        # name -> (line, [tokens])
        self.blocks = []       # child Nodes


OPENERS = {"(": ")", "[": "]", "{": "}", "INTERP_OPEN": "INTERP_CLOSE",
           "DIRECTIVE_OPEN": "DIRECTIVE_CLOSE", "STR_BEGIN": "STR_END", "HEREDOC_BEGIN": "HEREDOC_END"}


def parse_body(toks, i, node, top=False):
    while True:
        t = toks[i]
        if t.kind == "NL":
            i += 1
            continue
        if t.kind == "EOF" or (t.kind == "}" and not top):
            return i
        if t.kind != "IDENT":
            raise SyntaxError(f"line {t.line}: unexpected {t.kind} {t.text!r}")
        name, line = t.text, t.line
        i += 1
        if toks[i].kind == "=":
            i += 1
            expr = []
            stack = []
            while True:
                t = toks[i]
                if not stack and (t.kind in ("NL", "EOF") or t.kind == "}"):
                    break
                if t.kind in OPENERS:
                    stack.append(OPENERS[t.kind])
                elif stack and t.kind == stack[-1]:
                    stack.pop()
                expr.append(t)
                i += 1
            node.attrs[name] = (line, expr)
            continue
        labels = []
        while toks[i].kind in ("STR_BEGIN", "IDENT"):
            if toks[i].kind == "IDENT":
                labels.append(toks[i].text)
                i += 1
            else:
                j = i + 1
                text = ""
                while toks[j].kind != "STR_END":
                    text += toks[j].text
                    j += 1
                labels.append(text)
                i = j + 1
        if toks[i].kind != "{":
            raise SyntaxError(f"line {toks[i].line}: expected '{{' after block {name} {labels}, got {toks[i]}")
        child = Node(name, labels, line)
        node.blocks.append(child)
        i = parse_body(toks, i + 1, child)
        if toks[i].kind != "}":
            raise SyntaxError(f"line {toks[i].line}: expected '}}'")
        i += 1


def parse_file(path):
    src = open(path, encoding="utf-8").read()
    toks = lex(src)
    root = Node("file", [], 1)
    parse_body(toks, 0, root, top=True)
    return root


# ----------------------------------------------------------------------------- inventory

TYPE_WORDS = {"string", "number", "bool", "any", "list", "map", "set", "object", "tuple", "optional"}
META_RESOURCE = ["count", "for_each", "depends_on", "provider"]
META_MODULE = ["count", "for_each", "depends_on", "providers"]


def literal(expr):
    """The text of a plain literal expression (string without interpolation, number, bool)."""
    kinds = [t.kind for t in expr]
    if kinds == ["STR_BEGIN", "STR_LIT", "STR_END"]:
        return expr[1].text
    if kinds == ["STR_BEGIN", "STR_END"]:
        return ""
    if len(expr) == 1:
        return expr[0].text
    return None


def expr_text(expr, limit=120):
    """Source-like text of an expression, for the inventory (whitespace normalised)."""
    out = []
    in_str = 0
    tight_after = {".", "[", "(", "{", "!", "INTERP_OPEN", "DIRECTIVE_OPEN", "STR_BEGIN", "::"}
    tight_before = {".", "]", ")", "}", ",", "[", "(", "INTERP_CLOSE", "DIRECTIVE_CLOSE", "STR_END", "::", "*"}
    prev = None
    for t in expr:
        if t.kind == "NL":
            continue
        if t.kind in ("STR_BEGIN",):
            in_str += 1
        text = t.text
        if t.kind == "HEREDOC_BEGIN":
            text = t.text + " ... "
        if prev is not None and not (prev.kind in tight_after or t.kind in tight_before
                                     or prev.kind == "STR_LIT" or t.kind == "STR_LIT"
                                     or (t.kind == "(" and prev.kind == "IDENT")):
            out.append(" ")
        if prev is not None and prev.kind == "," :
            out.append("") if out and out[-1] == " " else out.append(" ")
        out.append(text)
        if t.kind == "STR_END":
            in_str -= 1
        prev = t
    s = "".join(out)
    s = re.sub(r"\s+", " ", s).strip()
    return s if len(s) <= limit else s[:limit] + "..."


class Inventory:
    def __init__(self):
        self.d = defaultdict(lambda: defaultdict(list))  # category -> key -> [locations]
        self.files = []

    def add(self, cat, key, loc):
        self.d[cat][key].append(loc)

    def scan_expr(self, expr, rel, type_ctx=False):
        for k, t in enumerate(expr):
            nxt = expr[k + 1] if k + 1 < len(expr) else None
            prev = expr[k - 1] if k > 0 else None
            loc = f"{rel}:{t.line}"
            if t.kind == "IDENT" and nxt is not None and nxt.kind == "(" and (prev is None or prev.kind != "."):
                if type_ctx and t.text in TYPE_WORDS:
                    self.add("type_constructors", t.text, loc)
                elif prev is not None and prev.kind == "::":
                    pass
                else:
                    self.add("functions", t.text, loc)
            if t.kind == "IDENT" and nxt is not None and nxt.kind == "::":
                # provider::NAME::FUNC( ... )
                j, parts = k, []
                while j < len(expr) and expr[j].kind == "IDENT":
                    parts.append(expr[j].text)
                    if j + 1 < len(expr) and expr[j + 1].kind == "::":
                        j += 2
                    else:
                        break
                if parts and parts[0] == "provider" and (prev is None or prev.kind != "::"):
                    self.add("provider_functions", "::".join(parts), loc)
            if t.kind == "IDENT" and t.text in ("path", "terraform") and nxt is not None and nxt.kind == "." \
                    and (prev is None or prev.kind != "."):
                if k + 2 < len(expr) and expr[k + 2].kind == "IDENT":
                    self.add("named_values", f"{t.text}.{expr[k + 2].text}", loc)
            if t.kind == "IDENT" and t.text in ("each", "count", "self") and nxt is not None and nxt.kind == "." \
                    and (prev is None or prev.kind != "."):
                if k + 2 < len(expr) and expr[k + 2].kind == "IDENT":
                    self.add("named_values", f"{t.text}.{expr[k + 2].text}", loc)
            if t.kind == "IDENT" and t.text in ("var", "local", "module", "data") and nxt is not None \
                    and nxt.kind == "." and (prev is None or prev.kind != "."):
                self.add("reference_kinds", t.text, loc)
                if t.text == "data" and k + 4 < len(expr) and expr[k + 2].kind == "IDENT":
                    self.add("data_refs", expr[k + 2].text, loc)
            if t.kind == "IDENT" and t.text == "for" and prev is not None and prev.kind in ("[", "{"):
                self.add("expressions", "for expression (list [for ...])" if prev.kind == "[" else
                         "for expression (map/object {for ...})", loc)
            if t.kind == "IDENT" and t.text == "if" and prev is not None and prev.kind not in ("DIRECTIVE_OPEN",) and \
                    any(x.kind == "IDENT" and x.text == "for" for x in expr[:k]):
                self.add("expressions", "for expression with if filter", loc)
            if t.kind == "..." :
                self.add("expressions", "expansion ... (grouping or argument expansion)", loc)
            if t.kind == "[" and nxt is not None and nxt.kind == "*":
                self.add("expressions", "splat [*]", loc)
            if t.kind == "." and nxt is not None and nxt.kind == "*":
                self.add("expressions", "legacy splat .*", loc)
            if t.kind == "?":
                self.add("expressions", "conditional ? :", loc)
            if t.kind == "HEREDOC_BEGIN":
                self.add("expressions", "heredoc " + ("<<-" if t.text.startswith("<<-") else "<<"), loc)
            if t.kind == "INTERP_OPEN":
                self.add("expressions", "string template ${...}", loc)
            if t.kind == "DIRECTIVE_OPEN" and nxt is not None and nxt.kind == "IDENT":
                self.add("expressions", f"template directive %{{{nxt.text}}}", loc)
            if t.kind in ("&&", "||", "!"):
                self.add("expressions", "logical operator " + t.kind, loc)
            if t.kind in ("==", "!="):
                self.add("expressions", "equality operator " + t.kind, loc)
            if t.kind in ("<", ">", "<=", ">="):
                self.add("expressions", "comparison operator " + t.kind, loc)
            if t.kind in ("+", "*", "/", "%") and not (t.kind == "*" and prev is not None and prev.kind in ("[", ".")):
                self.add("expressions", "arithmetic operator " + t.kind, loc)
            if t.kind == "-" and prev is not None and prev.kind in ("IDENT", "NUM", ")", "]"):
                self.add("expressions", "arithmetic operator -", loc)
            if t.kind == "IDENT" and t.text in ("true", "false", "null") and (prev is None or prev.kind != "."):
                if t.text == "null":
                    self.add("expressions", "null literal", loc)

    def scan_block_attrs(self, node, rel, type_attrs=()):
        for name, (line, expr) in node.attrs.items():
            self.scan_expr(expr, rel, type_ctx=(name in type_attrs))
        for b in node.blocks:
            self.scan_nested(b, rel)

    def scan_nested(self, b, rel, owner=None):
        loc = f"{rel}:{b.line}"
        if b.kind == "dynamic":
            self.add("dynamic_blocks", b.labels[0] if b.labels else "?", loc)
            for name, (line, expr) in b.attrs.items():
                if name == "iterator":
                    self.add("expressions", "dynamic iterator", f"{rel}:{line}")
        elif b.kind == "lifecycle":
            for name, (line, expr) in b.attrs.items():
                self.add("lifecycle", f"{name} = {expr_text(expr, 60)}", f"{rel}:{line}")
            for c in b.blocks:
                self.add("lifecycle", c.kind, f"{rel}:{c.line}")
        elif b.kind in ("provisioner", "connection"):
            self.add("provisioners", f"{b.kind} {' '.join(b.labels)}".strip(), loc)
        elif b.kind in ("precondition", "postcondition"):
            self.add("conditions", b.kind, loc)
        self.scan_block_attrs(b, rel)

    def scan_file(self, path, rel):
        root = parse_file(path)
        self.files.append(rel)
        for b in root.blocks:
            loc = f"{rel}:{b.line}"
            self.add("block_kinds", b.kind, loc)
            if b.kind == "terraform":
                for name, (line, expr) in b.attrs.items():
                    self.add("terraform", f"{name} = {expr_text(expr, 80)}", f"{rel}:{line}")
                for c in b.blocks:
                    cl = f"{rel}:{c.line}"
                    if c.kind == "required_providers":
                        for pname, (line, expr) in c.attrs.items():
                            self.add("required_providers", f"{pname} = {expr_text(expr, 140)}", f"{rel}:{line}")
                    elif c.kind == "backend":
                        self.add("terraform", f"backend \"{c.labels[0]}\"", cl)
                    else:
                        self.add("terraform", f"{c.kind} {' '.join(c.labels)}".strip() + " { ... }", cl)
                    self.scan_block_attrs(c, rel)
                continue
            if b.kind == "provider":
                alias = b.attrs.get("alias")
                name = b.labels[0] + (f" (alias = {literal(alias[1])})" if alias else "")
                self.add("providers", name, loc)
                for c in b.blocks:
                    self.add("provider_nested_blocks", f"{b.labels[0]}.{c.kind}", f"{rel}:{c.line}")
                for aname in b.attrs:
                    if aname not in ("alias",):
                        self.add("provider_arguments", f"{b.labels[0]}.{aname}", f"{rel}:{b.attrs[aname][0]}")
                self.scan_block_attrs(b, rel)
                continue
            if b.kind in ("resource", "data", "ephemeral"):
                rtype = b.labels[0]
                cat = {"resource": "resource_types", "data": "data_sources", "ephemeral": "ephemeral_types"}[b.kind]
                self.add(cat, rtype, loc)
                for m in META_RESOURCE:
                    if m in b.attrs:
                        line, expr = b.attrs[m]
                        val = expr_text(expr, 70) if m == "provider" else m
                        self.add("meta_arguments", f"{b.kind}.{m}" + (f" = {val}" if m == "provider" else ""),
                                 f"{rel}:{line}")
                if "region" in b.attrs:
                    # AWS provider 6: a per-resource region instead of a provider alias.
                    self.add("region_argument", f"{b.kind} {rtype}", f"{rel}:{b.attrs['region'][0]}")
                self.scan_block_attrs(b, rel)
                continue
            if b.kind == "module":
                src = b.attrs.get("source")
                s = literal(src[1]) if src else None
                if s is None:
                    kind = "non-literal"
                elif s.startswith("./") or s.startswith("../"):
                    kind = "local"
                elif s.startswith("git::") or s.startswith("github.com/") or s.startswith("git@"):
                    kind = "git"
                elif re.match(r"^[A-Za-z0-9-_]+/[A-Za-z0-9-_]+/[A-Za-z0-9-_]+(//.*)?$", s):
                    kind = "registry"
                else:
                    kind = "other"
                ver = b.attrs.get("version")
                desc = f"{b.labels[0]}: {kind} \"{s}\"" + (f" version {expr_text(ver[1])}" if ver else "")
                self.add("module_calls", desc, loc)
                self.add("module_source_kinds", kind, loc)
                for m in META_MODULE:
                    if m in b.attrs:
                        line, expr = b.attrs[m]
                        val = f" = {expr_text(expr, 90)}" if m == "providers" else ""
                        self.add("meta_arguments", f"module.{m}{val}", f"{rel}:{line}")
                self.scan_block_attrs(b, rel)
                continue
            if b.kind == "variable":
                name = b.labels[0]
                t = b.attrs.get("type")
                d = "default" in b.attrs
                flags = []
                if t:
                    flags.append("type " + expr_text(t[1], 60))
                flags.append("default" if d else "NO DEFAULT")
                for a in ("sensitive", "nullable", "ephemeral"):
                    if a in b.attrs:
                        flags.append(f"{a} = {expr_text(b.attrs[a][1])}")
                for c in b.blocks:
                    if c.kind == "validation":
                        self.add("variable_validations", name, f"{rel}:{c.line}")
                self.add("variables", f"{name} ({', '.join(flags)})", loc)
                self.scan_block_attrs(b, rel, type_attrs=("type",))
                continue
            if b.kind == "output":
                flags = []
                for a in ("sensitive", "depends_on", "ephemeral"):
                    if a in b.attrs:
                        flags.append(f"{a}")
                for c in b.blocks:
                    flags.append(c.kind)
                self.add("outputs", b.labels[0] + (f" ({', '.join(flags)})" if flags else ""), loc)
                self.scan_block_attrs(b, rel)
                continue
            if b.kind == "locals":
                for name, (line, expr) in b.attrs.items():
                    self.add("locals", name, f"{rel}:{line}")
                self.scan_block_attrs(b, rel)
                continue
            # moved, import, check, removed, and anything unusual
            self.add("other_blocks", f"{b.kind} {' '.join(b.labels)}".strip(), loc)
            self.scan_block_attrs(b, rel)

    def to_json(self):
        return {"files": self.files, "features": {c: dict(v) for c, v in self.d.items()}}


def main():
    case = sys.argv[1]
    out = None
    if "--json" in sys.argv:
        out = sys.argv[sys.argv.index("--json") + 1]
    inv = Inventory()
    for dirpath, dirnames, filenames in os.walk(case):
        dirnames.sort()
        for f in sorted(filenames):
            if f.endswith(".tf"):
                p = os.path.join(dirpath, f)
                inv.scan_file(p, os.path.relpath(p, case))
    data = inv.to_json()
    if out:
        json.dump(data, open(out, "w"), indent=1, sort_keys=True)
    else:
        json.dump(data, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
