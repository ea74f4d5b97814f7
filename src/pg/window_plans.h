// Saved plans for reading a range of a partitioned table without planning at
// every call and without locking every partition.
//
// Why. A query on a range-partitioned table planned with the range as
// constants prunes to the partitions of that range, but is planned at every
// call (0.12 ms for an order's operations on load_demo(1), about a third of
// prodplan.order_detail's time at 32 clients). Planned once with the range as
// parameters it keeps every partition (62 for the operations), and PostgreSQL
// 15 locks each one at every execution, queueing on the shared lock table.
//
// So the range [lo, hi] is widened to the partition bounds around it (the
// greatest bound at or below lo, the least bound above hi) and those bounds
// go into the query as constants: planned once, the plan holds only the
// partitions of that window, and the exact range stays a parameter. Orders
// whose ranges fall in the same window share one plan. The extra condition
// only widens the range, so the rows are right whatever the partitions are;
// when partitions are added, detached or dropped PostgreSQL replans the saved
// plan with the same constants.
#pragma once

#include "pg/pg_includes.h"

namespace pp::pg {

// A saved plan (SPI_keepplan) of `sql_format`, a query with one "%s" where
// the window's conditions go ("AND <column> >= '<bound>' AND <column> <
// '<bound>'", or nothing for an unbounded side), on the range-partitioned
// `schema`.`table` whose partition key is `column` (timestamptz). `query_id`
// names sql_format in the backend's cache (the same id must always come with
// the same text). nargs/argtypes as SPI_prepare. The plan is generic: the
// parameters do not replan it. [lo, hi]: the range read, in microseconds
// since 2000-01-01 (TimestampTz); -infinity/infinity leave that side open.
// A table that is not range-partitioned on `column` gets the unbounded plan.
// Owned by the backend's cache; valid until the next call (which may evict it).
// Call between SPI_connect and SPI_finish.
SPIPlanPtr window_plan(int query_id, const char* sql_format, const char* schema, const char* table, const char* column,
                       TimestampTz lo, TimestampTz hi, int nargs, Oid* argtypes);

}  // namespace pp::pg
