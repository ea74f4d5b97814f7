#include "core/report/report_chart_patch.h"

#include "core/common/errors.h"
#include "core/report/report_cells.h"

#include <zip.h>

#include <cstdlib>

namespace pp::report::detail {

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw Error(ErrorKind::Internal, "Pareto chart: " + what);
}

std::size_t find_or_fail(std::string_view s, std::string_view what, std::size_t from,
                         std::size_t before = std::string_view::npos) {
  const std::size_t p = s.find(what, from);
  if (p == std::string_view::npos || (before != std::string_view::npos && p >= before)) {
    fail("libxlsxwriter's chart XML has no " + std::string(what) + " where expected");
  }
  return p;
}

// The value of the n-th <c:axId val="..."/> in [from, to).
long axis_id(std::string_view s, std::size_t from, std::size_t to, int n) {
  std::size_t p = from;
  for (int i = 0; i <= n; ++i) p = find_or_fail(s, "<c:axId val=\"", i == 0 ? p : p + 1, to);
  return std::strtol(std::string(s.substr(p + 13, 20)).c_str(), nullptr, 10);
}

}  // namespace

std::string combine_second_series_as_line(std::string_view xml, std::string_view y2_format,
                                          double y2_min, double y2_max) {
  const std::size_t bar = find_or_fail(xml, "<c:barChart>", 0);
  const std::size_t bar_end = find_or_fail(xml, "</c:barChart>", bar);
  if (xml.find("<c:barChart>", bar + 1) != std::string_view::npos) fail("more than one bar chart");
  const std::size_t ser1 = find_or_fail(xml, "<c:ser>", bar, bar_end);
  const std::size_t ser2 = find_or_fail(xml, "<c:ser>", ser1 + 1, bar_end);
  const std::size_t ser2_end = find_or_fail(xml, "</c:ser>", ser2, bar_end) + 8;
  if (xml.find("<c:ser>", ser2_end) < bar_end) fail("more than two series");
  const long ax1 = axis_id(xml, ser2_end, bar_end, 0);
  const long ax2 = axis_id(xml, ser2_end, bar_end, 1);
  long ax3 = std::max(ax1, ax2) + 1;
  while (xml.find("val=\"" + std::to_string(ax3) + "\"") != std::string_view::npos) ++ax3;
  const long ax4 = ax3 + 1;
  const std::size_t plot_end = find_or_fail(xml, "</c:plotArea>", bar_end);

  std::string line_ser(xml.substr(ser2, ser2_end - ser2));
  // A bar series' own element; not allowed in a line series.
  for (std::size_t p; (p = line_ser.find("<c:invertIfNegative")) != std::string::npos;) {
    line_ser.erase(p, line_ser.find("/>", p) + 2 - p);
  }
  const std::string a3 = std::to_string(ax3), a4 = std::to_string(ax4);
  std::string out;
  out.reserve(xml.size() + 1500);
  out.append(xml.substr(0, ser2));
  out.append(xml.substr(ser2_end, bar_end + 13 - ser2_end));  // rest of the bar chart
  out.append("<c:lineChart><c:grouping val=\"standard\"/>");
  out.append(line_ser);
  out.append("<c:marker val=\"1\"/><c:axId val=\"" + a3 + "\"/><c:axId val=\"" + a4 +
             "\"/></c:lineChart>");
  out.append(xml.substr(bar_end + 13, plot_end - (bar_end + 13)));  // the primary axes
  out.append("<c:catAx><c:axId val=\"" + a3 +
             "\"/><c:scaling><c:orientation val=\"minMax\"/></c:scaling><c:delete val=\"1\"/>"
             "<c:axPos val=\"b\"/><c:numFmt formatCode=\"General\" sourceLinked=\"1\"/>"
             "<c:tickLblPos val=\"nextTo\"/><c:crossAx val=\"" + a4 +
             "\"/><c:crosses val=\"autoZero\"/><c:auto val=\"1\"/><c:lblAlgn val=\"ctr\"/>"
             "<c:lblOffset val=\"100\"/></c:catAx>");
  out.append("<c:valAx><c:axId val=\"" + a4 +
             "\"/><c:scaling><c:orientation val=\"minMax\"/><c:max val=\"" +
             number_text(y2_max) + "\"/><c:min val=\"" + number_text(y2_min) +
             "\"/></c:scaling><c:axPos val=\"r\"/><c:numFmt formatCode=\"" +
             std::string(y2_format) +
             "\" sourceLinked=\"0\"/><c:tickLblPos val=\"nextTo\"/><c:crossAx val=\"" + a3 +
             "\"/><c:crosses val=\"max\"/><c:crossBetween val=\"between\"/></c:valAx>");
  out.append(xml.substr(plot_end));
  return out;
}

std::string read_zip_entry(const std::string& zip_path, const std::string& entry) {
  int err = 0;
  zip_t* z = zip_open(zip_path.c_str(), ZIP_RDONLY, &err);
  if (z == nullptr) fail("cannot open the written workbook (libzip error " + std::to_string(err) + ")");
  zip_stat_t st;
  zip_stat_init(&st);
  zip_file_t* f = nullptr;
  std::string out;
  if (zip_stat(z, entry.c_str(), 0, &st) == 0 && (f = zip_fopen(z, entry.c_str(), 0)) != nullptr) {
    out.resize(st.size);
    const zip_int64_t n = zip_fread(f, out.data(), st.size);
    zip_fclose(f);
    if (n != static_cast<zip_int64_t>(st.size)) f = nullptr;
  }
  const bool ok = f != nullptr;
  zip_discard(z);
  if (!ok) fail("cannot read " + entry + " of the written workbook");
  return out;
}

void replace_zip_entry(const std::string& zip_path, const std::string& entry,
                       const std::string& data) {
  int err = 0;
  zip_t* z = zip_open(zip_path.c_str(), 0, &err);
  if (z == nullptr) fail("cannot open the written workbook (libzip error " + std::to_string(err) + ")");
  auto give_up = [&](const std::string& what) {
    const std::string msg = what + ": " + zip_strerror(z);
    zip_discard(z);
    fail(msg);
  };
  const zip_int64_t index = zip_name_locate(z, entry.c_str(), 0);
  if (index < 0) give_up("no " + entry + " in the written workbook");
  const auto i = static_cast<zip_uint64_t>(index);
  // The buffer is read at zip_close; `data` outlives it.
  zip_source_t* src = zip_source_buffer(z, data.data(), data.size(), 0);
  if (src == nullptr) give_up("cannot stage " + entry);
  if (zip_file_replace(z, i, src, 0) < 0) {
    zip_source_free(src);
    give_up("cannot replace " + entry);
  }
  // DOS date 1980-01-01 ((year-1980)<<9 | month<<5 | day), time 00:00:00.
  constexpr zip_uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;
  if (zip_file_set_dostime(z, i, 0, kDosDate, 0) < 0) give_up("cannot stamp " + entry);
  if (zip_set_file_compression(z, i, ZIP_CM_DEFLATE, 6) < 0) give_up("cannot compress " + entry);
  if (zip_close(z) < 0) give_up("cannot rewrite the workbook");
}

}  // namespace pp::report::detail
