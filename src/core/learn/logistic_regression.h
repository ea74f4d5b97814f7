// L2-regularised logistic regression fitted by iteratively reweighted least
// squares (Newton's method on the penalised log-likelihood), with the same
// objective as scikit-learn's LogisticRegression(penalty="l2", C=c):
//     minimise  sum_i log(1 + exp(-s_i (x_i . w + b))) + |w|^2 / (2 c)
// with s_i = +-1 and the intercept b not penalised. Each Newton step solves
// (X' W X + I / c) d = gradient with an LDLT factorisation (Eigen); the
// objective is strictly convex, so the steps converge quadratically from
// zero; a step that would increase the objective is halved.
#pragma once
#include "core/common/core_only.h"

#include "core/common/cancel.h"

#include <Eigen/Dense>

#include <cstdint>
#include <vector>

namespace pp::learn {

struct LogisticOptions {
  double c = 1.0;             // inverse regularisation strength (> 0), as scikit-learn's C
  bool fit_intercept = true;
  int max_iterations = 100;
  double tolerance = 1e-10;   // stop when the largest step component is below it
  const CancelToken* cancel = nullptr;  // polled once per iteration
};

struct LogisticModel {
  Eigen::VectorXd coefficients;  // one per column of X
  double intercept = 0;
  int iterations = 0;
  bool converged = false;
  double objective = 0;          // the penalised negative log-likelihood at the solution

  // P(y = 1 | x) for each row of X.
  Eigen::VectorXd predict(const Eigen::MatrixXd& x) const;
};

// x: n rows of p features; y: n labels, 0 or 1. Throws pp::Error
// (InvalidParameter) for mismatched sizes, labels other than 0/1, c <= 0,
// or no rows.
LogisticModel fit_logistic(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const LogisticOptions& options);

// A design matrix stored by rows with only its non-zero entries: row i holds
// index[k], value[k] for k in [start[i], start[i + 1]). One-hot features
// make most entries zero; a Newton step then costs n x (non-zeros per
// row)^2 instead of n x p^2.
struct SparseRows {
  Eigen::Index cols = 0;
  std::vector<std::int64_t> start{0};  // rows() + 1 offsets
  std::vector<int> index;
  std::vector<double> value;

  Eigen::Index rows() const { return static_cast<Eigen::Index>(start.size()) - 1; }
  // Appends a row from a dense array of cols values (zeros dropped).
  void add_row(const double* dense);
};

// The same fit on a sparse design: the same Newton steps, so the same
// coefficients as the dense fit of the same matrix (up to rounding).
LogisticModel fit_logistic(const SparseRows& x, const Eigen::VectorXd& y, const LogisticOptions& options);

}  // namespace pp::learn
