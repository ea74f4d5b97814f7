#include "core/learn/feature_bins.h"

#include "core/common/errors.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <numeric>
#include <string>

namespace pp::learn {

namespace {

std::uint64_t splitmix64(std::uint64_t* state) {
  std::uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// k of the rows 0 .. n - 1 without replacement, ascending (Knuth's
// selection sampling: one draw per row, no sort).
std::vector<Eigen::Index> sample_rows(Eigen::Index n, Eigen::Index k, std::uint64_t seed) {
  std::vector<Eigen::Index> out;
  out.reserve(static_cast<std::size_t>(k));
  std::uint64_t state = seed;
  for (Eigen::Index i = 0; i < n && static_cast<Eigen::Index>(out.size()) < k; ++i) {
    const double u = static_cast<double>(splitmix64(&state) >> 11) * 0x1.0p-53;
    const Eigen::Index needed = k - static_cast<Eigen::Index>(out.size());
    if (static_cast<double>(n - i) * u < static_cast<double>(needed)) out.push_back(i);
  }
  return out;
}

}  // namespace

std::vector<double> bin_edges(std::vector<double> values, int max_bins) {
  if (max_bins < 2 || max_bins > 255) throw_invalid("feature bins: max_bins must be between 2 and 255");
  std::sort(values.begin(), values.end());
  std::vector<double> distinct = values;
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  std::vector<double> edges;
  if (distinct.size() <= static_cast<std::size_t>(max_bins)) {
    for (std::size_t i = 1; i < distinct.size(); ++i) edges.push_back(std::midpoint(distinct[i - 1], distinct[i]));
  } else {
    // The quantile at k / max_bins sits at position k (n - 1) / max_bins of the
    // sorted sample; integer arithmetic keeps whole positions exact.
    const std::int64_t last = static_cast<std::int64_t>(values.size()) - 1;
    for (std::int64_t k = 1; k < max_bins; ++k) {
      const std::int64_t lo = k * last / max_bins;
      const std::int64_t hi = lo + (k * last % max_bins != 0 ? 1 : 0);
      const double q = std::midpoint(values[static_cast<std::size_t>(lo)], values[static_cast<std::size_t>(hi)]);
      if (edges.empty() || q > edges.back()) edges.push_back(q);
    }
  }
  return edges;
}

int bin_of(const std::vector<double>& edges, double x) {
  if (std::isnan(x)) return static_cast<int>(edges.size()) + 1;
  return static_cast<int>(std::lower_bound(edges.begin(), edges.end(), x) - edges.begin());
}

FeatureBins bin_features(const Eigen::MatrixXd& x, const BinOptions& options) {
  if (options.max_bins < 2 || options.max_bins > 255) throw_invalid("feature bins: max_bins must be between 2 and 255");
  if (options.sample_rows < 1) throw_invalid("feature bins: sample_rows must be at least 1");
  const Eigen::Index n = x.rows(), p = x.cols();
  if (n >= INT_MAX) throw Error(ErrorKind::ProgramLimit, "feature bins: at most " + std::to_string(INT_MAX - 1) + " rows");
  std::vector<Eigen::Index> sample;
  if (n > options.sample_rows) sample = sample_rows(n, options.sample_rows, options.seed);

  FeatureBins out;
  out.rows = n;
  out.edges.resize(static_cast<std::size_t>(p));
  out.codes.resize(static_cast<std::size_t>(n) * static_cast<std::size_t>(p));
  std::vector<double> values;
  for (Eigen::Index f = 0; f < p; ++f) {
    values.clear();
    for (Eigen::Index i = 0; i < n; ++i)
      if (std::isinf(x(i, f)))
        throw_invalid("feature bins: feature " + std::to_string(f) + " has an infinite value in row " + std::to_string(i),
                      "use NaN for a missing value");
    if (sample.empty()) {
      for (Eigen::Index i = 0; i < n; ++i)
        if (!std::isnan(x(i, f))) values.push_back(x(i, f));
    } else {
      for (Eigen::Index i : sample)
        if (!std::isnan(x(i, f))) values.push_back(x(i, f));
    }
    std::vector<double>& edges = out.edges[static_cast<std::size_t>(f)];
    edges = bin_edges(values, options.max_bins);
    std::uint8_t* column = out.codes.data() + static_cast<std::size_t>(f) * static_cast<std::size_t>(n);
    for (Eigen::Index i = 0; i < n; ++i) column[i] = static_cast<std::uint8_t>(bin_of(edges, x(i, f)));
  }
  return out;
}

}  // namespace pp::learn
