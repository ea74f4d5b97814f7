#!/usr/bin/python3
"""Lead-time peers for tests/bench/bench_leadtime.sh: scikit-learn's
HistGradientBoostingRegressor and Ridge on exactly the data set prodplan
trains on (prodplan.leadtime_dataset, exported as CSV: the same features,
the same temporal split), reporting the test MAE, MAPE and P90 coverage.

Two HistGradientBoosting set-ups: the library default (squared error on
hours, what a Python user would write first) and the like-for-like one
(log hours, P50/P90 from split-conformal offsets on the validation set, as
prodplan does). Ridge: mean-imputed, standardised, on log hours, alpha
chosen on the validation set, conformal offsets the same way.

Prints one line per peer: `peer <name> mae <h> mape <x> p90_coverage <x>
seconds <s>` (p90_coverage "nan" when the peer gives no P90).
"""
import csv
import math
import sys
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def load(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    head, rows = rows[0], rows[1:]
    meta = {"order_id", "product_id", "created_at", "split", "lead_hours"}
    cols = [i for i, c in enumerate(head) if c not in meta]
    split, label = head.index("split"), head.index("lead_hours")
    parts = {}
    for name in ("train", "validation", "test"):
        sel = [r for r in rows if r[split] == name]
        x = np.array([[float(r[i]) if r[i] != "" else np.nan for i in cols] for r in sel])
        y = np.array([float(r[label]) for r in sel])
        parts[name] = (x, y)
    return parts


def conformal(residuals, q):
    r = np.sort(residuals)
    k = min(len(r), max(1, math.ceil((len(r) + 1) * q)))
    return r[k - 1]


def report(name, y, p50, p90, seconds):
    mae = float(np.mean(np.abs(p50 - y)))
    mape = float(np.mean(np.abs(p50 - y) / y))
    cover = float(np.mean(y <= p90)) if p90 is not None else float("nan")
    print(f"peer {name} mae {mae:.3f} mape {mape:.4f} p90_coverage {cover:.4f} seconds {seconds:.2f}", flush=True)


def main():
    parts = load(sys.argv[1])
    (xt, yt), (xv, yv), (xs, ys) = parts["train"], parts["validation"], parts["test"]

    t0 = time.time()
    m = HistGradientBoostingRegressor(random_state=0).fit(xt, yt)
    report("hgb_default", ys, m.predict(xs), None, time.time() - t0)

    t0 = time.time()
    m = HistGradientBoostingRegressor(random_state=0).fit(xt, np.log(yt))
    r = np.log(yv) - m.predict(xv)
    f = m.predict(xs)
    report("hgb_log_conformal", ys, np.exp(f + conformal(r, 0.5)), np.exp(f + conformal(r, 0.9)), time.time() - t0)

    t0 = time.time()
    best = None
    for alpha in 10.0 ** np.arange(-3, 5):
        m = make_pipeline(SimpleImputer(), StandardScaler(), Ridge(alpha=alpha)).fit(xt, np.log(yt))
        mse = float(np.mean((np.log(yv) - m.predict(xv)) ** 2))
        if best is None or mse < best[0]:
            best = (mse, m)
    m = best[1]
    r = np.log(yv) - m.predict(xv)
    f = m.predict(xs)
    report("ridge_log_conformal", ys, np.exp(f + conformal(r, 0.5)), np.exp(f + conformal(r, 0.9)), time.time() - t0)


if __name__ == "__main__":
    main()
