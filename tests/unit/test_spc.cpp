// SPC in the core (src/core/quality): the control chart constants against
// the published tables and a fresh numerical integration; X-bar/R, X-bar/S,
// I-MR, p, np, c and u limits on worked examples computed by hand; each
// Nelson rule firing exactly where a series built for it says and nowhere in
// a series built not to; capability indices on a hand-computed data set.
#include "core/common/errors.h"
#include "core/quality/capability.h"
#include "core/quality/control_chart.h"
#include "core/quality/nelson_rules.h"
#include "core/quality/spc_constants.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace test_spc {

using namespace pp::quality;

namespace {

// Published factors (e.g. Montgomery, Introduction to Statistical Quality
// Control, appendix table VI), three or four decimals.
struct Row {
  int n;
  double A2, A3, c4, B3, B4, d2, D3, D4;
};
constexpr Row kPublished[] = {
    {2, 1.880, 2.659, 0.7979, 0, 3.267, 1.128, 0, 3.267},
    {3, 1.023, 1.954, 0.8862, 0, 2.568, 1.693, 0, 2.574},
    {4, 0.729, 1.628, 0.9213, 0, 2.266, 2.059, 0, 2.282},
    {5, 0.577, 1.427, 0.9400, 0, 2.089, 2.326, 0, 2.114},
    {6, 0.483, 1.287, 0.9515, 0.030, 1.970, 2.534, 0, 2.004},
    {7, 0.419, 1.182, 0.9594, 0.118, 1.882, 2.704, 0.076, 1.924},
    {8, 0.373, 1.099, 0.9650, 0.185, 1.815, 2.847, 0.136, 1.864},
    {9, 0.337, 1.032, 0.9693, 0.239, 1.761, 2.970, 0.184, 1.816},
    {10, 0.308, 0.975, 0.9727, 0.284, 1.716, 3.078, 0.223, 1.777},
    {15, 0.223, 0.789, 0.9823, 0.428, 1.572, 3.472, 0.347, 1.653},
    {20, 0.180, 0.680, 0.9869, 0.510, 1.490, 3.735, 0.415, 1.585},
    {25, 0.153, 0.606, 0.9896, 0.565, 1.435, 3.931, 0.459, 1.541},
};

// d2 and d3 integrated again (Simpson, coarser than the table's grid).
void integrate_range(int n, double* d2, double* d3) {
  const double h = 0.02, lo = -9;
  const int N = 900, W = 650;
  auto F = [&](int i) { return 0.5 * std::erfc(-(lo + i * h) / std::sqrt(2.0)); };
  auto phi = [&](int i) { const double x = lo + i * h; return std::exp(-x * x / 2) / std::sqrt(2 * M_PI); };
  auto s = [](int i, int m) { return (i == 0 || i == m) ? 1.0 : (i % 2 ? 4.0 : 2.0); };
  std::vector<double> f(N + W + 1), p(N + W + 1);
  for (int i = 0; i <= N + W; ++i) f[i] = F(i), p[i] = phi(i);
  double e = 0;
  for (int i = 0; i <= N; ++i) e += s(i, N) * (1 - std::pow(f[i], n) - std::pow(1 - f[i], n));
  e *= h / 3;
  double e2 = 0;
  for (int k = 0; k <= W; ++k) {
    double inner = 0;
    for (int i = 0; i <= N; ++i) inner += s(i, N) * p[i] * p[i + k] * std::pow(f[i + k] - f[i], n - 2);
    e2 += s(k, W) * (k * h) * (k * h) * inner * h / 3;
  }
  e2 *= h / 3 * n * (n - 1);
  *d2 = e;
  *d3 = std::sqrt(e2 - e * e);
}

Subgroup sub(std::vector<double> v, std::int64_t at = 0) {
  Subgroup s;
  s.values = std::move(v);
  s.at = at;
  return s;
}

Subgroup counts(double count, double size) {
  Subgroup s;
  s.count = count;
  s.size = size;
  return s;
}

// The rules that fire at each point of z-scores around centre 0, sigma 1.
std::vector<RuleMask> rules_of(const std::vector<double>& z) {
  return nelson_rules(z, std::vector<double>(z.size(), 0.0), std::vector<double>(z.size(), 1.0));
}

// Points where rule r fires.
std::vector<int> fired(const std::vector<RuleMask>& m, int r) {
  std::vector<int> out;
  for (std::size_t i = 0; i < m.size(); ++i)
    if (m[i] & (1u << (r - 1))) out.push_back(static_cast<int>(i));
  return out;
}

std::vector<int> any_fired(const std::vector<RuleMask>& m) {
  std::vector<int> out;
  for (std::size_t i = 0; i < m.size(); ++i)
    if (m[i]) out.push_back(static_cast<int>(i));
  return out;
}

}  // namespace

