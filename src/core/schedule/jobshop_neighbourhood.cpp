#include "core/schedule/jobshop_neighbourhood.h"

#include <algorithm>
#include <limits>

namespace pp::schedule {

Neighbourhood::Neighbourhood(const JobShopProblem& problem) : pb_(&problem) {
  seg_.resize(static_cast<std::size_t>(problem.ops) + 1);
  head_.resize(static_cast<std::size_t>(problem.ops) + 1);
}

std::int64_t Neighbourhood::estimate_segment(const Schedule& s, std::int32_t len, std::int32_t before,
                                             std::int32_t after) {
  const auto& h = s.head();
  const auto& t = s.tail();
  const auto& d = s.dur();
  std::int64_t prev_end = before >= 0 ? h[before] + d[before] : 0;
  for (std::int32_t i = 0; i < len; ++i) {
    const std::int32_t x = seg_[i];
    head_[i] = std::max(s.job_ready(x), prev_end);
    prev_end = head_[i] + d[x];
  }
  std::int64_t next_rest = after >= 0 ? t[after] + d[after] : 0;
  std::int64_t est = 0;
  for (std::int32_t i = len - 1; i >= 0; --i) {
    const std::int32_t x = seg_[i];
    const std::int64_t q = std::max(s.job_rest(x), next_rest);
    est = std::max(est, head_[i] + d[x] + q);
    next_rest = q + d[x];
  }
  return est;
}

// u right after v (u before v now). No cycle if no path from u's job
// successor to v, guaranteed when Q(v) >= Q(job_next u), Q = duration + tail
// (Balas and Vazacopoulos 1998, for positive durations; a zero-duration
// corner case is caught by the cycle check when the move is applied).
void Neighbourhood::add_forward(const Schedule& s, std::int32_t u, std::int32_t v, std::vector<Move>& moves) {
  const auto& t = s.tail();
  const auto& d = s.dur();
  const std::int32_t js = pb_->job_next[u];
  if (js >= 0 && t[v] + d[v] < t[js] + d[js]) return;
  std::int32_t len = 0;
  for (std::int32_t x = s.mnext()[u];; x = s.mnext()[x]) {
    seg_[len++] = x;
    if (x == v) break;
  }
  seg_[len++] = u;
  moves.push_back({MoveKind::Forward, u, v, s.machine()[u], estimate_segment(s, len, s.mprev()[u], s.mnext()[v])});
}

// v right before u (v after u now); symmetric condition on heads.
void Neighbourhood::add_backward(const Schedule& s, std::int32_t u, std::int32_t v, std::vector<Move>& moves) {
  const auto& h = s.head();
  const auto& d = s.dur();
  const std::int32_t jp = pb_->job_prev[v];
  if (jp >= 0 && h[u] + d[u] < h[jp] + d[jp]) return;
  std::int32_t len = 0;
  seg_[len++] = v;
  for (std::int32_t x = u; x != v; x = s.mnext()[x]) seg_[len++] = x;
  moves.push_back({MoveKind::Backward, v, u, s.machine()[u], estimate_segment(s, len, s.mprev()[u], s.mnext()[v])});
}

void Neighbourhood::block_moves(const Schedule& s, const std::int32_t* b, std::int32_t len,
                                std::vector<Move>& moves) {
  const std::int32_t k = len - 1;
  for (std::int32_t i = 1; i <= k; ++i) add_backward(s, b[0], b[i], moves);  // b[i] to the front
  if (k >= 2) {
    for (std::int32_t i = 0; i < k; ++i) add_forward(s, b[i], b[k], moves);  // b[i] to the back
    for (std::int32_t j = 1; j < k; ++j) {
      add_forward(s, b[0], b[j], moves);   // first op inside
      add_backward(s, b[j], b[k], moves);  // last op inside
    }
  }
}

// Reassignment of u to another machine m2, inserted between x_k and x_k+1
// of m2's sequence x_1..x_L. With u taken out of its machine, a cycle could
// only come from an operation placed before u that is reachable from u's
// job successor js, or one placed after u that reaches u's job predecessor
// jp. The current heads/tails are those of a supergraph of the graph without
// u, so: x reachable from js implies head[x] >= head[js], and x reaching jp
// implies Q(x) >= Q(jp) (Q = duration + tail). Hence the insertion is
// acyclic if head[x_i] < head[js] for i <= k and Q(x_i) < Q(jp) for i > k.
// Heads grow and Q shrinks along a machine sequence, so these positions form
// an interval, found in one walk. Among them the move takes the one with the
// shortest estimated path through u (Mastrolilli and Gambardella 2000); the
// path joining u's old machine neighbours is a lower part of the estimate.
void Neighbourhood::add_reassign(const Schedule& s, std::int32_t u, std::vector<Move>& moves) {
  const auto& h = s.head();
  const auto& t = s.tail();
  const auto& d = s.dur();
  const std::int32_t js = pb_->job_next[u], jp = pb_->job_prev[u];
  constexpr std::int64_t kInf = std::numeric_limits<std::int64_t>::max();
  const std::int64_t head_js = js >= 0 ? h[js] : kInf;
  const std::int64_t q_jp = jp >= 0 ? t[jp] + d[jp] : kInf;
  const std::int64_t ready = s.job_ready(u), rest = s.job_rest(u);
  // The old machine's neighbours become adjacent: their path survives.
  const std::int32_t mp = s.mprev()[u], ms = s.mnext()[u];
  const std::int64_t bridge = (mp >= 0 && ms >= 0) ? h[mp] + d[mp] + t[ms] + d[ms] : 0;
  const std::int32_t cur = s.machine()[u];
  for (std::int32_t a = pb_->alt_begin[u]; a < pb_->alt_begin[u + 1]; ++a) {
    const std::int32_t m2 = pb_->alt_machine[a];
    if (m2 == cur) continue;
    const std::int64_t dur = pb_->alt_duration[a];
    std::int64_t best = kInf;
    std::int32_t best_after = -2;
    // Walk positions: `prev` is x_k (-1 for k = 0), `x` is x_{k+1}.
    std::int32_t prev = -1;
    for (std::int32_t x = s.mfirst(m2);; x = s.mnext()[x]) {
      // Position between prev and x is valid if prev is allowed before u
      // (already ensured for all earlier ones) and x (and so all later) after u.
      const bool after_ok = x < 0 || t[x] + d[x] < q_jp;
      if (after_ok) {
        const std::int64_t start = std::max(ready, prev >= 0 ? h[prev] + d[prev] : 0);
        const std::int64_t tail = std::max(rest, x >= 0 ? t[x] + d[x] : 0);
        const std::int64_t est = std::max(start + dur + tail, bridge);
        if (est < best) {
          best = est;
          best_after = prev;
        }
      }
      if (x < 0) break;
      if (h[x] >= head_js) break;  // x may not precede u: no later position is valid
      prev = x;
    }
    if (best_after != -2) moves.push_back({MoveKind::Reassign, u, best_after, m2, best});
  }
}

void Neighbourhood::generate(const Schedule& s, const std::vector<std::int32_t>& path, bool reassign,
                             std::vector<Move>& moves) {
  moves.clear();
  const std::int32_t n = static_cast<std::int32_t>(path.size());
  std::int32_t i = 0;
  while (i < n) {
    std::int32_t j = i + 1;
    while (j < n && s.mnext()[path[j - 1]] == path[j]) ++j;
    if (j - i >= 2) block_moves(s, path.data() + i, j - i, moves);
    i = j;
  }
  if (reassign)
    for (std::int32_t u : path)
      if (pb_->alt_begin[u + 1] - pb_->alt_begin[u] > 1) add_reassign(s, u, moves);
}

void Neighbourhood::jumped(const Schedule& s, const Move& m, std::vector<std::int32_t>& out) const {
  out.clear();
  if (m.kind == MoveKind::Forward) {
    for (std::int32_t x = s.mnext()[m.op];; x = s.mnext()[x]) {
      out.push_back(x);
      if (x == m.target) break;
    }
  } else if (m.kind == MoveKind::Backward) {
    for (std::int32_t x = m.target; x != m.op; x = s.mnext()[x]) out.push_back(x);
  }
}

}  // namespace pp::schedule
