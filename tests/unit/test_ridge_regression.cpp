// The linear baseline of lead-time inference (src/core/learn/ridge_regression):
// ordinary least squares at lambda 0 (against Eigen's QR), a hand-computed
// one-feature fit, the choice of lambda on a validation set, bad input.
#include "core/common/errors.h"
#include "core/learn/ridge_regression.h"
#include "support/demand_series.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace test_ridge_regression {

namespace {

using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// y = x0 + 0.5 x1 + N(0, 1); columns 2 .. p - 1 are noise.
void regression_data(int n, int p, std::uint64_t seed, Eigen::MatrixXd* x, Eigen::VectorXd* y) {
  pp::test::XorShift r(seed);
  x->resize(n, p);
  y->resize(n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < p; ++j) (*x)(i, j) = r.normal();
    (*y)[i] = (*x)(i, 0) + 0.5 * (*x)(i, 1) + r.normal();
  }
}

double validation_mse(const pp::learn::RidgeModel& m, const Eigen::MatrixXd& x, const Eigen::VectorXd& y) {
  const RowMajor rows = x;
  double s = 0;
  for (Eigen::Index i = 0; i < x.rows(); ++i) s += std::pow(m.predict(rows.row(i).data()) - y[i], 2);
  return s / static_cast<double>(x.rows());
}

}  // namespace

TEST(RidgeFit, LambdaZeroIsOrdinaryLeastSquares) {
  pp::test::XorShift r(17);
  const int n = 200, p = 5;
  // Columns of very different units and offsets: the standardisation must
  // not change the least-squares solution.
  const double offset[p] = {100, -3, 0, 1e4, 0.5}, spread[p] = {10, 0.01, 1, 500, 2}, beta[p] = {0.3, -40, 2, 0.001, 1};
  Eigen::MatrixXd x(n, p);
  Eigen::VectorXd y(n);
  for (int i = 0; i < n; ++i) {
    y[i] = 7;
    for (int j = 0; j < p; ++j) {
      x(i, j) = offset[j] + spread[j] * r.normal();
      y[i] += beta[j] * x(i, j);
    }
    y[i] += r.normal();
  }
  Eigen::MatrixXd a(n, p + 1);
  a.col(0).setOnes();
  a.rightCols(p) = x;
  const Eigen::VectorXd ols = a.colPivHouseholderQr().solve(y);

  const auto exact = pp::learn::fit_ridge(x, y, 0);
  const auto tiny = pp::learn::fit_ridge(x, y, 1e-9);
  EXPECT_NEAR(exact.intercept, ols[0], 1e-9 * std::fabs(ols[0]) + 1e-9);
  EXPECT_NEAR(tiny.intercept, ols[0], 1e-6 * std::fabs(ols[0]) + 1e-6);
  for (int j = 0; j < p; ++j) {
    EXPECT_NEAR(exact.coefficients[j], ols[j + 1], 1e-9 * std::fabs(ols[j + 1])) << j;
    EXPECT_NEAR(tiny.coefficients[j], ols[j + 1], 1e-6 * std::fabs(ols[j + 1])) << j;
    EXPECT_NEAR(exact.center[j], offset[j], 4 * spread[j]) << j;
    EXPECT_GT(exact.scale[j], 0.5 * spread[j]) << j;
  }
  EXPECT_EQ(exact.lambda, 0);
  // A real penalty shrinks the standardised coefficients.
  const auto shrunk = pp::learn::fit_ridge(x, y, 1e4);
  EXPECT_LT(shrunk.coefficients.cwiseProduct(shrunk.scale).norm(), exact.coefficients.cwiseProduct(exact.scale).norm());
}

TEST(RidgeFit, OneFeatureByHand) {
  // x = 1 .. 5: mean 3, population SD sqrt(2), xs = (-2 -1 0 1 2) / sqrt(2),
  // sxx = 5. y = 2 4 5 4 5: mean 4, sxy = (4 + 2) / sqrt(2). With lambda = 1,
  // w = sxy / (sxx + 1) = 1 / sqrt(2): 0.5 per unit of x, intercept
  // 4 - 0.5 x 3 = 2.5. With lambda = 0 the least-squares slope 0.6, intercept
  // 2.2. The constant second column gets scale 1 and coefficient 0.
  Eigen::MatrixXd x(5, 2);
  x << 1, 4, 2, 4, 3, 4, 4, 4, 5, 4;
  Eigen::VectorXd y(5);
  y << 2, 4, 5, 4, 5;
  const auto m = pp::learn::fit_ridge(x, y, 1);
  EXPECT_NEAR(m.coefficients[0], 0.5, 1e-14);
  EXPECT_EQ(m.coefficients[1], 0);
  EXPECT_NEAR(m.intercept, 2.5, 1e-14);
  EXPECT_NEAR(m.center[0], 3, 1e-15);
  EXPECT_EQ(m.center[1], 4);
  EXPECT_NEAR(m.scale[0], std::sqrt(2.0), 1e-15);
  EXPECT_EQ(m.scale[1], 1);
  EXPECT_EQ(m.lambda, 1);
  const double row[2] = {10, 4};
  EXPECT_NEAR(m.predict(row), 7.5, 1e-13);

  const auto ols = pp::learn::fit_ridge(x, y, 0);
  EXPECT_NEAR(ols.coefficients[0], 0.6, 1e-14);
  EXPECT_NEAR(ols.intercept, 2.2, 1e-14);
}

