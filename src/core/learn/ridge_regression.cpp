#include "core/learn/ridge_regression.h"

#include "core/common/errors.h"

#include <cmath>
#include <string>

namespace pp::learn {

namespace {

// What every lambda's solve shares: the standardisation and the normal
// equations of the non-constant columns.
struct NormalEquations {
  Eigen::VectorXd center, scale;
  std::vector<Eigen::Index> active;  // non-constant columns
  Eigen::MatrixXd gram;              // Xs'Xs over the active columns
  Eigen::VectorXd xty;               // Xs'(y - mean(y))
  double y_mean = 0;
};

void check_finite(const Eigen::MatrixXd& x, const char* what) {
  for (Eigen::Index j = 0; j < x.cols(); ++j)
    for (Eigen::Index i = 0; i < x.rows(); ++i)
      if (!std::isfinite(x(i, j)))
        throw_invalid(std::string("ridge regression: ") + what + " has a missing or infinite value in row " +
                      std::to_string(i) + ", feature " + std::to_string(j));
}

void check_data(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const char* what) {
  if (x.rows() == 0) throw_invalid(std::string("ridge regression: the ") + what + " has no rows");
  if (y.size() != x.rows())
    throw_invalid(std::string("ridge regression: the ") + what + " has " + std::to_string(x.rows()) + " rows but " +
                  std::to_string(y.size()) + " targets");
  check_finite(x, what);
  for (Eigen::Index i = 0; i < y.size(); ++i)
    if (!std::isfinite(y[i])) throw_invalid(std::string("ridge regression: a target of the ") + what + " is not finite");
}

void check_lambda(double lambda) {
  if (!(lambda >= 0) || !std::isfinite(lambda)) throw_invalid("ridge regression: lambda must be a finite number >= 0");
}

NormalEquations normal_equations(const Eigen::MatrixXd& x, const Eigen::VectorXd& y) {
  const Eigen::Index n = x.rows(), p = x.cols();
  NormalEquations e;
  e.center = x.colwise().mean().transpose();
  e.scale = Eigen::VectorXd::Ones(p);
  for (Eigen::Index j = 0; j < p; ++j) {
    // Exactly constant (not "tiny SD"): its mean may differ from its value by
    // rounding, which standardising would blow up into a spurious column.
    if ((x.col(j).array() == x(0, j)).all()) {
      e.center[j] = x(0, j);
      continue;
    }
    e.scale[j] = std::sqrt((x.col(j).array() - e.center[j]).square().mean());
    e.active.push_back(j);
  }
  const Eigen::Index k = static_cast<Eigen::Index>(e.active.size());
  Eigen::MatrixXd xs(n, k);
  for (Eigen::Index a = 0; a < k; ++a) {
    const Eigen::Index j = e.active[static_cast<std::size_t>(a)];
    xs.col(a) = (x.col(j).array() - e.center[j]) / e.scale[j];
  }
  e.y_mean = y.mean();
  e.gram = Eigen::MatrixXd::Zero(k, k);
  e.xty = Eigen::VectorXd::Zero(k);
  // Every column constant (k = 0): nothing to fit. Eigen's product kernels
  // bind a reference to the data of an empty matrix, a null pointer
  // (UndefinedBehaviorSanitizer reports it), so they are not called then.
  if (k == 0) return e;
  e.gram.selfadjointView<Eigen::Lower>().rankUpdate(xs.transpose());
  e.gram.triangularView<Eigen::StrictlyUpper>() = e.gram.transpose();
  e.xty = xs.transpose() * (y.array() - e.y_mean).matrix();
  return e;
}

RidgeModel solve(const NormalEquations& e, double lambda) {
  const Eigen::Index p = e.center.size(), k = static_cast<Eigen::Index>(e.active.size());
  RidgeModel m;
  m.center = e.center;
  m.scale = e.scale;
  m.lambda = lambda;
  m.coefficients = Eigen::VectorXd::Zero(p);
  m.intercept = e.y_mean;
  if (k == 0) return m;
  Eigen::MatrixXd a = e.gram;
  a.diagonal().array() += lambda;
  const Eigen::VectorXd w = a.ldlt().solve(e.xty);
  for (Eigen::Index c = 0; c < k; ++c) {
    const Eigen::Index j = e.active[static_cast<std::size_t>(c)];
    m.coefficients[j] = w[c] / e.scale[j];
    m.intercept -= m.coefficients[j] * e.center[j];
  }
  return m;
}

}  // namespace

double RidgeModel::predict(const double* x) const {
  double s = intercept;
  for (Eigen::Index j = 0; j < coefficients.size(); ++j) s += coefficients[j] * x[j];
  return s;
}

RidgeModel fit_ridge(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, double lambda) {
  check_data(x, y, "training set");
  check_lambda(lambda);
  return solve(normal_equations(x, y), lambda);
}

RidgeSelection select_ridge(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const Eigen::MatrixXd& valid_x,
                            const Eigen::VectorXd& valid_y, const std::vector<double>& lambdas) {
  check_data(x, y, "training set");
  check_data(valid_x, valid_y, "validation set");
  if (valid_x.cols() != x.cols())
    throw_invalid("ridge regression: " + std::to_string(x.cols()) + " training features but " +
                  std::to_string(valid_x.cols()) + " validation features");
  RidgeSelection out;
  out.lambdas = lambdas;
  if (out.lambdas.empty())
    for (int k = 0; k <= 16; ++k)
      out.lambdas.push_back(static_cast<double>(x.rows()) * std::pow(10.0, -4.0 + 0.5 * k));
  for (double lambda : out.lambdas) check_lambda(lambda);

  const NormalEquations e = normal_equations(x, y);
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rows = valid_x;  // rows for predict()
  bool chosen = false;
  double best = 0;
  for (double lambda : out.lambdas) {
    RidgeModel m = solve(e, lambda);
    double sse = 0;
    for (Eigen::Index i = 0; i < rows.rows(); ++i) {
      const double r = m.predict(rows.row(i).data()) - valid_y[i];
      sse += r * r;
    }
    const double mse = sse / static_cast<double>(rows.rows());
    out.validation_mse.push_back(mse);
    if (!chosen || mse < best || (mse == best && lambda > out.model.lambda)) {
      chosen = true;
      best = mse;
      out.model = std::move(m);
    }
  }
  return out;
}

}  // namespace pp::learn
