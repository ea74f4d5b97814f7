#!/usr/bin/python3
"""Writes a reference-format workbook with openpyxl from CSV exports, the way
another tool would: columns in another order (reversed), dates alternately as
real Excel date cells (serials with a date format) and as text, numbers
alternately as numbers and as text.

Usage: write_workbook_openpyxl.py CSV_DIR OUT.xlsx
CSV_DIR holds <sheet>.csv files with the reference headers on the first line;
empty fields are NULL; dates are 'YYYY-MM-DD HH:MM:SS' (UTC).
"""
import csv
import datetime
import os
import sys

from openpyxl import Workbook

DATE_HEADERS = {"Of_DataCriacao", "Of_DataAcabamento", "Of_DataTransporte", "FaseOf_Inicio", "FaseOf_Fim",
                "FaseOf_DataPrevista", "FuncionarioFase_Inicio"}
TEXT_HEADERS = {"Fase_Nome", "Produto_Nome", "Funcionario_Nome", "Erro_Descricao"}

csv_dir, out = sys.argv[1], sys.argv[2]
wb = Workbook(write_only=True)
for name in sorted(os.listdir(csv_dir)):
    if not name.endswith(".csv"):
        continue
    ws = wb.create_sheet(name[:-4])
    with open(os.path.join(csv_dir, name), newline="", encoding="utf-8") as f:
        rows = csv.reader(f)
        headers = next(rows)
        order = list(reversed(range(len(headers))))
        ws.append([headers[i] for i in order])
        for n, row in enumerate(rows):
            cells = []
            for i in order:
                h, v = headers[i], row[i]
                if v == "":
                    cells.append(None)
                elif h in DATE_HEADERS:
                    if n % 2 == 0:
                        cells.append(datetime.datetime.strptime(v, "%Y-%m-%d %H:%M:%S"))
                    else:
                        cells.append(v)
                elif h in TEXT_HEADERS:
                    cells.append(v)
                else:
                    try:
                        num = int(v) if v.lstrip("-").isdigit() else float(v)
                    except ValueError:
                        num = None
                    cells.append(num if num is not None and n % 2 == 0 else v)
            ws.append(cells)
wb.save(out)
