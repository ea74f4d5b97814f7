#include "core/learn/gradient_boosting.h"

#include "core/common/errors.h"
#include "core/learn/feature_bins.h"
#include "core/learn/tree_grower.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace pp::learn {

namespace {

using detail::GrowNode;
using detail::Split;
using detail::TreeGrower;
using detail::to_tree;

// Binning looks at all rows up to this many (scikit-learn's subsample of
// 2e5 for _BinMapper), else at this many drawn with the seed.
constexpr std::int64_t kBinSampleRows = 200000;

// k of the rows 0 .. n - 1 without replacement, ascending (Knuth's
// selection sampling).
void draw_sample(int n, int k, std::uint64_t* state, std::vector<int>* out) {
  out->clear();
  for (int i = 0; i < n && static_cast<int>(out->size()) < k; ++i) {
    std::uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    const double u = static_cast<double>((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
    if (static_cast<double>(n - i) * u < static_cast<double>(k - static_cast<int>(out->size()))) out->push_back(i);
  }
}

void check_matrix(const Eigen::MatrixXd& x, const char* what) {
  for (Eigen::Index f = 0; f < x.cols(); ++f)
    for (Eigen::Index i = 0; i < x.rows(); ++i)
      if (std::isinf(x(i, f)))
        throw_invalid(std::string("gradient boosting: ") + what + " has an infinite value in row " + std::to_string(i) +
                          ", feature " + std::to_string(f),
                      "use NaN for a missing value");
}

void check_targets(const Eigen::VectorXd& y, const char* what) {
  for (Eigen::Index i = 0; i < y.size(); ++i)
    if (!std::isfinite(y[i]))
      throw_invalid(std::string("gradient boosting: ") + what + " " + std::to_string(i) + " is not finite");
}

void check_options(const BoostingOptions& o) {
  auto need = [](bool ok, const char* message) {
    if (!ok) throw_invalid(std::string("gradient boosting: ") + message);
  };
  need(o.max_iterations >= 1, "max_iterations must be at least 1");
  need(o.learning_rate > 0 && std::isfinite(o.learning_rate), "learning_rate must be a finite number above 0");
  need(o.max_leaf_nodes >= 2, "max_leaf_nodes must be at least 2");
  need(o.max_depth >= 0, "max_depth must be 0 (unlimited) or more");
  need(o.min_samples_leaf >= 1, "min_samples_leaf must be at least 1");
  need(o.l2_regularization >= 0 && std::isfinite(o.l2_regularization), "l2_regularization must be a finite number >= 0");
  need(o.max_bins >= 2 && o.max_bins <= 255, "max_bins must be between 2 and 255");
  need(o.early_stopping_rounds >= 0, "early_stopping_rounds must be 0 (never) or more");
  need(o.tolerance >= 0 && std::isfinite(o.tolerance), "tolerance must be a finite number >= 0");
  need(o.subsample > 0 && o.subsample <= 1, "subsample must be above 0 and at most 1");
}

double mean_squared_error(const std::vector<double>& pred, const double* y) {
  double s = 0;
  for (std::size_t i = 0; i < pred.size(); ++i) s += (pred[i] - y[i]) * (pred[i] - y[i]);
  return pred.empty() ? 0 : s / static_cast<double>(pred.size());
}

}  // namespace

int Tree::leaf(const double* x) const {
  int id = 0;
  for (;;) {
    const TreeNode& t = nodes[static_cast<std::size_t>(id)];
    if (t.feature < 0) return id;
    const double v = x[t.feature];
    id = (std::isnan(v) ? t.missing_left : v <= t.threshold) ? t.left : t.right;
  }
}

double BoostedModel::predict(const double* x) const {
  double s = baseline;
  for (const Tree& t : trees) s += t.nodes[static_cast<std::size_t>(t.leaf(x))].value;
  return s;
}

void BoostedModel::contributions(const double* x, double* out) const {
  std::fill(out, out + features + 1, 0.0);
  out[features] = baseline;
  for (const Tree& t : trees) {
    int id = 0;
    out[features] += t.nodes[0].value;
    for (;;) {
      const TreeNode& node = t.nodes[static_cast<std::size_t>(id)];
      if (node.feature < 0) break;
      const double v = x[node.feature];
      const int next = (std::isnan(v) ? node.missing_left : v <= node.threshold) ? node.left : node.right;
      out[node.feature] += t.nodes[static_cast<std::size_t>(next)].value - node.value;
      id = next;
    }
  }
}

BoostedModel fit_boosting(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const Eigen::MatrixXd* valid_x,
                          const Eigen::VectorXd* valid_y, const BoostingOptions& o, BoostingReport* report) {
  check_options(o);
  if (x.rows() == 0) throw_invalid("gradient boosting needs at least one training row");
  if (y.size() != x.rows())
    throw_invalid("gradient boosting: " + std::to_string(x.rows()) + " training rows but " + std::to_string(y.size()) +
                  " targets");
  if ((valid_x == nullptr) != (valid_y == nullptr))
    throw_invalid("gradient boosting: a validation set needs both its features and its targets");
  if (valid_x != nullptr) {
    if (valid_x->cols() != x.cols())
      throw_invalid("gradient boosting: " + std::to_string(x.cols()) + " training features but " +
                    std::to_string(valid_x->cols()) + " validation features");
    if (valid_y->size() != valid_x->rows())
      throw_invalid("gradient boosting: " + std::to_string(valid_x->rows()) + " validation rows but " +
                    std::to_string(valid_y->size()) + " validation targets");
    if (valid_x->rows() == 0) throw_invalid("gradient boosting: the validation set has no rows");
    check_matrix(*valid_x, "the validation set");
    check_targets(*valid_y, "validation target");
  }
  check_matrix(x, "the training set");
  check_targets(y, "training target");

  BinOptions bin_options;
  bin_options.max_bins = o.max_bins;
  bin_options.sample_rows = kBinSampleRows;
  bin_options.seed = o.seed;
  const FeatureBins bins = bin_features(x, bin_options);
  const int n = static_cast<int>(x.rows());

  BoostedModel model;
  model.features = static_cast<int>(x.cols());
  for (Eigen::Index i = 0; i < y.size(); ++i) model.baseline += y[i];
  model.baseline /= static_cast<double>(n);

  // Raw predictions, accumulated tree by tree exactly as predict() sums them.
  std::vector<double> raw(static_cast<std::size_t>(n), model.baseline), grad(static_cast<std::size_t>(n), 0.0);
  const Eigen::Index vn = valid_x != nullptr ? valid_x->rows() : 0;
  std::vector<double> vraw(static_cast<std::size_t>(vn), model.baseline);
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> vrows =
      valid_x != nullptr ? *valid_x : Eigen::MatrixXd();

  const bool bagging = o.subsample < 1;
  const int bag = std::clamp(static_cast<int>(std::llround(o.subsample * n)), 1, n);
  std::uint64_t rng = o.seed ^ 0xD1B54A32D192ED03ull;  // a stream apart from the binning sample's
  std::vector<int> sample;
  if (!bagging)
    for (int i = 0; i < n; ++i) sample.push_back(i);

  TreeGrower grower(bins, o);
  BoostingReport rep;
  double best_with_tolerance = std::numeric_limits<double>::infinity(), least = best_with_tolerance;
  int improved_at = 0, least_at = 0;
  for (int it = 1; it <= o.max_iterations; ++it) {
    if (o.cancel != nullptr) o.cancel->poll();
    if (bagging) draw_sample(n, bag, &rng, &sample);
    for (int r : sample) grad[static_cast<std::size_t>(r)] = raw[static_cast<std::size_t>(r)] - y[r];
    grower.grow(sample, grad);
    const std::vector<GrowNode>& grown = grower.nodes();
    if (grown.size() == 1) break;  // nothing left to split: later trees would not split either
    model.trees.push_back(to_tree(grown, bins, o));
    const Tree& tree = model.trees.back();

    if (!bagging) {
      const std::vector<int>& rows = grower.rows();
      for (std::size_t k = 0; k < grown.size(); ++k) {
        if (grown[k].left >= 0) continue;
        const double v = tree.nodes[k].value;
        for (int j = grown[k].begin; j < grown[k].end; ++j) raw[static_cast<std::size_t>(rows[static_cast<std::size_t>(j)])] += v;
      }
    } else {
      // Rows outside the sample too: walk the tree on the bin codes.
      for (int i = 0; i < n; ++i) {
        std::size_t id = 0;
        while (grown[id].left >= 0) {
          const Split& s = grown[id].split;
          const int c = bins.column(s.feature)[i];
          const bool left = c == bins.missing_bin(s.feature) ? s.missing_left : c <= s.bin;
          id = static_cast<std::size_t>(left ? grown[id].left : grown[id].right);
        }
        raw[static_cast<std::size_t>(i)] += tree.nodes[id].value;
      }
    }
    rep.iterations = it;
    rep.train_loss.push_back(mean_squared_error(raw, y.data()));
    if (valid_x == nullptr) continue;

    for (Eigen::Index i = 0; i < vn; ++i)
      vraw[static_cast<std::size_t>(i)] += tree.nodes[static_cast<std::size_t>(tree.leaf(vrows.row(i).data()))].value;
    const double loss = mean_squared_error(vraw, valid_y->data());
    rep.validation_loss.push_back(loss);
    if (loss < least) {
      least = loss;
      least_at = it;
    }
    if (loss < best_with_tolerance - o.tolerance) {
      best_with_tolerance = loss;
      improved_at = it;
    }
    if (o.early_stopping_rounds > 0 && it - improved_at >= o.early_stopping_rounds) {
      rep.stopped_early = true;
      break;
    }
  }
  // Stopping waits for an improvement of at least tolerance; the model keeps
  // the trees up to the least validation loss, however small its lead.
  if (valid_x != nullptr && o.early_stopping_rounds > 0 && least_at > 0)
    model.trees.resize(static_cast<std::size_t>(least_at));
  if (report != nullptr) *report = std::move(rep);
  return model;
}

}  // namespace pp::learn
