// LogSketch (core/stats/log_sketch.h): 1% relative error against exact
// quantiles (percentile_disc ranks) on random data, exact merging, zeros and
// negatives, the empty sketch, the int4[] format and its malformed inputs.
#include "core/stats/log_sketch.h"

#include "core/common/errors.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace test_log_sketch {

namespace {

using pp::stats::LogSketch;
namespace st = pp::stats;

// alpha, plus room for the rounding of log() at the exact bucket edges.
constexpr double kTolerance = st::kRelativeAccuracy * (1.0 + 1e-9);
const std::vector<double> kQs = {0.0, 0.1, 0.5, 0.9, 0.99, 1.0};

// The rank rule, written independently of the sketch: SQL percentile_disc,
// the first sorted value whose cumulative fraction reaches q.
double exact_quantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  std::size_t k = static_cast<std::size_t>(std::ceil(q * static_cast<double>(n)));  // 1-based
  if (k < 1) k = 1;
  if (k > n) k = n;
  return values[k - 1];
}

void expect_close(double estimate, double exact, const std::string& what) {
  if (exact == 0.0) {
    EXPECT_EQ(estimate, 0.0) << what;
    return;
  }
  EXPECT_LE(std::fabs(estimate - exact), kTolerance * std::fabs(exact))
      << what << ": estimate " << estimate << ", exact " << exact;
}

LogSketch sketch_of(const std::vector<double>& values) {
  LogSketch s;
  for (double x : values) st::add(s, x);
  return s;
}

std::vector<double> draw(std::size_t n, std::uint64_t seed, const std::function<double(std::mt19937_64&)>& gen) {
  std::mt19937_64 rng(seed);
  std::vector<double> v(n);
  for (double& x : v) x = gen(rng);
  return v;
}

void expect_accurate(const std::vector<double>& values, const std::string& name) {
  const LogSketch s = sketch_of(values);
  EXPECT_EQ(st::count(s), static_cast<std::int64_t>(values.size())) << name;
  for (double q : kQs)
    expect_close(st::quantile(s, q), exact_quantile(values, q), name + " n=" + std::to_string(values.size()) +
                                                                    " q=" + std::to_string(q));
}

// Runs f, expecting a pp::Error of `kind` whose message contains `part`.
template <typename F>
void expect_error(F&& f, pp::ErrorKind kind, const std::string& part) {
  try {
    f();
    ADD_FAILURE() << "no exception, expected one saying \"" << part << "\"";
  } catch (const pp::Error& e) {
    EXPECT_EQ(static_cast<int>(e.kind()), static_cast<int>(kind)) << e.what();
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos)
        << "message \"" << e.what() << "\" does not say \"" << part << "\"";
  }
}

void expect_malformed(const std::vector<std::int32_t>& data, const std::string& part) {
  expect_error([&] { st::decode(data.data(), data.size()); }, pp::ErrorKind::InvalidParameter, part);
}

TEST(LogSketch, BucketsHoldPowersOfGammaAndReportWithinOnePercent) {
  EXPECT_NEAR(st::kGamma, 1.01 / 0.99, 1e-15);
  EXPECT_EQ(st::bucket_of(1.0), 0);
  EXPECT_EQ(st::bucket_of(1.0001), 1);
  EXPECT_EQ(st::bucket_of(0.9999), 0);
  EXPECT_EQ(st::bucket_of(st::kGamma * 1.0001), 2);
  EXPECT_EQ(st::bucket_of(1.0 / (st::kGamma * 1.0001)), -1);
  // Bucket i holds (gamma^(i-1), gamma^i] and reports 2 gamma^i / (gamma + 1).
  for (int i : {-1500, -700, -1, 0, 1, 2, 50, 1234, 3000}) {
    const double upper = std::pow(st::kGamma, i);
    EXPECT_NEAR(st::bucket_value(i), 2 * upper / (st::kGamma + 1), 1e-12 * upper) << i;
    EXPECT_NEAR(st::bucket_value(i) / upper, 1.0 - st::kRelativeAccuracy, 1e-9) << i;
    EXPECT_NEAR(st::bucket_value(i) / (upper / st::kGamma), 1.0 + st::kRelativeAccuracy, 1e-9) << i;
  }
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> exponent(-12.0, 25.0);
  for (int k = 0; k < 100000; ++k) {
    const double x = std::pow(10.0, exponent(rng));
    const double v = st::bucket_value(st::bucket_of(x));
    ASSERT_LE(std::fabs(v - x), kTolerance * x) << x;
  }
}

