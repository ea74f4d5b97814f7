#!/usr/bin/python3
"""Reads the Excel reports of prodplan.export_xlsx back with openpyxl and
checks them against what SQL said they should hold (tests/integration/
test_reports.sh passes the expectations as JSON).

Usage: check_reports.py <dir with plan.xlsx kpis.xlsx quality.xlsx
inventory.xlsx template.xlsx> <expectations.json>

Prints one line per check ("ok: ..." or "FAIL: ...") and exits 1 on any
failure.
"""
import json
import sys
import zipfile

import openpyxl

failures = 0


def check(label, cond, detail=""):
    global failures
    if cond:
        print(f"ok: {label}")
    else:
        failures += 1
        print(f"FAIL: {label} {detail}")


def headers(ws, row=1):
    out = []
    for c in next(ws.iter_rows(min_row=row, max_row=row)):
        if c.value is None:
            break
        out.append(c.value)
    return out


def data_rows(ws, first=2):
    """Rows after the header up to the first empty first cell."""
    n = 0
    for r in ws.iter_rows(min_row=first, max_col=1, values_only=True):
        if r[0] is None:
            break
        n += 1
    return n


def parts(path):
    with zipfile.ZipFile(path) as z:
        return z.namelist()


def sheet_xml(path, wb, name):
    idx = wb.sheetnames.index(name) + 1
    with zipfile.ZipFile(path) as z:
        return z.read(f"xl/worksheets/sheet{idx}.xml").decode("utf-8")


