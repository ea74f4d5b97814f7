// Quantile sketches in SQL (core/stats/log_sketch.h, 1% relative accuracy):
//   prodplan.sketch_agg(float8) -> int4[]       sketch of a column's values
//   prodplan.sketch_merge(int4[]) -> int4[]     exact merge of stored sketches
//   prodplan.sketch_add(int4[], int4[]) -> int4[]  the same for two sketches
//   prodplan.sketch_quantile(int4[], float8)    a quantile (NULL when empty)
//   prodplan.sketch_count(int4[])               values counted
// Both aggregates share one internal state, its final, combine, serialize
// and deserialize functions, so they run in parallel plans.
//
// The aggregate state is a plain struct in the aggregate memory context
// (PostgreSQL frees it with that context and runs no destructor, so it holds
// no C++ object): the zero count and a window of int64 bucket counts that
// grows (repalloc-style, with slack) to cover the buckets used, at most
// kBucketCount (36 KB). It is updated here with PostgreSQL memory calls, in
// frames holding no C++ object; the core is used through pp_call, except
// slot_of(), which is noexcept (it cannot throw) and runs once per row.
#include "core/stats/log_sketch.h"
#include "pg/boundary.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "pg/pg_includes.h"

extern "C" {
#include "catalog/pg_type.h"
#include "common/int.h"
#include "utils/array.h"
PGDLLEXPORT Datum prodplan_sketch_agg_add(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum prodplan_sketch_merge_add(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum prodplan_sketch_final(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum prodplan_sketch_combine(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum prodplan_sketch_serialize(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum prodplan_sketch_deserialize(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum prodplan_sketch_quantile(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum prodplan_sketch_count(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum prodplan_sketch_add(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_sketch_add);
PG_FUNCTION_INFO_V1(prodplan_sketch_agg_add);
PG_FUNCTION_INFO_V1(prodplan_sketch_merge_add);
PG_FUNCTION_INFO_V1(prodplan_sketch_final);
PG_FUNCTION_INFO_V1(prodplan_sketch_combine);
PG_FUNCTION_INFO_V1(prodplan_sketch_serialize);
PG_FUNCTION_INFO_V1(prodplan_sketch_deserialize);
PG_FUNCTION_INFO_V1(prodplan_sketch_quantile);
PG_FUNCTION_INFO_V1(prodplan_sketch_count);
}

using pp::pg::pp_call;
namespace st = pp::stats;

namespace {

// Buckets added on a side the window grows on, beyond what is needed, so a
// stream of ever larger (or smaller) values reallocates only a few times.
constexpr int32 kMinSlack = 32;

struct SketchState {
  int64 zeros;     // values <= 0
  int32 first;     // bucket index of counts[0]
  int32 cap;       // number of counts (0 until a positive value arrives)
  int32 lo, hi;    // smallest and largest bucket with a count > 0; lo > hi while none
  int64* counts;   // counts[k]: values in bucket first + k; in the aggregate context
};
static_assert(std::is_trivially_destructible_v<SketchState>, "the aggregate state is freed without destructor");
static_assert(std::is_trivially_destructible_v<st::EncodedView>, "held in frames an ERROR may longjmp over");

// The aggregate memory context; an ERROR when not called by an aggregate
// (these functions take or return internal and mean nothing elsewhere).
MemoryContext agg_context(FunctionCallInfo fcinfo, const char* function) {
  MemoryContext context = nullptr;
  if (!AggCheckCallContext(fcinfo, &context))
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("%s can only be called by the aggregates prodplan.sketch_agg and prodplan.sketch_merge",
                           function)));
  return context;
}

SketchState* new_state(MemoryContext context) {
  SketchState* s = (SketchState*)MemoryContextAllocZero(context, sizeof(SketchState));
  s->lo = st::kMaxBucket + 1;
  s->hi = st::kMinBucket - 1;
  return s;
}

int64 add_count(int64 a, int64 b) {
  int64 r;
  if (pg_add_s64_overflow(a, b, &r))
    ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                    errmsg("prodplan sketch: a count would exceed 2^63 - 1 values")));
  return r;
}

// Makes s->counts cover buckets lo..hi (both within the window).
void cover(SketchState* s, int32 lo, int32 hi, MemoryContext context) {
  const int32 last = s->first + s->cap - 1;
  if (s->cap > 0 && lo >= s->first && hi <= last) return;
  const bool grow_down = s->cap == 0 || lo < s->first;
  const bool grow_up = s->cap == 0 || hi > last;
  if (s->cap > 0) {
    lo = Min(lo, s->first);
    hi = Max(hi, last);
  }
  const int32 slack = Max(kMinSlack, (hi - lo + 1) / 2);
  if (grow_down) lo = Max((int32)st::kMinBucket, lo - slack);
  if (grow_up) hi = Min((int32)st::kMaxBucket, hi + slack);
  int64* counts = (int64*)MemoryContextAllocZero(context, sizeof(int64) * (Size)(hi - lo + 1));
  if (s->cap > 0) {
    memcpy(counts + (s->first - lo), s->counts, sizeof(int64) * (Size)s->cap);
    pfree(s->counts);
  }
  s->counts = counts;
  s->first = lo;
  s->cap = hi - lo + 1;
}

// Adds c > 0 values to bucket i (covered).
void add_to_bucket(SketchState* s, int32 i, int64 c) {
  int64& slot = s->counts[i - s->first];
  slot = add_count(slot, c);
  s->lo = Min(s->lo, i);
  s->hi = Max(s->hi, i);
}

// Adds the counts of buckets first .. first + n - 1 (any may be 0).
template <typename Count>
void add_buckets(SketchState* s, int32 first, const Count* counts, size_t n, MemoryContext context) {
  if (n == 0) return;
  cover(s, first, first + (int32)n - 1, context);
  for (size_t k = 0; k < n; ++k)
    if (counts[k] > 0) add_to_bucket(s, first + (int32)k, (int64)counts[k]);
}

// A new one-dimensional int4[] of n elements (no NULLs), in the current
// memory context; its elements are written through ARR_DATA_PTR.
ArrayType* new_int4_array(size_t n) {
  const Size bytes = ARR_OVERHEAD_NONULLS(1) + sizeof(int32) * n;
  ArrayType* a = (ArrayType*)palloc0(bytes);
  SET_VARSIZE(a, bytes);
  a->ndim = 1;
  a->dataoffset = 0;
  a->elemtype = INT4OID;
  ARR_DIMS(a)[0] = (int)n;
  ARR_LBOUND(a)[0] = 1;
  return a;
}

void shrink_int4_array(ArrayType* a, size_t n) {
  SET_VARSIZE(a, ARR_OVERHEAD_NONULLS(1) + sizeof(int32) * n);
  ARR_DIMS(a)[0] = (int)n;
}

// The elements of a sketch argument, read with PostgreSQL APIs (the core
// then checks the format). The array is detoasted in the current context.
struct SketchArray {
  const std::int32_t* data;
  size_t n;
};

SketchArray read_sketch(ArrayType* a, const char* function) {
  if (ARR_ELEMTYPE(a) != INT4OID)
    ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH), errmsg("%s: a sketch is an int4[] array", function)));
  if (ARR_NDIM(a) > 1)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("%s: a sketch is a one-dimensional int4[] array, got %d dimensions", function,
                           ARR_NDIM(a))));
  if (array_contains_nulls(a))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("%s: a sketch must not contain NULL elements", function)));
  SketchArray r;
  r.data = (const std::int32_t*)ARR_DATA_PTR(a);
  r.n = (size_t)ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
  return r;
}

