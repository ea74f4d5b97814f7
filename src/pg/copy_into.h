// Bulk loading through COPY FROM's own machinery (partition routing, multi-insert
// buffers, constraint checks), fed from a memory buffer instead of a file or the
// client. Plain PostgreSQL code: call it only from frames without live C++
// objects (it can ereport).
#pragma once

#include <cstddef>

namespace pp::pg {

// Copies `len` bytes of COPY text-format rows into prodplan.<table> (columns in
// the given order). The caller must hold INSERT privilege on the table; it is
// checked here. Returns the number of rows inserted.
std::size_t copy_into_table(const char* table, const char* const* columns, int ncolumns,
                            const char* data, std::size_t len);

// The same into any relation by OID (e.g. a temporary staging table).
std::size_t copy_into_relation(unsigned int relid, const char* const* columns, int ncolumns,
                               const char* data, std::size_t len);

}  // namespace pp::pg