TEST(LogSketch, ValuesOutsideTheWindowAreClampedToTheEndBuckets) {
  EXPECT_LT(st::bucket_value(st::kMinBucket), 1e-13);
  EXPECT_GT(st::bucket_value(st::kMaxBucket), 1e26);
  EXPECT_EQ(st::bucket_of(1e-300), st::kMinBucket);
  EXPECT_EQ(st::bucket_of(std::numeric_limits<double>::denorm_min()), st::kMinBucket);
  EXPECT_EQ(st::bucket_of(1e300), st::kMaxBucket);
  EXPECT_EQ(st::bucket_of(std::numeric_limits<double>::infinity()), st::kMaxBucket);
  const LogSketch s = sketch_of({1e-300, 1.0, 1e300, std::numeric_limits<double>::infinity()});
  EXPECT_EQ(s.first, st::kMinBucket);
  EXPECT_EQ(s.counts.size(), static_cast<std::size_t>(st::kBucketCount));
  EXPECT_EQ(s.counts.back(), 2);
  EXPECT_EQ(st::quantile(s, 0), st::bucket_value(st::kMinBucket));
  EXPECT_EQ(st::quantile(s, 1), st::bucket_value(st::kMaxBucket));
}

TEST(LogSketch, SlotOfFilesNanZerosAndBuckets) {
  EXPECT_EQ(st::slot_of(std::nan("")), st::kSkip);
  EXPECT_EQ(st::slot_of(0.0), st::kZero);
  EXPECT_EQ(st::slot_of(-0.0), st::kZero);
  EXPECT_EQ(st::slot_of(-3.5), st::kZero);
  EXPECT_EQ(st::slot_of(-std::numeric_limits<double>::infinity()), st::kZero);
  EXPECT_EQ(st::slot_of(1.0), 0);
  EXPECT_EQ(st::slot_of(250.0), st::bucket_of(250.0));
}

TEST(LogSketch, LognormalWithinOnePercent) {
  for (std::size_t n : {1u, 2u, 3u, 10u, 101u, 1000u, 50000u}) {
    std::lognormal_distribution<double> d(3.0, 2.0);
    expect_accurate(draw(n, 11 + n, [&](std::mt19937_64& r) { return d(r); }), "lognormal");
  }
}

TEST(LogSketch, UniformWithinOnePercent) {
  for (std::size_t n : {1u, 2u, 7u, 100u, 1000u, 50000u}) {
    std::uniform_real_distribution<double> d(0.5, 480.0);
    expect_accurate(draw(n, 23 + n, [&](std::mt19937_64& r) { return d(r); }), "uniform");
  }
}

TEST(LogSketch, ExponentialWithinOnePercent) {
  for (std::size_t n : {1u, 4u, 99u, 1000u, 50000u}) {
    std::exponential_distribution<double> d(1.0 / 90.0);
    expect_accurate(draw(n, 37 + n, [&](std::mt19937_64& r) { return d(r); }), "exponential");
  }
}

TEST(LogSketch, ManyTiesAndWideRangesWithinOnePercent) {
  // Integer minutes (many values share a bucket) and values over 20 decades.
  std::uniform_int_distribution<int> minutes(1, 30);
  expect_accurate(draw(5000, 41, [&](std::mt19937_64& r) { return static_cast<double>(minutes(r)); }), "ties");
  std::uniform_real_distribution<double> exponent(-9.0, 12.0);
  expect_accurate(draw(5000, 43, [&](std::mt19937_64& r) { return std::pow(10.0, exponent(r)); }), "decades");
}

