// The defect-risk model (src/core/quality/defect_*): which operations are
// judged and when; historical rates that never see the future; the ranking
// and calibration metrics on hand-computed examples; the encoding's
// baseline, "(other)" and its stored form; and training on a synthetic plant
// with planted drivers (shift 2, new crews, a defect-prone family and work
// center) that the model must find and whose PR-AUC must beat the
// historical-rate fallback.
#include "core/common/errors.h"
#include "core/learn/classification_metrics.h"
#include "core/quality/defect_cases.h"
#include "core/quality/defect_features.h"
#include "core/quality/defect_history.h"
#include "core/quality/defect_risk_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace test_defect_risk {

using namespace pp::quality;
namespace learn = pp::learn;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

OpCase op(CaseSet& s, const std::string& order, const std::string& wc, double start, double ended, bool culprit = false) {
  OpCase c;
  c.order = s.orders.id(order);
  c.product = s.products.id("P");
  c.family = s.families.id("F");
  c.work_center = s.work_centers.id(wc);
  c.start = start;
  c.ended = ended;
  c.culprit = culprit;
  return c;
}

}  // namespace

TEST(DefectCases, AnOperationIsJudgedByTheNextEndedEvaluation) {
  CaseSet s;
  s.mark_evaluation("E");
  s.cases = {op(s, "o1", "A", 0, 10), op(s, "o1", "B", 10, 20), op(s, "o1", "E", 20, 30),
             op(s, "o1", "C", 30, 40), op(s, "o1", "E", 40, kNaN),  // the second evaluation is still open
             op(s, "o1", "D", 50, kNaN),                           // nothing evaluates it yet
             op(s, "o2", "A", 5, 15)};                             // an order without an evaluation
  label_cases(s, pp::CancelToken());
  EXPECT_EQ(s.cases[0].label_time, 30);
  EXPECT_EQ(s.cases[1].label_time, 30);
  EXPECT_TRUE(std::isnan(s.cases[2].label_time)) << "the first evaluation is judged by the second, still open";
  EXPECT_TRUE(std::isnan(s.cases[3].label_time));
  EXPECT_TRUE(std::isnan(s.cases[4].label_time));
  EXPECT_TRUE(std::isnan(s.cases[5].label_time));
  EXPECT_TRUE(std::isnan(s.cases[6].label_time));
}

TEST(DefectHistory, RatesUseOnlyOutcomesKnownBeforeTheStart) {
  CaseSet s;
  s.mark_evaluation("E");
  // o1's A is blamed, known at 30; o2's A starts at 25 (before that) and
  // o3's A at 35 (after).
  s.cases = {op(s, "o1", "A", 0, 10, true), op(s, "o1", "E", 20, 30),
             op(s, "o2", "A", 25, 26), op(s, "o3", "A", 35, 36)};
  label_cases(s, pp::CancelToken());
  const CaseRates r = rates_before_start(s, 0, pp::CancelToken());
  const double nothing_known = plant_rate(RateCounts{});
  EXPECT_DOUBLE_EQ(r.plant[2], nothing_known);
  EXPECT_DOUBLE_EQ(r.work_center[2], nothing_known) << "prior 0 and nothing judged: the plant's rate";
  EXPECT_DOUBLE_EQ(r.work_center[3], 1.0) << "one judged operation at A, blamed";
  EXPECT_DOUBLE_EQ(r.plant[3], 1.5 / 2);
  const RateSnapshot snap = rate_snapshot(s);
  EXPECT_EQ(snap.all.judged, 1);
  EXPECT_EQ(snap.all.culprits, 1);
  EXPECT_EQ(snap.judged_orders, 1);
  EXPECT_NEAR(smoothed_rate(RateCounts{10, 5}, 0.1, 10), (5 + 1.0) / 20, 1e-12);
  EXPECT_GT(fallback_probability(0.9, 0.9, 0.1), 0.99);
  EXPECT_LT(fallback_probability(0.9, 0.9, 0.1), 1.0);
}

