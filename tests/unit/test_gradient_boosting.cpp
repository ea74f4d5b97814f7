// The lead-time learner (src/core/learn/gradient_boosting, feature_bins):
// bin edges against hand-computed ones; a single tree on a step function;
// a smooth signal among irrelevant features (against the noise floor and a
// ridge fit) with per-feature contributions; missing values as a signal;
// early stopping; growth limits; determinism; bad input; cancel; and the
// time of a lead-time-sized fit (printed, not asserted).
#include "core/common/cancel.h"
#include "core/common/errors.h"
#include "core/learn/feature_bins.h"
#include "core/learn/gradient_boosting.h"
#include "core/learn/ridge_regression.h"
#include "support/demand_series.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <vector>

namespace test_gradient_boosting {

namespace {

using pp::learn::BoostedModel;
using pp::learn::BoostingOptions;
using pp::learn::BoostingReport;
using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

const double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Data {
  Eigen::MatrixXd x;
  Eigen::VectorXd y, noise;
};

// y = sin(3 x0) + x1^2 + N(0, 0.1^2), x uniform on [-1, 1], features 2 ..
// p - 1 irrelevant.
Data smooth_data(int n, int p, std::uint64_t seed) {
  pp::test::XorShift r(seed);
  Data d{Eigen::MatrixXd(n, p), Eigen::VectorXd(n), Eigen::VectorXd(n)};
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < p; ++j) d.x(i, j) = r.between(-1, 1);
    d.noise[i] = 0.1 * r.normal();
    d.y[i] = std::sin(3 * d.x(i, 0)) + d.x(i, 1) * d.x(i, 1) + d.noise[i];
  }
  return d;
}

Eigen::VectorXd predict_all(const BoostedModel& m, const Eigen::MatrixXd& x) {
  const RowMajor rows = x;
  Eigen::VectorXd out(x.rows());
  for (Eigen::Index i = 0; i < x.rows(); ++i) out[i] = m.predict(rows.row(i).data());
  return out;
}

// Summed row by row in order, as the fit sums its reported losses.
double mse(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  double s = 0;
  for (Eigen::Index i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return s / static_cast<double>(a.size());
}

int depth_of(const pp::learn::Tree& t, int node = 0) {
  const auto& n = t.nodes[static_cast<std::size_t>(node)];
  return n.feature < 0 ? 0 : 1 + std::max(depth_of(t, n.left), depth_of(t, n.right));
}

}  // namespace