TEST(SpcConstants, MatchThePublishedTables) {
  for (const Row& r : kPublished) {
    const SpcConstants k = spc_constants(r.n);
    EXPECT_NEAR(k.A2, r.A2, 0.001) << r.n;
    EXPECT_NEAR(k.A3, r.A3, 0.001) << r.n;
    EXPECT_NEAR(k.c4, r.c4, 0.0001) << r.n;
    EXPECT_NEAR(k.B3, r.B3, 0.001) << r.n;
    EXPECT_NEAR(k.B4, r.B4, 0.001) << r.n;
    EXPECT_NEAR(k.d2, r.d2, 0.001) << r.n;
    EXPECT_NEAR(k.D3, r.D3, 0.001) << r.n;
    EXPECT_NEAR(k.D4, r.D4, 0.001) << r.n;
  }
  EXPECT_THROW(spc_constants(1), pp::Error);
  EXPECT_THROW(spc_constants(26), pp::Error);
}

TEST(SpcConstants, MatchAFreshIntegration) {
  EXPECT_NEAR(spc_constants(2).d2, 2 / std::sqrt(M_PI), 1e-7);
  for (int n : {2, 3, 5, 10, 17, 25}) {
    double d2, d3;
    integrate_range(n, &d2, &d3);
    EXPECT_NEAR(spc_constants(n).d2, d2, 1e-5) << n;
    EXPECT_NEAR(spc_constants(n).d3, d3, 1e-5) << n;
  }
}

TEST(ControlChart, XbarRAndXbarSOnAWorkedExample) {
  // Subgroups of 5: means 3, 4, 3.4; ranges 4, 4, 1; sds sqrt(2.5), sqrt(2.5), sqrt(0.3).
  const std::vector<Subgroup> s = {sub({1, 2, 3, 4, 5}), sub({2, 3, 4, 5, 6}), sub({3, 3, 3, 4, 4}), sub({9, 9, 9, 9, 9})};
  ChartOptions o;
  o.type = ChartType::XbarR;
  o.baseline_subgroups = 3;
  const Chart r = build_chart(s, o);
  ASSERT_EQ(r.points.size(), 4u);
  EXPECT_EQ(r.subgroup_size, 5);
  const double xbar = (3 + 4 + 3.4) / 3, rbar = 9.0 / 3;
  EXPECT_NEAR(r.points[0].cl, xbar, 1e-9);
  EXPECT_NEAR(r.points[0].ucl, xbar + 0.577 * rbar, 0.001);
  EXPECT_NEAR(r.points[0].lcl, xbar - 0.577 * rbar, 0.001);
  EXPECT_NEAR(*r.points[0].spread_cl, rbar, 1e-9);
  EXPECT_NEAR(*r.points[0].spread_ucl, 2.114 * rbar, 0.002);
  EXPECT_NEAR(*r.points[0].spread_lcl, 0, 1e-12);
  EXPECT_NEAR(r.sigma, rbar / 2.326, 0.001);
  EXPECT_TRUE(r.points[2].baseline);
  EXPECT_FALSE(r.points[3].baseline);
  EXPECT_EQ(r.points[3].zone, "above UCL");
  EXPECT_EQ(r.points[3].rules & 1, 1) << "phase II point beyond the phase I limits";
  EXPECT_EQ(r.baseline, 3);

  o.type = ChartType::XbarS;
  const Chart c = build_chart(s, o);
  const double sbar = (std::sqrt(2.5) + std::sqrt(2.5) + std::sqrt(0.3)) / 3;
  EXPECT_NEAR(*c.points[0].spread_cl, sbar, 1e-9);
  EXPECT_NEAR(c.points[0].ucl, xbar + 1.427 * sbar, 0.001);
  EXPECT_NEAR(*c.points[0].spread_ucl, 2.089 * sbar, 0.001);
  EXPECT_NEAR(c.sigma, sbar / 0.9400, 0.001);
}