TEST(LogSketch, RankRuleIsPercentileDisc) {
  const LogSketch s = sketch_of({40, 10, 30, 20});
  expect_close(st::quantile(s, 0.0), 10, "q=0 is the smallest");
  expect_close(st::quantile(s, 0.25), 10, "ceil(0.25 * 4) = 1st");
  expect_close(st::quantile(s, 0.26), 20, "ceil(1.04) = 2nd");
  expect_close(st::quantile(s, 0.5), 20, "even count: the lower median");
  expect_close(st::quantile(s, 0.51), 30, "ceil(2.04) = 3rd");
  expect_close(st::quantile(s, 1.0), 40, "q=1 is the largest");
  const LogSketch odd = sketch_of({5, 1, 3});
  expect_close(st::quantile(odd, 0.5), 3, "odd count: the median");
}

TEST(LogSketch, MergeEqualsOneSketchOfAllValues) {
  std::lognormal_distribution<double> d(1.0, 1.5);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (std::uint64_t seed : {1u, 2u, 3u, 4u, 5u}) {
    std::mt19937_64 rng(seed);
    std::vector<double> values(20000);
    for (double& x : values) x = u(rng) < 0.05 ? 0.0 : d(rng);  // some zeros too
    const LogSketch single = sketch_of(values);

    const int parts = 2 + static_cast<int>(seed % 6);
    std::vector<LogSketch> part(static_cast<std::size_t>(parts));
    std::uniform_int_distribution<int> pick(0, parts - 1);
    for (double x : values) st::add(part[static_cast<std::size_t>(pick(rng))], x);
    std::shuffle(part.begin(), part.end(), rng);
    LogSketch merged;
    for (const LogSketch& p : part) st::merge(merged, p);

    EXPECT_EQ(merged, single) << "seed " << seed;
    EXPECT_EQ(st::count(merged), 20000);
    for (double q : kQs) EXPECT_EQ(st::quantile(merged, q), st::quantile(single, q)) << "seed " << seed << " q " << q;
    // Pairwise merges in another order, through the encoded form.
    LogSketch tree = part.back();
    for (std::size_t k = 0; k + 1 < part.size(); ++k) {
      const std::vector<std::int32_t> enc = st::encode(part[k]);
      st::merge(tree, st::decode(enc.data(), enc.size()));
    }
    EXPECT_EQ(tree, single) << "seed " << seed;
  }
}

TEST(LogSketch, MergeWithEmptyAndDisjointRanges) {
  LogSketch a = sketch_of({1, 2, 3});
  const LogSketch before = a;
  st::merge(a, LogSketch{});
  EXPECT_EQ(a, before);
  LogSketch e;
  st::merge(e, before);
  EXPECT_EQ(e, before);
  LogSketch lo = sketch_of({0.001}), hi = sketch_of({1e6});
  st::merge(lo, hi);
  EXPECT_EQ(lo, sketch_of({0.001, 1e6}));
  EXPECT_EQ(lo.counts.front(), 1);
  EXPECT_EQ(lo.counts.back(), 1);
}

TEST(LogSketch, ZerosAndNegativesCountAsZeroAndNanIsIgnored) {
  const double inf = std::numeric_limits<double>::infinity();
  const LogSketch s = sketch_of({0.0, -5.0, -inf, std::nan(""), 1.0, 2.0, 3.0});
  EXPECT_EQ(s.zeros, 3);
  EXPECT_EQ(st::count(s), 6);
  EXPECT_EQ(st::quantile(s, 0.0), 0.0);
  EXPECT_EQ(st::quantile(s, 0.5), 0.0);  // ceil(3) = 3rd of 6: still a zero
  expect_close(st::quantile(s, 0.51), 1.0, "4th of 6");
  expect_close(st::quantile(s, 1.0), 3.0, "largest");
  const LogSketch only_zeros = sketch_of({0.0, -1.0});
  EXPECT_TRUE(only_zeros.counts.empty());
  EXPECT_EQ(st::quantile(only_zeros, 1.0), 0.0);
}

TEST(LogSketch, EmptySketchHasNoQuantile) {
  const LogSketch empty;
  EXPECT_EQ(st::count(empty), 0);
  for (double q : kQs) EXPECT_TRUE(std::isnan(st::quantile(empty, q))) << q;
  const LogSketch nans = sketch_of({std::nan(""), std::nan("")});
  EXPECT_EQ(nans, empty);
  EXPECT_EQ(st::encode(empty), (std::vector<std::int32_t>{1, 0, 0, 0, 0}));
  const std::vector<std::int32_t> enc{1, 0, 0, 0, 0};
  EXPECT_EQ(st::decode(enc.data(), enc.size()), empty);
}

