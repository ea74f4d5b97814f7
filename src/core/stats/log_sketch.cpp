// The log-bucket quantile sketch (log_sketch.h): bucketing, merging, ranks
// and the int4[] format.
#include "core/stats/log_sketch.h"

#include "core/common/errors.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

namespace pp::stats {

namespace {

const double kLogGamma = std::log(kGamma);
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kInt32Max = std::numeric_limits<std::int32_t>::max();

// Shortest text that reads back as x ("0.5", "1e+30", "nan").
std::string number_text(double x) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

[[noreturn]] void throw_limit(const std::string& message) { throw Error(ErrorKind::ProgramLimit, message); }

std::int64_t checked_add(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) throw_limit("log sketch: a count would exceed 2^63 - 1 values");
  return r;
}

// Leaves s canonical: no leading or trailing empty bucket, first 0 when none.
void trim(LogSketch& s) {
  std::size_t lo = 0, hi = s.counts.size();
  while (lo < hi && s.counts[lo] == 0) ++lo;
  while (hi > lo && s.counts[hi - 1] == 0) --hi;
  if (lo == hi) {
    s.counts.clear();
    s.first = 0;
    return;
  }
  s.counts.erase(s.counts.begin() + static_cast<std::ptrdiff_t>(hi), s.counts.end());
  s.counts.erase(s.counts.begin(), s.counts.begin() + static_cast<std::ptrdiff_t>(lo));
  s.first += static_cast<std::int32_t>(lo);
}

// Makes s.counts cover buckets lo..hi (within the window), keeping its counts.
// Builds the new vector aside, so a std::bad_alloc leaves s unchanged.
void cover(LogSketch& s, int lo, int hi) {
  if (!s.counts.empty()) {
    lo = std::min<int>(s.first, lo);
    hi = std::max<int>(s.first + static_cast<int>(s.counts.size()) - 1, hi);
    if (lo == s.first && hi == s.first + static_cast<int>(s.counts.size()) - 1) return;
  }
  std::vector<std::int64_t> counts(static_cast<std::size_t>(hi - lo + 1), 0);
  if (!s.counts.empty()) std::copy(s.counts.begin(), s.counts.end(), counts.begin() + (s.first - lo));
  s.counts.swap(counts);
  s.first = lo;
}

}  // namespace

int bucket_of(double x) noexcept {
  if (!(x > 0)) return kMinBucket;  // x <= 0 or NaN: no bucket
  if (std::isinf(x)) return kMaxBucket;
  const double i = std::ceil(std::log(x) / kLogGamma);
  if (i <= kMinBucket) return kMinBucket;
  if (i >= kMaxBucket) return kMaxBucket;
  return static_cast<int>(i);
}

double bucket_value(int i) noexcept { return 2.0 * std::exp(i * kLogGamma) / (kGamma + 1.0); }

int slot_of(double x) noexcept {
  if (std::isnan(x)) return kSkip;
  if (x <= 0) return kZero;
  return bucket_of(x);
}

void add(LogSketch& s, double x, std::int64_t times) {
  if (times < 0) throw_invalid("log sketch: a value cannot be added a negative number of times, got " + std::to_string(times));
  if (times == 0) return;
  const int slot = slot_of(x);
  if (slot == kSkip) return;
  if (slot == kZero) {
    s.zeros = checked_add(s.zeros, times);
    return;
  }
  // Check before growing, so a failure leaves s as it was.
  const bool inside = !s.counts.empty() && slot >= s.first && slot < s.first + static_cast<int>(s.counts.size());
  if (inside) {
    std::int64_t& c = s.counts[static_cast<std::size_t>(slot - s.first)];
    c = checked_add(c, times);
    return;
  }
  cover(s, slot, slot);
  s.counts[static_cast<std::size_t>(slot - s.first)] = times;
}

void merge(LogSketch& into, const LogSketch& other) {
  // Every sum is checked first, so an overflow leaves `into` unchanged.
  const std::int64_t zeros = checked_add(into.zeros, other.zeros);
  for (std::size_t k = 0; k < other.counts.size(); ++k) {
    const int i = other.first + static_cast<int>(k);
    if (!into.counts.empty() && i >= into.first && i < into.first + static_cast<int>(into.counts.size()))
      checked_add(into.counts[static_cast<std::size_t>(i - into.first)], other.counts[k]);
  }
  if (!other.counts.empty()) cover(into, other.first, other.first + static_cast<int>(other.counts.size()) - 1);
  into.zeros = zeros;
  for (std::size_t k = 0; k < other.counts.size(); ++k)
    into.counts[static_cast<std::size_t>(other.first - into.first) + k] += other.counts[k];
  trim(into);  // only matters when other was not canonical
}

std::int64_t count(const LogSketch& s) {
  std::int64_t n = s.zeros;
  for (std::int64_t c : s.counts) n = checked_add(n, c);
  return n;
}

double quantile(const LogSketch& s, double q) {
  if (!(q >= 0.0 && q <= 1.0)) throw_invalid("q must be between 0 and 1, got " + number_text(q));
  const std::int64_t n = count(s);
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  // percentile_disc: the first value whose cumulative fraction reaches q.
  const double r = std::ceil(q * static_cast<double>(n));  // 1-based, in double as PostgreSQL does
  const std::int64_t rank = r <= 1.0 ? 0 : r >= static_cast<double>(n) ? n - 1 : static_cast<std::int64_t>(r) - 1;
  if (rank < s.zeros) return 0.0;
  std::int64_t seen = s.zeros;
  for (std::size_t k = 0; k < s.counts.size(); ++k) {
    seen += s.counts[k];
    if (rank < seen) return bucket_value(s.first + static_cast<int>(k));
  }
  return bucket_value(s.first + static_cast<int>(s.counts.size()) - 1);  // unreachable: rank < n
}

