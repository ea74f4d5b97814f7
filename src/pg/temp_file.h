// Temporary files for the workbooks the backend writes (libxlsxwriter
// writes to a path), and reading one back as a bytea. Shared by
// demo_workbook and the Excel reports.
//
// Call from plain frames (these ereport).
#pragma once

#include <cstddef>

namespace pp::pg {

// Creates an empty file under $TMPDIR (else /tmp) named prefix-XXXXXX and
// returns its palloc'd path; the caller unlinks it (in PG_FINALLY).
char* make_temp_file(const char* who, const char* prefix);

// Reads a whole file into a palloc'd buffer (huge allocation allowed) and
// sets *len; the data starts at buf + VARHDRSZ, so the caller can make it a
// bytea.
char* read_whole_file(const char* path, std::size_t* len);

// The file as a bytea; an error naming `who` when it is over the 1 GB limit.
void* read_file_bytea(const char* who, const char* path);

}  // namespace pp::pg