TEST(ControlChart, IndividualsAndMovingRange) {
  std::vector<Subgroup> s;
  for (double x : {10.0, 12.0, 11.0, 13.0, 12.0}) s.push_back(sub({x}));
  ChartOptions o;
  const Chart c = build_chart(s, o);
  // mean 11.6; moving ranges 2, 1, 2, 1: MRbar 1.5, sigma 1.5 / 1.128.
  EXPECT_NEAR(c.points[0].cl, 11.6, 1e-9);
  EXPECT_NEAR(c.points[0].ucl, 11.6 + 3 * 1.5 / 1.128, 0.002);
  EXPECT_FALSE(c.points[0].spread.has_value());
  EXPECT_NEAR(*c.points[1].spread, 2, 1e-12);
  EXPECT_NEAR(*c.points[1].spread_ucl, 3.267 * 1.5, 0.001);
  EXPECT_EQ(c.subgroup_size, 1);
}

TEST(ControlChart, AttributeCharts) {
  ChartOptions o;
  o.type = ChartType::P;
  // 4 + 6 + 2 + 8 defectives out of 100, 200, 100, 200 units: pbar = 20 / 600.
  const std::vector<Subgroup> p = {counts(4, 100), counts(6, 200), counts(2, 100), counts(8, 200)};
  const Chart pc = build_chart(p, o);
  const double pbar = 20.0 / 600;
  EXPECT_NEAR(pc.points[0].cl, pbar, 1e-12);
  EXPECT_NEAR(pc.points[0].ucl, pbar + 3 * std::sqrt(pbar * (1 - pbar) / 100), 1e-12);
  EXPECT_NEAR(pc.points[1].ucl, pbar + 3 * std::sqrt(pbar * (1 - pbar) / 200), 1e-12);
  EXPECT_EQ(pc.points[0].lcl, 0.0) << "clipped at zero";
  EXPECT_NEAR(pc.points[1].value, 0.03, 1e-12);

  o.type = ChartType::NP;
  EXPECT_THROW(build_chart(p, o), pp::Error) << "np needs one subgroup size";
  const std::vector<Subgroup> np = {counts(4, 100), counts(6, 100), counts(2, 100), counts(8, 100)};
  const Chart npc = build_chart(np, o);
  EXPECT_NEAR(npc.points[0].cl, 5, 1e-12);
  EXPECT_NEAR(npc.points[0].ucl, 5 + 3 * std::sqrt(5 * 0.95), 1e-12);

  o.type = ChartType::C;
  const std::vector<Subgroup> c = {counts(3, 1), counts(5, 1), counts(4, 1), counts(12, 1)};
  const Chart cc = build_chart(c, o);
  EXPECT_NEAR(cc.points[0].cl, 6, 1e-12);
  EXPECT_NEAR(cc.points[0].ucl, 6 + 3 * std::sqrt(6.0), 1e-12);
  EXPECT_EQ(cc.points[0].lcl, 0.0);

  o.type = ChartType::U;
  const std::vector<Subgroup> u = {counts(3, 2), counts(5, 4), counts(4, 2)};
  const Chart uc = build_chart(u, o);
  EXPECT_NEAR(uc.points[0].cl, 12.0 / 8, 1e-12);
  EXPECT_NEAR(uc.points[1].ucl, 1.5 + 3 * std::sqrt(1.5 / 4), 1e-12);
  EXPECT_NEAR(uc.points[1].value, 1.25, 1e-12);

  o.type = ChartType::P;
  EXPECT_THROW(build_chart({counts(5, 3), counts(1, 3)}, o), pp::Error) << "more defectives than units";
}

