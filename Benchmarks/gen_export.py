#!/usr/bin/env python3
"""Writes a synthetic system export for the export benchmark.

  gen_export.py OUT.xml ACCOUNTS [--pad FACTOR] [--seed N] [--shape attributes|relational]

Attributes (the default): each account is an attribute-centric <User> with a login, an
e-mail, a status, a last login and on average 3.2 roles, the shape of
Samples/exports/esdh.xml. With --pad, every record also carries <Audit> elements that no
mapping reads, FACTOR times the bytes of the record itself: the reader's memory must not
grow with them.

Relational (issue 14): principals and grants as two lists joined by the principal's id,
every element in a default namespace, the principal's fields as child elements' text, a grant's as attributes, about four
grants an account from a few hundred role names, and decoys off the record paths: an
archive of old principals and grants with the same element names, and elements of another
namespace inside each record.
"""
import random
import sys

def main():
    out, count = sys.argv[1], int(sys.argv[2])
    pad = 0
    seed = 7
    shape = "attributes"
    args = sys.argv[3:]
    while args:
        if args[0] == "--pad":
            pad = int(args[1]); args = args[2:]
        elif args[0] == "--seed":
            seed = int(args[1]); args = args[2:]
        elif args[0] == "--shape":
            shape = args[1]; args = args[2:]
        else:
            sys.exit(f"unknown argument {args[0]}")
    rng = random.Random(seed)
    if shape == "relational":
        return relational(out, count, rng)
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

def relational(out, count, rng):
    roles = [f"Jobcenter.{area}.{i:03d}" for area in ("Sagsbehandling", "Ydelser", "Virksomhed") for i in range(100)]
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<Export xmlns="urn:bench:iam:1" xmlns:log="urn:bench:audit:1" created="2026-11-28">\n'
                ' <Archive><Principals>\n')
        for i in range(count // 100):  # decoys: old principals and grants, off the record paths
            f.write(f'  <Principal><Id>OLD{i:07d}</Id><Login>old{i:07d}</Login><State>Deleted</State></Principal>\n')
        f.write(' </Principals><Grants>\n')
        for i in range(count // 100):
            f.write(f'  <Grant principal="OLD{i:07d}" role="{roles[i % len(roles)]}"/>\n')
        f.write(' </Grants></Archive>\n <Principals>\n')
        buf = []
        for i in range(count):
            buf.append(f'  <Principal><Id>P{i:08d}</Id><Login>user{i:07d}</Login>'
                       f'<State>{"Active" if i % 17 else "Locked"}</State>'
                       f'<LastLogin>2026-{1 + i % 11:02d}-{1 + i % 28:02d}</LastLogin>'
                       f'<log:By>admin{i % 97:03d}</log:By></Principal>\n')
            if len(buf) >= 10000:
                f.write("".join(buf)); buf = []
        f.write("".join(buf))
        f.write(' </Principals>\n <Grants>\n')
        buf = []
        for i in range(count):
            for role in rng.sample(roles, rng.choice((3, 4, 4, 5))):
                buf.append(f'<Grant principal="P{i:08d}" role="{role}"/>\n')
            if len(buf) >= 40000:
                f.write("".join(buf)); buf = []
        f.write("".join(buf))
        f.write(" </Grants>\n</Export>\n")


main()
