// Master data that does not scale: the 71 work centers, 894 exported products
// (plus the hidden products orphan orders reference), their routings (15,347
// exported steps), and the phase duration parameters derived from the mix.
#include "core/demo/plant_spec.h"
#include "core/demo/rng.h"
#include "core/demo/stages.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

namespace pp::demo {

double weight_factor(double finish_kg, double exponent) {
  return std::pow(std::max(finish_kg, 1.0) / kWeightRefKg, exponent);
}

namespace {

// Rounds to a decimal step (0.1, 0.01, ...) so that the result is the double
// nearest to the decimal: x * 10^k rounded, divided by 10^k.
double round_to(double v, double step) {
  const double inv = std::round(1.0 / step);
  return std::round(v * inv) / inv;
}

void build_phases(DemoState& st) {
  const auto& specs = phase_specs();
  if (specs.size() != static_cast<std::size_t>(kWorkCenters) || defect_descriptions().size() != 47) {
    throw Error(ErrorKind::Internal, "demo plant tables are inconsistent");
  }
  st.phases.assign(specs.size(), PhaseRuntime{});
  int bottleneck_capacity1 = 1;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].id == kBottleneckPhaseId) {
      st.bottleneck = static_cast<int>(i);
      bottleneck_capacity1 = specs[i].capacity1;
    }
  }
  // Capacities follow the scale: the bottleneck gets max(1, round(c1 * scale)),
  // every other phase max(1, ceil(c1 * r)) with r = c_b(scale) / c_b(1), so no
  // phase is ever busier than at scale 1 relative to the bottleneck.
  for (std::size_t i = 0; i < specs.size(); ++i) {
    PhaseRuntime& p = st.phases[i];
    const PhaseSpec& s = specs[i];
    p.spec = static_cast<int>(i);
    p.used = s.role != PhaseRole::Unused;
    p.calendar = s.around_the_clock ? 1 : 0;
    if (static_cast<int>(i) == st.bottleneck) {
      p.capacity = static_cast<int>(std::max(1.0, std::round(bottleneck_capacity1 * st.options.scale)));
    } else {
      p.capacity = static_cast<int>(std::max(1.0, std::ceil(s.capacity1 * st.rate_ratio - 1e-9)));
    }
  }
}

std::string product_name(Rng& rng, const FamilySpec& fam, double kg, std::set<std::string>& taken) {
  static const char* const variants[] = {"", " Sport", " Tour", " Pro", " Fish", " Family", " Classic", " XL", " Open",
                                         " Cabin", " Lite", " S"};
  const auto& series = series_names();
  for (int attempt = 0;; ++attempt) {
    const int model = static_cast<int>(std::round(std::cbrt(kg) * 95.0 / 5.0)) * 5 + rng.range(-2, 2) * 5 +
                      (attempt > 20 ? attempt : 0);
    std::string name = std::string(fam.name) + " " + series[rng.index(series.size())] + " " + std::to_string(model) +
                       variants[rng.index(std::size(variants))];
    if (taken.insert(name).second) return name;
  }
}

void build_products(DemoState& st) {
  Rng rng(st.seed, Stream::Products);
  const auto& fams = family_specs();
  int total = 0;
  for (const auto& f : fams) total += f.exported_products + f.hidden_products;
  // Distinct 4-digit product ids, shared by exported and hidden products.
  std::vector<int> pool(9000);
  for (int i = 0; i < 9000; ++i) pool[static_cast<std::size_t>(i)] = 1000 + i;
  for (int i = 0; i < total; ++i) {
    const std::size_t j = static_cast<std::size_t>(i) + rng.index(pool.size() - static_cast<std::size_t>(i));
    std::swap(pool[static_cast<std::size_t>(i)], pool[j]);
  }
  std::vector<ProductInfo> exported, hidden;
  std::set<std::string> names;
  int next_id = 0;
  for (std::size_t fi = 0; fi < fams.size(); ++fi) {
    const FamilySpec& fam = fams[fi];
    for (int k = 0; k < fam.exported_products + fam.hidden_products; ++k) {
      ProductInfo p;
      p.id = std::to_string(pool[static_cast<std::size_t>(next_id++)]);
      p.family = static_cast<int>(fi);
      p.exported = k < fam.exported_products;
      p.demould_kg = round_to(rng.log_uniform(fam.min_kg, fam.max_kg), 0.1);
      const double extra = fam.size == SizeClass::Small    ? rng.uniform(1.02, 1.15)
                           : fam.size == SizeClass::Medium ? rng.uniform(1.08, 1.30)
                                                           : rng.uniform(1.12, 1.45);
      p.finish_kg = round_to(p.demould_kg * extra, 0.1);
      p.gel_hull_kg = std::max(0.1, round_to(0.095 * std::pow(p.demould_kg, 0.82) * rng.uniform(0.9, 1.1), 0.1));
      p.gel_deck_kg = std::max(0.1, round_to(p.gel_hull_kg * rng.uniform(0.55, 0.75), 0.1));
      p.null_demould = rng.chance(0.015);
      p.null_finish = rng.chance(0.015);
      p.null_deck = rng.chance(0.03);
      p.null_hull = rng.chance(0.02);
      p.name = product_name(rng, fam, p.demould_kg, names);
      // Zipf-like popularity within the family: a few models sell a lot.
      p.popularity = 1.0 / std::pow(1.0 + rng.uniform(0.0, static_cast<double>(fam.exported_products)), 0.9);
      (p.exported ? exported : hidden).push_back(std::move(p));
    }
  }
  std::sort(exported.begin(), exported.end(),
            [](const ProductInfo& a, const ProductInfo& b) { return std::stoi(a.id) < std::stoi(b.id); });
  st.products = std::move(exported);
  for (auto& p : hidden) st.products.push_back(std::move(p));
}

