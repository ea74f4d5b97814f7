#include "pg/window_plans.h"

#include "pg/gucs.h"
#include "pg/pg_includes.h"

extern "C" {
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "partitioning/partbounds.h"
#include "partitioning/partdesc.h"
#include "utils/datetime.h"
#include "utils/partcache.h"
#include "utils/timestamp.h"
}

namespace pp::pg {
namespace {

// A window: the partition bounds around a range, or DT_NOBEGIN / DT_NOEND
// for an open side.
struct Window {
  TimestampTz from;  // inclusive
  TimestampTz to;    // exclusive
};

// Plans by (query, table, window). A backend reads few windows (an order's
// range spans one or two monthly partitions, so about two per partition and
// query), so an array searched in order is enough; it holds at most
// prodplan.kept_window_plans, and when full the oldest entry makes room
// (round robin).
constexpr int kMaxCache = 1024;  // the setting's maximum
struct Entry {
  int query_id;
  Oid relid;
  Window window;
  SPIPlanPtr plan;  // kept (SPI_keepplan); NULL for a free slot
};
Entry cache[kMaxCache];
int next_victim = 0;
int high_water = 0;  // no slot at or above it holds a plan

void free_slot(Entry& e) {
  if (e.plan == nullptr) return;
  SPIPlanPtr old = e.plan;
  e.plan = nullptr;
  SPI_freeplan(old);
}

Window window_of(Oid relid, const char* column, TimestampTz lo, TimestampTz hi) {
  Window w{DT_NOBEGIN, DT_NOEND};
  // The statement about to run locks the table too; this lock only comes first.
  Relation rel = table_open(relid, AccessShareLock);
  if (rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE) {
    PartitionKey key = RelationGetPartitionKey(rel);
    AttrNumber attnum = get_attnum(relid, column);
    if (key->strategy == PARTITION_STRATEGY_RANGE && key->partnatts == 1 && attnum != InvalidAttrNumber &&
        key->partattrs[0] == attnum && key->parttypid[0] == TIMESTAMPTZOID) {
      // Detached-pending partitions are left out, as queries leave them out.
      PartitionDesc desc = RelationGetPartitionDesc(rel, true);
      PartitionBoundInfo bounds = desc->boundinfo;
      for (int i = 0; bounds != nullptr && i < bounds->ndatums; ++i) {
        if (bounds->kind[i][0] != PARTITION_RANGE_DATUM_VALUE) continue;
        TimestampTz b = DatumGetTimestampTz(bounds->datums[i][0]);
        if (b <= lo && (w.from == DT_NOBEGIN || b > w.from)) w.from = b;
        if (b > hi && (w.to == DT_NOEND || b < w.to)) w.to = b;
      }
    }
  }
  table_close(rel, NoLock);
  return w;
}

// `bound` as a timestamptz literal that reads the same under every DateStyle
// and TimeZone (ISO 8601, UTC); false when it has no such form (before year 1
// or after 9999), which leaves that side open.
bool bound_literal(TimestampTz bound, char* out, size_t cap) {
  struct pg_tm tm;
  fsec_t fsec;
  if (TIMESTAMP_NOT_FINITE(bound) || timestamp2tm(bound, nullptr, &tm, &fsec, nullptr, nullptr) != 0) return false;
  if (tm.tm_year < 1 || tm.tm_year > 9999) return false;
  pg_snprintf(out, cap, "%04d-%02d-%02d %02d:%02d:%02d.%06d+00", tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour,
              tm.tm_min, tm.tm_sec, static_cast<int>(fsec));
  return true;
}

}  // namespace

SPIPlanPtr window_plan(int query_id, const char* sql_format, const char* schema, const char* table, const char* column,
                       TimestampTz lo, TimestampTz hi, int nargs, Oid* argtypes) {
  Oid relid = get_relname_relid(table, get_namespace_oid(schema, false));
  if (!OidIsValid(relid))
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("relation \"%s.%s\" does not exist", schema, table)));
  Window w = window_of(relid, column, lo, hi);
  char from[64], to[64];
  bool has_from = bound_literal(w.from, from, sizeof from);
  bool has_to = bound_literal(w.to, to, sizeof to);
  if (!has_from) w.from = DT_NOBEGIN;
  if (!has_to) w.to = DT_NOEND;
  int limit = guc_kept_window_plans < 1 ? 1 : (guc_kept_window_plans > kMaxCache ? kMaxCache : guc_kept_window_plans);
  for (int i = 0; i < high_water && i < limit; ++i) {
    const Entry& e = cache[i];
    if (e.plan != nullptr && e.query_id == query_id && e.relid == relid && e.window.from == w.from &&
        e.window.to == w.to)
      return e.plan;
  }

  StringInfoData cond;
  initStringInfo(&cond);
  if (has_from) appendStringInfo(&cond, " AND %s >= '%s'::pg_catalog.timestamptz", quote_identifier(column), from);
  if (has_to) appendStringInfo(&cond, " AND %s < '%s'::pg_catalog.timestamptz", quote_identifier(column), to);
  StringInfoData sql;
  initStringInfo(&sql);
  appendStringInfo(&sql, sql_format, cond.data);

  // Generic from the first call: the window's constants prune, the
  // parameters (the order and its exact range) never need a custom plan.
  SPIPlanPtr plan = SPI_prepare_cursor(sql.data, nargs, argtypes, CURSOR_OPT_GENERIC_PLAN);
  if (plan == nullptr)
    elog(ERROR, "prodplan: could not plan a read of %s.%s: %s", schema, table, SPI_result_code_string(SPI_result));
  if (SPI_keepplan(plan) != 0) elog(ERROR, "prodplan: could not keep a plan of %s.%s", schema, table);

  // The setting was lowered: drop the plans above it.
  for (int i = limit; i < high_water; ++i) free_slot(cache[i]);
  if (high_water > limit) high_water = limit;
  if (next_victim >= limit) next_victim = 0;
  Entry& slot = cache[next_victim];
  free_slot(slot);
  slot = Entry{query_id, relid, w, plan};
  if (next_victim + 1 > high_water) high_water = next_victim + 1;
  next_victim = (next_victim + 1) % limit;
  return plan;
}

}  // namespace pp::pg
