// A mergeable quantile sketch (DDSketch-style logarithmic buckets) for
// non-negative measures such as lead times and durations, in any unit: the
// unit of the values added is the unit of the quantiles returned. The one
// implementation behind prodplan.sketch_agg, sketch_merge, sketch_quantile
// and sketch_count (src/pg/sketch_functions.cpp).
//
// Accuracy: relative, alpha = 1%. With gamma = (1 + alpha) / (1 - alpha), a
// value x > 0 falls in bucket i = ceil(log(x) / log(gamma)), which holds
// (gamma^(i-1), gamma^i], and a bucket reports 2 gamma^i / (gamma + 1). That
// number is within alpha of every value of the bucket, so any quantile is
// within 1% of the true sample value of the same rank (plus rounding of the
// logarithm at the exact bucket edges, ~1e-15), for values inside the window
// below. The sketch never holds the values themselves, only counts.
//
// Values x <= 0 (and -inf) count as 0 in a separate zero count: the measures
// are non-negative, so a negative one is a data error clamped to 0. NaN is
// ignored. Bucket indexes are limited to [kMinBucket, kMaxBucket], values of
// about 9.4e-14 to 1.1e26: smaller positive values are counted in the first
// bucket, larger ones (and +inf) in the last, and lose the 1% guarantee.
//
// Merging is exact: bucket counts add, so a sketch merged from parts equals
// the sketch of all their values (same counts, same quantiles).
//
// Rank rule (SQL percentile_disc): quantile(q) is the value of 0-based rank
// max(ceil(q n), 1) - 1 among the n values sorted ascending, so q = 0 is the
// smallest, q = 1 the largest, and q = 0.5 of an even count the lower median.
//
// Encoded form (what SQL stores as int4[], format version 1), all int32:
//   [0] 1                 format version
//   [1] first             bucket index of the first count (0 when none)
//   [2] b                 number of bucket counts that follow (>= 0)
//   [3] zeros_hi          zero count = zeros_hi * 2^32 + (zeros_lo as unsigned
//   [4] zeros_lo            32 bits); zeros_hi >= 0
//   [5 .. 5+b) counts     of buckets first .. first + b - 1, each in [0, 2^31)
// encode() trims leading and trailing empty buckets, so the first and last
// counts are > 0; an empty sketch is [1, 0, 0, 0, 0]. A bucket count of 2^31
// or more cannot be encoded (encode throws). decode() accepts untrimmed input
// and trims it, and rejects anything else with a message saying what is wrong.
#pragma once
#include "core/common/core_only.h"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace pp::stats {

inline constexpr double kRelativeAccuracy = 0.01;  // alpha
inline constexpr double kGamma = (1.0 + kRelativeAccuracy) / (1.0 - kRelativeAccuracy);
inline constexpr int kMinBucket = -1500;  // gamma^-1500 ~ 9.4e-14
inline constexpr int kMaxBucket = 3000;   // gamma^3000  ~ 1.1e26
inline constexpr int kBucketCount = kMaxBucket - kMinBucket + 1;
inline constexpr std::int32_t kFormatVersion = 1;
inline constexpr std::size_t kHeaderLength = 5;  // version, first, b, zeros_hi, zeros_lo

// A sketch as plain data. Canonical form (what add, merge and decode leave):
// counts is empty or its first and last elements are > 0, and first is 0
// when counts is empty. Counts are numbers of values, never negative.
struct LogSketch {
  std::int32_t first = 0;            // bucket index of counts[0]
  std::int64_t zeros = 0;            // values <= 0
  std::vector<std::int64_t> counts;  // counts[k]: values in bucket first + k

  bool operator==(const LogSketch&) const = default;
};

// The bucket of x > 0 (+inf included), clamped to [kMinBucket, kMaxBucket].
// For x <= 0 or NaN, which belong to no bucket, it returns kMinBucket.
int bucket_of(double x) noexcept;

// The value a bucket reports: 2 gamma^i / (gamma + 1). i within the window.
double bucket_value(int i) noexcept;

// Where add() files x, for callers that keep the counts in memory of their
// own (the PostgreSQL aggregate state): kSkip for NaN, kZero for x <= 0,
// else bucket_of(x). Never throws, so it may run outside the error boundary.
inline constexpr int kSkip = std::numeric_limits<int>::min();
inline constexpr int kZero = kSkip + 1;
int slot_of(double x) noexcept;

// Counts x `times` times (times >= 0; 0 does nothing). Throws pp::Error
// (invalid parameter) for times < 0, (program limit) when a count would
// exceed 2^63 - 1.
void add(LogSketch& s, double x, std::int64_t times = 1);

// Adds other's counts to into. Throws pp::Error (program limit) on overflow,
// leaving into unchanged.
void merge(LogSketch& into, const LogSketch& other);

// Number of values counted (zeros included; NaN never counted). Throws
// pp::Error (program limit) when that is more than 2^63 - 1.
std::int64_t count(const LogSketch& s);

// The value of 0-based rank max(ceil(q n), 1) - 1 (see the rank rule above):
// 0 when that rank falls among the zeros, else its bucket's value. NaN when
// the sketch is empty. Throws pp::Error (invalid parameter) unless 0 <= q <= 1,
// and like count().
double quantile(const LogSketch& s, double q);

// The encoded form (see above). Throws pp::Error (program limit) when a
// bucket count is 2^31 or more.
std::vector<std::int32_t> encode(const LogSketch& s);

// Encodes a sketch whose counts live elsewhere: counts[k] (k < n) is bucket
// first + k, zero counts allowed anywhere (they are trimmed). Writes at most
// kHeaderLength + n elements to out and returns how many it wrote. Throws
// like encode(), and pp::Error (invalid parameter) for counts outside the
// window or negative. Allocates nothing.
std::size_t encode_into(std::int32_t first, std::int64_t zeros, const std::int64_t* counts, std::size_t n,
                        std::int32_t* out);

// A validated encoded sketch, pointing into the array it was parsed from
// (which must outlive it). Trimmed: n == 0, or counts[0] and counts[n-1] > 0.
struct EncodedView {
  std::int32_t first = 0;                // bucket index of counts[0] (0 when n == 0)
  std::int64_t zeros = 0;                // values <= 0
  const std::int32_t* counts = nullptr;  // counts[k]: values in bucket first + k
  std::size_t n = 0;
};

// Checks data[0 .. n) is a well-formed encoded sketch and returns its parts
// without copying. Throws pp::Error (invalid parameter) saying what is wrong:
// too short, unsupported version, bucket count not matching the length,
// negative counts, buckets outside the window, more than 2^63 - 1 values.
EncodedView parse_encoded(const std::int32_t* data, std::size_t n);

// parse_encoded() copied into a LogSketch (canonical form).
LogSketch decode(const std::int32_t* data, std::size_t n);

}  // namespace pp::stats
