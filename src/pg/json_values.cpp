#include "pg/json_values.h"

#include <cmath>

#include "pg/pg_includes.h"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/timestamp.h"
}

namespace pp::pg {

void append_json_value(StringInfo buf, Datum value, bool isnull, Oid typid) {
  if (isnull) {
    appendStringInfoString(buf, "null");
    return;
  }
  switch (typid) {
    case BOOLOID:
      appendStringInfoString(buf, DatumGetBool(value) ? "true" : "false");
      return;
    case INT2OID:
      appendStringInfo(buf, "%d", static_cast<int>(DatumGetInt16(value)));
      return;
    case INT4OID:
      appendStringInfo(buf, "%d", DatumGetInt32(value));
      return;
    case INT8OID:
      appendStringInfo(buf, INT64_FORMAT, DatumGetInt64(value));
      return;
    case FLOAT8OID: {
      // float8out: the GUC extra_float_digits decides the digits. json writes
      // NaN and the infinities as strings, JSON having no such numbers.
      char* str = DatumGetCString(DirectFunctionCall1(float8out, value));
      if (std::isfinite(DatumGetFloat8(value)))
        appendStringInfoString(buf, str);
      else
        escape_json(buf, str);
      pfree(str);
      return;
    }
    case TEXTOID:
    case VARCHAROID: {
      char* str = TextDatumGetCString(value);
      escape_json(buf, str);
      pfree(str);
      return;
    }
    case TIMESTAMPTZOID: {
      char stamp[MAXDATELEN + 1];
      appendStringInfo(buf, "\"%s\"", JsonEncodeDateTime(stamp, value, TIMESTAMPTZOID, nullptr));
      return;
    }
    default:
      elog(ERROR, "prodplan: no JSON form for type %u", typid);
  }
}

void append_json_key(StringInfo buf, const char* key) {
  escape_json(buf, key);
  appendStringInfoString(buf, " : ");
}

}  // namespace pp::pg
