// prodplan.bottleneck_shares(plant, from, to, plan_id, mode): the engine
// behind prodplan.bottlenecks() (which adds utilisation against the
// calendars, queues and the reference score). Reads the busy intervals of
// every work center — actual operations, setups and downtimes, or a plan's
// operations with their setups — and returns per work center its active
// periods and its sole and shifting bottleneck shares by the active period
// method (core/bottleneck/active_periods.h), over the window and per week
// (the share of weeks it was the top bottleneck: the method's confidence).
//
// PostgreSQL work happens in this file's plain frames; C++ objects live
// behind one raw pointer freed in PG_FINALLY and are used only in pp_call.
#include "core/bottleneck/active_periods.h"
#include "pg/boundary.h"
#include "pg/spi_text.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <unordered_map>
#include <vector>

#include "pg/pg_includes.h"
#include "pg/spi_scan.h"

extern "C" {
#include "funcapi.h"
PGDLLEXPORT Datum prodplan_bottleneck_shares(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_bottleneck_shares);
}

using pp::pg::fetch_text_table;
using pp::pg::pp_call;

namespace {

constexpr double kWeek = 7 * 86400.0;

struct Station {
  std::string id;
  int capacity = 1;
  bool around_the_clock = true;              // no calendar
  std::vector<pp::bottleneck::Period> working;  // its calendar's working periods in the window, sorted
  double busy_unit_seconds = 0;              // busy time inside working time, summed over units
  double available_unit_seconds = 0;         // capacity x working time
  int weeks_first = 0;
  double waiting_seconds = 0;   // waits overlapping the window
  std::vector<double> waits;    // hours, of operations starting in the window
};

// Linear interpolation between order statistics, as percentile_cont.
double percentile(std::vector<double> v, double p) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const double pos = p * static_cast<double>(v.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(pos);
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

// Seconds of [a, b) inside the sorted, disjoint periods.
double inside(const std::vector<pp::bottleneck::Period>& periods, double a, double b) {
  auto it = std::upper_bound(periods.begin(), periods.end(), a,
                             [](double t, const pp::bottleneck::Period& p) { return t < p.end; });
  double s = 0;
  for (; it != periods.end() && it->start < b; ++it) s += std::min(b, it->end) - std::max(a, it->start);
  return s;
}

// An operation, for the wait before it: its order's previous operation's
// end to its own start.
struct Step {
  int station = 0;
  int order = 0;
  double start = 0, end = 0;
};

struct SharesRun {
  std::vector<Station> stations;
  std::vector<Step> steps;
  std::unordered_map<std::string, int> orders;
  std::unordered_map<std::string, int> index;
  std::vector<pp::bottleneck::Busy> busy;
  pp::bottleneck::BottleneckTimeline timeline;
  int weeks = 0;
};

}  // namespace

Datum prodplan_bottleneck_shares(PG_FUNCTION_ARGS) {
  Datum plant = PG_GETARG_DATUM(0);
  const TimestampTz from_ts = PG_GETARG_TIMESTAMPTZ(1);
  const TimestampTz to_ts = PG_GETARG_TIMESTAMPTZ(2);
  const bool from_plan = !PG_ARGISNULL(3);
  const int64 plan_id = from_plan ? PG_GETARG_INT64(3) : 0;
  const char* mode_text = text_to_cstring(PG_GETARG_TEXT_PP(4));
  const pp::CancelToken cancel = pp::pg::backend_cancel_token();
  pp::bottleneck::ActiveMode mode = pp::bottleneck::ActiveMode::Saturated;
  if (strcmp(mode_text, "any") == 0) mode = pp::bottleneck::ActiveMode::Any;
  else if (strcmp(mode_text, "saturated") != 0)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("prodplan.bottlenecks: mode must be saturated or any, got \"%s\"", mode_text)));
  // Unix seconds of the window.
  const double from = (double)from_ts / 1e6 + 946684800.0;
  const double to = (double)to_ts / 1e6 + 946684800.0;
  if (!(to > from))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("prodplan.bottlenecks: the window must end after it starts")));

  InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
  ReturnSetInfo* rsinfo = (ReturnSetInfo*)fcinfo->resultinfo;
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "prodplan.bottlenecks: SPI_connect failed");
  Oid tp[1] = {TEXTOID};
  Datum vp[1] = {plant};
  const pp::planning::TextTable wcs = fetch_text_table(
      "prodplan.bottlenecks", "SELECT work_center_id, capacity_units FROM prodplan.work_center WHERE plant_id = $1 ORDER BY work_center_id",
      1, tp, vp);

  SharesRun* run = nullptr;
  PG_TRY();
  {
    pp_call("prodplan.bottlenecks", [&] {
      run = new SharesRun();
      for (int64 i = 0; i < wcs.rows; ++i) {
        Station s;
        s.id = wcs.cell(i, 0);
        s.capacity = std::max(1, std::atoi(wcs.cell(i, 1)));
        run->index.emplace(s.id, static_cast<int>(run->stations.size()));
        run->stations.push_back(s);
      }
    });
    // Busy intervals overlapping the window: (work center, kind, start, end).
    auto add = [&](const pp::pg::ScanRow& r) {
      auto it = run->index.find(std::string(r.a));
      if (it == run->index.end() || std::isnan(r.x)) return;  // an unknown work center cannot be a station
      const double end = std::isnan(r.y) ? to : r.y;
      if (!r.b.empty()) {  // an operation (setups and downtimes have no order)
        const int order = run->orders.emplace(std::string(r.b), static_cast<int>(run->orders.size())).first->second;
        run->steps.push_back({it->second, order, r.x, end});
      }
      if (!(end > r.x)) return;
      run->busy.push_back({it->second, r.x, end});
    };
    if (from_plan) {
      Oid t[3] = {INT8OID, TIMESTAMPTZOID, TIMESTAMPTZOID};
      Datum v[3] = {Int64GetDatum(plan_id), TimestampTzGetDatum(from_ts), TimestampTzGetDatum(to_ts)};
      pp::pg::scan_rows("prodplan.bottlenecks",
                        "SELECT p.work_center_id, p.order_id, p.setup_start_at, p.end_at FROM prodplan.planned_operations p "
                        "WHERE p.plan_id = $1",
                        3, t, v, add);
    } else {
      Oid t[3] = {TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
      Datum v[3] = {plant, TimestampTzGetDatum(from_ts), TimestampTzGetDatum(to_ts)};
      // Work in progress at the window's end is busy until then; setups and
      // downtimes (repairs) keep a unit busy too. Every started operation is
      // read (not only the window's): an operation's wait starts at its
      // order's previous operation's end, which may lie before the window.
      pp::pg::scan_rows("prodplan.bottlenecks",
                        "SELECT o.work_center_id, o.order_id, o.started_at, o.ended_at FROM prodplan.operation o "
                        "WHERE o.plant_id = $1 AND o.started_at < $3 "
                        "UNION ALL "
                        "SELECT e.work_center_id, '', e.started_at, e.ended_at "
                        "FROM prodplan.resource_event e WHERE e.plant_id = $1 AND e.kind IN ('setup', 'downtime') "
                        "AND e.started_at < $3 AND (e.ended_at IS NULL OR e.ended_at > $2)",
                        3, t, v, add);
    }
    // Working time: utilisation counts busy time inside it.
    {
      Oid t[3] = {TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
      Datum v[3] = {plant, TimestampTzGetDatum(from_ts), TimestampTzGetDatum(to_ts)};
      const pp::planning::TextTable cal = fetch_text_table(
          "prodplan.bottlenecks", "SELECT work_center_id, calendar_id FROM prodplan.work_center WHERE plant_id = $1 AND calendar_id IS NOT NULL", 1, t, v);
      pp_call("prodplan.bottlenecks", [&] {
        for (int64 i = 0; i < cal.rows; ++i) run->stations[static_cast<std::size_t>(run->index.at(cal.cell(i, 0)))].around_the_clock = false;
      });
      pp::pg::scan_rows("prodplan.bottlenecks",
                        "SELECT w.work_center_id, w.calendar_id, extract(epoch FROM greatest(t.starts_at, $2))::float8, "
                        "extract(epoch FROM least(t.ends_at, $3))::float8 FROM prodplan.work_center w "
                        "JOIN prodplan.working_time($1, $2, $3) t ON t.calendar_id = w.calendar_id WHERE w.plant_id = $1",
                        3, t, v, [&](const pp::pg::ScanRow& r) {
                          if (r.y > r.x) run->stations[static_cast<std::size_t>(run->index.at(std::string(r.a)))].working.push_back({r.x, r.y});
                        });
    }
    pp_call("prodplan.bottlenecks", [&] {
      for (Station& st : run->stations) {
        std::sort(st.working.begin(), st.working.end(),
                  [](const pp::bottleneck::Period& a, const pp::bottleneck::Period& b) { return a.start < b.start; });
        double hours = 0;
        if (st.around_the_clock) hours = to - from;
        else
          for (const auto& p : st.working) hours += p.length();
        st.available_unit_seconds = st.capacity * hours;
      }
      for (const pp::bottleneck::Busy& b : run->busy) {
        Station& st = run->stations[static_cast<std::size_t>(b.station)];
        const double s0 = std::max(b.start, from), s1 = std::min(b.end, to);
        if (s1 > s0) st.busy_unit_seconds += st.around_the_clock ? s1 - s0 : inside(st.working, s0, s1);
      }
      // Waits: per order by start, from the previous operation's end (or
      // its setup's start in a plan) to this one's start.
      std::sort(run->steps.begin(), run->steps.end(), [](const Step& a, const Step& b) {
        return a.order != b.order ? a.order < b.order : a.start < b.start;
      });
      for (std::size_t k = 1; k < run->steps.size(); ++k) {
        const Step& prev = run->steps[k - 1];
        const Step& cur = run->steps[k];
        if (prev.order != cur.order) continue;
        Station& st = run->stations[static_cast<std::size_t>(cur.station)];
        const double wait = std::max(0.0, cur.start - prev.end);
        if (cur.start >= from && cur.start < to) st.waits.push_back(wait / 3600.0);
        const double a = std::max(prev.end, from), b = std::min(cur.start, to);
        if (b > a) st.waiting_seconds += b - a;
      }
      std::vector<int> capacity;
      for (const Station& s : run->stations) capacity.push_back(s.capacity);
      const auto periods = pp::bottleneck::active_periods(run->busy, capacity, mode, from, to, cancel);
      run->timeline = pp::bottleneck::shifting_bottleneck(periods, from, to, cancel);
      // Week by week: which station was the top bottleneck (sole + shifting).
      // Each period goes to the weeks it overlaps, so the weeks cost what
      // the whole window does.
      const int weeks = static_cast<int>(std::ceil((to - from) / kWeek));
      std::vector<std::vector<std::vector<pp::bottleneck::Period>>> by_week(
          static_cast<std::size_t>(weeks), std::vector<std::vector<pp::bottleneck::Period>>(periods.size()));
      for (std::size_t st = 0; st < periods.size(); ++st)
        for (const auto& p : periods[st]) {
          const int w0 = std::max(0, static_cast<int>((p.start - from) / kWeek));
          const int w1 = std::min(weeks - 1, static_cast<int>((p.end - from) / kWeek));
          for (int w = w0; w <= w1; ++w) by_week[static_cast<std::size_t>(w)][st].push_back(p);
        }
      for (int w = 0; w < weeks; ++w) {
        const double ws = from + w * kWeek, we = std::min(to, ws + kWeek);
        if (we - ws < 86400.0) break;  // a final partial week under a day is too short to rank
        const auto wk = pp::bottleneck::shifting_bottleneck(by_week[static_cast<std::size_t>(w)], ws, we, cancel);
        int best = -1;
        double best_share = 0;
        for (std::size_t st = 0; st < wk.stations.size(); ++st) {
          const double share = wk.stations[st].sole_seconds + wk.stations[st].shifting_seconds;
          if (share > best_share) {
            best_share = share;
            best = static_cast<int>(st);
          }
        }
        ++run->weeks;
        if (best >= 0) ++run->stations[static_cast<std::size_t>(best)].weeks_first;
      }
    });
    const double window = to - from;
    for (std::size_t s = 0; s < run->stations.size(); ++s) {
      const Station& st = run->stations[s];
      const auto& sh = run->timeline.stations[s];
      Datum values[13];
      bool nulls[13] = {false};
      values[0] = CStringGetTextDatum(st.id.c_str());
      values[1] = Int32GetDatum(st.capacity);
      values[2] = Float8GetDatum(st.busy_unit_seconds / 3600.0);
      values[3] = Float8GetDatum(sh.active_seconds / 3600.0);
      values[4] = Int64GetDatum(sh.periods);
      values[5] = Float8GetDatum(sh.mean_period_seconds / 3600.0);
      values[6] = Float8GetDatum(sh.sole_seconds / window);
      values[7] = Float8GetDatum(sh.shifting_seconds / window);
      values[8] = Int32GetDatum(st.weeks_first);
      values[9] = Int32GetDatum(run->weeks);
      values[10] = Float8GetDatum(st.available_unit_seconds / 3600.0);
      // Time-average orders waiting for it (Little: waiting time / window).
      values[11] = Float8GetDatum(st.waiting_seconds / window);
      double p90 = 0;
      pp_call("prodplan.bottlenecks", [&] { p90 = percentile(st.waits, 0.9); });
      values[12] = Float8GetDatum(p90);
      nulls[12] = std::isnan(p90);
      tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
  }
  PG_FINALLY();
  {
    delete run;
  }
  PG_END_TRY();
  SPI_finish();
  return (Datum)0;
}