// The state as a sketch (int4[], the stored format), in the current context.
ArrayType* encode_state(const SketchState* s, const char* function) {
  const bool any = s->lo <= s->hi;
  const int32 first = any ? s->lo : 0;
  const size_t n = any ? (size_t)(s->hi - s->lo + 1) : 0;
  const int64* counts = any ? s->counts + (s->lo - s->first) : nullptr;
  ArrayType* result = new_int4_array(st::kHeaderLength + n);
  std::int32_t* out = (std::int32_t*)ARR_DATA_PTR(result);
  size_t written = 0;
  pp_call(function, [&] { written = st::encode_into(first, s->zeros, counts, n, out); });
  shrink_int4_array(result, written);
  return result;
}

// Adds the counts of one stored sketch to s. sql_name names the SQL function
// in format errors, core_name the error context of the core's.
void add_sketch(SketchState* s, ArrayType* sketch, const char* sql_name, const char* core_name, MemoryContext context) {
  const SketchArray a = read_sketch(sketch, sql_name);
  st::EncodedView v;  // points into the array; trivially destructible
  pp_call(core_name, [&] { v = st::parse_encoded(a.data, a.n); });
  s->zeros = add_count(s->zeros, v.zeros);
  add_buckets(s, v.first, v.counts, v.n, context);
}

