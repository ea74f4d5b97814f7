// Support for the incremental aggregates' invalidation log (migrations,
// "Incremental aggregates"):
//   prodplan.agg_inserting_xid() -> xid
// An INSERT statement's rows carry as xmin the id of the (sub)transaction
// that ran it. The source tables' AFTER INSERT statement triggers log that id
// with the days the rows fall on, so a refresh can read exactly those rows
// back (xmin = ANY (logged ids)) and add their partials to the stored groups
// instead of recomputing whole days. SQL has only the top-level id
// (pg_current_xact_id); rows written inside a savepoint or a PL/pgSQL
// exception block carry the subtransaction's.
#include "pg/pg_includes.h"

extern "C" {
PGDLLEXPORT Datum prodplan_agg_inserting_xid(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_agg_inserting_xid);
}

// The current subtransaction's id, or NULL when it has none (it wrote
// nothing yet). Statement triggers run in the subtransaction of the
// statement that fired them, so in one that follows an INSERT this is the
// xmin of every row the INSERT wrote.
Datum prodplan_agg_inserting_xid(PG_FUNCTION_ARGS) {
  const TransactionId xid = GetCurrentTransactionIdIfAny();
  if (!TransactionIdIsValid(xid)) PG_RETURN_NULL();
  PG_RETURN_TRANSACTIONID(xid);
}
