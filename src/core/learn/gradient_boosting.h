// Gradient-boosted regression trees for squared-error loss, grown the way
// scikit-learn's HistGradientBoostingRegressor grows them: features binned
// once into at most 255 quantile bins (feature_bins.h), split search on
// per-node gradient histograms, leaf-wise (best-first) growth up to
// max_leaf_nodes leaves, NaN as missing with a learnt direction per split.
//
// Model: prediction = baseline + sum over trees of the leaf value reached,
// baseline = mean(y). For squared loss 1/2 (pred - y)^2 the gradient of a row
// is pred - y and its hessian 1, so a node holding N rows with gradient sum G
// has the value -G / (N + l2) x learning_rate, and splitting a node (G, N)
// into (GL, NL) + (GR, NR) gains
//     1/2 [GL^2 / (NL + l2) + GR^2 / (NR + l2) - G^2 / (N + l2)]
// (XGBoost / LightGBM), the drop of the penalised objective at learning rate
// 1; units: squared target units. The leaf with the largest gain is split
// next; a split must leave min_samples_leaf rows on each side, and a feature
// with a single non-missing value and no missing values is never tried. At
// each split, missing values are tried on the left and on the right and the
// better is kept; a split whose node saw no missing value sends them to the
// child with more rows. The smaller child's histogram is built from its rows,
// the larger child's is the parent's minus it.
//
// Trees keep real-valued thresholds, so prediction needs only the raw feature
// values. Single-threaded and deterministic: the same inputs and options give
// bit-identical models.
#pragma once
#include "core/common/core_only.h"

#include "core/common/cancel.h"

#include <Eigen/Dense>

#include <cstdint>
#include <vector>

namespace pp::learn {

struct BoostingOptions {
  int max_iterations = 300;        // trees at most (>= 1)
  double learning_rate = 0.1;      // shrinkage of every node value (> 0)
  int max_leaf_nodes = 31;         // leaves per tree (>= 2)
  int max_depth = 0;               // edges from the root to a leaf; 0: unlimited
  int min_samples_leaf = 20;       // rows of the tree's sample in every leaf (>= 1)
  double l2_regularization = 0;    // added to the hessian sum of every node (>= 0)
  int max_bins = 255;              // bins for non-missing values per feature, 2 .. 255
  // Stop when the validation loss has not improved by tolerance for this many
  // iterations; 0: never. Needs a validation set; without one all iterations run.
  int early_stopping_rounds = 20;
  double tolerance = 1e-7;         // in squared target units (>= 0)
  double subsample = 1.0;          // row fraction per tree, drawn with the seed; 1: all rows
  std::uint64_t seed = 1;          // row subsamples (and the binning sample above 200,000 rows)
  const CancelToken* cancel = nullptr;  // polled once per tree
};

struct TreeNode {
  int feature = -1;          // -1: leaf
  double threshold = 0;      // go left when x <= threshold (+inf: only missing values go right)
  bool missing_left = false; // where NaN goes
  int left = -1, right = -1;
  // The node's output (learning rate applied), for internal nodes too: the
  // per-feature contributions need it.
  double value = 0;
  int samples = 0;           // rows of the tree's sample that reached the node
  double gain = 0;           // the split's gain (see above); 0 for a leaf
};

struct Tree {
  std::vector<TreeNode> nodes;  // node 0 is the root; children after their parent

  // Index of the leaf that x (one value per feature, NaN = missing) reaches.
  int leaf(const double* x) const;
};

struct BoostedModel {
  double baseline = 0;
  std::vector<Tree> trees;
  int features = 0;

  // x: one value per feature, NaN = missing.
  double predict(const double* x) const;
  // out: features + 1 entries. Per tree, walking the root-to-leaf path, the
  // change of node value at each split is credited to the split's feature
  // (Saabas path attribution); out[features] is the bias: the baseline plus
  // the trees' root values (each ~0 with subsample 1, as the residuals then
  // sum to ~0). The sum of out equals predict(x) up to rounding.
  void contributions(const double* x, double* out) const;
};

struct BoostingReport {
  int iterations = 0;           // trees grown, before any truncation
  bool stopped_early = false;   // the validation loss stopped improving
  // Mean squared error after each iteration (validation only with a
  // validation set); iterations entries each.
  std::vector<double> train_loss, validation_loss;
};

// x: n x p, NaN = missing (infinite values are rejected); y: n finite targets.
// valid_x / valid_y: an optional validation set (both or neither), p columns.
// With a validation set and early_stopping_rounds > 0 the model keeps the
// trees up to the iteration of least validation loss. Boosting also ends when
// a tree cannot split its root. Throws pp::Error (InvalidParameter) for
// mismatched sizes, no rows, non-finite targets, bad options; pp::Cancelled.
BoostedModel fit_boosting(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const Eigen::MatrixXd* valid_x,
                          const Eigen::VectorXd* valid_y, const BoostingOptions& options,
                          BoostingReport* report = nullptr);

}  // namespace pp::learn
