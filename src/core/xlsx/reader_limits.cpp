#include "core/xlsx/reader_limits.h"

#include "core/common/errors.h"

namespace pp::xlsx {

void throw_reader_limit(const std::string& what, const char* limit_name,
                        const std::string& limit_value) {
  throw Error(ErrorKind::ProgramLimit,
              what + " exceeds the xlsx reader limit " + limit_name + " = " + limit_value,
              std::string("raise the limit ") + limit_name +
                  " only if the workbook is trusted: it guards against zip bombs and "
                  "memory exhaustion");
}

void throw_reader_limit(const std::string& what, const char* limit_name,
                        std::uint64_t limit_value) {
  throw_reader_limit(what, limit_name, std::to_string(limit_value));
}

void throw_not_xlsx(const std::string& why, std::string hint) {
  throw Error(ErrorKind::DataException, "not an xlsx workbook: " + why, std::move(hint));
}

void throw_bad_data(const std::string& message, std::string hint) {
  throw Error(ErrorKind::DataException, message, std::move(hint));
}

}  // namespace pp::xlsx
