// How an entity's staged rows reach the canonical tables. Plain PostgreSQL
// code over SPI (the caller is connected); every function can ereport, so
// call them only from frames without live C++ objects.
#pragma once

#include "core/ingest/staging.h"

#include <cstdint>

#include "pg/ingest_sql.h"

namespace pp::pg::ingest {

enum class LoadMode {
  // The plant has no rows of the entity (a first load): each part is
  // derived, quarantined and inserted as soon as it arrives, while the rest
  // of the sheet is parsed (ingest_append.cpp).
  Append,
  // Every row into the staging table, in parts while the sheet is parsed,
  // then one merge (ingest_merge.cpp). Defects: their derived time comes
  // from operations, so their rows are not compared in memory.
  Stream,
  // The same, less the rows stored unchanged (ingest_unchanged.h), which are
  // kept back part by part.
  Compare,
};

// Append when the plant has no rows of the entity; else Compare (Stream for
// defects). Chosen for every entity before parsing starts: during a run only
// the entity's own sheet writes its table, so the choice stays true.
LoadMode choose_mode(const pp::ingest::EntitySpec& spec, Datum plant);

// For an entity loaded in Append mode: per spec column, what a NULL means on
// a direct line (direct_split.h, make_direct_rules): NULL (keep it), "" (the
// column's default, not a constant: stage the row) or the constant default.
// palloc'd, one entry per spec column.
const char** direct_null_defaults(const pp::ingest::EntitySpec& spec);
// Whether rows may be COPYed straight into prodplan.<entity>: not when
// row-level security applies to the caller there (COPY would skip the policies).
bool direct_copy_allowed(const pp::ingest::EntitySpec& spec);

// Stream and Compare: completes the entity's staging table (created by
// create_stage and loaded with its earlier parts) with its last part,
// derives, quarantines rows without a derived time, merges (UPDATE the
// changed keys, INSERT the new ones), and reconciles. Rows the Compare mode
// kept back count as unchanged. `chunk_seconds` and `compare_seconds` are
// reported as steps.
SheetCounts merge_entity(const pp::ingest::EntitySpec& spec, const char* sheet, int64 run_id, Datum plant,
                         const pp::ingest::StagedEntity& part, double chunk_seconds, int64 unchanged_in_memory,
                         double compare_seconds, const KnownReferences* known = NULL);

// Append mode's running totals for one entity (plain data: it lives in the
// caller's PostgreSQL frame).
struct AppendLoad {
  int parts;
  int64 staged;           // rows that arrived (COPYed into the stage or direct), over all parts
  int64 direct;           // of those, rows COPYed straight into the canonical table
  int64 inserted;         // net of rows a later part superseded
  int64 sql_quarantined;  // net of the same
  int64 superseded;       // earlier parts' rows a later part replaced
  double seconds_copy, seconds_direct, seconds_superseded, seconds_derive, seconds_partitions, seconds_insert;
  NotNullDefaults defaults;
  // Set by the caller before append_finish: the staging thread's match
  // counts (the final part's references) and every entity's held rows.
  const std::vector<pp::ingest::ReferenceTally>* tallies;
  const HeldRows* held_by_entity;
  // Set by append_finish: the rows it quarantined in SQL.
  HeldRows held;
};

void append_begin(const pp::ingest::EntitySpec& spec, AppendLoad* load);
// Loads one part (a chunk or the final part) into the canonical table. The
// earlier parts' rows this part supersedes are removed first.
void append_part(const pp::ingest::EntitySpec& spec, const char* sheet, int64 run_id, Datum plant,
                 const pp::ingest::StagedEntity& part, AppendLoad* load);
// After the final part: reconciles (inserted + quarantined = the entity's live
// rows, `live_rows`), analyzes, counts references.
SheetCounts append_finish(const pp::ingest::EntitySpec& spec, Datum plant, int64 live_rows, AppendLoad* load);

}  // namespace pp::pg::ingest
