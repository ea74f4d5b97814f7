#include "core/quality/control_chart.h"

#include "core/common/errors.h"
#include "core/quality/spc_constants.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

namespace pp::quality {

const char* chart_type_name(ChartType t) {
  switch (t) {
    case ChartType::XbarR: return "xbar_r";
    case ChartType::XbarS: return "xbar_s";
    case ChartType::IMR: return "i_mr";
    case ChartType::P: return "p";
    case ChartType::NP: return "np";
    case ChartType::C: return "c";
    case ChartType::U: return "u";
  }
  return "?";
}

bool parse_chart_type(std::string_view name, ChartType* out) {
  for (ChartType t : {ChartType::XbarR, ChartType::XbarS, ChartType::IMR, ChartType::P, ChartType::NP, ChartType::C,
                      ChartType::U})
    if (name == chart_type_name(t)) {
      *out = t;
      return true;
    }
  return false;
}

namespace {

double mean_of(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / v.size(); }

double sd_of(const std::vector<double>& v) {
  const double m = mean_of(v);
  double ss = 0;
  for (double x : v) ss += (x - m) * (x - m);
  return std::sqrt(ss / (v.size() - 1));
}

double range_of(const std::vector<double>& v) {
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return *hi - *lo;
}

std::string zone_of(double value, double cl, double sigma, double lcl, double ucl) {
  if (value > ucl) return "above UCL";
  if (value < lcl) return "below LCL";
  if (value == cl) return "on CL";
  if (!(sigma > 0)) return value > cl ? "C+" : "C-";
  const double z = std::fabs(value - cl) / sigma;
  const char* band = z <= 1 ? "C" : (z <= 2 ? "B" : "A");
  return std::string(band) + (value > cl ? "+" : "-");
}

int baseline_count(int n, const ChartOptions& o) {
  const int b = o.baseline_subgroups > 0 ? std::min(o.baseline_subgroups, n) : n;
  return b;
}

}  // namespace

Chart build_chart(const std::vector<Subgroup>& all, const ChartOptions& o) {
  Chart chart;
  chart.type = o.type;
  const bool variables = o.type == ChartType::XbarR || o.type == ChartType::XbarS || o.type == ChartType::IMR;
  std::vector<const Subgroup*> sg;
  if (variables) {
    int n = 1;
    if (o.type != ChartType::IMR) {
      // The most common subgroup size (ties: the larger).
      std::map<int, int> sizes;
      for (const Subgroup& s : all)
        if (!s.values.empty()) sizes[static_cast<int>(s.values.size())]++;
      int best = 0;
      for (const auto& [size, count] : sizes)
        if (count >= best) best = count, n = size;
      if (n < kMinSubgroup || n > kMaxSubgroup)
        throw_invalid("an X-bar chart needs subgroups of 2 to 25 readings; the most common subgroup here has " +
                          std::to_string(n),
                      "Give options.subgroup_size to group consecutive readings, or use chart i_mr.");
    }
    chart.subgroup_size = n;
    for (const Subgroup& s : all)
      if (static_cast<int>(s.values.size()) == n) sg.push_back(&s);
      else ++chart.skipped;
  } else {
    chart.subgroup_size = 0;
    for (const Subgroup& s : all) {
      if ((o.type == ChartType::P || o.type == ChartType::NP || o.type == ChartType::U) && !(s.size > 0))
        throw_invalid("a " + std::string(chart_type_name(o.type)) + " chart needs a positive subgroup size");
      if (o.type == ChartType::P && s.count > s.size)
        throw_invalid("a p chart subgroup has " + std::to_string(s.count) + " defectives out of " + std::to_string(s.size));
      if (s.count < 0) throw_invalid("a count below zero");
      sg.push_back(&s);
    }
    if (o.type == ChartType::NP)
      for (const Subgroup* s : sg)
        if (s->size != sg.front()->size)
          throw_invalid("an np chart needs one subgroup size; sizes vary (use chart p)");
  }
  const int total = static_cast<int>(sg.size());
  const int base = baseline_count(total, o);
  if (base < 2) throw_invalid("phase I needs at least 2 subgroups, the data has " + std::to_string(base));
  chart.baseline = base;
  chart.points.resize(static_cast<std::size_t>(total));

  std::vector<double> values(total), centre(total), sigma(total);
  auto set_limits = [&](int i, double cl, double s, bool clip_one) {
    ChartPoint& p = chart.points[i];
    p.cl = cl;
    p.ucl = cl + 3 * s;
    p.lcl = cl - 3 * s;
    if (!variables) p.lcl = std::max(0.0, p.lcl);
    if (clip_one) p.ucl = std::min(1.0, p.ucl);
    centre[i] = cl;
    sigma[i] = s;
  };

  switch (o.type) {
    case ChartType::XbarR:
    case ChartType::XbarS: {
      const SpcConstants k = spc_constants(chart.subgroup_size);
      const bool r = o.type == ChartType::XbarR;
      double grand = 0, spread = 0;
      for (int i = 0; i < base; ++i) {
        grand += mean_of(sg[i]->values);
        spread += r ? range_of(sg[i]->values) : sd_of(sg[i]->values);
      }
      grand /= base;
      spread /= base;
      chart.sigma = r ? spread / k.d2 : spread / k.c4;
      const double half = (r ? k.A2 : k.A3) * spread;
      for (int i = 0; i < total; ++i) {
        ChartPoint& p = chart.points[i];
        p.value = values[i] = mean_of(sg[i]->values);
        set_limits(i, grand, half / 3, false);
        p.spread = r ? range_of(sg[i]->values) : sd_of(sg[i]->values);
        p.spread_cl = spread;
        p.spread_lcl = (r ? k.D3 : k.B3) * spread;
        p.spread_ucl = (r ? k.D4 : k.B4) * spread;
      }
      break;
    }
    case ChartType::IMR: {
      double mean = 0, mr = 0;
      for (int i = 0; i < base; ++i) mean += sg[i]->values[0];
      mean /= base;
      for (int i = 1; i < base; ++i) mr += std::fabs(sg[i]->values[0] - sg[i - 1]->values[0]);
      mr /= (base - 1);
      const SpcConstants k = spc_constants(2);
      chart.sigma = mr / k.d2;
      for (int i = 0; i < total; ++i) {
        ChartPoint& p = chart.points[i];
        p.value = values[i] = sg[i]->values[0];
        set_limits(i, mean, chart.sigma, false);
        if (i > 0) {
          p.spread = std::fabs(sg[i]->values[0] - sg[i - 1]->values[0]);
          p.spread_cl = mr;
          p.spread_lcl = 0.0;
          p.spread_ucl = k.D4 * mr;
        }
      }
      break;
    }
    case ChartType::P:
    case ChartType::NP:
    case ChartType::U: {
      double c = 0, n = 0;
      for (int i = 0; i < base; ++i) c += sg[i]->count, n += sg[i]->size;
      const double bar = c / n;  // pbar or ubar
      for (int i = 0; i < total; ++i) {
        ChartPoint& p = chart.points[i];
        const double ni = sg[i]->size;
        if (o.type == ChartType::NP) {
          p.value = values[i] = sg[i]->count;
          set_limits(i, ni * bar, std::sqrt(ni * bar * (1 - bar)), false);
        } else if (o.type == ChartType::P) {
          p.value = values[i] = sg[i]->count / ni;
          set_limits(i, bar, std::sqrt(bar * (1 - bar) / ni), true);
        } else {
          p.value = values[i] = sg[i]->count / ni;
          set_limits(i, bar, std::sqrt(bar / ni), false);
        }
      }
      break;
    }
    case ChartType::C: {
      double c = 0;
      for (int i = 0; i < base; ++i) c += sg[i]->count;
      const double bar = c / base;
      for (int i = 0; i < total; ++i) {
        chart.points[i].value = values[i] = sg[i]->count;
        set_limits(i, bar, std::sqrt(bar), false);
      }
      break;
    }
  }

  const std::vector<RuleMask> rules = nelson_rules(values, centre, sigma);
  for (int i = 0; i < total; ++i) {
    ChartPoint& p = chart.points[i];
    p.at = sg[i]->at;
    p.size = variables ? static_cast<int>(sg[i]->values.size()) : static_cast<int>(std::lround(sg[i]->size));
    p.baseline = i < base;
    p.rules = rules[i];
    p.zone = zone_of(p.value, p.cl, sigma[i], p.lcl, p.ucl);
    if (p.spread) p.spread_beyond = *p.spread > *p.spread_ucl || *p.spread < *p.spread_lcl;
  }
  return chart;
}

}  // namespace pp::quality
