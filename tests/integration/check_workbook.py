#!/usr/bin/python3
"""Independent check of a reference-format workbook (../shared/DOMAIN.md).

Usage: check_workbook.py WORKBOOK.xlsx EXPECTED.json

EXPECTED.json maps sheet names to data-row counts (headers excluded), e.g.
{"OrdensFabrico": 1234, ...}; sheets it does not name are not counted.

Checks, one line each, exit status 1 on any mismatch:
  * exactly the 9 sheets, with the exact names, in the reference order;
  * row 1 of each sheet is exactly the reference header row;
  * the number of data rows (rows with at least one non-empty cell);
  * date columns: numbers there carry a date format (openpyxl returns a
    datetime), text is "YYYY-MM-DD HH:MM:SS" or NULL (other text, as invalid
    rows plant, is counted and reported, not failed), and a column with at
    least 30 non-NULL values has at least one real date cell; no other column
    holds a date-formatted cell.

The expected names and headers are hard-coded from DOMAIN.md on purpose: this
script must not trust the C++ code's own copy. Runs with Debian's python3 and
python3-openpyxl (read_only mode, one pass per sheet).
"""
import datetime
import json
import re
import sys

import openpyxl

REFERENCE = [
    ("OrdensFabrico",
     ["Of_Id", "Of_DataCriacao", "Of_DataAcabamento", "Of_ProdutoId", "Of_FaseId",
      "Of_DataTransporte"]),
    ("FasesOrdemFabrico",
     ["FaseOf_Id", "FaseOf_OfId", "FaseOf_Inicio", "FaseOf_Fim", "FaseOf_DataPrevista",
      "FaseOf_Coeficiente", "FaseOf_CoeficienteX", "FaseOf_FaseId", "FaseOf_Peso",
      "FaseOf_Retorno", "FaseOf_Turno", "FaseOf_Sequencia"]),
    ("FuncionariosFaseOrdemFabrico",
     ["FuncionarioFaseOf_FaseOfId", "FuncionarioFaseOf_FuncionarioId",
      "FuncionarioFaseOf_Chefe"]),
    ("OrdemFabricoErros",
     ["Erro_Descricao", "Erro_OfId", "Erro_FaseAvaliacao", "OFCH_GRAVIDADE",
      "Erro_FaseOfAvaliacao", "Erro_FaseOfCulpada"]),
    ("Funcionarios", ["Funcionario_Id", "Funcionario_Nome", "Funcionario_Activo"]),
    ("FuncionariosFasesAptos",
     ["FuncionarioFase_FuncionarioId", "FuncionarioFase_FaseId", "FuncionarioFase_Inicio"]),
    ("Fases", ["Fase_Id", "Fase_Nome", "Fase_Sequencia", "Fase_DeProducao", "Fase_Automatica"]),
    ("Modelos",
     ["Produto_Id", "Produto_Nome", "Produto_PesoDesmolde", "Produto_PesoAcabamento",
      "Produto_QtdGelDeck", "Produto_QtdGelCasco"]),
    ("FasesStandardModelos",
     ["ProdutoFase_ProdutoId", "ProdutoFase_FaseId", "ProdutoFase_Sequencia",
      "ProdutoFase_Coeficiente", "ProdutoFase_CoeficienteX"]),
]

DATE_COLUMNS = {
    "Of_DataCriacao", "Of_DataAcabamento", "Of_DataTransporte",
    "FaseOf_Inicio", "FaseOf_Fim", "FaseOf_DataPrevista",
    "FuncionarioFase_Inicio",
}

DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
MIN_VALUES_FOR_A_DATE = 30

failures = 0


def report(ok, what):
    global failures
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures += 1


def empty(v):
    return v is None or v == ""


def check_sheet(ws, name, headers, expected):
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    got = [] if header is None else list(header)
    while got and empty(got[-1]):
        got.pop()
    report(got == headers, "%s: header row %s" % (name, "as DOMAIN.md" if got == headers
                                                   else "is %r, expected %r" % (got, headers)))

    ncols = len(headers)
    date_idx = [i for i, h in enumerate(headers) if h in DATE_COLUMNS]
    other_idx = [i for i in range(ncols) if i not in date_idx]
    dates = [0] * ncols       # datetime values
    texts = [0] * ncols       # "YYYY-MM-DD HH:MM:SS" texts
    odd = [0] * ncols         # other texts in a date column
    non_null = [0] * ncols
    bad_numbers = [0] * ncols  # a number without a date format in a date column
    stray_dates = 0            # a datetime in a non-date column
    extra_cells = 0            # values beyond the header's columns
    data_rows = 0

    for row in rows:
        if all(empty(v) for v in row):
            continue
        data_rows += 1
        for i in range(ncols, len(row)):
            if not empty(row[i]):
                extra_cells += 1
        n = min(len(row), ncols)
        for i in date_idx:
            if i >= n:
                continue
            v = row[i]
            if empty(v) or v == "NULL":
                continue
            non_null[i] += 1
            if isinstance(v, (datetime.datetime, datetime.date)):
                dates[i] += 1
            elif isinstance(v, str):
                if DATE_TEXT.match(v):
                    texts[i] += 1
                else:
                    odd[i] += 1
            else:
                bad_numbers[i] += 1
        for i in other_idx:
            if i < n and isinstance(row[i], (datetime.datetime, datetime.date)):
                stray_dates += 1

    if expected is None:
        print("skip  %s: %d data rows (no expectation given)" % (name, data_rows))
    else:
        report(data_rows == expected,
               "%s: %d data rows, expected %d" % (name, data_rows, expected))
    report(extra_cells == 0, "%s: %d cells beyond the header's %d columns"
           % (name, extra_cells, ncols))
    for i in date_idx:
        h = headers[i]
        report(bad_numbers[i] == 0,
               "%s.%s: %d date cells, %d date texts, %d other texts, %d numbers without a "
               "date format" % (name, h, dates[i], texts[i], odd[i], bad_numbers[i]))
        if non_null[i] >= MIN_VALUES_FOR_A_DATE:
            report(dates[i] > 0, "%s.%s: date-formatted serials come back as datetime (%d of %d)"
                   % (name, h, dates[i], non_null[i]))
    report(stray_dates == 0, "%s: %d date-formatted cells outside date columns"
           % (name, stray_dates))


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    path, expected_path = argv[1], argv[2]
    with open(expected_path, encoding="utf-8") as fh:
        expected = json.load(fh)
    names = [n for n, _ in REFERENCE]
    unknown = sorted(set(expected) - set(names))
    report(not unknown, "EXPECTED.json names only reference sheets%s"
           % (": unknown %r" % unknown if unknown else ""))

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        got = list(wb.sheetnames)
        report(got == names, "9 sheets in the reference order" if got == names
               else "sheets are %r, expected %r" % (got, names))
        for name, headers in REFERENCE:
            if name not in wb.sheetnames:
                report(False, "%s: missing" % name)
                continue
            exp = expected.get(name)
            check_sheet(wb[name], name, headers, None if exp is None else int(exp))
    finally:
        wb.close()

    print("%s: %d failure(s)" % ("FAILED" if failures else "PASSED", failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
