// The defect-risk model's learner (src/core/learn/logistic_regression): the
// coefficients scikit-learn's LogisticRegression finds on committed data
// sets (tests/unit/fixtures/learn, written by make_logistic_expected.py),
// to 1e-4; probabilities; separable data; bad input; cancel.
#include "core/common/errors.h"
#include "core/learn/logistic_regression.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace test_logistic {

namespace {

struct Case {
  std::string name;
  double c = 1;
  bool intercept = true;
  Eigen::MatrixXd x;
  Eigen::VectorXd y, coef;
  double b = 0;
};

std::vector<Case> read_cases() {
  std::ifstream in(std::string(PRODPLAN_SOURCE_DIR) + "/tests/unit/fixtures/learn/logistic_sklearn.txt");
  std::vector<Case> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream s(line);
    std::string word;
    s >> word;
    if (word != "case") continue;
    Case c;
    int fi, n, p;
    s >> c.name >> c.c >> fi >> n >> p;
    c.intercept = fi != 0;
    c.x.resize(n, p);
    c.y.resize(n);
    for (int i = 0; i < n; ++i) {
      std::getline(in, line);
      std::istringstream r(line);
      for (int j = 0; j < p; ++j) r >> c.x(i, j);
      r >> c.y[i];
    }
    std::getline(in, line);
    std::istringstream co(line);
    co >> word;
    c.coef.resize(p);
    for (int j = 0; j < p; ++j) co >> c.coef[j];
    std::getline(in, line);
    std::istringstream ic(line);
    ic >> word >> c.b;
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

TEST(LogisticRegression, MatchesScikitLearn) {
  const std::vector<Case> cases = read_cases();
  ASSERT_EQ(cases.size(), 4u) << "fixture missing or unreadable";
  for (const Case& c : cases) {
    pp::learn::LogisticOptions o;
    o.c = c.c;
    o.fit_intercept = c.intercept;
    const pp::learn::LogisticModel m = pp::learn::fit_logistic(c.x, c.y, o);
    EXPECT_TRUE(m.converged) << c.name;
    EXPECT_LT(m.iterations, 20) << c.name << ": Newton converges in a few steps";
    for (Eigen::Index j = 0; j < c.coef.size(); ++j) EXPECT_NEAR(m.coefficients[j], c.coef[j], 1e-4) << c.name << " coef " << j;
    EXPECT_NEAR(m.intercept, c.b, 1e-4) << c.name;
  }
}

TEST(LogisticRegression, ProbabilitiesAndSeparableData) {
  // Perfectly separable: without the penalty the coefficients would diverge.
  Eigen::MatrixXd x(6, 1);
  x << -3, -2, -1, 1, 2, 3;
  Eigen::VectorXd y(6);
  y << 0, 0, 0, 1, 1, 1;
  pp::learn::LogisticOptions o;
  const auto m = pp::learn::fit_logistic(x, y, o);
  EXPECT_TRUE(m.converged);
  EXPECT_TRUE(std::isfinite(m.coefficients[0]));
  EXPECT_GT(m.coefficients[0], 0.5);
  EXPECT_NEAR(m.intercept, 0, 1e-9) << "symmetric data";
  const Eigen::VectorXd p = m.predict(x);
  EXPECT_NEAR(p[0] + p[5], 1, 1e-12);
  EXPECT_LT(p[0], 0.2);
  EXPECT_GT(p[5], 0.8);
}

TEST(LogisticRegression, BadInputAndCancel) {
  Eigen::MatrixXd x(3, 1);
  x << 1, 2, 3;
  Eigen::VectorXd y(3);
  y << 0, 2, 1;
  pp::learn::LogisticOptions o;
  EXPECT_THROW(pp::learn::fit_logistic(x, y, o), pp::Error);
  y << 0, 1, 1;
  o.c = 0;
  EXPECT_THROW(pp::learn::fit_logistic(x, y, o), pp::Error);
  o.c = 1;
  EXPECT_THROW(pp::learn::fit_logistic(x, Eigen::VectorXd(2), o), pp::Error);
  const pp::CancelToken cancel([] { return true; });
  o.cancel = &cancel;
  EXPECT_THROW(pp::learn::fit_logistic(x, y, o), pp::Cancelled);
}

TEST(LogisticRegression, SparseRowsFitTheSameModelAsTheDenseMatrix) {
  // One-hot columns plus a numeric one, as the defect-risk design.
  std::uint64_t st = 7;
  auto uniform = [&] {
    st = st * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(st >> 11) / 9007199254740992.0;
  };
  const int n = 3000, p = 7;
  Eigen::MatrixXd x = Eigen::MatrixXd::Zero(n, p);
  Eigen::VectorXd y(n);
  pp::learn::SparseRows sx;
  sx.cols = p;
  for (int i = 0; i < n; ++i) {
    const int level = static_cast<int>(uniform() * 4);  // level 0 is the baseline
    if (level > 0) x(i, level - 1) = 1;
    if (uniform() < 0.5) x(i, 3) = 1;
    x(i, 4) = uniform() * 2 - 1;
    x(i, 5) = uniform() < 0.1 ? 1 : 0;
    const double z = -1 + 0.8 * x(i, 0) - 0.5 * x(i, 2) + 0.7 * x(i, 3) + 1.2 * x(i, 4);
    y[i] = uniform() < 1 / (1 + std::exp(-z)) ? 1 : 0;
    sx.add_row(x.row(i).eval().data());
  }
  EXPECT_LT(sx.index.size(), static_cast<std::size_t>(n * p / 2)) << "zeros are not stored";
  pp::learn::LogisticOptions o;
  o.c = 0.5;
  const auto dense = pp::learn::fit_logistic(x, y, o);
  const auto sparse = pp::learn::fit_logistic(sx, y, o);
  EXPECT_TRUE(sparse.converged);
  EXPECT_EQ(dense.iterations, sparse.iterations);
  for (int j = 0; j < p; ++j) EXPECT_NEAR(dense.coefficients[j], sparse.coefficients[j], 1e-9) << j;
  EXPECT_NEAR(dense.intercept, sparse.intercept, 1e-9);
  EXPECT_NEAR(sparse.coefficients[0], 0.8, 0.25);
  EXPECT_NEAR(sparse.coefficients[4], 1.2, 0.25);
}

}  // namespace test_logistic
