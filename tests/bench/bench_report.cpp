// Benchmark of the plan report (src/core/report/report_plan.h) on a synthetic
// plan shaped like the demo plant's: orders of 10 operations each through the
// work centers, every work center with 1-3 units, operations back to back on
// each unit over ~3-4 weeks, nights off on two-shift centers, weekends off on
// all but the around-the-clock ones.
//
//   bench_report [--ops 50000] [--work-centers 70] [--orders 5000] [--seed 1]
//                [--keep PATH]
//
// Prints the seconds write_plan_report takes (data built beforehand), the
// file size, the Gantt's size, and the process's peak RSS (getrusage
// ru_maxrss: the input tables included). Targets: under 5 s and 200 MB.
// Exits 1 when a target is missed.
#include "core/report/report_plan.h"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <string>
#include <vector>

using pp::report::Kind;

namespace {

struct Rng {  // xorshift64*: reproducible everywhere
  std::uint64_t s;
  explicit Rng(std::uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 1) {}
  std::uint64_t next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 0x2545F4914F6CDD1Dull;
  }
  int between(int lo, int hi) { return lo + static_cast<int>(next() % static_cast<std::uint64_t>(hi - lo + 1)); }
};

// Owns the texts; hands out stable pointers (a deque never moves its elements).
struct Arena {
  std::deque<std::string> texts;
  std::vector<const char*> cells;
  const char* add(std::string s) {
    texts.push_back(std::move(s));
    return texts.back().c_str();
  }
};