TEST(BoostingBins, EdgesMatchHandComputed) {
  using pp::learn::bin_edges;
  // Few distinct values: midpoints between neighbours.
  EXPECT_EQ(bin_edges({3, 1, 2, 2, 5}, 255), (std::vector<double>{1.5, 2.5, 4}));
  // More distinct values than bins: "midpoint" quantiles at 1/4, 2/4, 3/4 sit
  // at positions 2.25, 4.5, 6.75 of the sorted 1 .. 10.
  EXPECT_EQ(bin_edges({10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 4), (std::vector<double>{3.5, 5.5, 7.5}));
  // Quantiles at 1/3, 2/3 (positions 3 and 6) both fall on the value 1: one edge.
  EXPECT_EQ(bin_edges({1, 1, 1, 1, 1, 1, 1, 2, 3, 4}, 3), (std::vector<double>{1}));
  EXPECT_TRUE(bin_edges({7, 7, 7}, 255).empty());
  EXPECT_THROW(bin_edges({1, 2}, 256), pp::Error);

  Eigen::MatrixXd x(6, 2);
  x << 3, 7,  //
      1, 7,   //
      2, 7,   //
      2, 7,   //
      kNaN, 7, //
      5, 7;
  const pp::learn::FeatureBins b = pp::learn::bin_features(x);
  ASSERT_EQ(b.features(), 2);
  EXPECT_EQ(b.rows, 6);
  EXPECT_EQ(b.edges[0], (std::vector<double>{1.5, 2.5, 4}));
  EXPECT_TRUE(b.edges[1].empty());
  EXPECT_EQ(b.missing_bin(0), 4) << "missing values get the feature's last bin";
  EXPECT_EQ(b.missing_bin(1), 1);
  const std::vector<std::uint8_t> codes{2, 0, 1, 1, 4, 3, 0, 0, 0, 0, 0, 0};  // column-major
  EXPECT_EQ(b.codes, codes);
  EXPECT_EQ(pp::learn::bin_of(b.edges[0], 2.5), 1) << "an edge belongs to the bin below it";
  EXPECT_EQ(pp::learn::bin_of(b.edges[0], std::nextafter(2.5, 3.0)), 2);
  EXPECT_EQ(pp::learn::bin_of(b.edges[0], 1e300), 3);
  EXPECT_EQ(pp::learn::bin_of(b.edges[0], kNaN), 4);

  x(0, 1) = std::numeric_limits<double>::infinity();
  EXPECT_THROW(pp::learn::bin_features(x), pp::Error);
}

TEST(BoostingBins, ManyValuesGiveAtMostMaxBinsAndSamplingIsSeeded) {
  pp::test::XorShift r(11);
  Eigen::MatrixXd x(5000, 1);
  for (int i = 0; i < 5000; ++i) x(i, 0) = r.normal();
  const auto full = pp::learn::bin_features(x);
  EXPECT_EQ(full.edges[0].size(), 254u);
  EXPECT_TRUE(std::is_sorted(full.edges[0].begin(), full.edges[0].end()));
  for (int i = 0; i < 5000; ++i) EXPECT_LT(full.codes[static_cast<std::size_t>(i)], 255);
  // Roughly equal counts per bin: quantile edges.
  std::vector<int> count(256, 0);
  for (auto c : full.codes) ++count[c];
  EXPECT_LE(*std::max_element(count.begin(), count.begin() + 255), 2 * 5000 / 255 + 2);

  pp::learn::BinOptions o;
  o.sample_rows = 500;
  o.seed = 3;
  const auto a = pp::learn::bin_features(x, o), b = pp::learn::bin_features(x, o);
  EXPECT_EQ(a.edges, b.edges);
  EXPECT_EQ(a.codes, b.codes);
  EXPECT_NE(a.edges, full.edges) << "edges come from the 500-row sample";
  o.seed = 4;
  EXPECT_NE(pp::learn::bin_features(x, o).edges, a.edges);
}

TEST(BoostingTree, SingleTreeSplitsAStepExactly) {
  // 128 rows: the mean of y (a sum of integers / 128) and every gradient are
  // exact binary fractions, so the leaf values are exact.
  pp::test::XorShift r(3);
  const int n = 128;
  Eigen::MatrixXd x(n, 2);
  Eigen::VectorXd y(n);
  double below = -1, above = 2;  // the sample values either side of 0.3
  for (int i = 0; i < n; ++i) {
    x(i, 0) = r.uniform();
    x(i, 1) = r.uniform();  // irrelevant
    y[i] = x(i, 0) > 0.3 ? 5 : 1;
    if (x(i, 0) <= 0.3) below = std::max(below, x(i, 0));
    else above = std::min(above, x(i, 0));
  }
  BoostingOptions o;
  o.max_iterations = 1;
  o.learning_rate = 1;
  o.max_leaf_nodes = 2;
  const BoostedModel m = pp::learn::fit_boosting(x, y, nullptr, nullptr, o);
  ASSERT_EQ(m.trees.size(), 1u);
  const auto& nodes = m.trees[0].nodes;
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[0].feature, 0);
  EXPECT_GT(nodes[0].threshold, below);
  EXPECT_LT(nodes[0].threshold, above);
  EXPECT_EQ(nodes[0].threshold, (below + above) / 2) << "fewer than 255 values: edges are midpoints";
  EXPECT_EQ(nodes[0].samples, n);
  // A perfect split removes all of 1/2 sum (y - mean)^2.
  EXPECT_NEAR(nodes[0].gain, 0.5 * (y.array() - y.mean()).square().sum(), 1e-9);
  EXPECT_EQ(m.baseline + nodes[static_cast<std::size_t>(nodes[0].left)].value, 1.0);
  EXPECT_EQ(m.baseline + nodes[static_cast<std::size_t>(nodes[0].right)].value, 5.0);
  const RowMajor rows = x;
  for (int i = 0; i < n; ++i) EXPECT_EQ(m.predict(rows.row(i).data()), y[i]) << i;
}