TEST(RidgeSelect, NoiseFeaturesCallForALargerLambda) {
  Eigen::MatrixXd x, vx;
  Eigen::VectorXd y, vy;
  regression_data(60, 42, 1, &x, &y);
  regression_data(2000, 42, 2, &vx, &vy);
  const auto few = pp::learn::select_ridge(x.leftCols(2), y, vx.leftCols(2), vy);
  const auto many = pp::learn::select_ridge(x, y, vx, vy);
  ASSERT_EQ(few.lambdas.size(), 17u);
  ASSERT_EQ(few.validation_mse.size(), 17u);
  ASSERT_EQ(many.validation_mse.size(), 17u);
  EXPECT_NEAR(few.lambdas.front(), 60 * 1e-4, 1e-15);
  EXPECT_NEAR(few.lambdas[8], 60, 1e-12);
  EXPECT_NEAR(few.lambdas.back(), 60 * 1e4, 1e-8);
  std::printf("[ ridge ] chosen lambda: 2 features %g, 42 features %g\n", few.model.lambda, many.model.lambda);
  EXPECT_GT(many.model.lambda, few.model.lambda);

  // The chosen model is the fit of its lambda, with the least validation MSE.
  for (const auto* s : {&few, &many}) {
    const auto best = std::min_element(s->validation_mse.begin(), s->validation_mse.end());
    EXPECT_EQ(s->model.lambda, s->lambdas[static_cast<std::size_t>(best - s->validation_mse.begin())]);
  }
  const auto refit = pp::learn::fit_ridge(x, y, many.model.lambda);
  EXPECT_LT((refit.coefficients - many.model.coefficients).norm(), 1e-12);
  const auto chosen = std::find(many.lambdas.begin(), many.lambdas.end(), many.model.lambda) - many.lambdas.begin();
  EXPECT_NEAR(validation_mse(many.model, vx, vy), many.validation_mse[static_cast<std::size_t>(chosen)], 1e-12);
}

TEST(RidgeSelect, GivenLambdasKeepTheirOrderAndTiesGoToTheLarger) {
  Eigen::MatrixXd x, vx;
  Eigen::VectorXd y, vy;
  regression_data(100, 3, 3, &x, &y);
  regression_data(100, 3, 4, &vx, &vy);
  const std::vector<double> lambdas{10, 1, 100};
  const auto s = pp::learn::select_ridge(x, y, vx, vy, lambdas);
  EXPECT_EQ(s.lambdas, lambdas);
  ASSERT_EQ(s.validation_mse.size(), 3u);
  for (std::size_t k = 0; k < 3; ++k)
    EXPECT_NEAR(s.validation_mse[k], validation_mse(pp::learn::fit_ridge(x, y, lambdas[k]), vx, vy), 1e-12);
  // Constant features: every lambda gives the same model, so the same MSE.
  x.setConstant(1);
  const auto tie = pp::learn::select_ridge(x, y, vx, vy, lambdas);
  EXPECT_EQ(tie.validation_mse[0], tie.validation_mse[1]);
  EXPECT_EQ(tie.validation_mse[1], tie.validation_mse[2]);
  EXPECT_EQ(tie.model.lambda, 100);
  EXPECT_EQ(tie.model.intercept, y.mean());
}

TEST(RidgeFit, BadInputThrows) {
  Eigen::MatrixXd x, vx;
  Eigen::VectorXd y, vy;
  regression_data(20, 2, 5, &x, &y);
  regression_data(20, 2, 6, &vx, &vy);
  EXPECT_THROW(pp::learn::fit_ridge(x, y, -1), pp::Error);
  EXPECT_THROW(pp::learn::fit_ridge(x, y, std::numeric_limits<double>::infinity()), pp::Error);
  EXPECT_THROW(pp::learn::fit_ridge(x, y.head(19), 1), pp::Error);
  EXPECT_THROW(pp::learn::fit_ridge(Eigen::MatrixXd(0, 2), Eigen::VectorXd(0), 1), pp::Error);
  Eigen::MatrixXd nan_x = x;
  nan_x(3, 1) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(pp::learn::fit_ridge(nan_x, y, 1), pp::Error);
  Eigen::VectorXd nan_y = y;
  nan_y[0] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(pp::learn::fit_ridge(x, nan_y, 1), pp::Error);
  EXPECT_THROW(pp::learn::select_ridge(x, y, vx.leftCols(1), vy), pp::Error);
  EXPECT_THROW(pp::learn::select_ridge(x, y, nan_x, vy), pp::Error);
  EXPECT_THROW(pp::learn::select_ridge(x, y, vx, vy, {1, -1}), pp::Error);
  try {
    pp::learn::fit_ridge(nan_x, y, 1);
  } catch (const pp::Error& e) {
    EXPECT_EQ(e.kind(), pp::ErrorKind::InvalidParameter);
    EXPECT_NE(std::string(e.what()).find("row 3"), std::string::npos) << e.what();
  }
}

}  // namespace test_ridge_regression
