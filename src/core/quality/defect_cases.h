// The operations a defect-risk model learns from and scores, with only what
// is known before each one runs (its product and family, work center,
// weight, shift, rework flag and crew), and its outcome: whether a later
// evaluation blamed a defect on it. Names (orders, products, ...) are
// interned to dense ids so a plant's half a million operations are plain
// numbers. Times are Unix seconds.
#pragma once
#include "core/common/core_only.h"

#include "core/common/cancel.h"

#include <deque>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pp::quality {

// Names interned in first-seen order. A name's storage never moves (a
// deque), so views of it stay valid while more names are added.
class Names {
 public:
  int id(std::string_view name);
  int find(std::string_view name) const;  // -1 when absent
  const std::string& name(int id) const { return names_[static_cast<std::size_t>(id)]; }
  int size() const { return static_cast<int>(names_.size()); }

 private:
  std::deque<std::string> names_;
  std::unordered_map<std::string_view, int> ids_;
};

inline constexpr double kNoTime = std::numeric_limits<double>::quiet_NaN();

struct OpCase {
  int order = -1;           // CaseSet::orders
  int product = -1;         // CaseSet::products ("" when the order is unknown)
  int family = -1;          // CaseSet::families ("(unknown)" when the product is not in the master data)
  int work_center = -1;     // CaseSet::work_centers
  double weight_kg = kNoTime;  // NaN when unknown
  int shift = 0;            // the shift number; 0 when unknown
  bool rework = false;
  bool culprit = false;     // a defect is blamed on it
  double start = 0;         // when the work starts: started, else planned, else its event time
  double ended = kNoTime;   // NaN while open or not started
  double newest_hire = kNoTime;  // hire date of the crew's most recently hired member; NaN without a crew
  double label_time = kNoTime;   // set by label_cases: when the evaluation judging it ended; NaN: not judged

  // Years from the newest hire to the start: the experience of the crew's
  // least experienced member. NaN without a crew; a hire after the start
  // counts as 0.
  double crew_tenure_years() const;
};

struct CaseSet {
  Names orders, products, families, work_centers;
  std::vector<OpCase> cases;
  std::vector<char> evaluation;  // per work center id: its operations find defects

  void mark_evaluation(std::string_view work_center) {
    const int w = work_centers.id(work_center);
    if (static_cast<int>(evaluation.size()) <= w) evaluation.resize(static_cast<std::size_t>(w) + 1, 0);
    evaluation[static_cast<std::size_t>(w)] = 1;
  }
  bool is_evaluation(int work_center) const {
    return work_center >= 0 && work_center < static_cast<int>(evaluation.size()) && evaluation[static_cast<std::size_t>(work_center)];
  }
};

// Puts the cases in a canonical order (by start, then order and work center
// names, then the other fields), so training does not depend on the order
// the database returned the rows in: the same data gives the same model,
// bit for bit.
void sort_cases(CaseSet& set, const CancelToken& cancel);

// Sets every case's label_time. Within an order (operations by start, ties
// by position), an operation is judged by the first evaluation operation
// that starts after it: its outcome is known when that evaluation ends. An
// operation with no later evaluation, or whose next evaluation has not
// ended, is not judged yet (label_time NaN): it is what a model predicts.
// Evaluation operations are judged by the next evaluation like any other.
void label_cases(CaseSet& set, const CancelToken& cancel);

}  // namespace pp::quality
