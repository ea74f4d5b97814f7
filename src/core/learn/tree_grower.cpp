#include "core/learn/tree_grower.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace pp::learn::detail {

int TreeGrower::acquire() {
  if (free_.empty()) {
    slots_.emplace_back(layout_.size);
    return static_cast<int>(slots_.size()) - 1;
  }
  const int s = free_.back();
  free_.pop_back();
  return s;
}

void TreeGrower::build(int slot, const GrowNode& node) {
  HistBin* h = slots_[static_cast<std::size_t>(slot)].data();
  std::fill(h, h + layout_.size, HistBin{});
  const int* r = rows_.data() + node.begin;
  const int m = node.count();
  ordered_.resize(static_cast<std::size_t>(m));
  const double* g = grad_->data();
  for (int k = 0; k < m; ++k) ordered_[static_cast<std::size_t>(k)] = g[r[k]];
  const double* og = ordered_.data();
  for (std::size_t j = 0; j < layout_.features.size(); ++j) {
    const std::uint8_t* col = bins_.column(layout_.features[j]);
    HistBin* hf = h + layout_.offset[j];
    for (int k = 0; k < m; ++k) {
      HistBin& b = hf[col[r[k]]];
      b.g += og[k];
      ++b.n;
    }
  }
}

void TreeGrower::subtract(int from, int slot) {
  HistBin* a = slots_[static_cast<std::size_t>(from)].data();
  const HistBin* b = slots_[static_cast<std::size_t>(slot)].data();
  for (std::size_t i = 0; i < layout_.size; ++i) {
    a[i].g -= b[i].g;
    a[i].n -= b[i].n;
  }
}

Split TreeGrower::find_split(const GrowNode& node) const {
  const HistBin* h = slots_[static_cast<std::size_t>(node.hist)].data();
  const double l2 = o_.l2_regularization;
  const int n = node.count(), min_leaf = o_.min_samples_leaf;
  const double g = node.g, parent = g * g / (n + l2);
  Split best;
  auto consider = [&](int feature, int bin, bool missing_left, double gl, int nl) {
    const double gr = g - gl;
    const int nr = n - nl;
    const double gain = 0.5 * (gl * gl / (nl + l2) + gr * gr / (nr + l2) - parent);
    if (gain > best.gain) best = Split{feature, bin, missing_left, gain};
  };
  for (std::size_t j = 0; j < layout_.features.size(); ++j) {
    const int f = layout_.features[j];
    const int k = bins_.missing_bin(f);  // non-missing bins 0 .. k - 1
    const HistBin* hf = h + layout_.offset[j];
    const HistBin& missing = hf[k];
    // Missing values right. The last bin (all non-missing rows left) is a
    // split only when the node has missing rows, else nr = 0 ends the scan.
    double gl = 0;
    int nl = 0;
    for (int b = 0; b < k; ++b) {
      gl += hf[b].g;
      nl += static_cast<int>(hf[b].n);
      if (nl < min_leaf) continue;
      const int nr = n - nl;
      if (nr < min_leaf) break;
      consider(f, b, missing.n == 0 ? nl >= nr : false, gl, nl);
    }
    if (missing.n == 0) continue;
    gl = missing.g;
    nl = static_cast<int>(missing.n);
    for (int b = 0; b + 1 < k; ++b) {
      gl += hf[b].g;
      nl += static_cast<int>(hf[b].n);
      if (nl < min_leaf) continue;
      if (n - nl < min_leaf) break;
      consider(f, b, true, gl, nl);
    }
  }
  return best;
}

void TreeGrower::grow(const std::vector<int>& sample, const std::vector<double>& grad) {
  grad_ = &grad;
  rows_ = sample;
  nodes_.clear();
  open_.clear();
  free_.clear();
  for (std::size_t s = slots_.size(); s-- > 0;) free_.push_back(static_cast<int>(s));

  GrowNode root;
  root.end = static_cast<int>(rows_.size());
  for (int r : rows_) root.g += grad[static_cast<std::size_t>(r)];
  nodes_.push_back(root);
  int leaves = 1;
  if (splittable(nodes_[0], leaves)) {
    nodes_[0].hist = acquire();
    build(nodes_[0].hist, nodes_[0]);
    nodes_[0].split = find_split(nodes_[0]);
    if (nodes_[0].split.feature >= 0) open_.push_back(0);
  }
  while (!open_.empty() && leaves < o_.max_leaf_nodes) {
    // The open node of largest gain; ties to the lowest id.
    std::size_t pick = 0;
    for (std::size_t k = 1; k < open_.size(); ++k)
      if (nodes_[static_cast<std::size_t>(open_[k])].split.gain > nodes_[static_cast<std::size_t>(open_[pick])].split.gain)
        pick = k;
    const int id = open_[pick];
    open_.erase(open_.begin() + static_cast<std::ptrdiff_t>(pick));
    ++leaves;
    split_node(id, leaves);
  }
}

