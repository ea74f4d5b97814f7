#include "core/forecast/parameter_fit.h"

#include "core/common/errors.h"
#include "core/forecast/smoothing_methods.h"
#include "core/forecast/state_dispatch.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>

namespace pp::forecast {

namespace {

struct Axis {
  double MethodParams::*field;
  double lo, hi;
  int grid;
};

struct SearchSpace {
  std::array<Axis, 3> axes;
  int dims;
};

SearchSpace search_space(Method m) {
  constexpr auto A = &MethodParams::alpha;
  constexpr auto B = &MethodParams::beta;
  constexpr auto G = &MethodParams::gamma;
  switch (m) {
    case Method::Ses:
    case Method::Adida: return {{{{A, 0.01, 0.99, 12}, {}, {}}}, 1};
    case Method::Croston:
    case Method::Sba: return {{{{A, 0.01, 0.5, 12}, {}, {}}}, 1};
    case Method::Holt: return {{{{A, 0.01, 0.99, 8}, {B, 0.01, 0.5, 6}, {}}}, 2};
    case Method::Tsb: return {{{{A, 0.01, 0.5, 8}, {B, 0.01, 0.5, 6}, {}}}, 2};
    case Method::HoltWinters: return {{{{A, 0.01, 0.99, 5}, {B, 0.01, 0.5, 3}, {G, 0.01, 0.5, 4}}}, 3};
    case Method::Naive:
    case Method::Auto: break;
  }
  return {{}, 0};
}

constexpr double kGolden = 0.6180339887498949;  // (sqrt(5) - 1) / 2
constexpr int kGoldenSteps = 8;

// The search's state: the best point so far and its SSE. Every evaluation
// goes through try_point, so the result is the best point ever evaluated.
class Search {
 public:
  Search(Method m, const double* y, std::size_t n, MethodParams start, double start_sse)
      : method_(m), y_(y), n_(n), best_(start), best_sse_(start_sse) {}

  double try_point(const MethodParams& p) {
    const double sse = one_step_sse(method_, p, y_, n_);
    if (sse < best_sse_) {
      best_sse_ = sse;
      best_ = p;
    }
    return sse;
  }

  // Golden-section search along one axis over [lo, hi], other fields as in best_.
  void refine(const Axis& ax, double lo, double hi) {
    MethodParams p = best_;
    auto at = [&](double v) {
      p.*ax.field = v;
      return try_point(p);
    };
    double a = lo, b = hi;
    double c = b - kGolden * (b - a), d = a + kGolden * (b - a);
    double fc = at(c), fd = at(d);
    for (int i = 0; i < kGoldenSteps; ++i) {
      if (fc <= fd) {
        b = d, d = c, fd = fc;
        c = b - kGolden * (b - a);
        fc = at(c);
      } else {
        a = c, c = d, fc = fd;
        d = a + kGolden * (b - a);
        fd = at(d);
      }
    }
  }

  const MethodParams& best() const { return best_; }

 private:
  Method method_;
  const double* y_;
  std::size_t n_;
  MethodParams best_;
  double best_sse_;
};

double grid_value(const Axis& ax, int i) { return ax.lo + (ax.hi - ax.lo) * i / (ax.grid - 1); }

}  // namespace

double one_step_sse(Method method, const MethodParams& params, const double* daily, std::size_t n,
                    std::size_t* errors) {
  return with_state(method, params, n, [&](auto& s) {
    double sse = 0;
    std::size_t count = 0;
    for (std::size_t t = 0; t < n; ++t) {
      if (s.ready()) {
        const double e = daily[t] - s.forecast(1);
        sse += e * e;
        ++count;
      }
      s.update(daily[t]);
    }
    if (errors) *errors = count;
    return sse;
  });
}

MethodParams default_parameters(Method method, int bucket) {
  MethodParams p;
  if (method == Method::Naive) return p;
  p.alpha = 0.1;
  if (method == Method::Holt || method == Method::HoltWinters) p.beta = 0.05;
  if (method == Method::Tsb) p.beta = 0.1;
  if (method == Method::HoltWinters) p.gamma = 0.1;
  if (method == Method::Adida) p.bucket = bucket;
  return p;
}

MethodParams fit_parameters(Method method, const double* daily, std::size_t n, int bucket) {
  std::string why;
  if (!usable(method, daily, n, bucket, &why)) throw_invalid("cannot fit parameters: " + why);
  const MethodParams defaults = default_parameters(method, bucket);
  const SearchSpace space = search_space(method);
  if (space.dims == 0) return defaults;
  // The grid, lowest values first, its first point (the box's lowest
  // corner) seeding the search. Only a strictly lower SSE moves the best
  // point, so of equal SSEs the first evaluated stays, and an SSE that is not
  // a number never wins.
  MethodParams first = defaults;
  for (int d = 0; d < space.dims; ++d) first.*space.axes[d].field = space.axes[d].lo;
  std::size_t errors = 0;
  const double first_sse = one_step_sse(method, first, daily, n, &errors);
  if (errors < 2) return defaults;
  Search search(method, daily, n, first, std::isnan(first_sse) ? std::numeric_limits<double>::infinity() : first_sse);
  std::array<int, 3> idx{0, 0, 0};
  for (;;) {
    int d = space.dims - 1;
    while (d >= 0 && ++idx[d] == space.axes[d].grid) idx[d--] = 0;
    if (d < 0) break;
    MethodParams p = defaults;
    for (int e = 0; e < space.dims; ++e) p.*space.axes[e].field = grid_value(space.axes[e], idx[e]);
    search.try_point(p);
  }

  const int rounds = space.dims == 1 ? 1 : 2;
  for (int r = 0; r < rounds; ++r) {
    for (int d = 0; d < space.dims; ++d) {
      const Axis& ax = space.axes[d];
      const double reach = (ax.hi - ax.lo) / (ax.grid - 1) / (r + 1);
      const double v = search.best().*ax.field;
      search.refine(ax, std::max(ax.lo, v - reach), std::min(ax.hi, v + reach));
    }
  }
  return search.best();
}

}  // namespace pp::forecast