TEST(NelsonRules, EachFiresExactlyWhereItsSeriesSays) {
  // Rule 1: beyond 3 sigma, either side.
  auto m = rules_of({0.5, -0.5, 3.5, 0.2, -0.3, -3.2});
  EXPECT_EQ(fired(m, 1), (std::vector<int>{2, 5}));
  EXPECT_EQ(any_fired(m), (std::vector<int>{2, 5}));
  // Rule 2: nine on one side (the tenth keeps it).
  m = rules_of({0.1, 0.2, 0.3, 0.1, 0.2, 0.3, 0.1, 0.2, 0.3, 0.1});
  EXPECT_EQ(fired(m, 2), (std::vector<int>{8, 9}));
  EXPECT_EQ(any_fired(m), (std::vector<int>{8, 9}));
  // Rule 3: six increasing (five rises).
  m = rules_of({0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.4});
  EXPECT_EQ(fired(m, 3), (std::vector<int>{5}));
  EXPECT_EQ(any_fired(m), (std::vector<int>{5}));
  // Rule 4: fourteen alternating.
  std::vector<double> alt;
  for (int i = 0; i < 14; ++i) alt.push_back(i % 2 ? -0.5 : 0.5);
  m = rules_of(alt);
  EXPECT_EQ(fired(m, 4), (std::vector<int>{13}));
  EXPECT_EQ(any_fired(m), (std::vector<int>{13}));
  // Rule 5: two of three beyond 2 sigma, same side.
  m = rules_of({0.1, 2.5, 0.1, 2.5, -0.2});
  EXPECT_EQ(fired(m, 5), (std::vector<int>{3}));
  EXPECT_EQ(any_fired(m), (std::vector<int>{3}));
  // Rule 6: four of five beyond 1 sigma, same side.
  m = rules_of({1.5, 1.5, 0.2, 1.5, 1.5, 0.1});
  EXPECT_EQ(fired(m, 6), (std::vector<int>{4}));
  EXPECT_EQ(any_fired(m), (std::vector<int>{4}));
  // Rule 7: fifteen within 1 sigma (neither one-sided, monotone nor alternating).
  m = rules_of({0.5, 0.4, -0.3, -0.2, 0.1, 0.2, -0.1, -0.3, 0.4, 0.3, -0.2, -0.4, 0.1, 0.2, -0.3});
  EXPECT_EQ(fired(m, 7), (std::vector<int>{14}));
  EXPECT_EQ(any_fired(m), (std::vector<int>{14}));
  // Rule 8: eight beyond 1 sigma, both sides.
  m = rules_of({1.5, -1.5, 1.5, -1.5, 1.5, -1.5, 1.5, -1.5});
  EXPECT_EQ(fired(m, 8), (std::vector<int>{7}));
  EXPECT_EQ(any_fired(m), (std::vector<int>{7}));
}

