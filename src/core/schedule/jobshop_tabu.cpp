#include "core/schedule/jobshop_tabu.h"

#include "core/common/errors.h"
#include "core/schedule/jobshop_neighbourhood.h"
#include "core/schedule/jobshop_tabu_list.h"

#include <algorithm>
#include <limits>
#include <vector>

namespace pp::schedule {

namespace {

constexpr std::int64_t kExcluded = std::numeric_limits<std::int64_t>::max();

// Solutions a restart may start from: the best distinct (by makespan and a
// hash of the sequences) run-bests, sorted by makespan.
class ElitePool {
 public:
  explicit ElitePool(std::size_t capacity) : capacity_(capacity) {}

  void offer(const Sequencing& s) {
    const std::uint64_t h = fingerprint(s);
    for (const Entry& e : entries_)
      if (e.seq.makespan == s.makespan && e.hash == h) return;
    if (entries_.size() == capacity_) {
      if (entries_.back().seq.makespan <= s.makespan) return;
      entries_.pop_back();
    }
    auto pos = std::upper_bound(entries_.begin(), entries_.end(), s.makespan,
                                [](std::int64_t ms, const Entry& e) { return ms < e.seq.makespan; });
    entries_.insert(pos, Entry{s, h});
  }
  std::size_t size() const { return entries_.size(); }
  const Sequencing& at(std::size_t i) const { return entries_[i].seq; }

 private:
  struct Entry {
    Sequencing seq;
    std::uint64_t hash;
  };
  static std::uint64_t fingerprint(const Sequencing& s) {
    std::uint64_t h = 1469598103934665603ull;
    for (std::size_t i = 0; i < s.mnext.size(); ++i) {
      h = (h ^ static_cast<std::uint64_t>(s.mnext[i] + 1)) * 1099511628211ull;
      h = (h ^ static_cast<std::uint64_t>(s.machine[i])) * 1099511628211ull;
    }
    return h;
  }
  std::size_t capacity_;
  std::vector<Entry> entries_;
};

class TabuSearch {
 public:
  TabuSearch(Schedule& s, Rng& rng, const TabuConfig& config)
      : s_(s),
        pb_(s.problem()),
        rng_(rng),
        cfg_(config),
        nb_(pb_),
        tabu_(static_cast<std::uint64_t>(pb_.ops) + static_cast<std::uint64_t>(pb_.machines) + 1,
              static_cast<std::size_t>(64 + 4 * pb_.ops)),
        elite_(8) {
    const std::int32_t per_machine = pb_.machines > 0 ? pb_.jobs / pb_.machines : 0;
    tenure_ = 10 + per_machine;
    // A run ends after this many iterations without improving its own best.
    // Tuned on the public sets (abz/swv/yn, mk/Hurink): long runs pay off in
    // classic shops, whose plateaus are wide; flexible ones gain more from
    // frequent restarts (reassignments change the landscape quickly).
    const auto n = static_cast<std::int64_t>(pb_.ops);
    stagnation_ = pb_.flexible ? 2500 + 4 * n : 10000 + 10 * n;
    path_.reserve(static_cast<std::size_t>(pb_.ops));
    moves_.reserve(static_cast<std::size_t>(pb_.ops) * 4);
    jumped_.reserve(static_cast<std::size_t>(pb_.ops));
  }

  TabuResult run() {
    s_.save(best_);
    s_.save(run_best_);
    std::int64_t no_improve = 0;
    while (!should_stop()) {
      ++iter_;
      if (!step()) {
        restart();
        no_improve = 0;
        continue;
      }
      if (s_.makespan() < run_best_.makespan) {
        s_.save(run_best_);
        no_improve = 0;
        if (s_.makespan() < best_.makespan) s_.save(best_);
      } else if (++no_improve > stagnation_) {
        restart();
        no_improve = 0;
      }
    }
    return TabuResult{best_, iter_};
  }

 private:
  bool should_stop() {
    if (best_.makespan <= cfg_.lower_bound) return true;
    if (cfg_.max_iterations > 0 && iter_ >= cfg_.max_iterations) return true;
    if (cfg_.cancel != nullptr) cfg_.cancel->poll();
    if (cfg_.has_deadline && std::chrono::steady_clock::now() >= cfg_.deadline) return true;
    return false;
  }

  auto picker() {
    return [this](std::int32_t k) { return static_cast<std::int32_t>(rng_.below(static_cast<std::uint32_t>(k))); };
  }

  bool is_tabu(const Move& m) {
    if (m.kind == MoveKind::Reassign) return tabu_.is_tabu(m.op, pb_.ops + m.machine, iter_);
    nb_.jumped(s_, m, jumped_);
    for (std::int32_t x : jumped_) {
      const bool t = m.kind == MoveKind::Forward ? tabu_.is_tabu(x, m.op, iter_) : tabu_.is_tabu(m.op, x, iter_);
      if (t) return true;
    }
    return false;
  }

