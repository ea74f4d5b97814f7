// A Pareto chart (columns plus a line on a secondary axis) for libxlsxwriter
// 1.1.4, which has no chart_combine() and no secondary axes: the report adds
// an ordinary clustered column chart with two series, and after the workbook
// is written its chart part is rewritten so that the second series becomes a
// line chart on its own value axis at the right (the DrawingML that Excel and
// XlsxWriter produce for a combined chart: a <c:lineChart> after the
// <c:barChart>, a deleted secondary category axis and a value axis crossing
// at the maximum).
#pragma once
#include "core/common/core_only.h"

#include <string>
#include <string_view>

namespace pp::report::detail {

// The chart XML with its <c:barChart>'s second <c:ser> moved into a
// <c:lineChart> on a secondary value axis showing `y2_format` (e.g. "0%")
// from y2_min to y2_max. Throws pp::Error(Internal) if the XML does not have
// the shape libxlsxwriter writes (one bar chart, two series, two axes).
std::string combine_second_series_as_line(std::string_view chart_xml, std::string_view y2_format,
                                          double y2_min, double y2_max);

// The text of one zip entry (pp::Error Internal if it cannot be read).
std::string read_zip_entry(const std::string& zip_path, const std::string& entry);

// Replaces one entry of the zip file at `zip_path` (libzip rewrites the
// archive; the other entries are copied unchanged). The new entry is stamped
// 1980-01-01 00:00 like libxlsxwriter's, so the output stays deterministic.
// Throws pp::Error(Internal) on failure (the file is then left as it was).
void replace_zip_entry(const std::string& zip_path, const std::string& entry,
                       const std::string& data);

}  // namespace pp::report::detail