TEST(LogSketch, QuantileRejectsQOutsideZeroOne) {
  const LogSketch s = sketch_of({1, 2});
  expect_error([&] { st::quantile(s, 1.5); }, pp::ErrorKind::InvalidParameter, "q must be between 0 and 1, got 1.5");
  expect_error([&] { st::quantile(s, -0.25); }, pp::ErrorKind::InvalidParameter, "got -0.25");
  expect_error([&] { st::quantile(s, std::nan("")); }, pp::ErrorKind::InvalidParameter, "got nan");
  expect_error([&] { st::quantile(LogSketch{}, 2.0); }, pp::ErrorKind::InvalidParameter, "got 2");
}

TEST(LogSketch, AddTimesAndOverflow) {
  LogSketch s;
  st::add(s, 5.0, 3);
  st::add(s, 5.0, 0);
  st::add(s, 0.0, 2);
  EXPECT_EQ(st::count(s), 5);
  EXPECT_EQ(s.counts, (std::vector<std::int64_t>{3}));
  expect_error([&] { st::add(s, 5.0, -1); }, pp::ErrorKind::InvalidParameter, "negative number of times");

  LogSketch full;
  st::add(full, 0.0, std::numeric_limits<std::int64_t>::max());
  const LogSketch before = full;
  expect_error([&] { st::add(full, 0.0); }, pp::ErrorKind::ProgramLimit, "2^63 - 1");
  expect_error([&] { st::merge(full, sketch_of({0.0, 7.0})); }, pp::ErrorKind::ProgramLimit, "2^63 - 1");
  EXPECT_EQ(full, before);  // failed add and merge change nothing
  st::add(full, 7.0);
  expect_error([&] { st::count(full); }, pp::ErrorKind::ProgramLimit, "2^63 - 1");
}

TEST(LogSketch, EncodedFormatIsDocumentedLayout) {
  LogSketch s;
  st::add(s, 1.0, 4);                                // bucket 0
  st::add(s, st::kGamma * st::kGamma, 2);            // bucket 2
  st::add(s, 0.0, (std::int64_t{3} << 32) + 0xfffffff0);  // zeros above 2^32
  const std::vector<std::int32_t> enc = st::encode(s);
  ASSERT_EQ(enc.size(), 8u);
  EXPECT_EQ(enc[0], 1);  // version
  EXPECT_EQ(enc[1], 0);  // first bucket
  EXPECT_EQ(enc[2], 3);  // bucket counts that follow
  EXPECT_EQ(enc[3], 3);  // zeros high word
  EXPECT_EQ(static_cast<std::uint32_t>(enc[4]), 0xfffffff0u);  // zeros low word, unsigned
  EXPECT_EQ(enc[5], 4);
  EXPECT_EQ(enc[6], 0);
  EXPECT_EQ(enc[7], 2);
  EXPECT_EQ(st::decode(enc.data(), enc.size()), s);
}

TEST(LogSketch, EncodeDecodeRoundTrip) {
  std::mt19937_64 rng(99);
  std::lognormal_distribution<double> d(0.0, 4.0);
  std::uniform_int_distribution<int> size(0, 3000);
  std::uniform_int_distribution<std::int64_t> zeros(0, std::int64_t{1} << 40);
  for (int round = 0; round < 50; ++round) {
    LogSketch s;
    const int n = size(rng);
    for (int k = 0; k < n; ++k) st::add(s, d(rng));
    if (round % 3 == 0) st::add(s, 0.0, zeros(rng));
    const std::vector<std::int32_t> enc = st::encode(s);
    EXPECT_EQ(enc.size(), st::kHeaderLength + s.counts.size());
    const LogSketch back = st::decode(enc.data(), enc.size());
    EXPECT_EQ(back, s) << "round " << round;
    EXPECT_EQ(st::encode(back), enc);
    const st::EncodedView v = st::parse_encoded(enc.data(), enc.size());
    EXPECT_EQ(v.first, s.first);
    EXPECT_EQ(v.zeros, s.zeros);
    EXPECT_EQ(v.n, s.counts.size());
  }
}

