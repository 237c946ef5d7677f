#!/usr/bin/env python3
"""Writes THIRD-PARTY-NOTICES.txt for a release: every crate built into portsleuth for one
target, with its version, licence and source, followed by the licence texts the crates ship.

    cargo tree --locked --target TARGET -e normal --prefix none -f '{p}' > shipped.txt
    cargo metadata --format-version 1 --locked --filter-platform TARGET \\
        | third_party_notices.py shipped.txt > THIRD-PARTY-NOTICES.txt

Only what goes into the executable is listed: the crates `cargo tree -e normal` shows for the
target (normal dependencies with the features a release build resolves; `cargo metadata`
alone would also count features that only dev-dependencies switch on). `cargo metadata` gives
each crate's licence, source and folder. Licence texts are read from the crates' own sources,
which cargo has already downloaded to build them: nothing is fetched.
"""
import hashlib
import json
import os
import sys
import textwrap

LICENCE_PREFIXES = ("license", "licence", "copying", "notice", "unlicense", "copyright")
LICENCE_WORDS = ("license", "licence")
SKIP_DIRS = {"src", "tests", "benches", "examples", "target"}


def shipped_packages(meta, tree):
    """The root package's normal dependencies, transitively, as package records, limited to
    the `name vVERSION` pairs cargo tree printed."""
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    root = meta["resolve"]["root"]
    seen, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        for dep in nodes[pid]["deps"]:
            if any(k["kind"] is None for k in dep["dep_kinds"]):
                todo.append(dep["pkg"])
    seen.discard(root)
    shipped = [packages[p] for p in seen if f"{packages[p]['name']} v{packages[p]['version']}" in tree]
    return packages[root], sorted(shipped, key=lambda p: (p["name"], p["version"]))


def read_tree(path):
    """`accesskit v0.25.2`, from lines such as `accesskit v0.25.2 (*)` or `x v1.0 (/path)`."""
    with open(path, encoding="utf-8") as f:
        return {" ".join(line.split()[:2]) for line in f if line.strip()}


def wrap(text):
    # Crate names hold hyphens: never break a line inside one.
    return textwrap.fill(text, 72, break_on_hyphens=False)


def licence_files(package):
    """The crate's licence and notice files: at its top, in any folder but the source code's,
    and the texts shipped beside bundled fonts (their licences, as in epaint_default_fonts)."""
    top = os.path.dirname(package["manifest_path"])
    found = []
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        if os.path.relpath(folder, top).count(os.sep) >= 2:
            dirs[:] = []
        has_fonts = any(f.lower().endswith((".ttf", ".otf")) for f in files)
        for name in sorted(files):
            lower = name.lower()
            if lower.startswith(LICENCE_PREFIXES) or any(w in lower for w in LICENCE_WORDS) or (
                has_fonts and lower.endswith(".txt")
            ):
                path = os.path.join(folder, name)
                with open(path, "rb") as f:
                    data = f.read()
                if b"\0" in data:  # a library such as libwinapi_oemlicense.a, not a text
                    continue
                text = data.decode("utf-8", errors="replace").strip() + "\n"
                found.append((os.path.relpath(path, top), text))
    return found


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    meta = json.load(sys.stdin)
    tree = read_tree(sys.argv[1])
    root, deps = shipped_packages(meta, tree)
    listed = {f"{p['name']} v{p['version']}" for p in deps} | {f"{root['name']} v{root['version']}"}
    if tree - listed:
        sys.exit("cargo tree lists crates cargo metadata does not: " + ", ".join(sorted(tree - listed)))
    out = sys.stdout
    out.write(f"Third-party software in {root['name']} {root['version']}\n")
    out.write("=" * 72 + "\n\n")
    out.write(wrap(
        f"{root['name']} ({root.get('license') or 'see its README'}) is built from the "
        f"following {len(deps)} Rust crates. Each is listed with its version, its licence "
        "(SPDX expression, as the crate declares it) and where its source is published; the "
        "licence texts and notices the crates ship follow the list, each text once with the "
        "crates it belongs to.") + "\n\n")
    width = max(len(f"{p['name']} {p['version']}") for p in deps)
    texts = {}
    missing = []
    for p in deps:
        licence = p.get("license") or (
            f"see {p['license_file']}" if p.get("license_file") else "not declared")
        where = p.get("repository") or p.get("homepage") or ""
        out.write(f"{p['name'] + ' ' + p['version']:<{width}}  {licence}\n")
        if where:
            out.write(f"{'':<{width}}  {where}\n")
        files = licence_files(p)
        if not files:
            missing.append(f"{p['name']} {p['version']}")
        for name, text in files:
            key = hashlib.sha256(text.encode()).hexdigest()
            texts.setdefault(key, (text, []))[1].append(f"{p['name']} {p['version']} ({name})")
    if missing:
        out.write("\n" + wrap(
            "These crates ship no licence file in their published package (many projects "
            "keep it only at the top of their repository); the licence declared above "
            "applies, in its standard text: " + ", ".join(missing) + ".") + "\n")
    out.write("\n\nLicence texts and notices\n" + "=" * 72 + "\n")
    for text, owners in sorted(texts.values(), key=lambda t: t[1][0]):
        out.write("\n" + "-" * 72 + "\n")
        out.write(wrap("For: " + ", ".join(owners)) + "\n\n")
        out.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
