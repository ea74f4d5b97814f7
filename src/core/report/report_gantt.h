// The plan report's "Gantt" sheet: work centers x time buckets, each cell the
// order that occupies most of that bucket on that unit.
//
// Layout (0-based rows; columns A, B, then one per bucket from C):
//   row 0   "Work center", "Unit", then the day of each run of buckets that
//           start on the same calendar day: the date (Excel serial) in the
//           run's first cell, merged across the run; "ddd yyyy-mm-dd" where
//           the run is wide enough, else the day of the month ("dd");
//   row 1   the start hour of each bucket (a number 0..23; "hh:mm" text for a
//           bucket that does not start on the hour);
//   rows 2.. one row per (work center, unit) of gantt_bars, in natural order
//           of work center then unit (report_cells.h natural_less); column A
//           the work center, B the unit (a number when it is one);
//   then an empty row and the legend: a header row ("Order", "Colour",
//           "Planned start", "Planned end") and one row per order by colour
//           rank: id, a swatch (the order's fill), its first bar's start and
//           last bar's end (date-times); start and end are each merged over
//           2-4 columns from C, as many as a date-time needs at the buckets'
//           width (C:D and E:F for day buckets, C:F and G:J for hours).
// Panes are frozen below row 1 and right of column B.
//
// Buckets: bucket_hours > 0 is used as given (at least a minute); 0 chooses
// the smallest of 1, 2, 4, 8, 12, 24 h giving at most 400 buckets (24 h if
// none does). A bucket length dividing a day is aligned to the wall clock
// (4 h buckets start at 00, 04, 08, ...): the first bucket starts at or
// before horizon_from; otherwise buckets start at horizon_from. Buckets cover
// horizon_from .. horizon_to (the last may end after it); none when
// horizon_to == horizon_from. More than 16,382 buckets (the sheet's columns)
// is a ProgramLimit error.
//
// A cell: the order with the most seconds of its bars (clipped to the
// bucket) on that row; ties go to the order with the lower colour rank. It
// shows the order id in a 7 pt font on the order's fill: palette entry
// (rank % 24) of 24 distinct non-grey fills, the rank being the order's
// position when orders are sorted by their earliest bar start (ties: first
// row in gantt_bars). A bucket no bar touches and that lies entirely inside
// one non-working interval of its work center (intervals merged when they
// overlap or touch) is a blank cell on grey (kNonWorkingFill); any other
// empty bucket has no cell at all.
//
// Bad input (pp::Error DataException naming the table, row and column): a
// NULL or empty key or time, a time that is not a number of Unix seconds or
// outside Excel's dates, an end before its start; a table whose column
// count is not 5 (bars) / 3 (non-working) unless it has no rows
// (InvalidParameter); a non-finite or inverted horizon, a negative or
// sub-minute bucket_hours (InvalidParameter).
#pragma once
#include "core/common/core_only.h"
#include "core/common/cancel.h"
#include "core/report/report_data.h"
#include "core/report/report_workbook.h"

#include <cstdint>

namespace pp::report::detail {

inline constexpr int kGanttPaletteSize = 24;
inline constexpr lxw_color_t kNonWorkingFill = 0xD9D9D9;
inline constexpr std::int64_t kGanttMaxAutoBuckets = 400;
// Columns left for buckets after work center and unit.
inline constexpr std::int64_t kGanttMaxBuckets = 16384 - 2;

// The fill (0xRRGGBB) of palette entry i (0 <= i < kGanttPaletteSize).
lxw_color_t gantt_fill(int i);

struct GanttBuckets {
  std::int64_t origin = 0;   // Unix seconds (wall clock) the first bucket starts at
  std::int64_t seconds = 0;  // bucket length
  std::int64_t count = 0;
};

// The buckets for a horizon (see above). Throws pp::Error.
GanttBuckets choose_gantt_buckets(double horizon_from, double horizon_to, double bucket_hours);

// Adds and writes the "Gantt" sheet of a constant-memory workbook.
void write_gantt_sheet(ReportWorkbook& book, const PlanReportData& data, const CancelToken& cancel);

}  // namespace pp::report::detail