TEST(NelsonRules, NearMissesAndTiesFireNothing) {
  // Exactly 3 sigma is not beyond it; eight on one side, a point on the line, eight more.
  EXPECT_TRUE(any_fired(rules_of({3.0, -3.0, 0.2})).empty());
  // (A reading beyond 1 sigma every third point keeps rule 7 away.)
  std::vector<double> v = {0.3, 0.3, 1.2, 0.3, 0.3, 1.2, 0.3, 0.3};
  v.push_back(0.0);
  v.insert(v.end(), {0.3, 0.3, 1.2, 0.3, 0.3, 1.2, 0.3, 0.3});
  EXPECT_TRUE(any_fired(rules_of(v)).empty());
  // Five rises, then a tie breaks the run before a sixth point.
  EXPECT_TRUE(any_fired(rules_of({0, 0.1, 0.2, 0.2, 0.3, 0.4, 0.5})).empty());
  // Thirteen alternating, then a repeat.
  std::vector<double> alt;
  for (int i = 0; i < 13; ++i) alt.push_back(i % 2 ? -0.5 : 0.5);
  alt.push_back(alt.back());
  EXPECT_TRUE(any_fired(rules_of(alt)).empty());
  // Two beyond 2 sigma but four apart; exactly 2 sigma does not count.
  EXPECT_TRUE(any_fired(rules_of({2.5, 0.1, 0.1, 2.5, 2.0, 0.1})).empty());
  // Three of five beyond 1 sigma.
  EXPECT_TRUE(any_fired(rules_of({1.5, 0.2, 1.5, 0.2, 1.5, 0.2})).empty());
  // Fourteen within 1 sigma, then one at exactly 1 sigma.
  EXPECT_TRUE(any_fired(rules_of({0.5, 0.4, -0.3, -0.2, 0.1, 0.2, -0.1, -0.3, 0.4, 0.3, -0.2, -0.4, 0.1, 0.2, 1.0})).empty());
  // Seven beyond 1 sigma, then one within.
  EXPECT_TRUE(any_fired(rules_of({1.5, -1.5, 1.5, -1.5, 1.5, -1.5, 1.5, 0.5})).empty());
}

TEST(Capability, HandComputedIndices) {
  // Subgroups of 2: mean 10; ranges 2, 0, 2: sigma within = (4/3) / 1.128379;
  // sigma overall = sqrt(4 / 5).
  const std::vector<std::vector<double>> g = {{9, 11}, {10, 10}, {11, 9}};
  SpecLimits spec;
  spec.lsl = 7;
  spec.usl = 13;
  spec.target = 10;
  const Capability c = capability(g, spec);
  const double sw = (4.0 / 3) / 1.1283792, so = std::sqrt(0.8);
  EXPECT_EQ(c.n, 6);
  EXPECT_NEAR(c.mean, 10, 1e-12);
  EXPECT_NEAR(c.sigma_within, sw, 1e-6);
  EXPECT_NEAR(c.sigma_overall, so, 1e-12);
  EXPECT_NEAR(*c.cp, 6 / (6 * sw), 1e-6);
  EXPECT_NEAR(*c.cpk, 3 / (3 * sw), 1e-6);
  EXPECT_NEAR(*c.pp, 6 / (6 * so), 1e-9);
  EXPECT_NEAR(*c.ppk, 1 / so, 1e-9);
  EXPECT_NEAR(*c.cpm, 6 / (6 * so), 1e-9) << "on target: Cpm = Pp";
  EXPECT_NEAR(c.expected_ppm_overall, 2e6 * 0.5 * std::erfc(3 / so / std::sqrt(2.0)), 1e-6);
  EXPECT_EQ(c.observed_ppm, 0);

  // Off target: mean 11 with limits 7..13: Cpk from the upper side.
  const Capability off = capability({{10, 12}, {11, 11}, {12, 10}}, spec);
  EXPECT_NEAR(*off.cpk, 2 / (3 * sw), 1e-6);
  double st = 0;
  for (double x : {10, 12, 11, 11, 12, 10}) st += (x - 10) * (x - 10);
  EXPECT_NEAR(*off.cpm, 6 / (6 * std::sqrt(st / 5)), 1e-9);

  // One-sided (upper limit only): no Cp, Pp nor Cpm; Cpk is the upper index.
  SpecLimits upper;
  upper.usl = 13;
  const Capability u = capability(g, upper);
  EXPECT_FALSE(u.cp.has_value());
  EXPECT_FALSE(u.cpm.has_value());
  EXPECT_FALSE(u.cpl.has_value());
  EXPECT_NEAR(*u.cpk, 3 / (3 * sw), 1e-6);
  EXPECT_NEAR(*u.ppk, 1 / so, 1e-9);

  // Individuals: sigma within from the moving range.
  const Capability ind = capability({{10}, {12}, {11}, {13}, {12}}, spec);
  EXPECT_NEAR(ind.sigma_within, 1.5 / 1.1283792, 1e-6);
  EXPECT_THROW(capability(g, SpecLimits{}), pp::Error);
}

}  // namespace test_spc
