#include "pg/boundary.h"

#include "pg/pg_includes.h"

namespace pp::pg {

namespace {
bool interrupt_pending() {
  // Only cancel and terminate requests stop the core; other interrupts (e.g.
  // catch-up or barrier signals) are served at the next CHECK_FOR_INTERRUPTS.
  return QueryCancelPending || ProcDiePending;
}

int sqlstate_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::InvalidParameter: return ERRCODE_INVALID_PARAMETER_VALUE;
    case ErrorKind::DataException: return ERRCODE_DATA_EXCEPTION;
    case ErrorKind::ProgramLimit: return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
    case ErrorKind::Internal: break;
  }
  return ERRCODE_INTERNAL_ERROR;
}
}  // namespace

CancelToken backend_cancel_token() { return CancelToken(&interrupt_pending); }

void raise_failure(const FailureInfo& info, const char* function) {
  switch (info.failure) {
    case Failure::Cancelled:
      // The core unwound because of a pending interrupt: let PostgreSQL raise
      // the real cancel/terminate error (with its usual message and SQLSTATE).
      CHECK_FOR_INTERRUPTS();
      ereport(ERROR, (errcode(ERRCODE_QUERY_CANCELED),
                      errmsg("%s: canceled", function)));
      break;
    case Failure::OutOfMemory:
      ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY),
                      errmsg("%s: out of memory", function)));
      break;
    case Failure::Error:
      ereport(ERROR, (errcode(sqlstate_for(info.kind)),
                      errmsg("%s", info.message),
                      info.hint[0] ? errhint("%s", info.hint) : 0,
                      errcontext("prodplan function %s", function)));
      break;
    case Failure::Unknown:
    case Failure::None:
      ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
                      errmsg("%s: internal error: %s", function, info.message)));
      break;
  }
  pg_unreachable();
}

}  // namespace pp::pg
