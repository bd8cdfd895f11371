#!/usr/bin/env python3
"""`make bench`: the performance goals of accessreview, measured on this machine.

Exports (issue 6): `accessreview accounts` on a generated ~1 GB export against
`xmllint --stream --noout` on the same file, wall time and peak RSS; and the same
accounts padded with ten times their bytes of unread elements, whose peak RSS must agree.
Run from the repository root after `swift build -c release`.
"""
import json
import os
import resource
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "bench-out")
TOOL = os.path.join(ROOT, ".build", "release", "accessreview")
ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", "2500000"))
PAD_ACCOUNTS = int(os.environ.get("BENCH_PAD_ACCOUNTS", "100000"))


def measure(cmd):
    """Wall seconds and peak RSS (bytes) of one command, each in its own wrapper process."""
    wrapper = ("import resource,subprocess,sys,time;t=time.monotonic();"
               "r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL);"
               "print(time.monotonic()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)")
    out = subprocess.run([sys.executable, "-c", wrapper] + cmd, capture_output=True, text=True, check=True).stdout.split()
    if out[2] != "0":
        sys.exit(f"failed ({out[2]}): {' '.join(cmd)}")
    return float(out[0]), int(out[1]) * 1024


def export_setup(name, accounts, pad=0):
    folder = os.path.join(WORK, name)
    os.makedirs(folder, exist_ok=True)
    xml = os.path.join(folder, "bench.xml")
    if not os.path.exists(xml):
        print(f"  generating {name}: {accounts:,} accounts{' padded x%d' % pad if pad else ''} …", flush=True)
        cmd = [sys.executable, os.path.join(ROOT, "Benchmarks", "gen_export.py"), xml, str(accounts)]
        if pad:
            cmd += ["--pad", str(pad)]
        subprocess.run(cmd, check=True)
    os.makedirs(os.path.join(folder, "maps"), exist_ok=True)
    with open(os.path.join(folder, "maps", "bench.yaml"), "w") as f:
        f.write("""system: bench
export_date: /Export/@created
records:
  - path: /Export/Users/User
    fields: { account: "@id", user: "@login", email: "@email", status: "@status", last_login: "@lastLogin", roles: "Role/@name" }
status: { active: [Active], disabled: [Locked] }
correlate: [{ field: user, identity: id }]
""")
    with open(os.path.join(folder, "accessreview.yaml"), "w") as f:
        f.write("""version: 1
output: out
directory: { source: ldif, ldif: none.ldif, users: { base: "dc=x" }, groups: { base: "dc=x" } }
systems: { bench: bench.xml }
mappings: maps
""")
    return folder, xml


def bench_exports():
    print("== Exports: accessreview accounts vs xmllint --stream (issue 6)")
    folder, xml = export_setup("exports", ACCOUNTS)
    size = os.path.getsize(xml)
    subprocess.run(["cat", xml], stdout=subprocess.DEVNULL)  # warm the page cache for both
    lint_t, lint_rss = measure(["xmllint", "--stream", "--noout", xml])
    out = os.path.join(folder, "accounts.json")
    tool_t, tool_rss = measure([TOOL, "accounts", "--quiet", "--config", os.path.join(folder, "accessreview.yaml"), "--output", out])
    with open(out) as f:
        data = json.load(f)
    roles = sum(len(a["roles"]) for s in data["systems"] for a in s["accounts"])
    accounts = sum(len(s["accounts"]) for s in data["systems"])
    print(f"  file: {size / 1e6:,.0f} MB, {accounts:,} accounts, {roles:,} role values")
    print(f"  xmllint --stream --noout: {lint_t:6.2f} s, peak RSS {lint_rss / 1e6:7.1f} MB")
    print(f"  accessreview accounts:    {tool_t:6.2f} s, peak RSS {tool_rss / 1e6:7.1f} MB "
          f"({tool_rss / max(roles, 1):.0f} bytes per kept role value)")
    ratio = tool_t / lint_t
    print(f"  ratio: {ratio:.2f}x xmllint (target: within 2x) — {'MET' if ratio <= 2 else 'NOT MET'}")

    print("== Exports: peak memory with ten times the bytes outside the mapping")
    plain, plain_xml = export_setup("plain", PAD_ACCOUNTS)
    padded, padded_xml = export_setup("padded", PAD_ACCOUNTS, pad=10)
    p_t, p_rss = measure([TOOL, "accounts", "--quiet", "--config", os.path.join(plain, "accessreview.yaml"), "--output", os.path.join(plain, "a.json")])
    q_t, q_rss = measure([TOOL, "accounts", "--quiet", "--config", os.path.join(padded, "accessreview.yaml"), "--output", os.path.join(padded, "a.json")])
    diff = abs(q_rss - p_rss) / p_rss
    print(f"  plain  {os.path.getsize(plain_xml) / 1e6:7.0f} MB: {p_t:5.2f} s, peak RSS {p_rss / 1e6:6.1f} MB")
    print(f"  padded {os.path.getsize(padded_xml) / 1e6:7.0f} MB: {q_t:5.2f} s, peak RSS {q_rss / 1e6:6.1f} MB")
    print(f"  difference {diff * 100:.1f}% (target: within 10%) — {'MET' if diff <= 0.10 else 'NOT MET'}")


if __name__ == "__main__":
    if not os.path.exists(TOOL):
        sys.exit("build first: swift build -c release")
    os.makedirs(WORK, exist_ok=True)
    bench_exports()
