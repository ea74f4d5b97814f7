// libFuzzer target: any text as a job-shop (Taillard/OR-Library) and as a
// flexible job-shop (Brandimarte) instance. A pp::Error is an expected
// outcome; what parses must pass validation.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/common/errors.h"
#include "core/schedule/jobshop_instance.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (auto format : {pp::schedule::JobShopFormat::Jsp, pp::schedule::JobShopFormat::Fjs}) {
    try {
      const pp::schedule::JobShopInstance inst = pp::schedule::parse_jobshop(text, format);
      if (inst.machine_count < 0) std::abort();
      (void)inst.operation_count();
    } catch (const pp::Error&) {
    }
  }
  return 0;
}
