// Reading the report tables' text cells (report_data.h: PostgreSQL's output
// text) and small text utilities the report writers share. Pure functions,
// locale-free (std::from_chars / std::to_chars), thread-safe.
#pragma once
#include "core/common/core_only.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pp::report::detail {

// The whole text as a finite double ("12", "-0.5", "1e+20", "1767225600.000000").
// nullopt for anything else: empty, spaces, a trailing character, "+1", hex,
// and the non-finite spellings below (the caller decides what they mean).
std::optional<double> parse_number(std::string_view text);

// PostgreSQL's spellings of non-finite values: "NaN", "Infinity", "-Infinity"
// (float8, numeric) and "infinity", "-infinity" (timestamps, and what
// extract(epoch FROM ...) gives for them). The reports write them as text.
bool is_non_finite_spelling(std::string_view text);

// Unix seconds (text; fractions rounded to the nearest second) -> the Excel
// serial of the 1900 date system. nullopt when the text is not a number or
// the instant is outside Excel's dates (1900-01-01 .. 9999-12-31 23:59:59).
std::optional<double> unix_text_to_serial(std::string_view text);
// The same for a number of Unix seconds already parsed.
std::optional<double> unix_to_serial(double unix_seconds);

// "t" / "true" -> true, "f" / "false" -> false (PostgreSQL prints "t" / "f").
std::optional<bool> parse_bool(std::string_view text);

// Shortest text that reads back as the same double ("0.1", "3", "1e+300").
std::string number_text(double value);

// Natural order for ids: runs of ASCII digits compare by value ("WC2" < "WC10",
// "2" < "10"), everything else bytewise. A strict weak order that equals ==
// only for equal strings ("007" and "7" differ: fewer leading zeros first).
bool natural_less(std::string_view a, std::string_view b);

// Code points of UTF-8 text (invalid bytes count one each).
std::size_t utf8_length(std::string_view text);
// Code units Excel counts for a sheet name: UTF-16 (a code point above
// U+FFFF counts 2).
std::size_t utf16_length(std::string_view text);
// The longest prefix of at most max_bytes that does not cut a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);

// Excel's limit on the text of a cell or a note (libxlsxwriter rejects longer
// strings); longer texts are cut to it (utf8_prefix) by the writers.
inline constexpr std::size_t kMaxCellText = 32767;

}  // namespace pp::report::detail