// Routing lengths (10..30, by family), exported lengths summing to exactly
// kRoutingSteps; phases: the 10 mandatory ones plus optional ones drawn by
// the family's size-class affinity, in phase sequence order.
void build_routings(DemoState& st, const CancelToken& cancel) {
  Rng rng(st.seed, Stream::Routings);
  const auto& fams = family_specs();
  const auto& specs = phase_specs();
  std::vector<int> lengths(st.products.size());
  long sum = 0;
  for (std::size_t i = 0; i < st.products.size(); ++i) {
    const FamilySpec& fam = fams[static_cast<std::size_t>(st.products[i].family)];
    lengths[i] = rng.range(fam.route_min, fam.route_max);
    if (st.products[i].exported) sum += lengths[i];
  }
  while (sum != kRoutingSteps) {
    const std::size_t i = rng.index(static_cast<std::size_t>(kProducts));
    if (sum > kRoutingSteps && lengths[i] > 10) {
      --lengths[i];
      --sum;
    } else if (sum < kRoutingSteps && lengths[i] < 30) {
      ++lengths[i];
      ++sum;
    }
  }
  std::vector<int> mandatory, optional;
  for (std::size_t p = 0; p < specs.size(); ++p) {
    if (specs[p].role == PhaseRole::Mandatory) mandatory.push_back(static_cast<int>(p));
    if (specs[p].role == PhaseRole::Optional) optional.push_back(static_cast<int>(p));
  }
  st.route_steps.clear();
  std::vector<std::pair<double, int>> keys;
  for (std::size_t i = 0; i < st.products.size(); ++i) {
    if ((i & 1023) == 0) cancel.poll();
    ProductInfo& prod = st.products[i];
    const int size = static_cast<int>(fams[static_cast<std::size_t>(prod.family)].size);
    const int extra = std::min<int>(lengths[i] - static_cast<int>(mandatory.size()), static_cast<int>(optional.size()));
    // Weighted sampling without replacement (Efraimidis-Spirakis keys).
    keys.clear();
    for (int p : optional) {
      const double w = specs[static_cast<std::size_t>(p)].affinity[static_cast<std::size_t>(size)];
      keys.emplace_back(-std::log(std::max(rng.uniform(), 1e-300)) / w, p);
    }
    std::sort(keys.begin(), keys.end());
    std::vector<int> chosen = mandatory;
    for (int k = 0; k < extra; ++k) chosen.push_back(keys[static_cast<std::size_t>(k)].second);
    std::sort(chosen.begin(), chosen.end(),
              [&](int a, int b) { return specs[static_cast<std::size_t>(a)].sequence < specs[static_cast<std::size_t>(b)].sequence; });
    prod.route_begin = static_cast<int>(st.route_steps.size());
    prod.route_len = static_cast<int>(chosen.size());
    for (int p : chosen) {
      RouteStep s;
      s.phase = p;
      st.route_steps.push_back(s);
    }
  }
}

