// OOXML's escape for characters XML cannot carry (ECMA-376 ST_Xstring):
// "_xHHHH_" is the UTF-16 code unit HHHH (hex), so a string holding a control
// character is written "_x0007_", a carriage return "_x000D_", and a literal
// "_x" sequence is protected as "_x005F_x..." ("_x005F_" is '_'). Excel,
// libxlsxwriter and the reader agree on it; shared and inline strings are
// decoded, numbers and sheet names are not.
#pragma once
#include "core/common/core_only.h"

#include <cstddef>
#include <string>

namespace pp::xlsx {

// Decodes the escapes of s[from..] in place (the result is never longer).
// A surrogate pair written as two escapes becomes one UTF-8 character; a lone
// surrogate becomes U+FFFD; "_x0000_" is kept as written (text cannot hold NUL).
// Cheap when s[from..] has no '_' (one memchr).
void decode_ooxml_escapes(std::string& s, std::size_t from = 0);

}  // namespace pp::xlsx
