#!/usr/bin/env python3
"""Proves the layers are enforced by the build, not only drawn.

For every layer library, compiles a one-line translation unit with that library's real compile
flags (from compile_commands.json) for one header of every layer: the include must compile for
the layers below it (docs/architecture.md) and must fail for every other layer. An upward or
sideways include that compiles is a failure, as is a permitted one that does not.

The permitted layers are read from the table in docs/architecture.md, so the drawing and the
build cannot drift apart: a layer missing from the table, or a table row the build does not
honour, fails too.

usage: check_layers.py SOURCE_DIR BUILD_DIR
"""
import concurrent.futures
import json
import os
import shlex
import subprocess
import sys

# One public header per layer.
HEADER = {
    "core": "core/result.h",
    "formats": "formats/procfs/proc_net.h",
    "sys": "sys/unique_fd.h",
    "collect": "collect/live_source.h",
    "capture": "capture/capture.h",
    "analyze": "analyze/report.h",
    "store": "store/history_store.h",
    "render": "render/report_renderer.h",
    "live": "live/live_diagnosis.h",
    "monitor": "monitor/monitor.h",
    "export": "export/exposition.h",
    "lab": "lab/lab.h",
    "tui": "tui/layout.h",
    "app": "app/cli.h",
}


def may_see(architecture_md):
    """The "may use" column of docs/architecture.md's layer table: the doc is the spec."""
    table = {}
    for line in open(architecture_md, encoding="utf-8"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4 or not cells[0].startswith("`src/"):
            continue
        layer = cells[0].strip("`").removeprefix("src/").rstrip("/")
        uses = cells[2]
        if uses == "everything":
            table[layer] = list(HEADER)
        elif uses in ("—", "-", ""):
            table[layer] = []
        else:
            table[layer] = [u.strip() for u in uses.split(",")]
    return table


def flags_of(commands, layer):
    marker = f"CMakeFiles/portwatch_{layer}.dir/"
    for entry in commands:
        if marker in entry.get("output", "") or marker in entry["command"]:
            args = shlex.split(entry["command"])
            keep, skip = [], False
            for a in args[1:]:
                if skip:
                    skip = False
                    continue
                if a in ("-o", "-c", "-MF", "-MT"):
                    skip = True
                    continue
                if a in ("-MD", "-MMD") or a.endswith((".cpp", ".cc")):
                    continue
                keep.append(a)
            compiler = args[0]
            if compiler.endswith("ccache"):
                compiler, keep = keep[0], keep[1:]
            return compiler, keep, entry["directory"]
    return None


def compiles(compiler, flags, directory, header):
    # Preprocessing is enough: a layer sees another only through the include path, so an
    # include it may not use fails to resolve here, itself or through what it includes. (The
    # build compiles every header for real; a parse here took 150 s of CI for nothing more.)
    source = f'#include "{header}"\n'
    r = subprocess.run([compiler, *flags, "-E", "-x", "c++", "-", "-o", os.devnull],
                       input=source, text=True, cwd=directory, capture_output=True)
    return r.returncode == 0, r.stderr


def main():
    source, build = sys.argv[1], sys.argv[2]
    with open(f"{build}/compile_commands.json") as f:
        commands = json.load(f)
    table = may_see(f"{source}/docs/architecture.md")
    failures = 0
    checked = 0
    for layer in HEADER:
        if layer not in table:
            print(f"FAIL {layer}: no row in docs/architecture.md's layer table")
            failures += 1
    jobs = []
    for layer, allowed in table.items():
        if layer not in HEADER:
            print(f"FAIL {layer}: in docs/architecture.md but not a layer this check knows")
            failures += 1
            continue
        found = flags_of(commands, layer)
        if found is None:
            print(f"FAIL {layer}: no compile command for portwatch_{layer}")
            failures += 1
            continue
        for other, header in HEADER.items():
            jobs.append((layer, header, other == layer or other in allowed, found))
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = pool.map(lambda j: compiles(j[3][0], j[3][1], j[3][2], j[1]), jobs)
        for (layer, header, expected, _), (ok, stderr) in zip(jobs, results):
            checked += 1
            if ok != expected:
                failures += 1
                why = "compiles but must not" if ok else "does not compile:\n" + stderr[-2000:]
                print(f'FAIL {layer}: #include "{header}" {why}')
    print(f"{checked} includes checked across {len(table)} layers, {failures} wrong")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