// Phase duration parameters: the mean minutes of a phase follow from its
// target utilization at scale 1 (u * c1 * available minutes per year /
// (orders per year * visits per order)); the base time at 100 kg divides that
// by the mix's mean weight factor.
void derive_phase_times(DemoState& st) {
  const auto& fams = family_specs();
  const auto& specs = phase_specs();
  // Probability that an order is for product i.
  std::vector<double> family_total[2];
  family_total[0].assign(fams.size(), 0.0);
  family_total[1].assign(fams.size(), 0.0);
  for (const auto& p : st.products) family_total[p.exported ? 1 : 0][static_cast<std::size_t>(p.family)] += p.popularity;
  std::vector<double> visits(specs.size(), 0.0), factor(specs.size(), 0.0);
  for (const auto& p : st.products) {
    const double cat = p.exported ? kExportedProductShare : 1.0 - kExportedProductShare;
    const double prob = cat * fams[static_cast<std::size_t>(p.family)].order_share * p.popularity /
                        family_total[p.exported ? 1 : 0][static_cast<std::size_t>(p.family)];
    for (int k = 0; k < p.route_len; ++k) {
      const int ph = st.route_steps[static_cast<std::size_t>(p.route_begin + k)].phase;
      visits[static_cast<std::size_t>(ph)] += prob;
      factor[static_cast<std::size_t>(ph)] +=
          prob * weight_factor(p.finish_kg, specs[static_cast<std::size_t>(ph)].weight_exponent);
    }
  }
  for (std::size_t ph = 0; ph < specs.size(); ++ph) {
    PhaseRuntime& r = st.phases[ph];
    if (!r.used || visits[ph] <= 0) continue;
    const double minutes_per_year =
        specs[ph].around_the_clock ? kAroundTheClockMinutesPerYear : kTwoShiftMinutesPerYear;
    r.visits_per_order = visits[ph];
    r.mean_minutes = specs[ph].utilization * specs[ph].capacity1 * minutes_per_year / (kOrdersPerYear1 * visits[ph]);
    r.base_minutes = r.mean_minutes / (factor[ph] / visits[ph]);
  }
  // Standard times and the routing coefficients (undocumented units in the
  // workbook): Coeficiente = 0.87 x expected hours x LN(0.10), rounded to
  // 0.01; CoeficienteX = Coeficiente x 60 / finish kg (standard minutes per
  // kg), rounded to 0.001.
  Rng rng(st.seed ^ 0x5eedull, Stream::Routings);
  for (auto& p : st.products) {
    p.standard_minutes = 0;
    for (int k = 0; k < p.route_len; ++k) {
      RouteStep& s = st.route_steps[static_cast<std::size_t>(p.route_begin + k)];
      const PhaseSpec& spec = specs[static_cast<std::size_t>(s.phase)];
      const double expected = st.phases[static_cast<std::size_t>(s.phase)].base_minutes *
                              weight_factor(p.finish_kg, spec.weight_exponent);
      p.standard_minutes += expected;
      s.coefficient = std::max(0.01, round_to(kCoefficientBias * expected / 60.0 * rng.lognormal_mean1(kCoefficientSigma), 0.01));
      s.coefficient_x = std::max(0.001, round_to(s.coefficient * 60.0 / p.finish_kg, 0.001));
      s.null_coefficient = rng.chance(0.02);
      s.null_coefficient_x = rng.chance(0.08);
    }
  }
}

void export_master_rows(DemoState& st) {
  const auto& specs = phase_specs();
  auto& f = st.f;
  f.work_centers.reserve(specs.size());
  for (std::size_t i = 0; i < specs.size(); ++i) {
    model::WorkCenter wc;
    wc.work_center_id = std::to_string(specs[i].id);
    wc.name = specs[i].name;
    wc.sequence = specs[i].sequence;
    wc.is_production = specs[i].production;
    wc.is_automatic = specs[i].automatic;
    wc.is_evaluation = specs[i].evaluation;
    wc.capacity_units = st.phases[i].capacity;
    wc.calendar_id = specs[i].around_the_clock ? "CAL-24x7" : "CAL-2SHIFT";
    f.work_centers.push_back(std::move(wc));
  }
  const auto& fams = family_specs();
  for (const auto& p : st.products) {
    if (!p.exported) continue;
    model::Product row;
    row.product_id = p.id;
    row.name = p.name;
    if (!p.null_demould) row.demould_weight_kg = p.demould_kg;
    if (!p.null_finish) row.finish_weight_kg = p.finish_kg;
    if (!p.null_deck) row.gel_deck_kg = p.gel_deck_kg;
    if (!p.null_hull) row.gel_hull_kg = p.gel_hull_kg;
    row.family = fams[static_cast<std::size_t>(p.family)].name;
    f.products.push_back(std::move(row));
    for (int k = 0; k < p.route_len; ++k) {
      const RouteStep& s = st.route_steps[static_cast<std::size_t>(p.route_begin + k)];
      model::RoutingStep r;
      r.product_id = p.id;
      r.work_center_id = std::to_string(specs[static_cast<std::size_t>(s.phase)].id);
      r.sequence = k + 1;
      if (!s.null_coefficient) r.coefficient = s.coefficient;
      if (!s.null_coefficient_x) r.coefficient_x = s.coefficient_x;
      f.routing_steps.push_back(std::move(r));
    }
  }
}

}  // namespace

void build_master_data(DemoState& st, const CancelToken& cancel) {
  build_phases(st);
  build_products(st);
  cancel.poll();
  build_routings(st, cancel);
  derive_phase_times(st);
  export_master_rows(st);
}

}  // namespace pp::demo