def main():
    d = sys.argv[1]
    exp = json.load(open(sys.argv[2]))

    # --- plan ---------------------------------------------------------------
    path = f"{d}/plan.xlsx"
    wb = openpyxl.load_workbook(path)
    check("plan: sheets", wb.sheetnames == ["Summary", "Orders", "Operations", "Gantt", "KPIs"], wb.sheetnames)
    check("plan: KPIs sheet rows = plan_kpis", data_rows(wb["KPIs"]) == exp["plan_kpis"], (data_rows(wb["KPIs"]), exp["plan_kpis"]))
    ws = wb["Orders"]
    check("plan: Orders headers", headers(ws)[:3] == ["Order", "Product", "Priority"], headers(ws))
    check("plan: Orders rows = the plan's orders", data_rows(ws) == exp["plan_orders"], (data_rows(ws), exp["plan_orders"]))
    hs = headers(ws)
    due = hs.index("Due") + 1
    late = hs.index("Lateness (h)") + 1
    cells = [ws.cell(row=r, column=due) for r in range(2, 2 + data_rows(ws))]
    dated = [c for c in cells if c.value is not None]
    check("plan: due dates are Excel date-times", all(c.is_date for c in dated) and len(dated) > 0,
          [c.number_format for c in dated[:3]])
    check("plan: due date format shows the day and time", any("yy" in c.number_format and "h" in c.number_format for c in dated[:5]),
          [c.number_format for c in dated[:3]])
    lat = [ws.cell(row=r, column=late).value for r in range(2, 2 + data_rows(ws))]
    check("plan: lateness is numeric", all(v is None or isinstance(v, (int, float)) for v in lat))
    first = ws.cell(row=2, column=1).value
    check("plan: the first order is the latest one", first == exp["plan_latest_order"], (first, exp["plan_latest_order"]))
    check("plan: Orders header row frozen", ws.freeze_panes in ("A2", "B2"), ws.freeze_panes)
    ws = wb["Operations"]
    check("plan: Operations rows = planned operations", data_rows(ws) == exp["plan_operations"], (data_rows(ws), exp["plan_operations"]))
    ws = wb["Gantt"]
    check("plan: Gantt has a row per work center unit", exp["plan_units"] >= 1)
    check("plan: Gantt panes frozen", ws.freeze_panes is not None, ws.freeze_panes)
    filled = 0
    grey = 0
    for row in ws.iter_rows(min_row=3, max_row=2 + exp["plan_units"]):
        for c in row[2:]:
            if c.value is not None:
                filled += 1
            elif c.fill is not None and c.fill.fgColor is not None and c.fill.fill_type == "solid":
                grey += 1
    check("plan: Gantt cells hold orders", filled > 0, filled)
    check("plan: Gantt shades non-working time", grey > 0, grey)
    # Constant-memory mode (the plan report) cannot write Excel tables in
    # libxlsxwriter 1.1.4: its tables have an autofilter instead.
    check("plan: Orders and Operations have autofilters",
          bool(wb["Orders"].auto_filter.ref) and bool(wb["Operations"].auto_filter.ref),
          (wb["Orders"].auto_filter.ref, wb["Operations"].auto_filter.ref))

    # --- kpis ---------------------------------------------------------------
    path = f"{d}/kpis.xlsx"
    wb = openpyxl.load_workbook(path)
    check("kpis: sheets", {"By period", "By work center", "Data"} <= set(wb.sheetnames), wb.sheetnames)
    ws = wb["Data"]
    check("kpis: Data rows = the KPI rows", data_rows(ws) == exp["kpi_rows"], (data_rows(ws), exp["kpi_rows"]))
    ws = wb["By period"]
    check("kpis: one row per period", data_rows(ws) == exp["kpi_periods"], (data_rows(ws), exp["kpi_periods"]))
    check("kpis: period column is a date", ws.cell(row=2, column=1).is_date, ws.cell(row=2, column=1).number_format)
    ps = parts(path)
    charts = [p for p in ps if p.startswith("xl/charts/chart")]
    check("kpis: a line and a bar chart", len(charts) >= 2, charts)
    xml = "".join(zipfile.ZipFile(path).read(c).decode() for c in charts)
    check("kpis: the charts are a line chart and a bar chart", "<c:lineChart>" in xml and "<c:barChart>" in xml)

    # --- quality ------------------------------------------------------------
    path = f"{d}/quality.xlsx"
    wb = openpyxl.load_workbook(path)
    check("quality: sheets", {"Pareto", "Heatmap", "SPC"} <= set(wb.sheetnames), wb.sheetnames)
    ws = wb["Pareto"]
    check("quality: Pareto rows = defect descriptions", data_rows(ws) == exp["pareto_rows"], (data_rows(ws), exp["pareto_rows"]))
    counts = [ws.cell(row=r, column=2).value for r in range(2, 2 + data_rows(ws))]
    check("quality: Pareto sorted, most first", counts == sorted(counts, reverse=True) and sum(counts) == exp["defects"],
          (sum(counts), exp["defects"]))
    share = ws.cell(row=1 + data_rows(ws), column=3)
    check("quality: cumulative share ends at 100%", abs(share.value - 1) < 1e-9 and "%" in share.number_format,
          (share.value, share.number_format))
    ps = parts(path)
    check("quality: Pareto chart present", any(p.startswith("xl/charts/chart") for p in ps), ps)
    ws = wb["Heatmap"]
    check("quality: heatmap has a colour scale", "colorScale" in sheet_xml(path, wb, "Heatmap"))
    ws = wb["SPC"]
    check("quality: SPC rows = characteristics", data_rows(ws) == exp["characteristics"], (data_rows(ws), exp["characteristics"]))

    # --- inventory ----------------------------------------------------------
    path = f"{d}/inventory.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["Policy"] if "Policy" in wb.sheetnames else None
    check("inventory: Policy sheet", ws is not None, wb.sheetnames)
    hr = 1
    for r in range(1, 15):
        if ws.cell(row=r, column=1).value == "Material":
            hr = r
            break
    check("inventory: Policy rows = materials", data_rows(ws, hr + 1) == exp["materials"], (data_rows(ws, hr + 1), exp["materials"]))
    xml = sheet_xml(path, wb, "Policy")
    check("inventory: the action column is conditionally formatted", "conditionalFormatting" in xml and "expedite" in xml)
    check("inventory: the policy is an Excel table", any(p.startswith("xl/tables/") for p in parts(path)))

    # --- template -----------------------------------------------------------
    path = f"{d}/template.xlsx"
    wb = openpyxl.load_workbook(path)
    ref = openpyxl.load_workbook(exp["reference_workbook"], read_only=True)
    check("template: the nine reference sheets in order", wb.sheetnames == ref.sheetnames, (wb.sheetnames, ref.sheetnames))
    ok_headers = all(headers(wb[s]) == headers(ref[s]) for s in ref.sheetnames if s in wb.sheetnames)
    check("template: headers as the reference workbook's (demo_workbook)", ok_headers)
    check("template: no data rows", all(wb[s].max_row == 1 for s in wb.sheetnames), [wb[s].max_row for s in wb.sheetnames])
    ws = wb[wb.sheetnames[0]]
    check("template: header notes", ws.cell(row=1, column=1).comment is not None)
    kinds = {dv.type for s in wb.sheetnames for dv in wb[s].data_validations.dataValidation}
    check("template: data validation of dates, whole and decimal numbers", {"date", "whole", "decimal"} <= kinds, kinds)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