TEST(LogSketch, DecodeTrimsEmptyEndBuckets) {
  const std::vector<std::int32_t> padded{1, 5, 4, 0, 7, 0, 3, 0, 0};
  const LogSketch s = st::decode(padded.data(), padded.size());
  EXPECT_EQ(s.first, 6);
  EXPECT_EQ(s.zeros, 7);
  EXPECT_EQ(s.counts, (std::vector<std::int64_t>{3}));
  EXPECT_EQ(st::encode(s), (std::vector<std::int32_t>{1, 6, 1, 0, 7, 3}));
  const std::vector<std::int32_t> all_empty{1, -20, 3, 0, 0, 0, 0, 0};
  EXPECT_EQ(st::decode(all_empty.data(), all_empty.size()), LogSketch{});
}

TEST(LogSketch, EncodeIntoTrimsAWindowOfCounts) {
  // The PostgreSQL aggregate keeps counts over a wider window than used.
  const std::vector<std::int64_t> window{0, 0, 2, 0, 5, 0};
  std::vector<std::int32_t> out(st::kHeaderLength + window.size(), -99);
  const std::size_t len = st::encode_into(-10, 1, window.data(), window.size(), out.data());
  out.resize(len);
  EXPECT_EQ(out, (std::vector<std::int32_t>{1, -8, 3, 0, 1, 2, 0, 5}));
  LogSketch s;
  s.first = -8;
  s.zeros = 1;
  s.counts = {2, 0, 5};
  EXPECT_EQ(st::encode(s), out);
  const std::vector<std::int64_t> outside{1};
  expect_error([&] { st::encode_into(st::kMaxBucket + 1, 0, outside.data(), 1, out.data()); },
               pp::ErrorKind::InvalidParameter, "outside the window");
}

TEST(LogSketch, BucketCountsOfTwoToTheThirtyOneDoNotEncode) {
  LogSketch s;
  st::add(s, 3.0, std::numeric_limits<std::int32_t>::max());
  const std::vector<std::int32_t> enc = st::encode(s);
  EXPECT_EQ(enc.back(), std::numeric_limits<std::int32_t>::max());
  st::add(s, 3.0);
  expect_error([&] { st::encode(s); }, pp::ErrorKind::ProgramLimit, "2^31 - 1 per bucket");
}

TEST(LogSketch, MalformedDecodeInputsThrowSayingWhatIsWrong) {
  expect_malformed({}, "truncated, it has 0 elements but needs at least 5");
  expect_malformed({1, 0}, "truncated, it has 2 elements");
  expect_malformed({2, 0, 0, 0, 0}, "unsupported format version 2");
  expect_malformed({0, 0, 0, 0, 0}, "unsupported format version 0");
  expect_malformed({1, 0, 3, 0, 0, 1, 1}, "truncated, the header announces 3 bucket counts but 2 follow");
  expect_malformed({1, 0, 1, 0, 0, 1, 1}, "1 elements after the 1 bucket counts");
  expect_malformed({1, 0, -1, 0, 0}, "bucket count is negative (-1)");
  expect_malformed({1, 10, 2, 0, 0, 4, -3}, "the count of bucket 11 is negative (-3)");
  expect_malformed({1, 0, 0, -1, 0}, "zero count is negative");
  expect_malformed({1, 2999, 3, 0, 0, 1, 1, 1}, "buckets 2999 to 3001 are outside the window -1500 to 3000");
  expect_malformed({1, -1501, 1, 0, 0, 1}, "outside the window");
  expect_malformed({1, std::numeric_limits<std::int32_t>::max(), 2, 0, 0, 1, 1}, "outside the window");
  expect_malformed({1, 0, 1, std::numeric_limits<std::int32_t>::max(), -1, 1}, "more than 2^63 - 1 values");
  // Each message names the problem as a malformed sketch.
  expect_malformed({7, 0, 0, 0, 0}, "malformed sketch: ");
}

}  // namespace

}  // namespace test_log_sketch
