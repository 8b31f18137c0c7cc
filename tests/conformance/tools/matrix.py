#!/usr/bin/env python3
"""Prints the feature matrix of the conformance corpus as Markdown: for each function, data
source, resource type, block kind and language feature, how many cases use it and how often.

Every directory of tests/conformance that has a SOURCE.md is a case; all its *.tf files (root
module and local modules) are counted. Usage: matrix.py [CONFORMANCE_DIR]
"""
import os
import re
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import inventory  # noqa: E402


def case_features(path):
    inv = inventory.Inventory()
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames.sort()
        for f in sorted(filenames):
            if f.endswith(".tf"):
                p = os.path.join(dirpath, f)
                inv.scan_file(p, os.path.relpath(p, path))
    return inv.to_json()["features"]


def language_keys(f):
    """Normalised language-feature keys -> number of uses, for one case."""
    out = defaultdict(int)
    for k, v in f.get("block_kinds", {}).items():
        out[f"`{k}` block"] += len(v)
    for k, v in f.get("terraform", {}).items():
        name = re.split(r"[ =]", k)[0]
        out[f"`terraform {{ {name} }}`"] += len(v)
    if f.get("required_providers"):
        out["`terraform { required_providers }`"] += sum(len(v) for v in f["required_providers"].values())
    for k, v in f.get("providers", {}).items():
        if "alias" in k:
            out["`provider` block with `alias`"] += len(v)
    for k, v in f.get("provider_nested_blocks", {}).items():
        out[f"provider nested block `{k.split('.', 1)[1]}`"] += len(v)
    for k, v in f.get("meta_arguments", {}).items():
        if k.startswith("resource.provider") or k.startswith("data.provider"):
            out["`provider = <alias>` on resource/data"] += len(v)
        elif k.startswith("module.providers"):
            out["`providers = {}` on module call"] += len(v)
        else:
            kind, arg = k.split(".", 1)
            out[f"`{arg}` on {kind}"] += len(v)
    for k, v in f.get("module_source_kinds", {}).items():
        out[f"module source: {k}"] += len(v)
    if f.get("region_argument"):
        out["per-resource `region` argument (AWS provider 6)"] += sum(len(v) for v in f["region_argument"].values())
    if f.get("dynamic_blocks"):
        out["`dynamic` block"] += sum(len(v) for v in f["dynamic_blocks"].values())
    for k, v in f.get("lifecycle", {}).items():
        name = k.split(" ")[0]
        out[f"`lifecycle {{ {name} }}`"] += len(v)
    if f.get("variable_validations"):
        out["`variable` with `validation`"] += sum(len(v) for v in f["variable_validations"].values())
    for k, v in f.get("variables", {}).items():
        if "sensitive = true" in k:
            out["`variable` with `sensitive = true`"] += len(v)
        if "NO DEFAULT" in k:
            out["`variable` without default (any module)"] += len(v)
    for k, v in f.get("outputs", {}).items():
        if "sensitive" in k:
            out["`output` with `sensitive`"] += len(v)
    for k, v in f.get("provisioners", {}).items():
        out[f"`{k}`"] += len(v)
    for k, v in f.get("expressions", {}).items():
        out[k] += len(v)
    for k, v in f.get("named_values", {}).items():
        out[f"`{k}`"] += len(v)
    for k, v in f.get("type_constructors", {}).items():
        out[f"type `{k}(...)`"] += len(v)
    return out


def other_providers(f):
    names = defaultdict(int)
    for cat in ("resource_types", "data_sources"):
        for k, v in f.get(cat, {}).items():
            p = k.split("_", 1)[0]
            if p != "aws":
                names[p] += len(v)
    for k in f.get("providers", {}):
        p = k.split(" ")[0]
        if p != "aws":
            names[p] += 0
    for k in f.get("required_providers", {}):
        p = k.split(" ")[0]
        if p != "aws":
            names[p] += 0
    return names


def table(title, rows, cases_total, note=""):
    out = [f"### {title}\n"]
    if note:
        out.append(note + "\n")
    out.append(f"| | cases (of {cases_total}) | uses | which cases |")
    out.append("|---|---|---|---|")
    for key, per_case in sorted(rows.items(), key=lambda kv: (-len(kv[1]), -sum(kv[1].values()), kv[0])):
        out.append(f"| {key} | {len(per_case)} | {sum(per_case.values())} | {', '.join(sorted(per_case))} |")
    out.append("")
    return "\n".join(out)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(HERE)
    cases = sorted(d for d in os.listdir(root) if os.path.isfile(os.path.join(root, d, "SOURCE.md")))
    funcs, data, res, lang, prov = (defaultdict(dict) for _ in range(5))
    for c in cases:
        f = case_features(os.path.join(root, c))
        for k, v in f.get("functions", {}).items():
            funcs[f"`{k}`"][c] = len(v)
        for k, v in f.get("data_sources", {}).items():
            data[f"`{k}`"][c] = len(v)
        for k, v in f.get("resource_types", {}).items():
            res[f"`{k}`"][c] = len(v)
        for k, v in language_keys(f).items():
            lang[k][c] = v
        for k, v in other_providers(f).items():
            prov[f"`{k}`"][c] = v
    n = len(cases)
    print(table("Providers other than `aws`", prov, n,
                "From `required_providers`, `provider` blocks and resource/data type prefixes (uses = resource and data blocks)."))
    print(table("Block kinds and language features", lang, n))
    print(table("Built-in functions", funcs, n))
    print(table("Data sources", data, n))
    print(table("Resource types", res, n))


if __name__ == "__main__":
    main()
