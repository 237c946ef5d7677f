#!/usr/bin/env python3
"""Checks the Windows resources of portsleuth.exe (tests/wine/run.sh): icon, version
information and application manifest, read straight from the PE file's .rsrc section with
the standard library only.

    pe_resources.py portsleuth.exe VERSION
    pe_resources.py portsleuth.com VERSION --console

With --console: the console front end (console subsystem, "PortSleuth command line").

Prints one line per finding and exits 1 when something is missing.
"""
import struct
import sys

RT_ICON, RT_GROUP_ICON, RT_VERSION, RT_MANIFEST = 3, 14, 16, 24


def resources(data):
    """{type id: [(name id, bytes)]} from the .rsrc section."""
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    if data[pe:pe + 4] != b"PE\0\0":
        raise ValueError("not a PE file")
    sections, opt_size = struct.unpack_from("<H12xH", data, pe + 6)
    opt = pe + 24
    magic = struct.unpack_from("<H", data, opt)[0]
    subsystem = struct.unpack_from("<H", data, opt + 68)[0]
    dirs = opt + (112 if magic == 0x20B else 96)
    rsrc_rva, rsrc_size = struct.unpack_from("<II", data, dirs + 2 * 8)
    table = opt + opt_size
    base = None
    for i in range(sections):
        _, vsize, va, _, raw = struct.unpack_from("<8sIIII", data, table + 40 * i)
        if va <= rsrc_rva < va + max(vsize, 1):
            base = raw + (rsrc_rva - va)
            delta = va - raw
    if base is None or rsrc_size == 0:
        return subsystem, {}

    def entries(offset):
        named, ids = struct.unpack_from("<12xHH", data, base + offset)
        for i in range(named + ids):
            name, value = struct.unpack_from("<II", data, base + offset + 16 + 8 * i)
            yield name, value

    out = {}
    for type_id, type_value in entries(0):
        for name_id, name_value in entries(type_value & 0x7FFFFFFF):
            for _, leaf in entries(name_value & 0x7FFFFFFF):
                rva, size = struct.unpack_from("<II", data, base + leaf)
                start = rva - delta
                out.setdefault(type_id, []).append((name_id, data[start:start + size]))
    return subsystem, out


def main():
    exe, version = sys.argv[1], sys.argv[2]
    console = sys.argv[3:] == ["--console"]
    subsystem, res = resources(open(exe, "rb").read())
    problems = []

    def check(ok, what):
        print(("ok      " if ok else "MISSING ") + what)
        if not ok:
            problems.append(what)

    if console:
        check(subsystem == 3, f"Windows console subsystem (found {subsystem})")
    else:
        check(subsystem == 2, f"Windows GUI subsystem (found {subsystem})")
    icons = res.get(RT_ICON, [])
    check(len(res.get(RT_GROUP_ICON, [])) >= 1 and len(icons) >= 1,
          f"icon group with {len(icons)} images")
    info = b"".join(blob for _, blob in res.get(RT_VERSION, []))
    for key, value in [("ProductName", "PortSleuth"),
                       ("CompanyName", "PortSleuth developers"),
                       ("FileVersion", version),
                       ("ProductVersion", version),
                       ("FileDescription",
                        "PortSleuth command line" if console else "PortSleuth - "),
                       ("OriginalFilename",
                        "portsleuth.com" if console else "portsleuth.exe")]:
        needle = (key + "\0").encode("utf-16-le")
        at = info.find(needle)
        found = ""
        if at >= 0:
            rest = info[at + len(needle):]
            # The value follows, aligned to 4 bytes from the start of the block.
            skip = (4 - (at + len(needle)) % 4) % 4
            found = rest[skip:].decode("utf-16-le", "replace").split("\0")[0]
        check(found.startswith(value), f"version info {key} = {found!r}")
    manifest = b"".join(blob for name, blob in res.get(RT_MANIFEST, []) if name == 1)
    text = manifest.decode("utf-8", "replace")
    for needle in ['level="asInvoker"', "PerMonitorV2", "true/pm",
                   "Microsoft.Windows.Common-Controls", "supportedOS"]:
        check(needle in text, f"manifest {needle}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