TEST(ClassificationMetrics, HandComputedValues) {
  const std::vector<double> p{0.9, 0.8, 0.7, 0.6};
  const std::vector<char> y{1, 0, 1, 0};
  EXPECT_NEAR(learn::average_precision(p, y), 0.5 * 1 + 0.5 * 2.0 / 3, 1e-12);
  EXPECT_NEAR(learn::roc_auc(p, y), 0.75, 1e-12);
  EXPECT_NEAR(learn::brier_score(p, y), (0.01 + 0.64 + 0.09 + 0.36) / 4, 1e-12);
  EXPECT_NEAR(learn::recall_at_alert_rate(p, y, 0.5), 0.5, 1e-12);
  EXPECT_NEAR(learn::alert_threshold(p, 0.5), 0.8, 1e-12);
  // Ties are one threshold: AP is the tied group's precision, AUC counts 1/2.
  EXPECT_NEAR(learn::average_precision({0.5, 0.5}, {1, 0}), 0.5, 1e-12);
  EXPECT_NEAR(learn::roc_auc({0.5, 0.5}, {1, 0}), 0.5, 1e-12);
  EXPECT_TRUE(std::isnan(learn::average_precision({0.5}, {0})));
  EXPECT_TRUE(std::isnan(learn::roc_auc({0.5}, {1})));
  const auto bins = learn::calibration_bins({0.1, 0.2, 0.8, 0.9}, {0, 0, 1, 1}, 2);
  ASSERT_EQ(bins.size(), 2u);
  EXPECT_NEAR(bins[0].mean_score, 0.15, 1e-12);
  EXPECT_NEAR(bins[0].observed, 0, 1e-12);
  EXPECT_NEAR(bins[1].observed, 1, 1e-12);
  EXPECT_NEAR(learn::calibration_error(bins), 0.15, 1e-12);
  EXPECT_THROW(learn::recall_at_alert_rate(p, y, 0), pp::Error);
  EXPECT_THROW(learn::average_precision(p, {1}), pp::Error);
}

TEST(DefectFeatures, BaselineOtherAndStoredForm) {
  CaseSet s;
  std::vector<FeatureValues> rows;
  auto row = [&](const char* family, int shift) {
    OpCase c;
    c.order = s.orders.id("o");
    c.product = s.products.id("P");
    c.family = s.families.id(family);
    c.work_center = s.work_centers.id("W");
    c.shift = shift;
    c.weight_kg = 100;
    return features_of(s, c, 0.2, 0.3);
  };
  for (int i = 0; i < 50; ++i) rows.push_back(row("Kayak", 1));
  for (int i = 0; i < 40; ++i) rows.push_back(row("Veleiro", 2));
  for (int i = 0; i < 3; ++i) rows.push_back(row("Rare", 1));
  const DefectEncoding e = DefectEncoding::fit(rows, 30);
  std::vector<double> coef(static_cast<std::size_t>(e.columns()));
  for (std::size_t j = 0; j < coef.size(); ++j) coef[j] = 0.1 * static_cast<double>(j + 1);
  const auto terms = e.terms(coef, -1.5);
  std::map<std::string, Term> by;
  for (const Term& t : terms) by[t.term + "|" + t.level] = t;
  EXPECT_TRUE(by.at("family|Kayak").baseline) << "the most frequent level is the baseline";
  EXPECT_FALSE(by.at("family|Veleiro").baseline);
  EXPECT_EQ(by.at("family|(other)").rows, 3) << "rare levels pool";
  EXPECT_EQ(by.count("family|Rare"), 0u);
  EXPECT_EQ(by.at("intercept|").coefficient, -1.5);
  // The stored form scores like the fitted encoding, unseen levels included.
  const DefectRiskModel m(terms);
  auto direct = [&](const FeatureValues& f) {
    std::vector<double> x(static_cast<std::size_t>(e.columns()));
    e.encode(f, x.data());
    double z = -1.5;
    for (std::size_t j = 0; j < x.size(); ++j) z += coef[j] * x[j];
    return 1 / (1 + std::exp(-z));
  };
  for (const FeatureValues& f : {row("Kayak", 1), row("Veleiro", 2), row("Rare", 0), row("Never seen", 3)})
    EXPECT_NEAR(m.probability(f), direct(f), 1e-12);
  EXPECT_NEAR(m.probability(row("Never seen", 1)), m.probability(row("Rare", 1)), 1e-12) << "unseen -> (other)";
}

