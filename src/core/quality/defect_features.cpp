#include "core/quality/defect_features.h"

#include "core/common/errors.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

namespace pp::quality {

namespace {

constexpr std::array<const char*, 6> kCategorical{"family", "work_center", "shift", "crew_tenure", "rework", "weight"};
constexpr std::array<const char*, 3> kNumeric{"log_weight_kg", "product_rate_logit", "work_center_rate_logit"};
constexpr std::array<const char*, 10> kShiftNames{"(unknown)", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
constexpr const char* kOther = "(other)";
constexpr int kUnassigned = -2;  // a stored level whose column is not numbered yet

std::string_view categorical_value(const FeatureValues& f, std::size_t i) {
  switch (i) {
    case 0: return f.family;
    case 1: return f.work_center;
    case 2: return f.shift;
    case 3: return f.crew_tenure;
    case 4: return f.rework;
    default: return f.weight;
  }
}

double logit(double p) {
  p = std::clamp(p, 1e-6, 1 - 1e-6);
  return std::log(p / (1 - p));
}

double numeric_value(const FeatureValues& f, std::size_t i) {
  switch (i) {
    case 0: return f.log_weight_kg;
    case 1: return logit(f.product_rate);
    default: return logit(f.work_center_rate);
  }
}

}  // namespace

std::string_view tenure_band(double years) {
  if (std::isnan(years)) return "(no crew)";
  if (years < 0.5) return "<0.5y";
  if (years < 1) return "0.5-1y";
  if (years < 2) return "1-2y";
  if (years < 5) return "2-5y";
  return ">=5y";
}

FeatureValues features_of(const CaseSet& set, const OpCase& c, double product_rate, double work_center_rate) {
  FeatureValues f;
  f.family = set.families.name(c.family);
  f.work_center = set.work_centers.name(c.work_center);
  f.shift = c.shift >= 1 && c.shift <= 9 ? kShiftNames[static_cast<std::size_t>(c.shift)] : kShiftNames[0];
  f.crew_tenure = tenure_band(c.crew_tenure_years());
  f.rework = c.rework ? "yes" : "no";
  const bool weighed = !std::isnan(c.weight_kg) && c.weight_kg > 0;
  f.weight = weighed ? "known" : "(unknown)";
  f.log_weight_kg = weighed ? std::log(c.weight_kg) : std::numeric_limits<double>::quiet_NaN();
  f.product_rate = product_rate;
  f.work_center_rate = work_center_rate;
  return f;
}

int DefectEncoding::Categorical::column_of(std::string_view level) const {
  int other = -1;  // without "(other)", an unseen level is the baseline
  for (const Level& l : levels) {
    if (l.name == level) return l.column;
    if (l.name == kOther) other = l.column;
  }
  return other;
}

DefectEncoding DefectEncoding::fit(const std::vector<FeatureValues>& train, long min_level_rows) {
  if (train.empty()) throw_invalid("the defect-risk encoding needs training rows");
  DefectEncoding e;
  for (std::size_t t = 0; t < kCategorical.size(); ++t) {
    std::map<std::string, long, std::less<>> counts;
    for (const FeatureValues& f : train) ++counts[std::string(categorical_value(f, t))];
    Categorical cat;
    cat.term = kCategorical[t];
    long other_rows = 0;
    for (const auto& [name, n] : counts) {
      if (n >= min_level_rows) cat.levels.push_back({name, 0, n});
      else other_rows += n;
    }
    if (other_rows > 0) cat.levels.push_back({kOther, 0, other_rows});
    // Baseline: the most frequent level (ties: the first by name).
    std::size_t base = 0;
    for (std::size_t i = 1; i < cat.levels.size(); ++i)
      if (cat.levels[i].rows > cat.levels[base].rows) base = i;
    for (std::size_t i = 0; i < cat.levels.size(); ++i) cat.levels[i].column = i == base ? -1 : e.columns_++;
    e.categorical_.push_back(std::move(cat));
  }
  for (std::size_t t = 0; t < kNumeric.size(); ++t) {
    double sum = 0, sumsq = 0, n = 0;
    for (const FeatureValues& f : train) {
      const double v = numeric_value(f, t);
      if (std::isnan(v)) continue;
      sum += v;
      sumsq += v * v;
      n += 1;
    }
    Numeric num;
    num.term = kNumeric[t];
    num.center = n > 0 ? sum / n : 0;
    const double var = n > 1 ? (sumsq - sum * sum / n) / (n - 1) : 0;
    num.scale = var > 1e-12 ? std::sqrt(var) : 1;
    num.column = e.columns_++;
    e.numeric_.push_back(num);
  }
  return e;
}

DefectEncoding DefectEncoding::from_terms(const std::vector<Term>& terms) {
  DefectEncoding e;
  for (const char* name : kCategorical) {
    Categorical cat;
    cat.term = name;
    for (const Term& t : terms)
      if (t.term == name) cat.levels.push_back({t.level, t.baseline ? -1 : kUnassigned, t.rows});
    e.categorical_.push_back(std::move(cat));
  }
  // Columns are numbered in the stored order of the non-baseline terms.
  for (const Term& t : terms) {
    if (t.term == "intercept" || t.baseline) continue;
    bool found = false;
    for (Categorical& cat : e.categorical_) {
      if (cat.term != t.term) continue;
      for (Level& l : cat.levels)
        if (l.name == t.level && l.column == kUnassigned) {
          l.column = e.columns_++;
          found = true;
          break;
        }
    }
    if (found) continue;
    const auto it = std::find(kNumeric.begin(), kNumeric.end(), t.term);
    if (it == kNumeric.end()) throw Error(ErrorKind::DataException, "defect-risk model: unknown term \"" + t.term + "\"");
    e.numeric_.push_back({t.term, e.columns_++, t.center, t.scale > 0 ? t.scale : 1});
  }
  if (e.numeric_.size() != kNumeric.size())
    throw Error(ErrorKind::DataException, "defect-risk model: the stored terms lack a numeric feature");
  // Numeric terms in their fixed order, whatever the stored order.
  std::vector<Numeric> ordered;
  for (const char* name : kNumeric)
    for (const Numeric& n : e.numeric_)
      if (n.term == name) ordered.push_back(n);
  e.numeric_ = std::move(ordered);
  return e;
}

void DefectEncoding::encode(const FeatureValues& f, double* row) const {
  std::fill(row, row + columns_, 0.0);
  for (std::size_t t = 0; t < categorical_.size(); ++t) {
    const int col = categorical_[t].column_of(categorical_value(f, t));
    if (col >= 0) row[col] = 1;
  }
  for (std::size_t t = 0; t < numeric_.size(); ++t) {
    const Numeric& n = numeric_[t];
    const double v = numeric_value(f, t);
    row[n.column] = std::isnan(v) ? 0 : (v - n.center) / n.scale;
  }
}

std::vector<Term> DefectEncoding::terms(const std::vector<double>& coefficients, double intercept) const {
  std::vector<Term> out;
  Term i;
  i.term = "intercept";
  i.coefficient = intercept;
  out.push_back(i);
  for (const Categorical& cat : categorical_)
    for (const Level& l : cat.levels) {
      Term t;
      t.term = cat.term;
      t.level = l.name;
      t.rows = l.rows;
      t.baseline = l.column < 0;
      t.coefficient = l.column < 0 ? 0 : coefficients[static_cast<std::size_t>(l.column)];
      out.push_back(t);
    }
  for (const Numeric& n : numeric_) {
    Term t;
    t.term = n.term;
    t.center = n.center;
    t.scale = n.scale;
    t.coefficient = coefficients[static_cast<std::size_t>(n.column)];
    out.push_back(t);
  }
  return out;
}

std::vector<double> DefectEncoding::coefficients_of(const DefectEncoding& e, const std::vector<Term>& terms, double* intercept) {
  std::vector<double> coef(static_cast<std::size_t>(e.columns_), 0.0);
  *intercept = 0;
  for (const Term& t : terms) {
    if (t.term == "intercept") {
      *intercept = t.coefficient;
      continue;
    }
    if (t.baseline) continue;
    for (const Categorical& cat : e.categorical_)
      if (cat.term == t.term)
        for (const Level& l : cat.levels)
          if (l.name == t.level && l.column >= 0) coef[static_cast<std::size_t>(l.column)] = t.coefficient;
    for (const Numeric& n : e.numeric_)
      if (n.term == t.term) coef[static_cast<std::size_t>(n.column)] = t.coefficient;
  }
  return coef;
}

}  // namespace pp::quality