// Serialized state (parallel aggregation, never stored): int64 zeros,
// int32 first, int32 n, then n int64 counts of buckets first .. first + n - 1.
constexpr Size kSerialHeader = sizeof(int64) + 2 * sizeof(int32);

}  // namespace

// sketch_agg_add(state internal, x float8) -> internal. Not strict: the
// state starts NULL and stays NULL until a value other than NULL or NaN.
Datum prodplan_sketch_agg_add(PG_FUNCTION_ARGS) {
  MemoryContext context = agg_context(fcinfo, "prodplan.sketch_agg_add");
  SketchState* s = PG_ARGISNULL(0) ? nullptr : (SketchState*)PG_GETARG_POINTER(0);
  if (!PG_ARGISNULL(1)) {
    const int slot = st::slot_of(PG_GETARG_FLOAT8(1));  // noexcept
    if (slot != st::kSkip) {
      if (s == nullptr) s = new_state(context);
      if (slot == st::kZero) {
        s->zeros = add_count(s->zeros, 1);
      } else {
        cover(s, slot, slot, context);
        add_to_bucket(s, slot, 1);
      }
    }
  }
  if (s == nullptr) PG_RETURN_NULL();
  PG_RETURN_POINTER(s);
}

// sketch_merge_add(state internal, sketch int4[]) -> internal. Not strict:
// NULL sketches are skipped; a malformed one is an ERROR saying what is wrong.
Datum prodplan_sketch_merge_add(PG_FUNCTION_ARGS) {
  MemoryContext context = agg_context(fcinfo, "prodplan.sketch_merge_add");
  SketchState* s = PG_ARGISNULL(0) ? nullptr : (SketchState*)PG_GETARG_POINTER(0);
  if (!PG_ARGISNULL(1)) {
    if (s == nullptr) s = new_state(context);
    add_sketch(s, PG_GETARG_ARRAYTYPE_P(1), "prodplan.sketch_merge", "sketch_merge", context);
  }
  if (s == nullptr) PG_RETURN_NULL();
  PG_RETURN_POINTER(s);
}

// sketch_final(state internal) -> int4[]: the encoded sketch, NULL when no
// value was added (an aggregate over no rows, or only NULLs and NaNs).
Datum prodplan_sketch_final(PG_FUNCTION_ARGS) {
  agg_context(fcinfo, "prodplan.sketch_final");
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  PG_RETURN_ARRAYTYPE_P(encode_state((const SketchState*)PG_GETARG_POINTER(0), "sketch_final"));
}

// sketch_combine(a internal, b internal) -> internal: b's counts added to a
// (parallel aggregation). Not strict: a NULL a becomes a new state in the
// aggregate context, since b lives in short-lived memory.
Datum prodplan_sketch_combine(PG_FUNCTION_ARGS) {
  MemoryContext context = agg_context(fcinfo, "prodplan.sketch_combine");
  SketchState* a = PG_ARGISNULL(0) ? nullptr : (SketchState*)PG_GETARG_POINTER(0);
  const SketchState* b = PG_ARGISNULL(1) ? nullptr : (const SketchState*)PG_GETARG_POINTER(1);
  if (b != nullptr) {
    if (a == nullptr) a = new_state(context);
    a->zeros = add_count(a->zeros, b->zeros);
    if (b->lo <= b->hi)
      add_buckets(a, b->lo, b->counts + (b->lo - b->first), (size_t)(b->hi - b->lo + 1), context);
  }
  if (a == nullptr) PG_RETURN_NULL();
  PG_RETURN_POINTER(a);
}

// sketch_serialize(internal) -> bytea, strict.
Datum prodplan_sketch_serialize(PG_FUNCTION_ARGS) {
  agg_context(fcinfo, "prodplan.sketch_serialize");
  const SketchState* s = (const SketchState*)PG_GETARG_POINTER(0);
  const int32 n = s->lo <= s->hi ? s->hi - s->lo + 1 : 0;
  const int32 first = n > 0 ? s->lo : 0;
  const Size bytes = VARHDRSZ + kSerialHeader + sizeof(int64) * (Size)n;
  bytea* out = (bytea*)palloc(bytes);
  SET_VARSIZE(out, bytes);
  char* p = VARDATA(out);
  memcpy(p, &s->zeros, sizeof(int64));
  memcpy(p + sizeof(int64), &first, sizeof(int32));
  memcpy(p + sizeof(int64) + sizeof(int32), &n, sizeof(int32));
  if (n > 0) memcpy(p + kSerialHeader, s->counts + (s->lo - s->first), sizeof(int64) * (Size)n);
  PG_RETURN_BYTEA_P(out);
}