namespace {

// A plant whose operations are blamed with log-odds
//   -2.2 + 0.9 [family Veleiro] + 0.8 [work center LAM] + 0.5 [shift 2]
//        + 0.7 [crew tenure < 0.5 y]
// and evaluated by "EV" after every three operations.
CaseSet synthetic_plant(int orders, std::uint64_t seed) {
  std::uint64_t st = seed;
  auto uniform = [&] {
    st = st * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(st >> 11) / 9007199254740992.0;
  };
  CaseSet s;
  s.mark_evaluation("EV");
  const char* families[] = {"Kayak", "Veleiro", "Canoa"};
  const char* wcs[] = {"GEL", "LAM", "PIN", "ACA"};
  for (int o = 0; o < orders; ++o) {
    const std::string order = "o" + std::to_string(o);
    const int fam = static_cast<int>(uniform() * 3);
    const std::string product = std::string(families[fam]) + "-" + std::to_string(static_cast<int>(uniform() * 5));
    double t = o * 3600.0;
    for (int k = 0; k < 6; ++k) {
      OpCase c;
      c.order = s.orders.id(order);
      c.product = s.products.id(product);
      c.family = s.families.id(families[fam]);
      const bool eval = k == 3 || k == 5;
      c.work_center = s.work_centers.id(eval ? "EV" : wcs[static_cast<int>(uniform() * 4)]);
      c.shift = uniform() < 0.5 ? 1 : 2;
      c.weight_kg = 50 + 100 * uniform();
      const double tenure = uniform() < 0.25 ? 0.2 : 3.0;
      c.start = t;
      c.ended = t + 500;
      c.newest_hire = t - tenure * 365.25 * 86400;
      if (!eval) {
        const double z = -2.2 + (fam == 1 ? 0.9 : 0) + (s.work_centers.name(c.work_center) == "LAM" ? 0.8 : 0) +
                         (c.shift == 2 ? 0.5 : 0) + (tenure < 0.5 ? 0.7 : 0);
        c.culprit = uniform() < 1 / (1 + std::exp(-z));
      }
      s.cases.push_back(c);
      t += 600;
    }
  }
  return s;
}

double coefficient(const std::vector<Term>& terms, const std::string& term, const std::string& level) {
  for (const Term& t : terms)
    if (t.term == term && t.level == level) return t.coefficient;
  ADD_FAILURE() << "no term " << term << "|" << level;
  return kNaN;
}

}  // namespace

TEST(DefectRiskModel, FindsThePlantedDriversAndBeatsTheFallback) {
  CaseSet s = synthetic_plant(6000, 42);
  DefectRiskOptions o;
  const DefectRiskTraining t = train_defect_risk(s, o);
  EXPECT_TRUE(t.converged);
  EXPECT_GT(t.train_rows, 20000);
  EXPECT_GT(t.model_operations.rows, 5000);
  // Drivers: each planted effect is found with the right sign and about its
  // size (the rate features absorb part of the family and work center ones).
  const double shift = coefficient(t.terms, "shift", "2") - coefficient(t.terms, "shift", "1");
  EXPECT_NEAR(shift, 0.5, 0.15);
  const double tenure = coefficient(t.terms, "crew_tenure", "<0.5y") - coefficient(t.terms, "crew_tenure", "2-5y");
  EXPECT_NEAR(tenure, 0.7, 0.15);
  EXPECT_GT(coefficient(t.terms, "family", "Veleiro") - coefficient(t.terms, "family", "Kayak") +
                coefficient(t.terms, "product_rate_logit", ""), 0.2);
  EXPECT_GT(coefficient(t.terms, "work_center", "LAM") - coefficient(t.terms, "work_center", "GEL"), 0.3);
  EXPECT_GT(t.model_operations.pr_auc, t.fallback_operations.pr_auc + 0.03);
  EXPECT_GT(t.model_operations.roc_auc, t.fallback_operations.roc_auc);
  EXPECT_LT(t.model_operations.brier, t.fallback_operations.brier);
  EXPECT_LT(t.model_operations.calibration_error, 0.03);
  EXPECT_GT(t.model_orders.pr_auc, 0);
  // The split: training outcomes were known by the split, tests start after.
  EXPECT_LE(t.train_from, t.split_at);
  EXPECT_GE(t.test_to, t.split_at);
  // Deterministic, whatever order the rows come in.
  CaseSet again = synthetic_plant(6000, 42);
  std::reverse(again.cases.begin(), again.cases.end());
  const DefectRiskTraining t2 = train_defect_risk(again, o);
  ASSERT_EQ(t.terms.size(), t2.terms.size());
  for (std::size_t i = 0; i < t.terms.size(); ++i) EXPECT_EQ(t.terms[i].coefficient, t2.terms[i].coefficient);
}

TEST(DefectRiskModel, RefusesWhatCannotBeLearned) {
  CaseSet none = synthetic_plant(100, 1);
  none.evaluation.clear();
  EXPECT_THROW(train_defect_risk(none, DefectRiskOptions{}), pp::Error);
  CaseSet small = synthetic_plant(10, 1);
  EXPECT_THROW(train_defect_risk(small, DefectRiskOptions{}), pp::Error);
  CaseSet s = synthetic_plant(100, 1);
  DefectRiskOptions bad;
  bad.test_share = 0.95;
  EXPECT_THROW(train_defect_risk(s, bad), pp::Error);
  bad = DefectRiskOptions{};
  bad.c = 0;
  EXPECT_THROW(train_defect_risk(s, bad), pp::Error);
  CaseSet clean = synthetic_plant(1000, 3);
  for (OpCase& c : clean.cases) c.culprit = false;
  EXPECT_THROW(train_defect_risk(clean, DefectRiskOptions{}), pp::Error);
}

}  // namespace test_defect_risk