TEST(BoostingFit, SmoothSignalBeatsRidgeAndContributionsAddUp) {
  const int p = 12;  // x0, x1 and 10 irrelevant features
  const Data train = smooth_data(4000, p, 1), valid = smooth_data(1000, p, 2), test = smooth_data(4000, p, 3);
  const double floor = test.noise.squaredNorm() / test.noise.size();
  EXPECT_NEAR(floor, 0.01, 0.001) << "the noise floor";

  BoostingOptions o;
  BoostingReport rep;
  const BoostedModel m = pp::learn::fit_boosting(train.x, train.y, &valid.x, &valid.y, o, &rep);
  const Eigen::VectorXd pred = predict_all(m, test.x);
  const double boost_mse = mse(pred, test.y);
  const auto ridge = pp::learn::select_ridge(train.x, train.y, valid.x, valid.y);
  Eigen::VectorXd ridge_pred(test.x.rows());
  const RowMajor rows = test.x;
  for (Eigen::Index i = 0; i < test.x.rows(); ++i) ridge_pred[i] = ridge.model.predict(rows.row(i).data());
  const double ridge_mse = mse(ridge_pred, test.y);
  std::printf("[ boosting ] %zu trees of %d; test MSE %.4f (noise floor %.4f), ridge %.4f\n", m.trees.size(),
              rep.iterations, boost_mse, floor, ridge_mse);
  EXPECT_LT(boost_mse, 0.05);
  EXPECT_LT(boost_mse, ridge_mse);
  EXPECT_GT(m.trees.size(), 50u);
  for (const auto& t : m.trees) {
    EXPECT_LE(std::count_if(t.nodes.begin(), t.nodes.end(), [](const auto& n) { return n.feature < 0; }), 31);
    for (const auto& n : t.nodes) {
      if (n.feature < 0) {
        EXPECT_GE(n.samples, o.min_samples_leaf);
      }
    }
  }

  // The training loss the fit reports is that of the model it returns: the
  // split on bin codes and the split on raw thresholds agree row for row.
  ASSERT_EQ(rep.train_loss.size(), static_cast<std::size_t>(rep.iterations));
  EXPECT_EQ(rep.train_loss[m.trees.size() - 1], mse(predict_all(m, train.x), train.y));

  std::vector<double> mean_abs(p + 1, 0.0), c(p + 1);
  double worst = 0;
  for (Eigen::Index i = 0; i < test.x.rows(); ++i) {
    m.contributions(rows.row(i).data(), c.data());
    double sum = 0;
    for (int j = 0; j <= p; ++j) {
      sum += c[static_cast<std::size_t>(j)];
      mean_abs[static_cast<std::size_t>(j)] += std::fabs(c[static_cast<std::size_t>(j)]) / static_cast<double>(test.x.rows());
    }
    worst = std::max(worst, std::fabs(sum - pred[i]));
  }
  EXPECT_LT(worst, 1e-9) << "contributions sum to the prediction";
  EXPECT_NEAR(c[p], m.baseline, 1e-9) << "the bias is the baseline (root values are ~0 without subsampling)";
  const double signal = std::min(mean_abs[0], mean_abs[1]);
  EXPECT_GT(signal, 0.2);
  for (int j = 2; j < p; ++j) {
    EXPECT_LT(mean_abs[static_cast<std::size_t>(j)], 0.05 * signal) << "irrelevant feature " << j;
    std::printf("[ boosting ] mean |contribution| feature %d: %.4f\n", j, mean_abs[static_cast<std::size_t>(j)]);
  }
  std::printf("[ boosting ] mean |contribution| x0 %.4f, x1 %.4f\n", mean_abs[0], mean_abs[1]);
}

