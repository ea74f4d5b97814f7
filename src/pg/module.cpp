// Module entry: the magic block and _PG_init. Later issues register GUCs,
// shared memory and background workers here.
#include "core/common/version.h"

#include "pg/pg_includes.h"

extern "C" {
PG_MODULE_MAGIC;

PGDLLEXPORT void _PG_init(void);
PGDLLEXPORT Datum prodplan_version(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_version);
}

void _PG_init(void) {
  // Settings named prodplan.* are ours: reject misspelled ones instead of
  // silently keeping them as placeholders.
  MarkGUCPrefixReserved("prodplan");
}

Datum prodplan_version(PG_FUNCTION_ARGS) {
  PG_RETURN_TEXT_P(cstring_to_text(PRODPLAN_VERSION));
}
