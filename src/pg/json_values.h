// JSON text for column values, written the way PostgreSQL's json functions
// (json_build_object, json_agg, to_json) write them, so a document built
// value by value in C reads byte for byte like one built in SQL.
#pragma once

#include "pg/pg_includes.h"

namespace pp::pg {

// Appends `value` of type `typid` as JSON: null; true/false; integers as
// digits; float8 as float8out writes it (extra_float_digits applies), quoted
// when it is NaN or infinite; text quoted and escaped; timestamptz quoted in
// ISO 8601 with the session's time zone. Any other type is an error.
void append_json_value(StringInfo buf, Datum value, bool isnull, Oid typid);

// Appends `"key" : ` as json_build_object separates a key from its value.
void append_json_key(StringInfo buf, const char* key);

}  // namespace pp::pg