TEST(BoostingFit, MissingValuesAreASignal) {
  pp::test::XorShift r(5);
  const int n = 2000, p = 4;
  Eigen::MatrixXd x(n, p);
  Eigen::VectorXd y(n);
  for (int i = 0; i < n; ++i) {
    const bool high = r.uniform() < 0.3;
    y[i] = (high ? 10 : 0) + 0.1 * r.normal();
    x(i, 0) = high ? kNaN : r.uniform();
    for (int j = 1; j < p; ++j) x(i, j) = r.uniform();
  }
  BoostingOptions o;
  o.max_iterations = 50;
  const BoostedModel m = pp::learn::fit_boosting(x, y, nullptr, nullptr, o);
  const double constant = (y.array() - y.mean()).square().mean();
  const double fitted = mse(predict_all(m, x), y);
  EXPECT_LT(fitted, 0.01 * constant) << "fitted " << fitted << ", constant " << constant;
  const auto& root = m.trees[0].nodes[0];
  EXPECT_EQ(root.feature, 0);
  EXPECT_TRUE(std::isinf(root.threshold)) << "all present values left";
  EXPECT_FALSE(root.missing_left);
  const double missing[p] = {kNaN, 0.5, 0.5, 0.5}, present[p] = {0.5, 0.5, 0.5, 0.5};
  EXPECT_NEAR(m.predict(missing), 10, 0.1);
  EXPECT_NEAR(m.predict(present), 0, 0.1);

  // Missing values with the low x: the perfect split sends them left.
  Eigen::MatrixXd u(n, 1);
  Eigen::VectorXd v(n);
  for (int i = 0; i < n; ++i) {
    const double a = std::floor(r.uniform() * 100) / 100;  // few values: 0.49 | 0.5 can be split exactly
    v[i] = a < 0.5 ? 0 : 4;
    u(i, 0) = a < 0.2 ? kNaN : a;
  }
  BoostingOptions stump;
  stump.max_iterations = 1;
  stump.learning_rate = 1;
  stump.max_leaf_nodes = 2;
  const BoostedModel low = pp::learn::fit_boosting(u, v, nullptr, nullptr, stump);
  const auto& left = low.trees[0].nodes[0];
  EXPECT_TRUE(left.missing_left);
  EXPECT_EQ(left.threshold, (0.49 + 0.5) / 2);
  EXPECT_NEAR(left.gain, 0.5 * (v.array() - v.mean()).square().sum(), 1e-9) << "a perfect split";

  // Without missing values in training, NaN follows the larger child.
  Eigen::MatrixXd z(n, 1);
  Eigen::VectorXd w(n);
  for (int i = 0; i < n; ++i) {
    z(i, 0) = static_cast<double>(i) / n;
    w[i] = z(i, 0) < 0.8 ? 0 : 1;
  }
  o.max_leaf_nodes = 2;
  o.max_iterations = 1;
  const BoostedModel one = pp::learn::fit_boosting(z, w, nullptr, nullptr, o);
  EXPECT_TRUE(one.trees[0].nodes[0].missing_left);
}

TEST(BoostingFit, EarlyStoppingKeepsTheBestValidationIteration) {
  // Little signal, few rows, a high learning rate: the validation loss soon
  // rises again.
  auto make = [](int n, std::uint64_t seed, Eigen::MatrixXd* x, Eigen::VectorXd* y) {
    pp::test::XorShift r(seed);
    x->resize(n, 5);
    y->resize(n);
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < 5; ++j) (*x)(i, j) = r.uniform();
      (*y)[i] = std::sin(3 * (*x)(i, 0)) + 0.5 * r.normal();
    }
  };
  Eigen::MatrixXd x, vx;
  Eigen::VectorXd y, vy;
  make(300, 1, &x, &y);
  make(1000, 2, &vx, &vy);
  BoostingOptions o;
  o.min_samples_leaf = 5;
  o.early_stopping_rounds = 10;
  BoostingReport rep;
  const BoostedModel m = pp::learn::fit_boosting(x, y, &vx, &vy, o, &rep);
  EXPECT_TRUE(rep.stopped_early);
  EXPECT_LT(rep.iterations, o.max_iterations);
  ASSERT_EQ(rep.validation_loss.size(), static_cast<std::size_t>(rep.iterations));
  ASSERT_EQ(rep.train_loss.size(), static_cast<std::size_t>(rep.iterations));
  const auto best = std::min_element(rep.validation_loss.begin(), rep.validation_loss.end()) - rep.validation_loss.begin();
  EXPECT_EQ(static_cast<std::size_t>(best) + 1, m.trees.size());
  EXPECT_LT(m.trees.size(), static_cast<std::size_t>(rep.iterations));
  EXPECT_GE(rep.iterations - static_cast<int>(best) - 1, o.early_stopping_rounds);
  EXPECT_NEAR(mse(predict_all(m, vx), vy), rep.validation_loss[static_cast<std::size_t>(best)], 1e-12);
  std::printf("[ boosting ] stopped after %d iterations, kept %zu\n", rep.iterations, m.trees.size());

  o.early_stopping_rounds = 0;
  o.max_iterations = 40;
  const BoostedModel all = pp::learn::fit_boosting(x, y, &vx, &vy, o, &rep);
  EXPECT_FALSE(rep.stopped_early);
  EXPECT_EQ(all.trees.size(), 40u) << "no truncation without early stopping";
  EXPECT_EQ(rep.validation_loss.size(), 40u);
}

