#include "core/forecast/forecast_method.h"

#include "core/common/errors.h"

#include <array>
#include <cctype>

namespace pp::forecast {

namespace {

// In enum order: method_name indexes it, parse_method searches it.
constexpr std::array<const char*, 9> kNames = {"naive", "ses",  "holt", "holt_winters", "croston",
                                               "sba",   "tsb",  "adida", "auto"};

}  // namespace

const char* method_name(Method m) { return kNames[static_cast<std::size_t>(m)]; }

Method parse_method(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (lower == kNames[i]) return static_cast<Method>(i);
  std::string valid;
  for (const char* n : kNames) valid += (valid.empty() ? "" : ", ") + std::string(n);
  throw_invalid("unknown forecast method \"" + std::string(text) + "\": expected one of " + valid);
}

bool is_intermittent_method(Method m) {
  return m == Method::Croston || m == Method::Sba || m == Method::Tsb || m == Method::Adida;
}

}  // namespace pp::forecast
