#!/usr/bin/env bash
# `make test-libreoffice`: opens every workbook of a Samples run in LibreOffice (headless
# conversion of the attestation sheet to CSV) and checks that the sheet is intact: the
# header block, the column headers and every issued row, row id for row id. LibreOffice is
# large, so `make test` runs this only where soffice is already installed.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
TOOL="${TOOL:-$ROOT/.build/debug/accessreview}"
command -v soffice >/dev/null || { echo "SKIPPED the LibreOffice test: soffice is not installed (make test-libreoffice installs it)" >&2; exit 77; }
WORK="$(mktemp -d /tmp/accessreview-lo-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
cp -r "$ROOT/Samples" "$ROOT/Mappings" "$WORK/"
"$TOOL" run --quiet --config "$WORK/Samples/accessreview.yaml" >/dev/null
SHEETS="$WORK/out/2026-H2/sheets"
mkdir -p "$WORK/lo"
( cd "$WORK/lo" && HOME="$WORK" soffice --headless \
    --convert-to 'csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,false,false,false,2' "$SHEETS"/*.xlsx >/dev/null 2>&1 )
python3 - "$SHEETS" "$WORK/lo" <<'PY'
import csv, glob, os, sys
sheets, converted = sys.argv[1], sys.argv[2]
checked = failed = 0
for original in sorted(glob.glob(os.path.join(sheets, "*.csv"))):
    reviewer = os.path.basename(original)[:-4]
    ours = list(csv.reader(open(original, encoding="utf-8-sig"), delimiter=";"))
    path = os.path.join(converted, f"{reviewer}-Attestation.csv")
    if not os.path.exists(path):
        print(f"FAILED: LibreOffice did not convert {reviewer}.xlsx"); failed += 1; continue
    theirs = list(csv.reader(open(path, encoding="utf-8"), delimiter=";"))
    want = [r[:13] for r in ours[8:] if any(r)]
    got = [r[:13] for r in theirs[8:] if any(r)]
    checked += 1
    if want != got:
        print(f"FAILED: {reviewer}: {len(got)} rows in LibreOffice, {len(want)} written"); failed += 1
print(f"LibreOffice test: {checked - failed} of {checked} workbooks intact")
sys.exit(1 if failed else 0)
PY