void TreeGrower::split_node(int id, int leaves) {
  const GrowNode parent = nodes_[static_cast<std::size_t>(id)];
  const Split& s = parent.split;
  const std::uint8_t* col = bins_.column(s.feature);
  const int missing = bins_.missing_bin(s.feature);
  const std::vector<double>& grad = *grad_;
  // Stable partition, so every node's rows stay ascending (cache-friendly
  // gathers, and a fixed summation order).
  scratch_.clear();
  int write = parent.begin;
  double gl = 0, gr = 0;
  for (int k = parent.begin; k < parent.end; ++k) {
    const int r = rows_[static_cast<std::size_t>(k)];
    const int c = col[r];
    if (c == missing ? s.missing_left : c <= s.bin) {
      rows_[static_cast<std::size_t>(write++)] = r;
      gl += grad[static_cast<std::size_t>(r)];
    } else {
      scratch_.push_back(r);
      gr += grad[static_cast<std::size_t>(r)];
    }
  }
  std::copy(scratch_.begin(), scratch_.end(), rows_.begin() + write);

  GrowNode left, right;
  left.begin = parent.begin;
  left.end = right.begin = write;
  right.end = parent.end;
  left.depth = right.depth = parent.depth + 1;
  left.g = gl;
  right.g = gr;
  const int left_id = static_cast<int>(nodes_.size()), right_id = left_id + 1;
  nodes_.push_back(left);
  nodes_.push_back(right);
  nodes_[static_cast<std::size_t>(id)].left = left_id;
  nodes_[static_cast<std::size_t>(id)].right = right_id;
  nodes_[static_cast<std::size_t>(id)].hist = -1;

  const int small = left.count() <= right.count() ? left_id : right_id;
  const int large = small == left_id ? right_id : left_id;
  const bool split_small = splittable(nodes_[static_cast<std::size_t>(small)], leaves);
  const bool split_large = splittable(nodes_[static_cast<std::size_t>(large)], leaves);
  if (!split_small && !split_large) {
    release(parent.hist);
    return;
  }
  // The smaller child is always built: even when only the larger one may be
  // split, parent minus smaller is cheaper than building the larger.
  const int small_slot = acquire();
  build(small_slot, nodes_[static_cast<std::size_t>(small)]);
  if (split_large) {
    subtract(parent.hist, small_slot);
    nodes_[static_cast<std::size_t>(large)].hist = parent.hist;
  } else {
    release(parent.hist);
  }
  if (split_small) nodes_[static_cast<std::size_t>(small)].hist = small_slot;
  else release(small_slot);

  for (const int child : {left_id, right_id}) {
    GrowNode& c = nodes_[static_cast<std::size_t>(child)];
    if (c.hist < 0) continue;
    c.split = find_split(c);
    if (c.split.feature >= 0) {
      open_.push_back(child);
    } else {
      release(c.hist);
      c.hist = -1;
    }
  }
}

Tree to_tree(const std::vector<GrowNode>& grown, const FeatureBins& bins, const BoostingOptions& o) {
  Tree t;
  t.nodes.resize(grown.size());
  for (std::size_t i = 0; i < grown.size(); ++i) {
    const GrowNode& g = grown[i];
    TreeNode& node = t.nodes[i];
    node.samples = g.count();
    node.value = -g.g / (g.count() + o.l2_regularization) * o.learning_rate;
    if (g.left < 0) continue;
    const std::vector<double>& edges = bins.edges[static_cast<std::size_t>(g.split.feature)];
    node.feature = g.split.feature;
    node.threshold = static_cast<std::size_t>(g.split.bin) < edges.size() ? edges[static_cast<std::size_t>(g.split.bin)]
                                                                          : std::numeric_limits<double>::infinity();
    node.missing_left = g.split.missing_left;
    node.left = g.left;
    node.right = g.right;
    node.gain = g.split.gain;
  }
  return t;
}

}  // namespace pp::learn::detail