long peak_rss_kb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  int ops = 50000, wcs = 70, orders = 5000;
  std::uint64_t seed = 1;
  std::string keep;
  for (int i = 1; i < argc; ++i) {
    auto arg = [&](const char* name) { return std::strcmp(argv[i], name) == 0 && i + 1 < argc; };
    if (arg("--ops")) ops = std::atoi(argv[++i]);
    else if (arg("--work-centers")) wcs = std::atoi(argv[++i]);
    else if (arg("--orders")) orders = std::atoi(argv[++i]);
    else if (arg("--seed")) seed = std::strtoull(argv[++i], nullptr, 10);
    else if (arg("--keep")) keep = argv[++i];
    else {
      std::fprintf(stderr, "usage: %s [--ops N] [--work-centers N] [--orders N] [--seed N] [--keep PATH]\n", argv[0]);
      return 2;
    }
  }
  Rng rng(seed);
  const std::int64_t start = 1772434800;  // 2026-03-02 07:00 wall clock
  const int per_order = std::max(1, ops / std::max(1, orders));

  // Units per work center and when each unit is next free.
  std::vector<int> units(static_cast<std::size_t>(wcs));
  std::vector<std::vector<std::int64_t>> free_at(static_cast<std::size_t>(wcs));
  for (int w = 0; w < wcs; ++w) {
    units[static_cast<std::size_t>(w)] = rng.between(1, 3);
    free_at[static_cast<std::size_t>(w)].assign(static_cast<std::size_t>(units[static_cast<std::size_t>(w)]), start);
  }

  Arena op_cells, bar_cells, order_cells, off_cells;
  op_cells.cells.reserve(static_cast<std::size_t>(ops) * 11);
  bar_cells.cells.reserve(static_cast<std::size_t>(ops) * 5);
  const char* kStandard = "standard_time";
  const char* kFalse = "f";
  int written = 0;
  std::int64_t horizon_end = start;
  for (int o = 0; o < orders && written < ops; ++o) {
    const std::string id = std::to_string(133000 + o);
    std::int64_t first = -1, last = 0;
    for (int k = 0; k < per_order && written < ops; ++k, ++written) {
      const int w = (o * 7 + k * 5) % wcs;
      auto& fa = free_at[static_cast<std::size_t>(w)];
      std::size_t u = 0;
      for (std::size_t j = 1; j < fa.size(); ++j) {
        if (fa[j] < fa[u]) u = j;
      }
      // Back to back on the unit with short gaps (no precedence: the
      // report does not care, and the horizon stays ~3-4 weeks).
      const std::int64_t s = fa[u] + static_cast<std::int64_t>(rng.between(0, 20)) * 60;
      const std::int64_t e = s + static_cast<std::int64_t>(rng.between(10, 80)) * 60;
      fa[u] = e;
      first = first < 0 ? s : std::min(first, s);
      last = std::max(last, e);
      horizon_end = std::max(horizon_end, e);
      const std::string wc = std::to_string(100 + w), unit = std::to_string(u + 1);
      const char* oid = op_cells.add(id);
      op_cells.cells.insert(op_cells.cells.end(),
                            {oid, op_cells.add(std::to_string(10 * (k + 1))), op_cells.add(wc),
                             op_cells.add(unit), nullptr, op_cells.add(std::to_string(s)),
                             op_cells.add(std::to_string(e)), op_cells.add("0"),
                             op_cells.add(std::to_string((e - s) / 60)), kStandard, kFalse});
      bar_cells.cells.insert(bar_cells.cells.end(),
                             {bar_cells.add(wc), bar_cells.add(unit), oid, bar_cells.add(std::to_string(s)),
                              bar_cells.add(std::to_string(e))});
    }
    order_cells.cells.insert(order_cells.cells.end(),
                             {order_cells.add(id), order_cells.add("K-" + std::to_string(o % 40)),
                              order_cells.add(std::to_string(o % 5)), order_cells.add(std::to_string(last + 3600)),
                              order_cells.add(std::to_string(first)), order_cells.add(std::to_string(last)),
                              order_cells.add("-1"), "on_time"});
  }
  // Two-shift centers (even ids): 22:00-06:00 off; weekends off except on
  // around-the-clock centers (multiples of 7).
  for (int w = 0; w < wcs; ++w) {
    const std::string wc = std::to_string(100 + w);
    for (std::int64_t day = (start / 86400) * 86400; day < horizon_end; day += 86400) {
      const int weekday = static_cast<int>((day / 86400 + 3) % 7);  // 0 = Monday
      if (w % 7 != 0 && weekday >= 5) {
        off_cells.cells.insert(off_cells.cells.end(),
                               {off_cells.add(wc), off_cells.add(std::to_string(day)),
                                off_cells.add(std::to_string(day + 86400))});
      } else if (w % 2 == 0) {
        off_cells.cells.insert(off_cells.cells.end(),
                               {off_cells.add(wc), off_cells.add(std::to_string(day + 22 * 3600)),
                                off_cells.add(std::to_string(day + 30 * 3600))});
      }
    }
  }

  pp::report::PlanReportData d;
  d.facts = {{"Plan", "1"}, {"Plant", "bench"}, {"Rule", "edd"}, {"Time zone", "Europe/Lisbon"}};
  static const char* kpi_cells[] = {"operations", "50000", nullptr};
  d.kpis = {{{"kpi", Kind::Text, ""}, {"value", Kind::Number, ""}, {"unit", Kind::Text, ""}}, {1, 3, kpi_cells}};
  d.orders = {{{"order_id", Kind::Text, ""}, {"product_id", Kind::Text, ""}, {"priority", Kind::Integer, ""},
               {"due_at", Kind::DateTime, ""}, {"planned_start", Kind::DateTime, ""},
               {"planned_end", Kind::DateTime, ""}, {"lateness_hours", Kind::Hours, "hours"},
               {"status", Kind::Text, ""}},
              {static_cast<std::int64_t>(order_cells.cells.size() / 8), 8, order_cells.cells.data()}};
  d.operations = {{{"order_id", Kind::Text, ""}, {"operation", Kind::Integer, ""},
                   {"work_center_id", Kind::Text, ""}, {"unit", Kind::Integer, ""},
                   {"setup_start_at", Kind::DateTime, ""}, {"start_at", Kind::DateTime, ""},
                   {"end_at", Kind::DateTime, ""}, {"setup_minutes", Kind::Number, ""},
                   {"work_minutes", Kind::Number, ""}, {"duration_source", Kind::Text, ""},
                   {"is_fixed", Kind::Bool, ""}},
                  {static_cast<std::int64_t>(op_cells.cells.size() / 11), 11, op_cells.cells.data()}};
  d.gantt_bars = {static_cast<std::int64_t>(bar_cells.cells.size() / 5), 5, bar_cells.cells.data()};
  d.non_working = {static_cast<std::int64_t>(off_cells.cells.size() / 3), 3, off_cells.cells.data()};
  d.horizon_from = static_cast<double>(start);
  d.horizon_to = static_cast<double>(horizon_end);

  const long rss_data = peak_rss_kb();
  const std::string dir = std::filesystem::temp_directory_path() / ("pp_bench_report_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = keep.empty() ? dir + "/plan.xlsx" : keep;
  pp::report::ReportOptions opt;
  opt.tmpdir = dir;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    pp::report::write_plan_report(d, path, opt);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "write_plan_report failed: %s\n", e.what());
    return 1;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const long rss = peak_rss_kb();
  const auto bytes = std::filesystem::file_size(path);
  const auto bk = (horizon_end - start + 3599) / 3600;
  int rows = 0;
  for (int u : units) rows += u;

  std::printf("plan report: %lld operations, %lld orders, %d work centers (%d Gantt rows), "
              "%lld non-working intervals, horizon %lld h\n",
              static_cast<long long>(d.operations.rows.rows), static_cast<long long>(d.orders.rows.rows), wcs,
              rows, static_cast<long long>(d.non_working.rows), static_cast<long long>(bk));
  std::printf("write_plan_report: %.2f s, file %.1f MB\n", secs, static_cast<double>(bytes) / 1e6);
  std::printf("peak RSS: %.1f MB (%.1f MB after building the input)\n", static_cast<double>(rss) / 1024,
              static_cast<double>(rss_data) / 1024);
  std::filesystem::remove_all(dir);  // the temporary directory (a --keep file is elsewhere)
  const bool ok = secs < 5.0 && rss < 200 * 1024;
  std::printf("targets (< 5 s, < 200 MB): %s\n", ok ? "met" : "MISSED");
  return ok ? 0 : 1;
}
