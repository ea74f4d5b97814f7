#!/usr/bin/python3
"""Writes the hostile and malformed workbooks of the ingestion bad-input test.

Usage: make_bad_workbooks.py GOOD.xlsx OUTDIR

Every file derives from GOOD.xlsx (a valid reference workbook) by editing its
zip parts with the standard library, so each case isolates one fault:

  not_a_zip.xlsx          plain text
  truncated.xlsx          the first half of GOOD
  zip_bomb.xlsx           the Fases sheet padded with 600 MB of blanks (ratio ~1000:1)
  dtd_entities.xlsx       Fases sheet with a DTD and a billion-laughs entity
  missing_sheet.xlsx      workbook.xml lists a sheet whose part is absent
  no_header.xlsx          Fases sheet with no rows at all
  max_rows.xlsx           Fases with 1,048,575 data rows (Excel's maximum)
  wide_row.xlsx           a Fases row with cells up to XFD (16,384 columns)
  too_wide_row.xlsx       a Fases row with a cell in column XFE
  wrong_types.xlsx        Fases rows with text where numbers and flags belong
  bad_utf8.xlsx           Fases with a name containing invalid UTF-8 bytes
"""
import io
import re
import sys
import zipfile

good, outdir = sys.argv[1], sys.argv[2]
src = zipfile.ZipFile(good)
parts = {n: src.read(n) for n in src.namelist()}


def sheet_part(name):
    wb = parts["xl/workbook.xml"].decode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    rid = re.search(r'<sheet [^>]*name="%s"[^>]*r:id="([^"]+)"' % name, wb).group(1)
    target = re.search(r'Id="%s"[^>]*Target="([^"]+)"' % rid, rels) or re.search(
        r'Target="([^"]+)"[^>]*Id="%s"' % rid, rels)
    t = target.group(1).lstrip("/")
    return t if t.startswith("xl/") else "xl/" + t


def write(name, replace=None, extra=None, drop=None):
    out = zipfile.ZipFile(f"{outdir}/{name}", "w", zipfile.ZIP_DEFLATED)
    for n, data in parts.items():
        if drop and n == drop:
            continue
        if replace and n in replace:
            data = replace[n]
        out.writestr(n, data)
    for n, data in (extra or {}).items():
        out.writestr(n, data)
    out.close()


fases = sheet_part("Fases")
head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
header_row = ('<row r="1"><c r="A1" t="inlineStr"><is><t>Fase_Id</t></is></c>'
              '<c r="B1" t="inlineStr"><is><t>Fase_Nome</t></is></c>'
              '<c r="C1" t="inlineStr"><is><t>Fase_Sequencia</t></is></c>'
              '<c r="D1" t="inlineStr"><is><t>Fase_DeProducao</t></is></c>'
              '<c r="E1" t="inlineStr"><is><t>Fase_Automatica</t></is></c></row>')


def sheet(rows_xml):
    return (head + "<sheetData>" + header_row + rows_xml + "</sheetData></worksheet>").encode()


open(f"{outdir}/not_a_zip.xlsx", "w").write("this is not a workbook\n")
raw = open(good, "rb").read()
open(f"{outdir}/truncated.xlsx", "wb").write(raw[: len(raw) // 2])

# A zip bomb: the Fases sheet padded with 600 MB of blanks (valid XML that
# compresses ~1000:1), written in chunks.
out = zipfile.ZipFile(f"{outdir}/zip_bomb.xlsx", "w", zipfile.ZIP_DEFLATED)
for n, data in parts.items():
    if n != fases:
        out.writestr(n, data)
with out.open(fases, "w", force_zip64=True) as f:
    f.write((head + "<sheetData>" + header_row).encode())
    chunk = b" " * (1 << 20)
    for _ in range(600):
        f.write(chunk)
    f.write(b"</sheetData></worksheet>")
out.close()

laughs = ('<?xml version="1.0"?>\n<!DOCTYPE worksheet [<!ENTITY lol "lol">'
          + "".join('<!ENTITY lol%d "%s">' % (i, ("&lol%d;" % (i - 1) if i else "&lol;") * 10) for i in range(9))
          + ']>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
          + header_row + '<row r="2"><c r="A2" t="inlineStr"><is><t>&lol8;</t></is></c></row>'
          + "</sheetData></worksheet>")
write("dtd_entities.xlsx", replace={fases: laughs.encode()})
write("missing_sheet.xlsx", drop=fases)
write("no_header.xlsx", replace={fases: (head + "<sheetData/></worksheet>").encode()})

rows = io.StringIO()
for r in range(2, 1048577):
    rows.write('<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d" t="inlineStr"><is><t>P%d</t></is></c></row>'
               % (r, r, r % 50, r, r % 50))
write("max_rows.xlsx", replace={fases: sheet(rows.getvalue())})


def col(n):
    s = ""
    n += 1
    while n:
        n, rem = divmod(n - 1, 26)
        s = chr(65 + rem) + s
    return s


wide = '<row r="2"><c r="A2"><v>901</v></c><c r="B2" t="inlineStr"><is><t>Wide</t></is></c>' + "".join(
    '<c r="%s2"><v>1</v></c>' % col(i) for i in range(5, 16384)) + "</row>"
write("wide_row.xlsx", replace={fases: sheet(wide)})
write("too_wide_row.xlsx", replace={fases: sheet('<row r="2"><c r="A2"><v>902</v></c><c r="XFE2"><v>1</v></c></row>')})
write("wrong_types.xlsx", replace={fases: sheet(
    '<row r="2"><c r="A2"><v>903</v></c><c r="B2" t="inlineStr"><is><t>Typed</t></is></c>'
    '<c r="C2" t="inlineStr"><is><t>first</t></is></c><c r="D2" t="inlineStr"><is><t>maybe</t></is></c></row>')})
bad = sheet('<row r="2"><c r="A2"><v>904</v></c><c r="B2" t="inlineStr"><is><t>BAD_NAME</t></is></c></row>')
write("bad_utf8.xlsx", replace={fases: bad.replace(b"BAD_NAME", b"Bad \xc3\x28 name")})
