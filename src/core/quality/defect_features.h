// The defect-risk model's features and their encoding. Every feature is
// known before the operation runs:
//   family, work_center, shift, crew_tenure (the least experienced crew
//   member's years since hire, in bands), rework, weight (known or not):
//   categorical, one column per level except the baseline (the most
//   frequent level in training); levels with fewer than min_level_rows
//   training rows pool into "(other)", which also takes levels first seen
//   when scoring (or, without "(other)", the baseline);
//   log_weight_kg, product_rate_logit, work_center_rate_logit: numeric,
//   standardised with the training mean and standard deviation; a missing
//   weight takes the mean (and weight = "(unknown)" says so).
// The encoding is stored as terms (prodplan.model_terms), so scoring
// rebuilds exactly the columns training used.
#pragma once
#include "core/common/core_only.h"

#include "core/quality/defect_cases.h"

#include <string>
#include <string_view>
#include <vector>

namespace pp::quality {

// One operation's raw features. The views point at CaseSet names or static
// literals and live as long as the CaseSet.
struct FeatureValues {
  std::string_view family, work_center, shift, crew_tenure, rework, weight;
  double log_weight_kg = 0;    // NaN when unknown
  double product_rate = 0;     // the product's smoothed historical rate
  double work_center_rate = 0; // the work center's smoothed historical rate
};

FeatureValues features_of(const CaseSet& set, const OpCase& c, double product_rate, double work_center_rate);

// The band of a crew tenure in years (NaN: "(no crew)").
std::string_view tenure_band(double years);

// A stored term: a categorical level (level set; baseline levels have
// coefficient 0 and no column) or a numeric feature (level empty) with its
// centre and scale; the intercept is the term "intercept".
struct Term {
  std::string term;
  std::string level;
  double coefficient = 0;
  double center = 0;
  double scale = 1;
  long rows = 0;          // training rows with this level (categorical)
  bool baseline = false;
};

class DefectEncoding {
 public:
  // Levels and scales from the training rows.
  static DefectEncoding fit(const std::vector<FeatureValues>& train, long min_level_rows);
  // The encoding of stored terms (their coefficients are read separately).
  static DefectEncoding from_terms(const std::vector<Term>& terms);

  int columns() const { return columns_; }
  // Writes the columns() values of one row.
  void encode(const FeatureValues& f, double* row) const;
  // The stored form: intercept, then every column's term, then baselines.
  std::vector<Term> terms(const std::vector<double>& coefficients, double intercept) const;
  // Coefficients in column order from stored terms.
  static std::vector<double> coefficients_of(const DefectEncoding& e, const std::vector<Term>& terms, double* intercept);

 private:
  struct Level {
    std::string name;
    int column = -1;  // -1: the baseline
    long rows = 0;
  };
  struct Categorical {
    std::string term;
    std::vector<Level> levels;
    int column_of(std::string_view level) const;
  };
  struct Numeric {
    std::string term;
    int column = -1;
    double center = 0, scale = 1;
  };
  std::vector<Categorical> categorical_;  // family, work_center, shift, crew_tenure, rework, weight
  std::vector<Numeric> numeric_;          // log_weight_kg, product_rate_logit, work_center_rate_logit
  int columns_ = 0;
};

}  // namespace pp::quality
