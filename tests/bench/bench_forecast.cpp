// Benchmark of demand forecasting (src/core/forecast, issue 8) without
// PostgreSQL: 10,000 synthetic series of two years of daily demand (a third
// each smooth - level, trend or weekly season -, intermittent and lumpy;
// tests/unit/support/demand_series.h), each forecast 30 days ahead by `auto`
// (classification, every candidate's parameter fit, rolling-origin MASE,
// refit of the winner, intervals), the series split between 2 threads. The
// issue's target: under 10 s. The peer, in the same run, is the naive method
// through the same entry point (validation, rolling MASE, intervals).
//
//   bench_forecast [--series 10000] [--days 730] [--horizon 30] [--threads 2] [--seed 1]
//
// Prints seconds, ms per series (wall clock x threads / series: the cost of
// one series on one core), the share of each chosen method and the mean
// rolling-origin MASE of the chosen methods against naive's.
#include "core/forecast/forecaster.h"
#include "../unit/support/demand_series.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

using namespace pp::forecast;

namespace {

struct Outcome {
  Method method = Method::Naive;
  double mase = 0, naive_mase = 0;
};

double run(const std::vector<std::vector<double>>& series, int horizon, Method method, int threads,
           std::vector<Outcome>* out) {
  out->assign(series.size(), Outcome{});
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int w = 0; w < threads; ++w) {
    pool.emplace_back([&, w] {
      // Contiguous slices: each thread owns its part of `out`.
      const std::size_t lo = series.size() * static_cast<std::size_t>(w) / static_cast<std::size_t>(threads);
      const std::size_t hi = series.size() * static_cast<std::size_t>(w + 1) / static_cast<std::size_t>(threads);
      for (std::size_t i = lo; i < hi; ++i) {
        const ForecastResult r = forecast_series(series[i], horizon, method);
        (*out)[i] = {r.method, r.mase, r.naive_mase};
      }
    });
  }
  for (auto& t : pool) t.join();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  int count = 10000, days = 730, horizon = 30, threads = 2;
  std::uint64_t seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--series")) count = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--days")) days = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--horizon")) horizon = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--seed")) seed = std::strtoull(argv[i + 1], nullptr, 10);
    else {
      std::fprintf(stderr, "unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  if (count < 1 || days < 1 || threads < 1) {
    std::fprintf(stderr, "--series, --days and --threads must be >= 1\n");
    return 2;
  }
  std::vector<std::vector<double>> series;
  series.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    const auto kind = static_cast<pp::test::SeriesKind>(i % 3);
    series.push_back(pp::test::demand_series(kind, (i / 3) % 3, days, seed * 1000003 + static_cast<std::uint64_t>(i)));
  }

  std::vector<Outcome> naive, chosen;
  const double naive_s = run(series, horizon, Method::Naive, threads, &naive);
  const double auto_s = run(series, horizon, Method::Auto, threads, &chosen);

  std::map<std::string, int> share;
  double sum_auto = 0, sum_naive = 0;
  long scored = 0;
  for (const Outcome& o : chosen) {
    ++share[method_name(o.method)];
    if (std::isfinite(o.mase) && std::isfinite(o.naive_mase)) sum_auto += o.mase, sum_naive += o.naive_mase, ++scored;
  }
  std::printf("%d series x %d days, horizon %d, %d threads\n", count, days, horizon, threads);
  std::printf("auto:  %.3f s, %.3f ms per series per core (target: 10 s for 10,000 series on 2 cores)\n", auto_s,
              auto_s * threads * 1000 / count);
  std::printf("naive: %.3f s, %.3f ms per series per core; auto is %.1fx naive\n", naive_s,
              naive_s * threads * 1000 / count, auto_s / naive_s);
  std::printf("chosen:");
  for (const auto& [m, c] : share) std::printf(" %s %.1f%%", m.c_str(), 100.0 * c / count);
  const double per = scored ? 1.0 / static_cast<double>(scored) : NAN;
  std::printf("\nmean rolling-origin MASE over %ld scored series: auto %.3f, naive %.3f\n", scored, sum_auto * per,
              sum_naive * per);
  return 0;
}
