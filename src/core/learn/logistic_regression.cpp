#include "core/learn/logistic_regression.h"

#include "core/common/errors.h"

#include <cmath>

namespace pp::learn {

namespace {

// log(1 + exp(z)), without overflow.
double softplus(double z) { return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z)); }

double sigmoid(double z) {
  if (z >= 0) return 1 / (1 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1 + e);
}

// The three products a Newton step needs, for a dense and a sparse design.
struct DenseDesign {
  const Eigen::MatrixXd& x;
  Eigen::Index rows() const { return x.rows(); }
  Eigen::Index cols() const { return x.cols(); }
  Eigen::VectorXd times(const Eigen::VectorXd& w) const { return x * w; }
  Eigen::VectorXd transpose_times(const Eigen::VectorXd& v) const { return x.transpose() * v; }
  // X' diag(weight) X
  Eigen::MatrixXd gram(const Eigen::VectorXd& weight) const { return x.transpose() * weight.asDiagonal() * x; }
};

struct SparseDesign {
  const SparseRows& x;
  Eigen::Index rows() const { return x.rows(); }
  Eigen::Index cols() const { return x.cols; }
  Eigen::VectorXd times(const Eigen::VectorXd& w) const {
    Eigen::VectorXd z(rows());
    for (Eigen::Index i = 0; i < rows(); ++i) {
      double s = 0;
      for (std::int64_t k = x.start[static_cast<std::size_t>(i)]; k < x.start[static_cast<std::size_t>(i) + 1]; ++k)
        s += x.value[static_cast<std::size_t>(k)] * w[x.index[static_cast<std::size_t>(k)]];
      z[i] = s;
    }
    return z;
  }
  Eigen::VectorXd transpose_times(const Eigen::VectorXd& v) const {
    Eigen::VectorXd g = Eigen::VectorXd::Zero(cols());
    for (Eigen::Index i = 0; i < rows(); ++i)
      for (std::int64_t k = x.start[static_cast<std::size_t>(i)]; k < x.start[static_cast<std::size_t>(i) + 1]; ++k)
        g[x.index[static_cast<std::size_t>(k)]] += x.value[static_cast<std::size_t>(k)] * v[i];
    return g;
  }
  Eigen::MatrixXd gram(const Eigen::VectorXd& weight) const {
    // The lower triangle, row by row, then mirrored.
    Eigen::MatrixXd h = Eigen::MatrixXd::Zero(cols(), cols());
    for (Eigen::Index i = 0; i < rows(); ++i) {
      const std::int64_t a0 = x.start[static_cast<std::size_t>(i)], a1 = x.start[static_cast<std::size_t>(i) + 1];
      for (std::int64_t a = a0; a < a1; ++a) {
        const double wa = weight[i] * x.value[static_cast<std::size_t>(a)];
        const int ia = x.index[static_cast<std::size_t>(a)];
        for (std::int64_t b = a0; b < a1; ++b) {
          const int ib = x.index[static_cast<std::size_t>(b)];
          if (ib <= ia) h(ia, ib) += wa * x.value[static_cast<std::size_t>(b)];
        }
      }
    }
    h.triangularView<Eigen::StrictlyUpper>() = h.transpose();
    return h;
  }
};

// The penalised negative log-likelihood of (w, b).
template <typename Design>
double objective(const Design& x, const Eigen::VectorXd& y, const Eigen::VectorXd& w, double b, double c) {
  const Eigen::VectorXd z = x.times(w).array() + b;
  double f = 0;
  for (Eigen::Index i = 0; i < z.size(); ++i) f += softplus(z[i]) - y[i] * z[i];
  return f + w.squaredNorm() / (2 * c);
}

template <typename Design>
LogisticModel fit(const Design& x, const Eigen::VectorXd& y, const LogisticOptions& o);

}  // namespace

