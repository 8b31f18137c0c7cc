#!/usr/bin/env python3
"""Writes CASE/FEATURES.md from the inventory of the case's *.tf files (tools/inventory.py).

The generated part lists every use with file:line (paths relative to the case directory). A
section headed "## Notes" that already exists in FEATURES.md is kept as it is, so the hand-written
observations survive a regeneration.

Usage: features_md.py CASE_DIR ENTRY_DIR
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import inventory  # noqa: E402

SECTIONS = [
    ("terraform", "`terraform {}` settings"),
    ("required_providers", "`required_providers` entries"),
    ("providers", "Provider configurations and aliases"),
    ("provider_arguments", "Provider arguments"),
    ("provider_nested_blocks", "Provider nested blocks"),
    ("module_calls", "Module calls"),
    ("module_source_kinds", "Module source kinds"),
    ("meta_arguments", "Meta-arguments (`count`, `for_each`, `depends_on`, `provider`, `providers`)"),
    ("region_argument", "Per-resource `region` argument (AWS provider 6 enhanced region support)"),
    ("resource_types", "Resource types"),
    ("data_sources", "Data source types"),
    ("functions", "Built-in functions called"),
    ("provider_functions", "Provider-defined functions called"),
    ("type_constructors", "Type constraints used in `variable` types"),
    ("named_values", "Named values (`path.*`, `terraform.*`, `each.*`, `count.*`, `self.*`)"),
    ("dynamic_blocks", "`dynamic` blocks (by generated block name)"),
    ("other_blocks", "`moved` / `import` / `check` / `removed` and other top-level blocks"),
    ("lifecycle", "`lifecycle` settings"),
    ("conditions", "Custom conditions"),
    ("provisioners", "Provisioners and connections"),
    ("expressions", "Expression forms"),
    ("variable_validations", "Variables with `validation` blocks"),
    ("variables", "Variables"),
    ("outputs", "Outputs"),
    ("locals", "Locals"),
    ("block_kinds", "Top-level block kinds"),
]


def locs_text(locs):
    # Group by file to keep long lists readable: file:l1,l2,...
    by_file = {}
    for loc in locs:
        f, line = loc.rsplit(":", 1)
        by_file.setdefault(f, []).append(line)
    return "; ".join(f"`{f}`:{','.join(lines)}" for f, lines in by_file.items())


def module_of(path):
    d = os.path.dirname(path)
    return d if d else "."


def main():
    case, entry = sys.argv[1], sys.argv[2]
    inv = inventory.Inventory()
    tf_files = []
    for dirpath, dirnames, filenames in os.walk(case):
        dirnames.sort()
        for f in sorted(filenames):
            if f.endswith(".tf"):
                p = os.path.join(dirpath, f)
                rel = os.path.relpath(p, case)
                if rel.startswith("tools/"):
                    continue
                inv.scan_file(p, rel)
                tf_files.append(rel)
    feats = inv.to_json()["features"]
    name = os.path.basename(os.path.normpath(case))
    out = []
    out.append(f"# Features used by `{name}`\n")
    out.append(f"Entry directory (the root module tether is pointed at): `{entry}`.\n")
    out.append("Every `*.tf` file of the case was scanned: the root module and each local module it "
               "calls. Locations are `file:line` relative to the case directory; a module directory "
               "is the directory part of the path. Registry and git module sources are not part of "
               "the case, so what they contain is not counted here.\n")
    mods = sorted({module_of(f) for f in tf_files})
    out.append("Module directories scanned: " + ", ".join(f"`{m}`" for m in mods) + ".\n")
    for key, title in SECTIONS:
        entries = feats.get(key, {})
        out.append(f"## {title}\n")
        if not entries:
            out.append("None.\n")
            continue
        for k in sorted(entries, key=lambda s: (s.lower(), s)):
            locs = entries[k]
            k_disp = k.replace("|", "\\|")
            out.append(f"- `{k_disp}` ({len(locs)}): {locs_text(locs)}")
        out.append("")
    path = os.path.join(case, "FEATURES.md")
    notes = "## Notes\n\n(none yet)\n"
    if os.path.exists(path):
        old = open(path, encoding="utf-8").read()
        m = re.search(r"^## Notes\n.*", old, re.S | re.M)
        if m:
            notes = m.group(0)
    text = "\n".join(out).rstrip() + "\n\n" + notes
    if not text.endswith("\n"):
        text += "\n"
    open(path, "w", encoding="utf-8").write(text)


if __name__ == "__main__":
    main()
