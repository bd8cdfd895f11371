#!/usr/bin/env python3
"""Writes a synthetic system export for the export benchmark.

  gen_export.py OUT.xml ACCOUNTS [--pad FACTOR] [--seed N]

Each account is an attribute-centric <User> with a login, an e-mail, a status, a last
login and on average 3.2 roles, the shape of Samples/exports/esdh.xml. With --pad, every
record also carries <Audit> elements that no mapping reads, FACTOR times the bytes of
the record itself: the reader's memory must not grow with them.
"""
import random
import sys

def main():
    out, count = sys.argv[1], int(sys.argv[2])
    pad = 0
    seed = 7
    args = sys.argv[3:]
    while args:
        if args[0] == "--pad":
            pad = int(args[1]); args = args[2:]
        elif args[0] == "--seed":
            seed = int(args[1]); args = args[2:]
        else:
            sys.exit(f"unknown argument {args[0]}")
    rng = random.Random(seed)
    roles = [f"Rolle-{i:03d}" for i in range(400)]
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<Export system="bench" created="2026-11-28">\n <Users>\n')
        buf = []
        for i in range(count):
            n = rng.choice((2, 3, 3, 3, 4, 4, 5))
            rs = "".join(f'<Role name="{r}" since="20{10 + i % 16}-0{1 + i % 9}-1{i % 10}" grantedBy="admin{i % 97:03d}"/>'
                         for r in rng.sample(roles, n))
            rec = (f'  <User id="U{i:08d}" login="user{i:07d}" email="user{i:07d}@bench.example" '
                   f'displayName="Bruger {i:07d} Benchmarksen" department="Afdeling {i % 211:03d}" '
                   f'status="{"Active" if i % 17 else "Locked"}" lastLogin="2026-{1 + i % 11:02d}-{1 + i % 28:02d}">'
                   f'{rs}</User>\n')
            if pad:
                filler = '<Audit at="2026-01-01T00:00:00Z" by="system" what="login"/>'
                reps = max(1, len(rec) * pad // len(filler))
                rec = rec.replace("</User>", "<History>" + filler * reps + "</History></User>")
            buf.append(rec)
            if len(buf) >= 10000:
                f.write("".join(buf)); buf = []
        f.write("".join(buf))
        f.write(" </Users>\n</Export>\n")

main()
