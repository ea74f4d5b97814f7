#include "core/schedule/factory_search.h"

#include "core/schedule/factory_objective.h"
#include "core/schedule/factory_rules.h"

#include <algorithm>
#include <chrono>

namespace pp::factory {

namespace {

// SplitMix64 (Steele, Lea, Flood 2014): the search's only randomness.
class SplitMix {
 public:
  explicit SplitMix(std::uint64_t seed) : s_(seed ^ 0x6A09E667F3BCC909ull) {}
  std::uint64_t next() {
    std::uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t k) { return k <= 1 ? 0 : static_cast<std::size_t>(next() % k); }
  double unit() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }

 private:
  std::uint64_t s_;
};

constexpr std::int64_t kRestartAfter = 60;  // candidates without a new best before a perturbation

// The search state for one call: the current list and what the moves need to
// know about its decoded schedule.
class Search {
 public:
  Search(const CompiledFactory& f, Sgs& sgs, const FactoryOptions& o)
      : f_(f), sgs_(sgs), o_(o), rng_(o.seed), rank_(f.ops.size(), 0) {}

  SearchResult run(const FactorySchedule& start, const ObjectiveValues& start_value);

 private:
  void adopt_current(const FactorySchedule& s, const ObjectiveValues& v);
  const FactorySchedule& decode(const std::vector<std::int32_t>& list);
  void move(std::vector<std::int32_t>& list);
  void perturb(std::vector<std::int32_t>& list);
  // Moves the order's non-fixed operations `shift` places earlier (< 0: later).
  void shift_order(std::vector<std::int32_t>& list, std::int32_t order, std::ptrdiff_t shift);
  void swap_near(std::vector<std::int32_t>& list);
  bool join_family(std::vector<std::int32_t>& list);
  std::int32_t pick_late_order();
  std::int32_t pick_order_by(bool by_flow);
  std::ptrdiff_t random_shift(std::size_t n);