TEST(BoostingFit, GrowthLimitsAndConstantFeatures) {
  Data d = smooth_data(2000, 4, 9);
  d.x.col(3).setConstant(2.5);
  BoostingOptions o;
  o.max_iterations = 30;
  o.max_depth = 2;
  o.min_samples_leaf = 50;
  const BoostedModel m = pp::learn::fit_boosting(d.x, d.y, nullptr, nullptr, o);
  ASSERT_EQ(m.trees.size(), 30u);
  for (const auto& t : m.trees) {
    EXPECT_LE(depth_of(t), 2);
    for (const auto& n : t.nodes) {
      EXPECT_NE(n.feature, 3) << "a constant feature is never split";
      if (n.feature < 0) {
        EXPECT_GE(n.samples, 50);
      } else {
        EXPECT_EQ(t.nodes[static_cast<std::size_t>(n.left)].samples + t.nodes[static_cast<std::size_t>(n.right)].samples,
                  n.samples);
      }
    }
  }
  // A constant target leaves nothing to split: no trees, the baseline only.
  const Eigen::VectorXd flat = Eigen::VectorXd::Constant(d.x.rows(), 3.25);
  BoostingReport rep;
  const BoostedModel none = pp::learn::fit_boosting(d.x, flat, nullptr, nullptr, o, &rep);
  EXPECT_TRUE(none.trees.empty());
  EXPECT_EQ(rep.iterations, 0);
  EXPECT_EQ(none.predict(d.x.row(0).eval().data()), 3.25);

  o.max_depth = 0;
  o.max_leaf_nodes = 5;
  o.min_samples_leaf = 1;
  for (const auto& t : pp::learn::fit_boosting(d.x, d.y, nullptr, nullptr, o).trees) {
    const auto leaves = std::count_if(t.nodes.begin(), t.nodes.end(), [](const auto& n) { return n.feature < 0; });
    EXPECT_EQ(leaves, 5);
  }
}

TEST(BoostingFit, SameSeedSameModelOtherSeedOtherModel) {
  const Data train = smooth_data(3000, 6, 4), test = smooth_data(500, 6, 5);
  BoostingOptions o;
  o.max_iterations = 50;
  o.subsample = 0.7;
  o.seed = 5;
  BoostingReport rep;
  const BoostedModel a = pp::learn::fit_boosting(train.x, train.y, nullptr, nullptr, o, &rep);
  const BoostedModel b = pp::learn::fit_boosting(train.x, train.y, nullptr, nullptr, o);
  const Eigen::VectorXd pa = predict_all(a, test.x), pb = predict_all(b, test.x);
  EXPECT_EQ(std::memcmp(pa.data(), pb.data(), sizeof(double) * static_cast<std::size_t>(pa.size())), 0);
  EXPECT_EQ(a.trees.front().nodes[0].samples, 2100) << "70% of the rows per tree";
  // Rows outside a tree's sample are scored on bin codes; the reported loss
  // still matches the returned model on raw values.
  EXPECT_EQ(rep.train_loss.back(), mse(predict_all(a, train.x), train.y));
  o.seed = 6;
  const Eigen::VectorXd pc = predict_all(pp::learn::fit_boosting(train.x, train.y, nullptr, nullptr, o), test.x);
  EXPECT_NE(std::memcmp(pa.data(), pc.data(), sizeof(double) * static_cast<std::size_t>(pa.size())), 0);
  EXPECT_LT(mse(pa, test.y), 0.05);

  // Subsampled trees have non-zero root values; the bias absorbs them.
  std::vector<double> c(7);
  const RowMajor rows = test.x;
  a.contributions(rows.row(0).data(), c.data());
  double sum = 0;
  for (double v : c) sum += v;
  EXPECT_NEAR(sum, pa[0], 1e-9);
}

