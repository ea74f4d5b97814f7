// Production orders: creation times from a seasonal arrival process (busier in
// spring, office hours, fewer during holidays and the August shutdown), an
// exact 72.5% share of orders for products exported in Modelos (the rest for
// hidden products), products by family share and popularity, then a few
// product swaps so that the routing operations of the window add up to the
// operation row target.
#include "core/common/civil_time.h"
#include "core/demo/plant_spec.h"
#include "core/demo/rng.h"
#include "core/demo/stages.h"

#include <algorithm>
#include <cmath>

namespace pp::demo {

namespace {

constexpr double kPi = 3.14159265358979323846;

// Relative order-entry intensity of the hour starting at t.
double intensity(const DemoState& st, Time t) {
  const Time day = day_start(t);
  const CivilTime c = civil_from_unix(t);
  const double doy = static_cast<double>((day - days_from_civil(c.year, 1, 1) * kDay) / kDay);
  const double season = 1.0 + kSeasonAmplitude * std::cos(2 * kPi * (doy - kSeasonPeakDoy) / 365.25);
  const int wd = iso_weekday(t);  // 1 = Monday
  const int hour = c.hour;
  double w;
  if (wd <= 5) {
    w = (hour >= 8 && hour < 18) ? 1.0 : 0.03;
    if (st.calendars[0].working_seconds(day, day + kDay) == 0) w *= kShutdownArrivalFactor;  // holiday
  } else {
    w = 0.02;
  }
  return season * w;
}

// n sorted creation times in [from, to) drawn from the intensity.
std::vector<Time> arrival_times(const DemoState& st, Rng& rng, Time from, Time to, std::int64_t n) {
  std::vector<Time> out;
  if (n <= 0 || to <= from) return out;
  std::vector<Time> hours;
  std::vector<double> cum;
  double acc = 0;
  for (Time h = from; h < to; h += kHour) {
    acc += intensity(st, h) * static_cast<double>(std::min(to, h + kHour) - h) / kHour;
    hours.push_back(h);
    cum.push_back(acc);
  }
  out.reserve(static_cast<std::size_t>(n));
  for (std::int64_t k = 0; k < n; ++k) {
    const std::size_t i = rng.from_cumulative(cum);
    const Time len = std::min(to, hours[i] + kHour) - hours[i];
    out.push_back(hours[i] + static_cast<Time>(rng.below(static_cast<std::uint64_t>(len))));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

void build_orders(DemoState& st, const CancelToken& cancel) {
  Rng rng(st.seed, Stream::Orders);
  const auto& fams = family_specs();
  const TimeFrame& tf = st.tf;
  const std::int64_t n = st.targets.orders_clean;
  const std::int64_t n_warm =
      static_cast<std::int64_t>(std::llround(static_cast<double>(n) * kWarmupDays / std::max(1, tf.span_days)));

  // Product choice tables per category (0 hidden, 1 exported) and family.
  std::vector<double> fam_cum;
  double acc = 0;
  for (const auto& f : fams) fam_cum.push_back(acc += f.order_share);
  std::vector<std::vector<double>> prod_cum[2];
  std::vector<std::vector<int>> prod_idx[2];
  for (int c = 0; c < 2; ++c) {
    prod_cum[c].assign(fams.size(), {});
    prod_idx[c].assign(fams.size(), {});
  }
  for (std::size_t i = 0; i < st.products.size(); ++i) {
    const ProductInfo& p = st.products[i];
    const int c = p.exported ? 1 : 0;
    auto& cum = prod_cum[c][static_cast<std::size_t>(p.family)];
    cum.push_back((cum.empty() ? 0.0 : cum.back()) + p.popularity);
    prod_idx[c][static_cast<std::size_t>(p.family)].push_back(static_cast<int>(i));
  }
  auto pick_product = [&](int category) {
    const std::size_t fam = rng.from_cumulative(fam_cum);
    return prod_idx[category][fam][rng.from_cumulative(prod_cum[category][fam])];
  };

  const std::vector<Time> warm = arrival_times(st, rng, tf.warmup_start, tf.window_start, n_warm);
  const std::vector<Time> window = arrival_times(st, rng, tf.window_start, tf.export_at, n);
  cancel.poll();
  std::vector<char> exported_flag(static_cast<std::size_t>(n), 0);
  const std::int64_t n_exported = std::llround(kExportedProductShare * static_cast<double>(n));
  for (std::int64_t k = 0; k < n_exported; ++k) exported_flag[static_cast<std::size_t>(k)] = 1;
  rng.shuffle(exported_flag);

  const auto& cols = colours();
  std::vector<double> colour_cum;
  acc = 0;
  for (const auto& c : cols) colour_cum.push_back(acc += c.share);

  st.orders.reserve(warm.size() + window.size());
  for (std::size_t k = 0; k < warm.size() + window.size(); ++k) {
    OrderInfo o;
    o.warmup = k < warm.size();
    o.created = o.warmup ? warm[k] : window[k - warm.size()];
    const int category = o.warmup ? (rng.chance(kExportedProductShare) ? 1 : 0)
                                   : exported_flag[k - warm.size()];
    o.product = pick_product(category);
    o.colour = static_cast<int>(rng.from_cumulative(colour_cum));
    o.release = o.created + static_cast<Time>(rng.uniform(0.0, 2.0) * kDay);
    st.orders.push_back(o);
  }
  st.first_window_order = static_cast<int>(warm.size());

  // Swap products of random window orders (same category, same family when
  // possible) until the routing operations hit the target that leaves room
  // for the expected rework passes.
  const double rework_expected = kReworkPerOrder * static_cast<double>(n);
  st.rework_plan = std::max<std::int64_t>(
      0, static_cast<std::int64_t>(std::floor(0.95 * rework_expected - 3.0 * std::sqrt(rework_expected))));
  std::int64_t target = st.targets.ops_clean - st.rework_plan;
  target = std::clamp<std::int64_t>(target, 10 * n, 30 * n);
  std::vector<std::vector<int>> by_len[2];  // [category][family * 31 + len]
  for (int c = 0; c < 2; ++c) by_len[c].assign(fams.size() * 31, {});
  for (std::size_t i = 0; i < st.products.size(); ++i) {
    const ProductInfo& p = st.products[i];
    by_len[p.exported ? 1 : 0][static_cast<std::size_t>(p.family * 31 + p.route_len)].push_back(static_cast<int>(i));
  }
  std::int64_t sum = 0;
  for (std::size_t k = warm.size(); k < st.orders.size(); ++k) {
    sum += st.products[static_cast<std::size_t>(st.orders[k].product)].route_len;
  }
  const std::int64_t max_iter = 200 * n + 10000;
  for (std::int64_t it = 0; sum != target && it < max_iter && n > 0; ++it) {
    if ((it & 4095) == 0) cancel.poll();
    OrderInfo& o = st.orders[warm.size() + rng.index(static_cast<std::size_t>(n))];
    const ProductInfo& cur = st.products[static_cast<std::size_t>(o.product)];
    const std::int64_t d = target - sum;
    const int want = std::clamp(cur.route_len + static_cast<int>(std::clamp<std::int64_t>(d, -4, 4)), 10, 30);
    if (want == cur.route_len) continue;
    const auto& cands = by_len[cur.exported ? 1 : 0][static_cast<std::size_t>(cur.family * 31 + want)];
    if (cands.empty()) continue;
    const int next = cands[rng.index(cands.size())];
    sum += want - cur.route_len;
    o.product = next;
  }
  st.routing_ops_of_window = sum;

  for (std::size_t k = warm.size(); k < st.orders.size(); ++k) {
    st.orders[k].number = 10001 + static_cast<std::int64_t>(k - warm.size());
  }
}

}  // namespace pp::demo
