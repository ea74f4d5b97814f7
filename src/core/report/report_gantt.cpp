#include "core/report/report_gantt.h"

#include "core/common/errors.h"
#include "core/report/report_cells.h"
#include "core/report/report_input.h"
#include "core/report/report_sheet.h"
#include "core/xlsx/excel_dates.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace pp::report::detail {

namespace {

constexpr std::int64_t kDay = 86400;
constexpr double kLongDayLabelWidth = 16;  // "ddd yyyy-mm-dd", bold
constexpr double kMinBucketWidth = 5;      // a 6-digit order id in 7 pt
constexpr lxw_col_t kFirstBucketCol = 2;
constexpr double kDateTimeWidth = 17;  // "yyyy-mm-dd hh:mm"
constexpr double kSpareWidth = 6;      // legend columns past the last bucket
constexpr int kMaxLegendSpan = 4;

// Distinct fills, none grey (grey means non-working). Neighbouring ranks
// differ in hue, so consecutive orders on a unit are told apart.
constexpr lxw_color_t kPalette[kGanttPaletteSize] = {
    0x1F77B4, 0xFF7F0E, 0x2CA02C, 0xD62728, 0x9467BD, 0x8C564B, 0xE377C2, 0xBCBD22,
    0x17BECF, 0xAEC7E8, 0xFFBB78, 0x98DF8A, 0xFF9896, 0xC5B0D5, 0xC49C94, 0xF7B6D2,
    0xDBDB8D, 0x9EDAE5, 0x393B79, 0x637939, 0x8C6D31, 0x843C39, 0x7B4173, 0x3182BD};

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

struct Bar {
  std::int32_t row = 0;
  std::int32_t order = 0;
  std::int64_t start = 0, end = 0;
};

struct Order {
  std::string_view id;
  std::int64_t start = 0, end = 0;
  std::int64_t first_row = 0;  // first row in gantt_bars
  int colour = 0;
};

struct RowKey {
  std::string_view wc, unit;
};
struct RowKeyLess {
  bool operator()(const RowKey& a, const RowKey& b) const {
    if (a.wc != b.wc) return natural_less(a.wc, b.wc);
    return natural_less(a.unit, b.unit);
  }
};

using Intervals = std::vector<std::pair<std::int64_t, std::int64_t>>;

double luminance(lxw_color_t c) {
  return 0.299 * ((c >> 16) & 0xFF) + 0.587 * ((c >> 8) & 0xFF) + 0.114 * (c & 0xFF);
}

}  // namespace

lxw_color_t gantt_fill(int i) { return kPalette[i]; }

GanttBuckets choose_gantt_buckets(double horizon_from, double horizon_to, double bucket_hours) {
  if (!std::isfinite(horizon_from) || !std::isfinite(horizon_to) || horizon_to < horizon_from ||
      std::fabs(horizon_from) > 1e12 || std::fabs(horizon_to) > 1e12) {
    throw_invalid("plan report: the Gantt horizon " + number_text(horizon_from) + " .. " +
                  number_text(horizon_to) + " is not a range of Unix seconds");
  }
  if (!std::isfinite(bucket_hours) || bucket_hours < 0 || bucket_hours > 24.0 * 366 * 100) {
    throw_invalid("plan report: bucket_hours " + number_text(bucket_hours) + " is out of range");
  }
  const auto from = static_cast<std::int64_t>(std::floor(horizon_from));
  const auto to = static_cast<std::int64_t>(std::ceil(horizon_to));
  auto make = [&](std::int64_t seconds) {
    GanttBuckets b;
    b.seconds = seconds;
    b.origin = kDay % seconds == 0 ? floor_div(from, seconds) * seconds : from;
    b.count = horizon_to > horizon_from ? (to - b.origin + seconds - 1) / seconds : 0;
    return b;
  };
  GanttBuckets b;
  if (bucket_hours > 0) {
    const auto seconds = static_cast<std::int64_t>(std::llround(bucket_hours * 3600));
    if (seconds < 60) {
      throw_invalid("plan report: bucket_hours " + number_text(bucket_hours) +
                    " is below a minute");
    }
    b = make(seconds);
  } else {
    for (int hours : {1, 2, 4, 8, 12, 24}) {
      b = make(hours * std::int64_t{3600});
      if (b.count <= kGanttMaxAutoBuckets) break;
    }
  }
  if (b.count > kGanttMaxBuckets) {
    throw Error(ErrorKind::ProgramLimit,
                "plan report: the Gantt would have " + std::to_string(b.count) + " buckets of " +
                    number_text(static_cast<double>(b.seconds) / 3600) +
                    " h; a sheet has room for " + std::to_string(kGanttMaxBuckets) +
                    " (use longer buckets)");
  }
  return b;
}

