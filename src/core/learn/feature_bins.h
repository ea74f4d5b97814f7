// Per-feature quantile binning of a numeric design matrix, as scikit-learn's
// HistGradientBoosting bins its input (_BinMapper), so that a histogram-based
// learner sees at most 256 small integers per feature instead of doubles.
//
// For one feature, let v be the sorted non-missing sample values (all rows
// when there are at most sample_rows of them, else sample_rows rows drawn
// without replacement from the seed). With at most max_bins distinct values,
// the edges are the midpoints between consecutive distinct values; otherwise
// they are the "midpoint" sample quantiles at k / max_bins, k = 1 ..
// max_bins - 1 (numpy's percentile(method="midpoint")), with duplicates
// dropped. Either way the edges are strictly increasing and there are at most
// max_bins - 1 of them.
//
// A value x goes to bin b = the number of edges strictly below x, so
// b <= t exactly when x <= edges[t]: a split "bin <= t" learnt on the codes
// is the split "x <= edges[t]" on raw values, with no rounding between the
// two. NaN (missing) goes to the feature's own last bin, edges.size() + 1.
// Infinite values are rejected (they would make infinite edges).
#pragma once
#include "core/common/core_only.h"

#include <Eigen/Dense>

#include <cstdint>
#include <vector>

namespace pp::learn {

struct BinOptions {
  int max_bins = 255;                  // bins for non-missing values, 2 .. 255
  std::int64_t sample_rows = 200000;   // quantiles from at most this many rows (>= 1)
  std::uint64_t seed = 1;              // chooses the rows when there are more
};

// The binned matrix. Owns its data; independent of the input matrix.
struct FeatureBins {
  Eigen::Index rows = 0;
  // Per feature: the upper edges of the non-missing bins 0 .. k - 2, where k =
  // edges[f].size() + 1 is its number of non-missing bins (bin k - 1 is
  // unbounded above). Empty for a constant (or all-missing) feature.
  std::vector<std::vector<double>> edges;
  // rows x features bin codes, column-major: codes[f * rows + i].
  std::vector<std::uint8_t> codes;

  int features() const { return static_cast<int>(edges.size()); }
  int missing_bin(int f) const { return static_cast<int>(edges[static_cast<std::size_t>(f)].size()) + 1; }
  const std::uint8_t* column(int f) const { return codes.data() + static_cast<std::size_t>(f) * static_cast<std::size_t>(rows); }
};

// The edges for one feature from its non-missing sample values (any order;
// none NaN or infinite). max_bins: 2 .. 255.
std::vector<double> bin_edges(std::vector<double> values, int max_bins);

// The bin of x for a feature with these edges: NaN -> edges.size() + 1.
int bin_of(const std::vector<double>& edges, double x);

// Bins every column of x (n x p, NaN = missing). Deterministic for a given
// input and options. Throws pp::Error (InvalidParameter) for bad options or
// infinite values, (ProgramLimit) for 2^31 rows or more.
FeatureBins bin_features(const Eigen::MatrixXd& x, const BinOptions& options = {});

}  // namespace pp::learn
