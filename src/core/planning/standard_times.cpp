// StandardTimeEstimator (standard_times.h).
#include "core/planning/standard_times.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

namespace pp::planning {

const char* standard_time_source_name(StandardTimeSource s) {
  switch (s) {
    case StandardTimeSource::History: return "history";
    case StandardTimeSource::Coefficient: return "coefficient";
    case StandardTimeSource::PhaseMedian: return "phase_median";
    case StandardTimeSource::None: break;
  }
  return "none";
}

namespace {

// percentile_cont(f) of sorted, non-empty values.
double percentile_sorted(const std::vector<double>& v, double f) {
  const double pos = f * static_cast<double>(v.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = static_cast<std::size_t>(std::ceil(pos));
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

// The linear model of one work center: minutes = a + b x coefficient.
struct LinearFit {
  std::int64_t n = 0;
  double a = 0, b = 0, r2 = 0;
  bool has_r2 = false;
};

LinearFit fit(const std::vector<std::pair<double, double>>& xy) {
  LinearFit f;
  f.n = static_cast<std::int64_t>(xy.size());
  if (xy.empty()) return f;
  double mx = 0, my = 0;
  for (const auto& [x, y] : xy) mx += x, my += y;
  mx /= static_cast<double>(f.n);
  my /= static_cast<double>(f.n);
  double sxx = 0, syy = 0, sxy = 0;
  for (const auto& [x, y] : xy) {
    sxx += (x - mx) * (x - mx);
    syy += (y - my) * (y - my);
    sxy += (x - mx) * (y - my);
  }
  // As SQL's regr_*: no slope without spread in x; r^2 is 1 when y is constant.
  if (sxx <= 0) return f;
  f.b = sxy / sxx;
  f.a = my - f.b * mx;
  f.has_r2 = true;
  f.r2 = syy <= 0 ? 1.0 : (sxy * sxy) / (sxx * syy);
  return f;
}

}  // namespace

int StandardTimeEstimator::intern(std::unordered_map<std::string, int>& ids, std::vector<std::string>& names,
                                  std::string_view s) {
  auto [it, added] = ids.try_emplace(std::string(s), static_cast<int>(names.size()));
  if (added) names.emplace_back(s);
  return it->second;
}

void StandardTimeEstimator::restrict_to_products(const std::vector<std::string>& products) {
  restricted_ = true;
  for (const auto& p : products) {
    const int id = intern(product_ids_, products_, p);
    if (static_cast<std::size_t>(id) >= wanted_.size()) wanted_.resize(id + 1, 0);
    wanted_[id] = 1;
  }
}

bool StandardTimeEstimator::wanted(int product) const {
  return !restricted_ || (static_cast<std::size_t>(product) < wanted_.size() && wanted_[product]);
}

void StandardTimeEstimator::add_completed(std::string_view product_id, std::string_view work_center_id,
                                          double coefficient, double minutes) {
  done_.push_back({intern(product_ids_, products_, product_id), intern(work_center_ids_, work_centers_, work_center_id),
                   coefficient, minutes});
}

void StandardTimeEstimator::add_routing_step(std::string_view product_id, std::string_view work_center_id,
                                             double coefficient) {
  steps_.push_back(
      {intern(product_ids_, products_, product_id), intern(work_center_ids_, work_centers_, work_center_id), coefficient});
}

std::vector<StandardTime> StandardTimeEstimator::estimate(int min_samples) const {
  const std::size_t n_wc = work_centers_.size();
  // Phase level, over every product's history.
  std::vector<std::vector<double>> phase(n_wc);
  std::vector<std::vector<std::pair<double, double>>> coef_xy(n_wc);
  // Per pair, only the wanted products': key product x work centers + wc.
  std::unordered_map<std::int64_t, std::vector<double>> pair_minutes;
  const auto key = [&](int p, int w) { return static_cast<std::int64_t>(p) * static_cast<std::int64_t>(n_wc) + w; };
  for (const Done& d : done_) {
    phase[d.work_center].push_back(d.minutes);
    if (!std::isnan(d.coefficient)) coef_xy[d.work_center].push_back({d.coefficient, d.minutes});
    if (wanted(d.product)) pair_minutes[key(d.product, d.work_center)].push_back(d.minutes);
  }
  std::vector<double> phase_median(n_wc, std::numeric_limits<double>::quiet_NaN());
  std::vector<LinearFit> model(n_wc);
  for (std::size_t w = 0; w < n_wc; ++w) {
    if (!phase[w].empty()) {
      std::sort(phase[w].begin(), phase[w].end());
      phase_median[w] = percentile_sorted(phase[w], 0.5);
    }
    model[w] = fit(coef_xy[w]);
  }

  // The pairs: the routing's (first step's coefficient) and history's.
  std::map<std::pair<std::string_view, std::string_view>, std::pair<int, int>> order;  // sorted output
  std::unordered_map<std::int64_t, double> pair_coef;
  for (const Step& s : steps_) {
    if (!wanted(s.product)) continue;
    if (pair_coef.try_emplace(key(s.product, s.work_center), s.coefficient).second)
      order.emplace(std::pair<std::string_view, std::string_view>(products_[s.product], work_centers_[s.work_center]),
                    std::pair<int, int>(s.product, s.work_center));
  }
  for (const auto& [k, _] : pair_minutes) {
    const int p = static_cast<int>(k / static_cast<std::int64_t>(n_wc)), w = static_cast<int>(k % static_cast<std::int64_t>(n_wc));
    order.emplace(std::pair<std::string_view, std::string_view>(products_[p], work_centers_[w]), std::pair<int, int>(p, w));
  }

  std::vector<StandardTime> out;
  out.reserve(order.size());
  std::vector<double> kept;
  for (const auto& [names, ids] : order) {
    const auto [p, w] = ids;
    StandardTime st;
    st.product_id = products_[p];
    st.work_center_id = work_centers_[w];
    if (auto it = pair_minutes.find(key(p, w)); it != pair_minutes.end()) {
      std::vector<double> v = it->second;
      std::sort(v.begin(), v.end());
      const double q1 = percentile_sorted(v, 0.25), q3 = percentile_sorted(v, 0.75);
      const double lo = q1 - 1.5 * (q3 - q1), hi = q3 + 1.5 * (q3 - q1);
      kept.clear();
      for (double m : v)
        if (m >= lo && m <= hi) kept.push_back(m);
      st.samples = static_cast<std::int64_t>(kept.size());
      if (st.samples >= min_samples) {
        st.minutes = percentile_sorted(kept, 0.5);
        st.source = StandardTimeSource::History;
      }
    }
    if (st.source == StandardTimeSource::None) {
      const auto c = pair_coef.find(key(p, w));
      const LinearFit& m = model[w];
      if (c != pair_coef.end() && !std::isnan(c->second) && m.n >= 3 * static_cast<std::int64_t>(min_samples) &&
          m.b > 0 && m.has_r2 && m.r2 >= 0.3) {
        st.minutes = std::max(m.a + m.b * c->second, 1.0);
        st.source = StandardTimeSource::Coefficient;
      } else if (!std::isnan(phase_median[w])) {
        st.minutes = phase_median[w];
        st.source = StandardTimeSource::PhaseMedian;
      }
    }
    out.push_back(std::move(st));
  }
  return out;
}

}  // namespace pp::planning
