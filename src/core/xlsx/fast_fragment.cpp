#include "core/xlsx/fast_fragment.h"

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/xlsx/sheet_handler.h"

namespace pp::xlsx {

namespace {

bool name_start(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; }
bool name_char(unsigned char c) {
  return name_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}
bool space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Length of the UTF-8 sequence of an XML character starting at p (p < end,
// *p >= 0x80), or 0 when it is invalid UTF-8, a surrogate or U+FFFE/U+FFFF.
std::size_t utf8_char(const unsigned char* p, const unsigned char* end) {
  const unsigned char c = p[0];
  auto cont = [&](std::size_t i) { return p + i < end && (p[i] & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && p[1] < 0xA0) return 0;  // overlong
    if (c == 0xED && p[1] >= 0xA0) return 0;  // surrogates
    if (c == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF)) return 0;  // U+FFFE, U+FFFF
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && p[1] < 0x90) return 0;  // overlong
    if (c == 0xF4 && p[1] >= 0x90) return 0;  // over U+10FFFF
    return 4;
  }
  return 0;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// A character reference's code point (the text between "&#" and ";"), or 0
// when it is malformed or not an XML character.
std::uint32_t char_ref(std::string_view s) {
  std::uint32_t cp = 0;
  const bool hex = !s.empty() && s[0] == 'x';
  if (hex) s.remove_prefix(1);
  if (s.empty() || s.size() > 8) return 0;
  for (char ch : s) {
    int d;
    if (ch >= '0' && ch <= '9') d = ch - '0';
    else if (hex && ch >= 'a' && ch <= 'f') d = ch - 'a' + 10;
    else if (hex && ch >= 'A' && ch <= 'F') d = ch - 'A' + 10;
    else return 0;
    cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(d);
    if (cp > 0x10FFFF) return 0;
  }
  const bool ok = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
                  (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
  return ok ? cp : 0;
}

class Scanner {
 public:
  Scanner(const char* data, std::size_t size, std::uint64_t max_token, SheetHandler& h)
      : p_(reinterpret_cast<const unsigned char*>(data)), end_(p_ + size), max_token_(max_token), h_(h) {}

  bool run() {
    static const char* const kNoAtts[] = {nullptr};
    h_.on_start("pp-rows", const_cast<const char**>(kNoAtts));
    while (p_ < end_) {
      if (*p_ != '<') {
        if (!text()) return false;
      } else if (p_ + 1 < end_ && p_[1] == '/') {
        if (!end_tag()) return false;
      } else if (p_ + 1 < end_ && name_start(p_[1])) {
        if (!start_tag()) return false;
      } else {
        return false;  // a comment, CDATA, a processing instruction, or not XML
      }
    }
    if (!open_.empty()) return false;
    h_.on_end("pp-rows");
    return true;
  }

 private:
  // Character data up to the next '<': validated, entities decoded.
  bool text() {
    const unsigned char* start = p_;
    const void* lt = std::memchr(p_, '<', static_cast<std::size_t>(end_ - p_));
    const unsigned char* stop = lt != nullptr ? static_cast<const unsigned char*>(lt) : end_;
    if (static_cast<std::uint64_t>(stop - start) > max_token_) return false;
    decoded_.clear();
    bool decode = false;
    const unsigned char* q = start;
    const unsigned char* copied = start;  // bytes before it are in decoded_ (when decoding)
    while (q < stop) {
      const unsigned char c = *q;
      if (c >= 0x20 && c < 0x80 && c != '&' && c != ']') {
        ++q;
      } else if (c == ']') {
        if (stop - q >= 3 && q[1] == ']' && q[2] == '>') return false;  // "]]>" is not allowed in text
        ++q;
      } else if (c == '\t' || c == '\n') {
        ++q;
      } else if (c >= 0x80) {
        const std::size_t n = utf8_char(q, stop);
        if (n == 0) return false;
        q += n;
      } else if (c == '&') {
        const void* semi = std::memchr(q, ';', static_cast<std::size_t>(stop - q));
        if (semi == nullptr) return false;
        const auto* sc = static_cast<const unsigned char*>(semi);
        const std::string_view ref(reinterpret_cast<const char*>(q + 1), static_cast<std::size_t>(sc - q - 1));
        decode = true;
        decoded_.append(reinterpret_cast<const char*>(copied), static_cast<std::size_t>(q - copied));
        if (ref == "lt") decoded_.push_back('<');
        else if (ref == "gt") decoded_.push_back('>');
        else if (ref == "amp") decoded_.push_back('&');
        else if (ref == "quot") decoded_.push_back('"');
        else if (ref == "apos") decoded_.push_back('\'');
        else if (!ref.empty() && ref[0] == '#') {
          const std::uint32_t cp = char_ref(ref.substr(1));
          if (cp == 0) return false;
          append_utf8(decoded_, cp);
        } else {
          return false;  // an entity XML does not predefine
        }
        q = sc + 1;
        copied = q;
      } else {
        return false;  // a control character, or a carriage return (expat normalizes line ends)
      }
    }
    p_ = stop;
    if (decode) {
      decoded_.append(reinterpret_cast<const char*>(copied), static_cast<std::size_t>(stop - copied));
      h_.on_text(decoded_.data(), static_cast<int>(decoded_.size()));
    } else if (stop > start) {
      h_.on_text(reinterpret_cast<const char*>(start), static_cast<int>(stop - start));
    }
    return true;
  }

  // An ASCII name at p_; its length (0: none).
  std::size_t name() const {
    const unsigned char* q = p_;
    if (q >= end_ || !name_start(*q)) return 0;
    while (q < end_ && name_char(*q)) ++q;
    return static_cast<std::size_t>(q - p_);
  }

  void skip_space() {
    while (p_ < end_ && space(*p_)) ++p_;
  }

  bool start_tag() {
    const unsigned char* tag = p_;
    ++p_;
    const std::size_t n = name();
    buf_.clear();
    offsets_.clear();
    buf_.append(reinterpret_cast<const char*>(p_), n);
    buf_.push_back('\0');
    const unsigned char* tag_name = p_;
    p_ += n;
    bool empty = false;
    for (;;) {
      const bool had_space = p_ < end_ && space(*p_);
      skip_space();
      if (p_ >= end_) return false;
      if (*p_ == '>') {
        ++p_;
        break;
      }
      if (*p_ == '/') {
        if (p_ + 1 >= end_ || p_[1] != '>') return false;
        p_ += 2;
        empty = true;
        break;
      }
      if (!had_space) return false;  // attributes are separated by white space
      const std::size_t an = name();
      if (an == 0) return false;
      const std::string_view attr(reinterpret_cast<const char*>(p_), an);
      // A duplicate attribute is an error expat reports.
      for (std::size_t i = 0; i < offsets_.size(); i += 2)
        if (std::string_view(buf_.data() + offsets_[i]) == attr) return false;
      offsets_.push_back(buf_.size());
      buf_.append(attr);
      buf_.push_back('\0');
      p_ += an;
      skip_space();
      if (p_ >= end_ || *p_ != '=') return false;
      ++p_;
      skip_space();
      if (p_ >= end_ || (*p_ != '"' && *p_ != '\'')) return false;
      const unsigned char quote = *p_++;
      const void* close = std::memchr(p_, quote, static_cast<std::size_t>(end_ - p_));
      if (close == nullptr) return false;
      const auto* vend = static_cast<const unsigned char*>(close);
      for (const unsigned char* q = p_; q < vend;) {
        const unsigned char c = *q;
        if (c >= 0x20 && c < 0x80) {
          if (c == '<' || c == '&') return false;  // '<' is an error; entities are left to expat
          ++q;
        } else if (c >= 0x80) {
          const std::size_t len = utf8_char(q, vend);
          if (len == 0) return false;
          q += len;
        } else {
          return false;  // tabs and line ends are normalized by expat; controls are errors
        }
      }
      offsets_.push_back(buf_.size());
      buf_.append(reinterpret_cast<const char*>(p_), static_cast<std::size_t>(vend - p_));
      buf_.push_back('\0');
      p_ = vend + 1;
    }
    if (static_cast<std::uint64_t>(p_ - tag) > max_token_) return false;
    if (n == 0) return false;
    atts_.clear();
    for (std::size_t off : offsets_) atts_.push_back(buf_.data() + off);
    atts_.push_back(nullptr);
    h_.on_start(buf_.data(), atts_.data());
    if (empty) {
      h_.on_end(buf_.data());
    } else {
      open_.push_back(std::string_view(reinterpret_cast<const char*>(tag_name), n));
    }
    return true;
  }

  bool end_tag() {
    const unsigned char* tag = p_;
    p_ += 2;
    const std::size_t n = name();
    if (n == 0 || open_.empty()) return false;
    const std::string_view nm(reinterpret_cast<const char*>(p_), n);
    if (nm != open_.back()) return false;
    p_ += n;
    skip_space();
    if (p_ >= end_ || *p_ != '>') return false;
    ++p_;
    if (static_cast<std::uint64_t>(p_ - tag) > max_token_) return false;
    open_.pop_back();
    buf_.assign(nm);
    h_.on_end(buf_.c_str());
    return true;
  }

  const unsigned char* p_;
  const unsigned char* end_;
  std::uint64_t max_token_;
  SheetHandler& h_;
  std::string buf_;                 // the tag's name and attributes, each NUL-terminated
  std::vector<std::size_t> offsets_;
  std::vector<const char*> atts_;
  std::vector<std::string_view> open_;  // names of open elements (point into the fragment)
  std::string decoded_;
};

}  // namespace

bool fast_parse_rows(const char* data, std::size_t size, std::uint64_t max_token_bytes, SheetHandler& handler) {
  Scanner s(data, size, max_token_bytes, handler);
  return s.run();
}

}  // namespace pp::xlsx
