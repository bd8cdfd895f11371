#!/usr/bin/env python3
"""Plays the managers of Eksempel Kommune: fills in the sheets a fresh `make demo` wrote and
saves them here, as they come back by e-mail. Every answer is invented.

The sheets' row ids are keyed by Samples/demo-campaign.key, so these files match the sheets
of every fresh `make demo`. Run again from the repository root after the sheet layout
changes:  make demo && python3 Samples/fill-returned.py

  maso  (Hjemmeplejen)  XLSX: removes leaver rape's access and an unauthorised role,
                              keeps the rest, a few lines with a comment
  mach  (Borgerservice) XLSX: removes leaver bjjo's ESDH account and anmo's ESDH
                              Administrator role, keeps the rest
  pila  (Økonomi)       CSV:  one segregation-of-duties conflict removed, two kept with
                              the reason the handbook asks for
  meni  (Plejecenter)   XLSX: half-way: decides the lines with findings, leaves the rest
"""
import csv
import io
import os
import re
import sys
import zipfile

SAMPLES = os.path.dirname(os.path.abspath(__file__))
HERE = os.path.join(SAMPLES, "returned")
SHEETS = os.path.join(SAMPLES, "..", "out", "2026-H2", "sheets")

# Columns of a sheet row (SheetLayout): person A, system E, account F, role G, findings J,
# decision N, comment O.
PERSON, SYSTEM, ACCOUNT, ROLE, FINDING, DECISION, COMMENT = 0, 4, 5, 6, 9, 13, 14

# reviewer -> [(person, system, role or None for every role, decision, comment)], first match wins.
ANSWERS = {
    "maso": [
        ("rape", None, None, "Fjern", "Fratrådt 30.9., skulle have været lukket"),
        ("thol", "omsorg", "Vikar (gammel)", "Fjern", "Gammel vikarrolle"),
        ("", "omsorg", None, "Fjern", "Ukendt konto"),
        (None, "omsorg", "Medicinadministration", "Behold", "Sygeplejerske med ansvar for medicin"),
        (None, None, None, "Behold", ""),
    ],
    "mach": [
        ("bjjo", "esdh", None, "Fjern", "Fratrådt 15.11."),
        ("anmo", "esdh", "Administrator", "Fjern", "Ikke længere superbruger"),
        (None, None, None, "Behold", ""),
    ],
    "pila": [
        ("rimo", "okonomi", "Godkend betaling", "Fjern", "Funktionsadskillelse: godkender ikke egne bilag"),
        ("piaa", "okonomi", None, "Behold", "Midlertidig dækning til 31.1., godkendt af økonomichefen"),
        ("jera2", "okonomi", None, "Behold", "Bogfører kun for Skole; kompenserende kontrol i månedsafstemning"),
        (None, None, None, "Behold", ""),
    ],
    "meni": [
        ("anba", None, None, "Fjern", "Fratrådt 31.10."),
        (None, None, None, "Behold", "Servicekonto til journaliseringen; ejer er IT"),
    ],
}


def answer(reviewer, cells):
    if reviewer == "meni" and not cells[FINDING]:
        return None, None  # meni has not got to the lines without findings yet
    for person, system, role, decision, comment in ANSWERS[reviewer]:
        if person is not None and cells[PERSON] != person:
            continue
        if system is not None and cells[SYSTEM] != system:
            continue
        if role is not None and cells[ROLE] != role:
            continue
        if decision == "Behold" and not comment and cells[FINDING]:
            comment = "Gennemgået med medarbejderen"
        return decision, comment
    return None, None


def xml_text(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fill_xlsx(reviewer):
    source = os.path.join(SHEETS, reviewer + ".xlsx")
    with zipfile.ZipFile(source) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    name = "xl/worksheets/sheet2.xml"
    sheet = parts[name].decode("utf-8")

    def fill_row(match):
        row = match.group(0)
        cells = [""] * (COMMENT + 1)
        for column, text in re.findall(r'<c r="([A-Z]+)\d+"[^>]*?t="inlineStr"><is><t[^>]*>([^<]*)</t>', row):
            index = ord(column) - ord("A")
            if index <= COMMENT:
                cells[index] = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        decision, comment = answer(reviewer, cells)
        if decision is None:
            return row
        for column, value in (("N", decision), ("O", comment)):
            if value:
                row = re.sub(
                    r'<c r="(%s\d+)" s="(\d+)"/>' % column,
                    lambda m: '<c r="%s" s="%s" t="inlineStr"><is><t>%s</t></is></c>' % (m.group(1), m.group(2), xml_text(value)),
                    row)
        return row

    # Sheet rows below the header row (row 9) that have a decision cell.
    sheet = re.sub(r'<row r="(\d+)"[^>]*>.*?</row>',
                   lambda m: fill_row(m) if int(m.group(1)) > 9 and '<c r="N' in m.group(0) else m.group(0), sheet)
    parts[name] = sheet.encode("utf-8")
    target = os.path.join(HERE, reviewer + ".xlsx")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for filename, data in parts.items():
            info = zipfile.ZipInfo(filename, date_time=(2026, 12, 3, 9, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)


def fill_csv(reviewer):
    with open(os.path.join(SHEETS, reviewer + ".csv"), encoding="utf-8-sig", newline="") as source:
        rows = list(csv.reader(source, delimiter=";"))
    header = next(i for i, row in enumerate(rows) if len(row) > COMMENT and row[DECISION].startswith("Beslutning"))
    for row in rows[header + 1:]:
        if len(row) > COMMENT:
            decision, comment = answer(reviewer, row)
            if decision:
                row[DECISION], row[COMMENT] = decision, comment
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    with open(os.path.join(HERE, reviewer + ".csv"), "w", encoding="utf-8-sig", newline="") as target:
        target.write(out.getvalue())


if __name__ == "__main__":
    if not os.path.isdir(SHEETS):
        sys.exit("no sheets in out/2026-H2/sheets: run make demo first")
    for reviewer in ("maso", "mach", "meni"):
        fill_xlsx(reviewer)
    fill_csv("pila")
    print("returned sheets written to", HERE)
