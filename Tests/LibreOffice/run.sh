#!/usr/bin/env bash
# `make test` (and `make test-libreoffice`): opens every workbook of a Samples run in
# LibreOffice, as a manager who gets it by e-mail would, and checks two things:
#  1. the sheet is intact: converted to CSV, the header block, the column headers and every
#     issued row, row id for row id, are what the tool wrote;
#  2. it prints readably: converted to PDF (LibreOffice's print layout: the workbook's page
#     setup, landscape, one page wide, header row repeated), every page that holds the
#     Decision header also holds the Person header, and the instructions are wrapped onto
#     the page (no line of them is wider than the page).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
TOOL="${TOOL:-$ROOT/.build/debug/accessreview}"
command -v soffice >/dev/null || { echo "FAILED: soffice is not installed (make test installs libreoffice-calc-nogui)" >&2; exit 1; }
WORK="$(mktemp -d /tmp/accessreview-lo-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
cp -r "$ROOT/Samples" "$ROOT/Mappings" "$WORK/"
"$TOOL" run --quiet --config "$WORK/Samples/accessreview.yaml" >/dev/null
SHEETS="$WORK/out/2026-H2/sheets"
mkdir -p "$WORK/lo" "$WORK/pdf"
( cd "$WORK/lo" && HOME="$WORK" soffice --headless \
    --convert-to 'csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,false,false,false,2' "$SHEETS"/*.xlsx >/dev/null 2>&1 )
( cd "$WORK/pdf" && HOME="$WORK" soffice --headless --convert-to pdf "$SHEETS"/*.xlsx >/dev/null 2>&1 )
python3 - "$SHEETS" "$WORK/lo" "$WORK/pdf" <<'PY'
import csv, glob, os, re, subprocess, sys
sheets, converted, printed = sys.argv[1], sys.argv[2], sys.argv[3]
checked = failed = 0
def fail(message):
    global failed
    print("FAILED: " + message); failed += 1
for original in sorted(glob.glob(os.path.join(sheets, "*.csv"))):
    reviewer = os.path.basename(original)[:-4]
    checked += 1
    ours = list(csv.reader(open(original, encoding="utf-8-sig"), delimiter=";"))
    path = os.path.join(converted, f"{reviewer}-Attestation.csv")
    if not os.path.exists(path):
        fail(f"LibreOffice did not convert {reviewer}.xlsx"); continue
    theirs = list(csv.reader(open(path, encoding="utf-8"), delimiter=";"))
    want = [r for r in ours[8:] if any(r)]
    got = [r[:len(ours[8])] for r in theirs[8:] if any(r)]
    if want != got:
        fail(f"{reviewer}: {len(got)} rows in LibreOffice, {len(want)} written"); continue
    pdf = os.path.join(printed, f"{reviewer}.pdf")
    if not os.path.exists(pdf):
        fail(f"LibreOffice did not print {reviewer}.xlsx"); continue
    text = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True, text=True).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    # The instructions page(s) come first: wrapped, so no line is wider than a portrait page.
    widest = max((len(line) for p in pages if "(Behold/Fjern)" not in p for line in p.splitlines()), default=0)
    if widest > 130:
        fail(f"{reviewer}: an instructions line runs {widest} characters wide: not wrapped")
    table = [p for p in pages if "(Behold/Fjern)" in p]
    if not table:
        fail(f"{reviewer}: no printed page holds the Decision header"); continue
    apart = [n for n, p in enumerate(pages, 1) if "(Behold/Fjern)" in p and not re.search(r"\bPerson\b", p)]
    if apart:
        fail(f"{reviewer}: pages {apart} print Decision without Person")
    # Every row is printed: each row id appears in the print.
    ids = [r[16] for r in want[1:] if len(r) > 16]
    joined = "".join(text.split())
    missing = [i for i in ids if i not in joined]
    if missing:
        fail(f"{reviewer}: {len(missing)} row ids not printed, e.g. {missing[0]}")
print(f"LibreOffice test: {checked - failed} of {checked} workbooks intact and printable")
sys.exit(1 if failed else 0)
PY
