// The ingestion run shared by ingest_workbook, ingest_file and load_demo.
// Plain PostgreSQL code (no C++ object crosses this interface).
#pragma once

#include <cstddef>
#include <cstdint>

namespace pp::pg {

struct IngestArgs {
  const char* source;       // "workbook", "file", "table"
  const char* source_name;  // the path for "file", the relation for "table"; NULL otherwise
  const char* profile;
  void* options;            // a Jsonb*: plant (default MAIN), force
  // Table sources (ingest_table) only: the entity and the relation's OID;
  // table_relid 0 means the bytes are a workbook.
  const char* table_entity;
  unsigned int table_relid;
};

struct IngestSheetResult {
  char* sheet;
  char* entity;
  std::int64_t rows_read, inserted, updated, unchanged, quarantined;
  double seconds;
};

struct IngestOutcome {
  std::int64_t run_id;
  bool skipped;  // the same workbook was already ingested (and no force)
  int nsheets;
  IngestSheetResult* sheets;  // palloc'd in the caller's memory context
};

// Runs one ingestion in a subtransaction of the caller's transaction; on error
// records the failed run in its own transaction and re-raises. Needs SPI not
// connected by the caller (it connects and finishes itself).
IngestOutcome ingest_run(const char* data, std::size_t len, const IngestArgs& args);

}  // namespace pp::pg
