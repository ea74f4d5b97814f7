// Linear regression with an L2 penalty on standardised features: the linear
// baseline the lead-time model is compared with, and a fallback when there
// is too little history for trees. The fit minimises
//     sum_i (y_i - b - xs_i . w)^2 + lambda |w|^2
// where xs = (x - center) / scale standardises every column (mean and
// population standard deviation of the training rows), so lambda penalises
// all features alike whatever their units; the intercept b is not penalised.
// With centred columns b = mean(y) and w solves (Xs'Xs + lambda I) w =
// Xs'(y - mean(y)) (Eigen LDLT). A constant column has scale 1 and
// coefficient 0 and is left out of the system.
#pragma once
#include "core/common/core_only.h"

#include <Eigen/Dense>

#include <vector>

namespace pp::learn {

struct RidgeModel {
  Eigen::VectorXd coefficients;  // per original feature unit: target units per feature unit
  double intercept = 0;          // in original units: predict = intercept + coefficients . x
  Eigen::VectorXd center, scale; // the standardisation used; scale 1 for constant columns
  double lambda = 0;

  // x: one value per feature (coefficients.size()).
  double predict(const double* x) const;
};

// x: n x p without NaN or infinite values; y: n finite targets; lambda >= 0
// (0 is ordinary least squares, which needs Xs of full column rank). Throws
// pp::Error (InvalidParameter) for mismatched sizes, no rows, non-finite
// values or a negative lambda.
RidgeModel fit_ridge(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, double lambda);

struct RidgeSelection {
  RidgeModel model;                    // the fit of the chosen lambda
  std::vector<double> lambdas;         // tried, in the order given
  std::vector<double> validation_mse;  // one per lambda
};

// Fits every lambda on (x, y) and keeps the one of least mean squared error on
// (valid_x, valid_y); ties go to the larger lambda. lambdas empty: 17 values
// n x 10^-4, n x 10^-3.5, ..., n x 10^4 (n = training rows), as the penalty
// grows with the sum of squares it is weighed against. Throws as fit_ridge,
// and for a validation set of other width or no rows.
RidgeSelection select_ridge(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const Eigen::MatrixXd& valid_x,
                            const Eigen::VectorXd& valid_y, const std::vector<double>& lambdas = {});

}  // namespace pp::learn
