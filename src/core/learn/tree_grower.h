// The tree grower of gradient_boosting.cpp: one regression tree grown
// leaf-wise on binned data (feature_bins.h) from per-node gradient
// histograms, as gradient_boosting.h describes (split gain, missing values,
// histogram subtraction). Internal to src/core/learn; the model types it
// produces are gradient_boosting.h's.
#pragma once
#include "core/common/core_only.h"

#include "core/learn/feature_bins.h"
#include "core/learn/gradient_boosting.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace pp::learn::detail {

// Gradient sum and row count of one bin. The hessian of squared loss is 1 per
// row, so the count is also the hessian sum.
struct HistBin {
  double g = 0;
  std::uint32_t n = 0;
};

// The features worth trying (more than one non-missing bin, or some missing
// values) and where each one's bins (non-missing ones, then the missing bin)
// start in a histogram.
struct HistLayout {
  std::vector<int> features;
  std::vector<std::size_t> offset;  // parallel to features
  std::size_t size = 0;

  explicit HistLayout(const FeatureBins& bins) {
    for (int f = 0; f < bins.features(); ++f) {
      const int missing = bins.missing_bin(f);
      const std::uint8_t* c = bins.column(f);
      const bool has_missing = std::find(c, c + bins.rows, static_cast<std::uint8_t>(missing)) != c + bins.rows;
      if (missing < 2 && !has_missing) continue;  // constant
      features.push_back(f);
      offset.push_back(size);
      size += static_cast<std::size_t>(missing) + 1;
    }
  }
};

// A split of a node: rows with code <= bin (and the missing ones when
// missing_left) go left. bin = the feature's last non-missing bin means
// "missing values right, all others left".
struct Split {
  int feature = -1;  // -1: none found
  int bin = 0;
  bool missing_left = false;
  double gain = 0;
};

struct GrowNode {
  int begin = 0, end = 0;  // the node's rows: rows[begin, end) of the grower
  int depth = 0;
  double g = 0;            // gradient sum of its rows
  int hist = -1;           // histogram slot while the node may still be split
  Split split;             // the best split found; applied when left >= 0
  int left = -1, right = -1;
  int count() const { return end - begin; }
};

// Grows one tree leaf-wise on binned data. Keeps its buffers between trees,
// so a fit allocates histograms once.
class TreeGrower {
 public:
  TreeGrower(const FeatureBins& bins, const BoostingOptions& o) : bins_(bins), layout_(bins), o_(o) {}

  // sample: the tree's rows, ascending; grad: gradients by row (only the
  // sample's are read). Afterwards nodes() holds the tree, and each node's
  // rows are rows()[begin, end).
  void grow(const std::vector<int>& sample, const std::vector<double>& grad);
  const std::vector<GrowNode>& nodes() const { return nodes_; }
  const std::vector<int>& rows() const { return rows_; }

 private:
  int acquire();
  void release(int slot) { free_.push_back(slot); }
  void build(int slot, const GrowNode& node);
  void subtract(int from, int slot);
  Split find_split(const GrowNode& node) const;
  bool splittable(const GrowNode& node, int leaves) const {
    return leaves < o_.max_leaf_nodes && node.count() >= 2 * o_.min_samples_leaf &&
           (o_.max_depth == 0 || node.depth < o_.max_depth);
  }
  void split_node(int id, int leaves);

  const FeatureBins& bins_;
  const HistLayout layout_;
  const BoostingOptions& o_;
  const std::vector<double>* grad_ = nullptr;
  std::vector<int> rows_, scratch_;
  std::vector<double> ordered_;  // the node's gradients in row order, for the histogram loop
  std::vector<std::vector<HistBin>> slots_;
  std::vector<int> free_;
  std::vector<GrowNode> nodes_;
  std::vector<int> open_;  // nodes with a split found, ascending ids
};

// The grown nodes as a Tree with raw-value thresholds.
Tree to_tree(const std::vector<GrowNode>& grown, const FeatureBins& bins, const BoostingOptions& o);

}  // namespace pp::learn::detail