  const CompiledFactory& f_;
  Sgs& sgs_;
  const FactoryOptions& o_;
  SplitMix rng_;
  std::vector<std::int32_t> rank_;
  FactorySchedule cur_;
  double cur_value_ = 0;
  std::vector<Time> completion_, candidate_completion_;
  std::vector<std::int32_t> late_;        // late orders of the current schedule
  std::vector<double> late_cumulative_;   // cumulative weighted tardiness over late_
  std::vector<std::int32_t> with_setup_;  // non-fixed operations of the current schedule with a setup
};

void Search::adopt_current(const FactorySchedule& s, const ObjectiveValues& v) {
  cur_.ops = s.ops;
  cur_value_ = v.value;
  late_.clear();
  late_cumulative_.clear();
  double acc = 0;
  for (std::size_t o = 0; o + 1 < f_.order_first_op.size(); ++o)
    if (completion_[o] > f_.due[o]) {
      acc += f_.weight[o] * static_cast<double>(completion_[o] - f_.due[o]);
      late_.push_back(static_cast<std::int32_t>(o));
      late_cumulative_.push_back(acc);
    }
  with_setup_.clear();
  for (std::size_t i = 0; i < s.ops.size(); ++i)
    if (s.ops[i].setup > 0 && !f_.ops[i].fixed) with_setup_.push_back(static_cast<std::int32_t>(i));
}

const FactorySchedule& Search::decode(const std::vector<std::int32_t>& list) {
  for (std::size_t i = 0; i < list.size(); ++i) rank_[list[i]] = static_cast<std::int32_t>(i);
  return sgs_.run(RankKey(rank_), o_.cancel);
}

std::ptrdiff_t Search::random_shift(std::size_t n) {
  // Mostly short moves, sometimes long ones: windows of 1%, 5% and 25% of the list.
  static constexpr std::size_t kDiv[] = {100, 20, 4};
  const std::size_t window = std::max<std::size_t>(1, n / kDiv[rng_.below(3)]);
  return static_cast<std::ptrdiff_t>(1 + rng_.below(window));
}

void Search::shift_order(std::vector<std::int32_t>& list, std::int32_t order, std::ptrdiff_t shift) {
  const std::ptrdiff_t n = static_cast<std::ptrdiff_t>(list.size());
  // Routing order when moving earlier, reverse when moving later, so the
  // operations keep their relative order.
  const std::int32_t b = f_.order_first_op[order], e = f_.order_first_op[order + 1];
  for (std::int32_t k = 0; k < e - b; ++k) {
    const std::int32_t id = shift > 0 ? b + k : e - 1 - k;
    if (f_.ops[id].fixed) continue;
    const std::ptrdiff_t from = std::find(list.begin(), list.end(), id) - list.begin();
    const std::ptrdiff_t to = std::clamp<std::ptrdiff_t>(from - shift, 0, n - 1);
    if (to < from)
      std::rotate(list.begin() + to, list.begin() + from, list.begin() + from + 1);
    else if (to > from)
      std::rotate(list.begin() + from, list.begin() + from + 1, list.begin() + to + 1);
  }
}

void Search::swap_near(std::vector<std::int32_t>& list) {
  const std::size_t i = rng_.below(list.size());
  const std::size_t j = std::min(list.size() - 1, i + 1 + rng_.below(std::max<std::size_t>(2, list.size() / 50)));
  std::swap(list[i], list[j]);
}

bool Search::join_family(std::vector<std::int32_t>& list) {
  if (with_setup_.empty()) return false;
  const std::int32_t x = with_setup_[rng_.below(with_setup_.size())];
  const std::int32_t wc = cur_.ops[x].work_center, fam = f_.ops[x].family;
  // A few random probes for an operation of the same family on the same work
  // center; the moved operation then follows it in the list.
  for (int probe = 0; probe < 64; ++probe) {
    const std::int32_t y = list[rng_.below(list.size())];
    if (y == x || f_.ops[y].family != fam || cur_.ops[y].work_center != wc) continue;
    const auto from = std::find(list.begin(), list.end(), x);
    list.erase(from);
    const auto at = std::find(list.begin(), list.end(), y);
    list.insert(at + 1, x);
    return true;
  }
  return false;
}

std::int32_t Search::pick_late_order() {
  if (late_.empty()) return -1;
  const double r = rng_.unit() * late_cumulative_.back();
  const auto it = std::upper_bound(late_cumulative_.begin(), late_cumulative_.end(), r);
  return late_[std::min<std::size_t>(static_cast<std::size_t>(it - late_cumulative_.begin()), late_.size() - 1)];
}

std::int32_t Search::pick_order_by(bool by_flow) {
  // Tournament of 4: the order finishing last (or flowing longest) wins.
  const std::size_t orders = f_.order_first_op.size() - 1;
  std::int32_t best = -1;
  double best_score = 0;
  for (int t = 0; t < 4; ++t) {
    const std::int32_t o = static_cast<std::int32_t>(rng_.below(orders));
    if (f_.order_first_op[o] == f_.order_first_op[o + 1]) continue;
    const double score = static_cast<double>(completion_[o] - (by_flow ? f_.release[o] : 0));
    if (best < 0 || score > best_score) {
      best = o;
      best_score = score;
    }
  }
  return best;
}

void Search::move(std::vector<std::int32_t>& list) {
  const double r = rng_.unit();
  const std::int32_t random_order = static_cast<std::int32_t>(rng_.below(f_.order_first_op.size() - 1));
  std::int32_t order = -1;
  switch (o_.objective) {
    case Objective::WeightedTardiness:
    case Objective::WeightedSum:
      if (r < 0.6) order = pick_late_order();
      else if (r < 0.75) {  // make room: a random order that is not late moves later
        if (completion_[random_order] <= f_.due[random_order]) {
          shift_order(list, random_order, -random_shift(list.size()));
          return;
        }
      } else if (o_.objective == Objective::WeightedSum && r < 0.85 && join_family(list))
        return;
      break;
    case Objective::Makespan:
    case Objective::MeanFlowTime:
      if (r < 0.6) order = pick_order_by(o_.objective == Objective::MeanFlowTime);
      break;
    case Objective::Setups:
      if (r < 0.7 && join_family(list)) return;
      break;
  }
  if (order >= 0) {
    shift_order(list, order, random_shift(list.size()));
  } else if (rng_.unit() < 0.5) {
    shift_order(list, random_order, rng_.unit() < 0.5 ? random_shift(list.size()) : -random_shift(list.size()));
  } else {
    swap_near(list);
  }
}

void Search::perturb(std::vector<std::int32_t>& list) {
  const int k = 2 + static_cast<int>(rng_.below(4));
  for (int i = 0; i < k; ++i) {
    const std::int32_t o = static_cast<std::int32_t>(rng_.below(f_.order_first_op.size() - 1));
    shift_order(list, o, rng_.unit() < 0.5 ? random_shift(list.size()) : -random_shift(list.size()));
  }
}

SearchResult Search::run(const FactorySchedule& start, const ObjectiveValues& start_value) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  SearchResult result;
  result.best = start;
  result.value = start_value;
  std::vector<std::int32_t> cur_list = start.sequence, best_list = start.sequence, cand;
  if (cur_list.size() < 2 || f_.order_first_op.size() < 2) return result;
  if (o_.max_iterations <= 0 && o_.time_limit_ms <= 0) return result;  // no budget
  evaluate(f_, start, o_, &completion_);
  adopt_current(start, start_value);
  std::int64_t since_best = 0;
  const bool floor_zero = o_.objective == Objective::WeightedTardiness || o_.objective == Objective::Setups;
  while (true) {
    if (o_.max_iterations > 0 && result.iterations >= o_.max_iterations) break;
    if (o_.time_limit_ms > 0 &&
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count() >= o_.time_limit_ms)
      break;
    if (floor_zero && result.value.value <= 0) break;  // nothing can beat 0
    if (o_.cancel != nullptr) o_.cancel->poll();
    const bool restart = since_best >= kRestartAfter;
    cand = restart ? best_list : cur_list;
    if (restart) {
      perturb(cand);
      since_best = 0;
    } else {
      move(cand);
    }
    const FactorySchedule& s = decode(cand);
    ++result.iterations;
    const ObjectiveValues v = evaluate(f_, s, o_, &candidate_completion_);
    if (v.value < result.value.value) {
      result.value = v;
      result.best = s;
      result.improved = true;
      best_list = cand;
      since_best = 0;
    } else {
      ++since_best;
    }
    if (restart || v.value <= cur_value_) {
      cur_list.swap(cand);
      completion_.swap(candidate_completion_);
      adopt_current(s, v);
    }
  }
  return result;
}

}  // namespace

SearchResult improve_plan(const CompiledFactory& f, Sgs& sgs, const FactorySchedule& start,
                          const ObjectiveValues& start_value, const FactoryOptions& options) {
  Search search(f, sgs, options);
  return search.run(start, start_value);
}

}  // namespace pp::factory