// sketch_deserialize(bytea, internal) -> internal, strict. The state is made
// in the current (short-lived) context: sketch_combine copies what it keeps.
Datum prodplan_sketch_deserialize(PG_FUNCTION_ARGS) {
  agg_context(fcinfo, "prodplan.sketch_deserialize");
  bytea* in = PG_GETARG_BYTEA_PP(0);
  const char* p = VARDATA_ANY(in);
  const Size len = VARSIZE_ANY_EXHDR(in);
  SketchState* s = new_state(CurrentMemoryContext);
  int32 first = 0, n = -1;
  if (len >= kSerialHeader) {
    memcpy(&s->zeros, p, sizeof(int64));
    memcpy(&first, p + sizeof(int64), sizeof(int32));
    memcpy(&n, p + sizeof(int64) + sizeof(int32), sizeof(int32));
  }
  if (n < 0 || len != kSerialHeader + sizeof(int64) * (Size)n || s->zeros < 0 ||
      (n > 0 && (first < st::kMinBucket || (int64)first + n - 1 > st::kMaxBucket)))
    ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED), errmsg("prodplan.sketch_deserialize: malformed state")));
  if (n > 0) {
    s->counts = (int64*)palloc(sizeof(int64) * (Size)n);
    memcpy(s->counts, p + kSerialHeader, sizeof(int64) * (Size)n);
    s->first = first;
    s->cap = n;
    for (int32 k = 0; k < n; ++k) {
      if (s->counts[k] < 0)
        ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED), errmsg("prodplan.sketch_deserialize: malformed state")));
      if (s->counts[k] > 0) {
        s->lo = Min(s->lo, first + k);
        s->hi = Max(s->hi, first + k);
      }
    }
  }
  PG_RETURN_POINTER(s);
}

// sketch_quantile(sketch int4[], q float8) -> float8, strict: the value of
// rank max(ceil(q n), 1) - 1 (as percentile_disc) within 1%, NULL when the
// sketch is empty, an ERROR unless 0 <= q <= 1.
Datum prodplan_sketch_quantile(PG_FUNCTION_ARGS) {
  const SketchArray a = read_sketch(PG_GETARG_ARRAYTYPE_P(0), "prodplan.sketch_quantile");
  const double q = PG_GETARG_FLOAT8(1);
  double result = 0;
  pp_call("sketch_quantile", [&] { result = st::quantile(st::decode(a.data, a.n), q); });
  if (std::isnan(result)) PG_RETURN_NULL();
  PG_RETURN_FLOAT8(result);
}

// sketch_count(sketch int4[]) -> bigint, strict: the number of values counted.
Datum prodplan_sketch_count(PG_FUNCTION_ARGS) {
  const SketchArray a = read_sketch(PG_GETARG_ARRAYTYPE_P(0), "prodplan.sketch_count");
  std::int64_t n = 0;
  pp_call("sketch_count", [&] { n = st::count(st::decode(a.data, a.n)); });
  PG_RETURN_INT64(n);
}

// sketch_add(a int4[], b int4[]) -> int4[]: the exact merge of two sketches
// (what sketch_merge gives over both), for updating a stored sketch in place.
// Not strict: a NULL sketch adds nothing; NULL only when both are NULL. A
// malformed sketch is an ERROR saying what is wrong.
Datum prodplan_sketch_add(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(0) && PG_ARGISNULL(1)) PG_RETURN_NULL();
  SketchState* s = new_state(CurrentMemoryContext);
  for (int i = 0; i < 2; ++i)
    if (!PG_ARGISNULL(i)) add_sketch(s, PG_GETARG_ARRAYTYPE_P(i), "prodplan.sketch_add", "sketch_add", CurrentMemoryContext);
  PG_RETURN_ARRAYTYPE_P(encode_state(s, "sketch_add"));
}