void SparseRows::add_row(const double* dense) {
  for (Eigen::Index j = 0; j < cols; ++j)
    if (dense[j] != 0) {
      index.push_back(static_cast<int>(j));
      value.push_back(dense[j]);
    }
  start.push_back(static_cast<std::int64_t>(index.size()));
}

Eigen::VectorXd LogisticModel::predict(const Eigen::MatrixXd& x) const {
  Eigen::VectorXd z = (x * coefficients).array() + intercept;
  for (Eigen::Index i = 0; i < z.size(); ++i) z[i] = sigmoid(z[i]);
  return z;
}

LogisticModel fit_logistic(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const LogisticOptions& o) {
  return fit(DenseDesign{x}, y, o);
}

LogisticModel fit_logistic(const SparseRows& x, const Eigen::VectorXd& y, const LogisticOptions& o) {
  return fit(SparseDesign{x}, y, o);
}

namespace {

template <typename Design>
LogisticModel fit(const Design& x, const Eigen::VectorXd& y, const LogisticOptions& o) {
  const Eigen::Index n = x.rows(), p = x.cols();
  if (n == 0) throw_invalid("logistic regression needs at least one row");
  if (y.size() != n) throw_invalid("logistic regression: " + std::to_string(n) + " rows but " + std::to_string(y.size()) + " labels");
  if (!(o.c > 0)) throw_invalid("logistic regression: C must be above 0");
  for (Eigen::Index i = 0; i < n; ++i)
    if (y[i] != 0 && y[i] != 1) throw_invalid("logistic regression labels must be 0 or 1");

  // Parameters theta = (w, b); the intercept is the last one when fitted.
  const Eigen::Index k = p + (o.fit_intercept ? 1 : 0);
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(k);
  LogisticModel m;
  auto split = [&](const Eigen::VectorXd& t, Eigen::VectorXd* w, double* b) {
    *w = t.head(p);
    *b = o.fit_intercept ? t[p] : 0.0;
  };
  Eigen::VectorXd w;
  double b;
  split(theta, &w, &b);
  double f = objective(x, y, w, b, o.c);
  for (int it = 1; it <= o.max_iterations; ++it) {
    if (o.cancel) o.cancel->poll();
    const Eigen::VectorXd z = x.times(w).array() + b;
    Eigen::VectorXd prob(n), weight(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      prob[i] = sigmoid(z[i]);
      weight[i] = prob[i] * (1 - prob[i]);
    }
    const Eigen::VectorXd r = prob - y;
    Eigen::VectorXd g(k);
    g.head(p) = x.transpose_times(r) + w / o.c;
    Eigen::MatrixXd h(k, k);
    h.topLeftCorner(p, p) = x.gram(weight);
    h.topLeftCorner(p, p).diagonal().array() += 1 / o.c;
    if (o.fit_intercept) {
      g[p] = r.sum();
      const Eigen::VectorXd xw = x.transpose_times(weight);
      h.block(0, p, p, 1) = xw;
      h.block(p, 0, 1, p) = xw.transpose();
      h(p, p) = weight.sum() + 1e-12;  // never singular, even when every probability saturates
    }
    const Eigen::VectorXd step = h.ldlt().solve(g);
    // Newton step, halved while it would increase the objective.
    double scale = 1;
    Eigen::VectorXd next = theta - step;
    Eigen::VectorXd nw;
    double nb;
    split(next, &nw, &nb);
    double nf = objective(x, y, nw, nb, o.c);
    for (int half = 0; half < 30 && nf > f + 1e-12 * std::fabs(f); ++half) {
      scale /= 2;
      next = theta - scale * step;
      split(next, &nw, &nb);
      nf = objective(x, y, nw, nb, o.c);
    }
    theta = next;
    w = nw;
    b = nb;
    f = nf;
    m.iterations = it;
    if ((scale * step).cwiseAbs().maxCoeff() < o.tolerance) {
      m.converged = true;
      break;
    }
  }
  m.coefficients = w;
  m.intercept = b;
  m.objective = f;
  return m;
}

}  // namespace

}  // namespace pp::learn
