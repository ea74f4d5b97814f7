// The template report: an empty workbook in the reference format for people
// who fill in data by hand, with every sheet's headers in row 1 (bold,
// frozen) and nothing below them, so reading it back gives no data rows.
//
// Per column: a header note (meaning; "Type: <type>"; "Required" or
// "Optional"; "Feeds: <canonical>"), a column number format for date types,
// and data validation on rows 2..1,048,576 by type (case-insensitive; a
// length or precision suffix such as "(10,2)" ignored):
//   smallint int2                    whole number -32,768 .. 32,767
//   int int4 integer serial          whole number -2,147,483,648 .. 2,147,483,647
//   bigint int8 bigserial            whole number within +-999,999,999,999,999
//                                    (what a double holds exactly)
//   float8 float4 real float double precision numeric decimal
//                                    decimal (any number)
//   timestamptz timestamp, timestamp with(out) time zone, date
//                                    date after 1900-01-01, with an input
//                                    message giving the form to type
//                                    (yyyy-mm-dd hh:mm, or yyyy-mm-dd)
//   boolean bool                     list 0,1 (1 = yes)
//   text and anything else           none
#pragma once
#include "core/common/core_only.h"
#include "core/common/cancel.h"
#include "core/report/report_data.h"
#include "core/report/report_options.h"

#include <string>

namespace pp::report {

// Writes the template to `path` (replaced only when complete). Throws
// pp::Error(InvalidParameter) for no sheets, an invalid or repeated sheet
// name (report_workbook.h validate_sheet_name), a sheet without columns, an
// empty header, or on a libxlsxwriter / file error; pp::Cancelled when
// `cancel` fires. No file is left at `path` by a failed call.
void write_template_report(const TemplateReportData& data, const std::string& path,
                           const ReportOptions& options, const CancelToken& cancel = {});

}  // namespace pp::report