std::size_t encode_into(std::int32_t first, std::int64_t zeros, const std::int64_t* counts, std::size_t n,
                        std::int32_t* out) {
  if (zeros < 0) throw_invalid("log sketch: the zero count is negative (" + std::to_string(zeros) + ")");
  std::size_t lo = 0, hi = n;
  while (lo < hi && counts[lo] == 0) ++lo;
  while (hi > lo && counts[hi - 1] == 0) --hi;
  const std::int64_t b = static_cast<std::int64_t>(hi - lo);
  const std::int64_t start = static_cast<std::int64_t>(first) + static_cast<std::int64_t>(lo);
  if (b > 0 && (start < kMinBucket || start + b - 1 > kMaxBucket))
    throw_invalid("log sketch: buckets " + std::to_string(start) + " to " + std::to_string(start + b - 1) +
                  " are outside the window " + std::to_string(kMinBucket) + " to " + std::to_string(kMaxBucket));
  for (std::size_t k = lo; k < hi; ++k) {
    const std::int64_t i = static_cast<std::int64_t>(first) + static_cast<std::int64_t>(k);
    if (counts[k] < 0)
      throw_invalid("log sketch: the count of bucket " + std::to_string(i) + " is negative (" +
                    std::to_string(counts[k]) + ")");
    if (counts[k] > kInt32Max)
      throw_limit("log sketch: bucket " + std::to_string(i) + " holds " + std::to_string(counts[k]) +
                  " values, more than the encoded form allows (2^31 - 1 per bucket)");
  }
  out[0] = kFormatVersion;
  out[1] = b > 0 ? static_cast<std::int32_t>(start) : 0;
  out[2] = static_cast<std::int32_t>(b);
  out[3] = static_cast<std::int32_t>(zeros >> 32);
  out[4] = static_cast<std::int32_t>(static_cast<std::uint32_t>(static_cast<std::uint64_t>(zeros) & 0xffffffffu));
  for (std::size_t k = lo; k < hi; ++k) out[kHeaderLength + (k - lo)] = static_cast<std::int32_t>(counts[k]);
  return kHeaderLength + static_cast<std::size_t>(b);
}

std::vector<std::int32_t> encode(const LogSketch& s) {
  std::vector<std::int32_t> out(kHeaderLength + s.counts.size());
  out.resize(encode_into(s.first, s.zeros, s.counts.data(), s.counts.size(), out.data()));
  return out;
}

EncodedView parse_encoded(const std::int32_t* data, std::size_t n) {
  if (n < kHeaderLength)
    throw_invalid("malformed sketch: truncated, it has " + std::to_string(n) +
                  " elements but needs at least 5 (format version, first bucket, bucket count, zero count high and "
                  "low words)");
  if (data[0] != kFormatVersion)
    throw_invalid("malformed sketch: unsupported format version " + std::to_string(data[0]) +
                  " (this version of prodplan reads version " + std::to_string(kFormatVersion) + ")");
  const std::int64_t b = data[2];
  if (b < 0) throw_invalid("malformed sketch: the bucket count is negative (" + std::to_string(b) + ")");
  const std::int64_t have = static_cast<std::int64_t>(n - kHeaderLength);
  if (have < b)
    throw_invalid("malformed sketch: truncated, the header announces " + std::to_string(b) + " bucket counts but " +
                  std::to_string(have) + " follow");
  if (have > b)
    throw_invalid("malformed sketch: " + std::to_string(have - b) + " elements after the " + std::to_string(b) +
                  " bucket counts the header announces");
  if (data[3] < 0)
    throw_invalid("malformed sketch: the zero count is negative (high word " + std::to_string(data[3]) + ")");
  EncodedView v;
  v.zeros = (static_cast<std::int64_t>(data[3]) << 32) | static_cast<std::int64_t>(static_cast<std::uint32_t>(data[4]));
  const std::int64_t first = data[1];
  if (b > 0 && (first < kMinBucket || first + b - 1 > kMaxBucket))
    throw_invalid("malformed sketch: buckets " + std::to_string(first) + " to " + std::to_string(first + b - 1) +
                  " are outside the window " + std::to_string(kMinBucket) + " to " + std::to_string(kMaxBucket));
  const std::int32_t* counts = data + kHeaderLength;
  std::int64_t total = v.zeros;
  for (std::int64_t k = 0; k < b; ++k) {
    if (counts[k] < 0)
      throw_invalid("malformed sketch: the count of bucket " + std::to_string(first + k) + " is negative (" +
                    std::to_string(counts[k]) + ")");
    if (__builtin_add_overflow(total, static_cast<std::int64_t>(counts[k]), &total))
      throw_invalid("malformed sketch: it holds more than 2^63 - 1 values");
  }
  std::size_t lo = 0, hi = static_cast<std::size_t>(b);
  while (lo < hi && counts[lo] == 0) ++lo;
  while (hi > lo && counts[hi - 1] == 0) --hi;
  if (lo < hi) {
    v.first = static_cast<std::int32_t>(first + static_cast<std::int64_t>(lo));
    v.counts = counts + lo;
    v.n = hi - lo;
  }
  return v;
}

LogSketch decode(const std::int32_t* data, std::size_t n) {
  const EncodedView v = parse_encoded(data, n);
  LogSketch s;
  s.first = v.first;
  s.zeros = v.zeros;
  s.counts.assign(v.counts, v.counts + v.n);
  return s;
}

}  // namespace pp::stats
