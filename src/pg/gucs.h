// prodplan.* settings. Defined in _PG_init, so they exist whether or not the
// library is preloaded (they appear once a prodplan function has been called).
#pragma once

namespace pp::pg {

void define_gucs();

// Limits of the xlsx reader (superuser-only: they guard the backend's memory
// against hostile workbooks).
extern int guc_xlsx_max_uncompressed_mb;
extern double guc_xlsx_max_ratio;
extern int guc_xlsx_max_shared_strings_mb;
extern int guc_xlsx_parse_threads;

}  // namespace pp::pg