void write_gantt_sheet(ReportWorkbook& book, const PlanReportData& data, const CancelToken& cancel) {
  ReportSheet sheet(book, "Gantt");
  const GanttBuckets bk = choose_gantt_buckets(data.horizon_from, data.horizon_to, data.bucket_hours);
  const std::int64_t horizon_end = bk.origin + bk.count * bk.seconds;

  // ---- bars: rows, orders ----------------------------------------------------
  const TextTable& bt = data.gantt_bars;
  InputTable bars_in(sheet.where(), "gantt_bars", bt,
                     {"work_center_id", "unit", "order_id", "start", "end"});
  using RowMap = std::map<RowKey, std::int32_t, RowKeyLess>;
  RowMap row_map;
  std::vector<RowMap::iterator> bar_row;
  std::vector<Bar> bars;
  std::vector<Order> orders;
  std::unordered_map<std::string_view, std::int32_t> order_index;
  bars.reserve(static_cast<std::size_t>(std::max<std::int64_t>(bt.rows, 0)));
  bar_row.reserve(bars.capacity());
  for (std::int64_t r = 0; r < bt.rows; ++r) {
    if (r % kPollEveryRows == 0) cancel.poll();
    const RowKey key{bars_in.key(r, 0), bars_in.key(r, 1)};
    const std::string_view order_id = bars_in.key(r, 2);
    Bar b;
    b.start = bars_in.time(r, 3);
    b.end = bars_in.time(r, 4);
    if (b.end < b.start) bars_in.fail(r, 4, "the end is before the start");
    bar_row.push_back(row_map.emplace(key, 0).first);
    auto [it, fresh] = order_index.emplace(order_id, static_cast<std::int32_t>(orders.size()));
    if (fresh) {
      orders.push_back(Order{order_id, b.start, b.end, r, 0});
    } else {
      Order& o = orders[static_cast<std::size_t>(it->second)];
      o.start = std::min(o.start, b.start);
      o.end = std::max(o.end, b.end);
    }
    b.order = it->second;
    bars.push_back(b);
  }
  std::vector<RowKey> rows;
  rows.reserve(row_map.size());
  for (auto& [key, index] : row_map) {
    index = static_cast<std::int32_t>(rows.size());
    rows.push_back(key);
  }
  for (std::size_t i = 0; i < bars.size(); ++i) bars[i].row = bar_row[i]->second;
  bar_row.clear();
  bar_row.shrink_to_fit();

  // Colour rank: by earliest start, then first appearance.
  std::vector<std::int32_t> by_rank(orders.size());
  for (std::size_t i = 0; i < by_rank.size(); ++i) by_rank[i] = static_cast<std::int32_t>(i);
  std::sort(by_rank.begin(), by_rank.end(), [&](std::int32_t a, std::int32_t b) {
    const Order& x = orders[static_cast<std::size_t>(a)];
    const Order& y = orders[static_cast<std::size_t>(b)];
    return x.start != y.start ? x.start < y.start : x.first_row < y.first_row;
  });
  std::vector<std::int32_t> rank(orders.size());
  for (std::size_t k = 0; k < by_rank.size(); ++k) {
    rank[static_cast<std::size_t>(by_rank[k])] = static_cast<std::int32_t>(k);
    orders[static_cast<std::size_t>(by_rank[k])].colour = static_cast<int>(k % kGanttPaletteSize);
  }

  std::sort(bars.begin(), bars.end(), [](const Bar& a, const Bar& b) {
    if (a.row != b.row) return a.row < b.row;
    if (a.start != b.start) return a.start < b.start;
    if (a.end != b.end) return a.end < b.end;
    return a.order < b.order;
  });

  // ---- non-working time, merged per work center -------------------------------
  const TextTable& nt = data.non_working;
  InputTable off_in(sheet.where(), "non_working", nt, {"work_center_id", "from", "to"});
  std::map<std::string_view, Intervals> off;
  for (std::int64_t r = 0; r < nt.rows; ++r) {
    if (r % kPollEveryRows == 0) cancel.poll();
    const std::string_view wc = off_in.key(r, 0);
    const std::int64_t f = off_in.time(r, 1), t = off_in.time(r, 2);
    if (t < f) off_in.fail(r, 2, "the end is before the start");
    off[wc].emplace_back(f, t);
  }
  for (auto& [wc, iv] : off) {
    std::sort(iv.begin(), iv.end());
    Intervals merged;
    for (const auto& p : iv) {
      if (!merged.empty() && p.first <= merged.back().second) {
        merged.back().second = std::max(merged.back().second, p.second);
      } else {
        merged.push_back(p);
      }
    }
    iv = std::move(merged);
  }

  const std::int64_t legend_rows = orders.empty() ? 0 : 2 + static_cast<std::int64_t>(orders.size());
  if (2 + static_cast<std::int64_t>(rows.size()) + legend_rows >
      static_cast<std::int64_t>(kSheetRows)) {
    throw Error(ErrorKind::ProgramLimit, sheet.where() + ": " + std::to_string(rows.size()) +
                                             " rows and " + std::to_string(orders.size()) +
                                             " orders do not fit in a sheet");
  }

  // ---- formats ----------------------------------------------------------------
  const Formats& fm = sheet.formats();
  auto header_like = [&](const char* num_format) {
    lxw_format* f = book.add_format();
    format_set_bold(f);
    format_set_bg_color(f, 0xDDEBF7);
    format_set_bottom(f, LXW_BORDER_THIN);
    format_set_align(f, LXW_ALIGN_CENTER);
    if (num_format != nullptr) format_set_num_format(f, num_format);
    return f;
  };
  lxw_format* day_long = header_like("ddd yyyy-mm-dd");
  lxw_format* day_short = header_like("dd");
  lxw_format* hour_fmt = header_like(nullptr);
  lxw_format* off_fmt = book.add_format();
  format_set_bg_color(off_fmt, kNonWorkingFill);
  std::vector<lxw_format*> order_fmt(kGanttPaletteSize);
  for (int i = 0; i < kGanttPaletteSize; ++i) {
    lxw_format* f = book.add_format();
    format_set_font_size(f, 7);
    format_set_bg_color(f, kPalette[i]);
    format_set_font_color(f, luminance(kPalette[i]) < 140 ? LXW_COLOR_WHITE : LXW_COLOR_BLACK);
    format_set_align(f, LXW_ALIGN_CENTER);
    order_fmt[static_cast<std::size_t>(i)] = f;
  }

  const std::int64_t per_day = bk.seconds < kDay ? std::max<std::int64_t>(1, kDay / bk.seconds) : 1;
  const double bucket_width =
      std::max(kMinBucketWidth, std::ceil(2 * kLongDayLabelWidth / static_cast<double>(per_day)) / 2);

  // ---- header rows ------------------------------------------------------------
  sheet.text(0, 0, "Work center", fm.header);
  sheet.text(0, 1, "Unit", fm.header);
  for (std::int64_t b = 0; b < bk.count;) {
    const std::int64_t day = floor_div(bk.origin + b * bk.seconds, kDay);
    std::int64_t e = b + 1;
    while (e < bk.count && floor_div(bk.origin + e * bk.seconds, kDay) == day) ++e;
    const auto c0 = static_cast<lxw_col_t>(kFirstBucketCol + b);
    const auto c1 = static_cast<lxw_col_t>(kFirstBucketCol + e - 1);
    lxw_format* f = static_cast<double>(e - b) * bucket_width >= kLongDayLabelWidth ? day_long : day_short;
    const auto serial = unix_to_serial(static_cast<double>(day * kDay));
    if (!serial) throw_invalid(sheet.where() + ": the Gantt horizon is outside Excel's dates");
    if (c1 > c0) sheet.merge(0, c0, c1, "", f);
    sheet.number(0, c0, *serial, f);
    b = e;
  }
  cancel.poll();
  // Row 1: hours. Row 0 is complete: in constant-memory mode, writing row 1
  // flushes it, and row 0 cannot be written to any more.
  sheet.blank(1, 0, fm.header);
  sheet.blank(1, 1, fm.header);
  for (std::int64_t b = 0; b < bk.count; ++b) {
    const std::int64_t tod = bk.origin + b * bk.seconds - floor_div(bk.origin + b * bk.seconds, kDay) * kDay;
    const auto col = static_cast<lxw_col_t>(kFirstBucketCol + b);
    if (tod % 3600 == 0) {
      sheet.number(1, col, static_cast<double>(tod / 3600), hour_fmt);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "%02d:%02d", static_cast<int>(tod / 3600),
                    static_cast<int>(tod % 3600 / 60));
      sheet.text(1, col, buf, hour_fmt);
    }
  }

  // ---- grid ---------------------------------------------------------------------
  struct Piece {
    std::int64_t bucket;
    std::int32_t order;
    std::int64_t seconds;
  };
  std::vector<Piece> pieces;
  std::vector<std::int32_t> cell(static_cast<std::size_t>(bk.count));
  std::vector<std::int64_t> best(static_cast<std::size_t>(bk.count));
  double wc_width = 12;
  std::size_t next_bar = 0;
  static const Intervals kNone;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    cancel.poll();
    const auto out = static_cast<lxw_row_t>(2 + r);
    const RowKey& key = rows[r];
    sheet.text(out, 0, key.wc);
    wc_width = std::max(wc_width, static_cast<double>(utf8_length(key.wc)) + 2);
    if (const auto u = parse_number(key.unit)) {
      sheet.number(out, 1, *u);
    } else {
      sheet.text(out, 1, key.unit);
    }

    pieces.clear();
    for (; next_bar < bars.size() && bars[next_bar].row == static_cast<std::int32_t>(r); ++next_bar) {
      const Bar& bar = bars[next_bar];
      const std::int64_t s = std::max(bar.start, bk.origin), e = std::min(bar.end, horizon_end);
      if (e <= s) continue;
      const std::int64_t b0 = (s - bk.origin) / bk.seconds, b1 = (e - bk.origin - 1) / bk.seconds;
      for (std::int64_t b = b0; b <= b1; ++b) {
        const std::int64_t bs = bk.origin + b * bk.seconds;
        const std::int64_t ov = std::min(e, bs + bk.seconds) - std::max(s, bs);
        if (ov > 0) pieces.push_back(Piece{b, bar.order, ov});
      }
    }
    std::sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) {
      return a.bucket != b.bucket ? a.bucket < b.bucket : a.order < b.order;
    });
    std::fill(cell.begin(), cell.end(), -1);
    std::fill(best.begin(), best.end(), 0);
    for (std::size_t i = 0; i < pieces.size();) {
      const Piece& p = pieces[i];
      std::int64_t sum = 0;
      std::size_t j = i;
      for (; j < pieces.size() && pieces[j].bucket == p.bucket && pieces[j].order == p.order; ++j) {
        sum += pieces[j].seconds;
      }
      const auto b = static_cast<std::size_t>(p.bucket);
      const std::int32_t current = cell[b];
      if (current < 0 || sum > best[b] ||
          (sum == best[b] && rank[static_cast<std::size_t>(p.order)] <
                                 rank[static_cast<std::size_t>(current)])) {
        cell[b] = p.order;
        best[b] = sum;
      }
      i = j;
    }

    const auto off_it = off.find(key.wc);
    const Intervals& iv = off_it == off.end() ? kNone : off_it->second;
    std::size_t k = 0;
    for (std::int64_t b = 0; b < bk.count; ++b) {
      const auto col = static_cast<lxw_col_t>(kFirstBucketCol + b);
      const std::int32_t o = cell[static_cast<std::size_t>(b)];
      const std::int64_t bs = bk.origin + b * bk.seconds, be = bs + bk.seconds;
      // Intervals ending before this bucket ends can contain no later bucket either.
      while (k < iv.size() && iv[k].second < be) ++k;
      if (o >= 0) {
        const Order& ord = orders[static_cast<std::size_t>(o)];
        sheet.text(out, col, ord.id, order_fmt[static_cast<std::size_t>(ord.colour)]);
      } else if (k < iv.size() && iv[k].first <= bs) {
        sheet.blank(out, col, off_fmt);
      }
    }
  }

  // ---- legend -------------------------------------------------------------------
  // Start and end are merged over enough bucket columns to show a date-time
  // (columns past the last bucket get kSpareWidth).
  const double legend_width = bk.count >= 2 * kMaxLegendSpan ? bucket_width
                                                            : std::min(bucket_width, kSpareWidth);
  const auto span = static_cast<lxw_col_t>(
      std::clamp(std::ceil(kDateTimeWidth / legend_width), 2.0, static_cast<double>(kMaxLegendSpan)));
  const auto start_col = kFirstBucketCol, end_col = static_cast<lxw_col_t>(kFirstBucketCol + span);
  if (!orders.empty()) {
    auto row = static_cast<lxw_row_t>(2 + rows.size() + 1);
    sheet.text(row, 0, "Order", fm.header);
    sheet.text(row, 1, "Colour", fm.header);
    sheet.merge(row, start_col, static_cast<lxw_col_t>(start_col + span - 1), "Planned start", fm.header);
    sheet.merge(row, end_col, static_cast<lxw_col_t>(end_col + span - 1), "Planned end", fm.header);
    ++row;
    for (std::size_t k = 0; k < by_rank.size(); ++k, ++row) {
      if (k % kPollEveryRows == 0) cancel.poll();
      const Order& o = orders[static_cast<std::size_t>(by_rank[k])];
      sheet.text(row, 0, o.id);
      wc_width = std::max(wc_width, static_cast<double>(utf8_length(o.id)) + 2);
      sheet.blank(row, 1, order_fmt[static_cast<std::size_t>(o.colour)]);
      sheet.merge(row, start_col, static_cast<lxw_col_t>(start_col + span - 1), "", fm.date_time);
      sheet.number(row, start_col, *unix_to_serial(static_cast<double>(o.start)), fm.date_time);
      sheet.merge(row, end_col, static_cast<lxw_col_t>(end_col + span - 1), "", fm.date_time);
      sheet.number(row, end_col, *unix_to_serial(static_cast<double>(o.end)), fm.date_time);
    }
  }

  sheet.freeze(2, 2);
  sheet.want_width(0, wc_width);
  sheet.want_width(1, 7);
  for (std::int64_t b = 0; b < bk.count; ++b) {
    sheet.want_width(static_cast<lxw_col_t>(kFirstBucketCol + b), bucket_width);
  }
  for (auto c = static_cast<lxw_col_t>(kFirstBucketCol + bk.count); c < end_col + span; ++c) {
    sheet.want_width(c, kSpareWidth);
  }
  sheet.apply_widths();
}

}  // namespace pp::report::detail
