// fetch_text_table (spi_text.h).
#include "pg/spi_text.h"

#include "pg/pg_includes.h"

namespace pp::pg {

pp::planning::TextTable fetch_text_table(const char* who, const char* sql, int nargs, unsigned int* types,
                                         std::uintptr_t* values) {
  if (SPI_execute_with_args(sql, nargs, (Oid*)types, (Datum*)values, NULL, true, 0) != SPI_OK_SELECT)
    elog(ERROR, "%s: query failed: %s", who, sql);
  pp::planning::TextTable t;
  t.rows = (int64)SPI_processed;
  t.cols = SPI_tuptable->tupdesc->natts;
  char** cells = (char**)palloc(sizeof(char*) * Max(t.rows * t.cols, 1));
  for (int64 r = 0; r < t.rows; r++)
    for (int c = 0; c < t.cols; c++) cells[r * t.cols + c] = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, c + 1);
  t.cells = cells;
  return t;
}

}  // namespace pp::pg