TEST(BoostingFit, BadInputThrows) {
  const Data d = smooth_data(100, 3, 1);
  const BoostingOptions ok;
  auto kind_of = [](auto&& call) {
    try {
      call();
    } catch (const pp::Error& e) {
      return e.kind();
    }
    return pp::ErrorKind::Internal;
  };
  auto fit = [&](const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const BoostingOptions& o,
                 const Eigen::MatrixXd* vx = nullptr, const Eigen::VectorXd* vy = nullptr) {
    return kind_of([&] { pp::learn::fit_boosting(x, y, vx, vy, o); });
  };
  const auto invalid = pp::ErrorKind::InvalidParameter;
  EXPECT_EQ(fit(d.x, d.y.head(99), ok), invalid) << "size mismatch";
  EXPECT_EQ(fit(Eigen::MatrixXd(0, 3), Eigen::VectorXd(0), ok), invalid) << "no rows";
  Eigen::VectorXd bad_y = d.y;
  bad_y[7] = kNaN;
  EXPECT_EQ(fit(d.x, bad_y, ok), invalid) << "NaN target";
  bad_y[7] = std::numeric_limits<double>::infinity();
  EXPECT_EQ(fit(d.x, bad_y, ok), invalid) << "infinite target";
  Eigen::MatrixXd bad_x = d.x;
  bad_x(3, 1) = -std::numeric_limits<double>::infinity();
  EXPECT_EQ(fit(bad_x, d.y, ok), invalid) << "infinite feature";
  const Eigen::MatrixXd narrow = d.x.leftCols(2);
  EXPECT_EQ(fit(d.x, d.y, ok, &narrow, &d.y), invalid) << "validation width";
  EXPECT_EQ(fit(d.x, d.y, ok, &d.x, nullptr), invalid) << "validation features without targets";
  const Eigen::VectorXd short_y = d.y.head(50);
  EXPECT_EQ(fit(d.x, d.y, ok, &d.x, &short_y), invalid) << "validation targets";

  auto with = [&](auto change) {
    BoostingOptions o;
    change(o);
    return fit(d.x, d.y, o);
  };
  EXPECT_EQ(with([](BoostingOptions& o) { o.max_iterations = 0; }), invalid);
  EXPECT_EQ(with([](BoostingOptions& o) { o.learning_rate = 0; }), invalid);
  EXPECT_EQ(with([](BoostingOptions& o) { o.learning_rate = kNaN; }), invalid);
  EXPECT_EQ(with([](BoostingOptions& o) { o.max_leaf_nodes = 1; }), invalid);
  EXPECT_EQ(with([](BoostingOptions& o) { o.max_depth = -1; }), invalid);
  EXPECT_EQ(with([](BoostingOptions& o) { o.min_samples_leaf = 0; }), invalid);
  EXPECT_EQ(with([](BoostingOptions& o) { o.l2_regularization = -1; }), invalid);
  EXPECT_EQ(with([](BoostingOptions& o) { o.max_bins = 256; }), invalid);
  EXPECT_EQ(with([](BoostingOptions& o) { o.max_bins = 1; }), invalid);
  EXPECT_EQ(with([](BoostingOptions& o) { o.early_stopping_rounds = -1; }), invalid);
  EXPECT_EQ(with([](BoostingOptions& o) { o.tolerance = -1; }), invalid);
  EXPECT_EQ(with([](BoostingOptions& o) { o.subsample = 0; }), invalid);
  EXPECT_EQ(with([](BoostingOptions& o) { o.subsample = 1.5; }), invalid);
  EXPECT_EQ(with([](BoostingOptions&) {}), pp::ErrorKind::Internal) << "the defaults are valid (no throw)";

  const pp::CancelToken cancel([] { return true; });
  BoostingOptions o;
  o.cancel = &cancel;
  EXPECT_THROW(pp::learn::fit_boosting(d.x, d.y, nullptr, nullptr, o), pp::Cancelled);
}

TEST(BoostingSpeed, TwentyThousandRowsTwentyFiveFeaturesThreeHundredTrees) {
  // Lead-time-like: a few informative features of different shapes, some
  // missing values, the rest noise.
  pp::test::XorShift r(21);
  const int n = 20000, p = 25;
  Eigen::MatrixXd x(n, p);
  Eigen::VectorXd y(n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < p; ++j) x(i, j) = j % 5 == 4 ? std::floor(r.between(0, 12)) : r.normal();
    if (r.uniform() < 0.05) x(i, 2) = kNaN;
    y[i] = 0.8 * x(i, 0) + std::tanh(2 * x(i, 1)) + (std::isnan(x(i, 2)) ? 1.0 : 0.3 * x(i, 2)) + 0.1 * x(i, 4) +
           0.3 * r.normal();
  }
  BoostingOptions o;
  o.early_stopping_rounds = 0;
  const auto t0 = std::chrono::steady_clock::now();
  const BoostedModel m = pp::learn::fit_boosting(x, y, nullptr, nullptr, o);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("[ timing ] fit_boosting %d x %d, %zu trees of up to %d leaves: %.3f s\n", n, p, m.trees.size(),
              o.max_leaf_nodes, seconds);
  EXPECT_EQ(m.trees.size(), 300u);
}

}  // namespace test_gradient_boosting
