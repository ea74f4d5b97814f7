// Module entry: the magic block and _PG_init (GUC prefix; shared memory and
// the background workers' launcher when preloaded).
#include "core/common/version.h"
#include "pg/gucs.h"
#include "pg/heavy_guard.h"
#include "pg/ingest_progress.h"
#include "pg/workers.h"

#include "pg/pg_includes.h"

extern "C" {
#include "storage/ipc.h"
}

extern "C" {
PG_MODULE_MAGIC;

PGDLLEXPORT void _PG_init(void);
PGDLLEXPORT Datum prodplan_version(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_version);
}

namespace {
shmem_request_hook_type prev_shmem_request_hook = nullptr;
shmem_startup_hook_type prev_shmem_startup_hook = nullptr;

void prodplan_shmem_request() {
  if (prev_shmem_request_hook) prev_shmem_request_hook();
  pp::pg::progress_request_shmem();
  pp::pg::heavy_request_shmem();
}

void prodplan_shmem_startup() {
  if (prev_shmem_startup_hook) prev_shmem_startup_hook();
  pp::pg::progress_startup_shmem();
  pp::pg::heavy_startup_shmem();
}
}  // namespace

void _PG_init(void) {
  // Settings named prodplan.* are ours: reject misspelled ones instead of
  // silently keeping them as placeholders.
  pp::pg::define_gucs();
  MarkGUCPrefixReserved("prodplan");

  // Shared memory exists only when loaded at server start (CONVENTIONS 23).
  if (!process_shared_preload_libraries_in_progress) return;
  prev_shmem_request_hook = shmem_request_hook;
  shmem_request_hook = prodplan_shmem_request;
  prev_shmem_startup_hook = shmem_startup_hook;
  shmem_startup_hook = prodplan_shmem_startup;
  // The launcher (CONVENTIONS 12): never under pg_upgrade, whose server
  // must not run jobs against a half-migrated cluster.
  if (!IsBinaryUpgrade) pp::pg::register_launcher();
  // Most of prodplan's SQL functions and all its triggers are PL/pgSQL.
  // Loaded here, in the postmaster, the language is in every backend from
  // the fork instead of being opened by each new one at its first call
  // (3-4 ms; the minutely aggregate refresh runs in a new worker each time).
  load_file("plpgsql", false);
}

Datum prodplan_version(PG_FUNCTION_ARGS) {
  PG_RETURN_TEXT_P(cstring_to_text(PRODPLAN_VERSION));
}