  // Index of the best admissible move (not tabu, or tabu but estimated
  // better than the best solution: aspiration); ties at random. If every
  // move is tabu, a random non-excluded one. -1 if all are excluded.
  std::int32_t choose() {
    std::int32_t chosen = -1, ties = 0, any = -1, any_count = 0;
    std::int64_t chosen_est = kExcluded;
    for (std::int32_t i = 0; i < static_cast<std::int32_t>(moves_.size()); ++i) {
      const Move& m = moves_[i];
      if (m.estimate == kExcluded) continue;
      if (rng_.below(static_cast<std::uint32_t>(++any_count)) == 0) any = i;
      if (m.estimate > chosen_est) continue;
      if (is_tabu(m) && m.estimate >= best_.makespan) continue;
      if (m.estimate < chosen_est) {
        chosen = i;
        chosen_est = m.estimate;
        ties = 1;
      } else if (rng_.below(static_cast<std::uint32_t>(++ties)) == 0) {
        chosen = i;
      }
    }
    return chosen >= 0 ? chosen : any;
  }

  void make_tabu(const Move& m, std::int32_t old_machine) {
    const std::int64_t until = iter_ + tenure_ + rng_.below(static_cast<std::uint32_t>(tenure_ / 2 + 1));
    if (m.kind == MoveKind::Reassign) {
      tabu_.forbid(m.op, pb_.ops + old_machine, until, iter_);
      return;
    }
    for (std::int32_t x : jumped_) {
      if (m.kind == MoveKind::Forward) tabu_.forbid(m.op, x, until, iter_);
      else tabu_.forbid(x, m.op, until, iter_);
    }
  }

  // Structural part of a move (no evaluation); returns what undo() needs.
  struct Undo {
    std::int32_t op, machine, prev;
  };
  Undo relocate(const Move& m) {
    const std::int32_t u = m.op;
    Undo undo{u, s_.machine()[u], s_.mprev()[u]};
    switch (m.kind) {
      case MoveKind::Forward: s_.relocate(u, undo.machine, m.target); break;
      case MoveKind::Backward: s_.relocate(u, undo.machine, s_.mprev()[m.target]); break;
      case MoveKind::Reassign: s_.relocate(u, m.machine, m.target); break;
    }
    return undo;
  }

  // Applies m and evaluates; on a cycle restores the previous solution and
  // returns false (the estimates' acyclicity tests are sufficient conditions
  // only for positive durations).
  bool apply(const Move& m) {
    const Undo u = relocate(m);
    if (s_.evaluate()) return true;
    s_.relocate(u.op, u.machine, u.prev);
    if (!s_.evaluate()) throw Error(ErrorKind::Internal, "job-shop tabu: undo left a cycle");
    return false;
  }

  // One tabu iteration; false when the critical path offers no move at all.
  bool step() {
    s_.critical_path(path_, picker());
    nb_.generate(s_, path_, pb_.flexible, moves_);
    while (true) {
      const std::int32_t i = choose();
      if (i < 0) return false;
      const Move m = moves_[i];
      nb_.jumped(s_, m, jumped_);
      const std::int32_t old_machine = s_.machine()[m.op];
      if (apply(m)) {
        make_tabu(m, old_machine);
        return true;
      }
      moves_[i].estimate = kExcluded;
    }
  }

  // Perturbation: a few random critical moves (tabu ignored).
  void perturb(std::int32_t count) {
    for (std::int32_t c = 0; c < count; ++c) {
      s_.critical_path(path_, picker());
      nb_.generate(s_, path_, pb_.flexible, moves_);
      if (moves_.empty()) return;
      apply(moves_[rng_.below(static_cast<std::uint32_t>(moves_.size()))]);
    }
  }

  void restart() {
    elite_.offer(run_best_);
    elite_.offer(best_);
    // Bias towards the best: the minimum of two uniform draws.
    const auto n = static_cast<std::uint32_t>(elite_.size());
    const std::uint32_t k = std::min(rng_.below(n), rng_.below(n));
    s_.load(elite_.at(k));
    if (!s_.evaluate()) throw Error(ErrorKind::Internal, "job-shop tabu: elite solution has a cycle");
    perturb(2 + static_cast<std::int32_t>(rng_.below(6)));
    tabu_.clear();
    s_.save(run_best_);
  }

  Schedule& s_;
  const JobShopProblem& pb_;
  Rng& rng_;
  const TabuConfig& cfg_;
  Neighbourhood nb_;
  TabuList tabu_;
  ElitePool elite_;
  std::int64_t tenure_ = 10;
  std::int64_t stagnation_ = 1000;
  std::int64_t iter_ = 0;
  Sequencing best_, run_best_;
  std::vector<std::int32_t> path_, jumped_;
  std::vector<Move> moves_;
};

}  // namespace

TabuResult tabu_search(Schedule& s, Rng& rng, const TabuConfig& config) {
  TabuSearch search(s, rng, config);
  return search.run();
}

}  // namespace pp::schedule
