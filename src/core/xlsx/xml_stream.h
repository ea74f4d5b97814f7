// The expat driver: feeds XML to a SAX parser chunk by chunk and dispatches
// start / end / character events to a handler object without virtual calls.
// Two ways to feed it: pull a whole zip entry (parse(): 256 KiB at a time,
// inflated straight into expat's buffer), or push pieces (attach() + feed()).
//
// A handler H has
//   void on_start(const char* name, const char** attributes);  // expat's pairs
//   void on_end(const char* name);
//   void on_text(const char* s, int len);   // character data, possibly split
//   std::string where() const;              // " (near row 7)" for error messages, or ""
// It may throw: the exception is caught in the callback (C++ exceptions must
// not unwind through expat's C frames), the parser is stopped, and parse() /
// feed() rethrow it once expat has returned.
//
// Refused: any document type declaration (DTD), hence entity declarations and
// entity-expansion attacks ("billion laughs"), and external entities; xlsx
// parts never have a DTD. A single XML token (a tag, an attribute, a comment)
// larger than the token limit is refused too, so expat's buffer stays bounded.
// Malformed XML, including invalid UTF-8, is a pp::Error(DataException) naming
// the part, the line and column (unless the stream is a fragment whose lines
// mean nothing, see report_lines) and the handler's where().
#pragma once
#include "core/common/core_only.h"
#include "core/common/cancel.h"
#include "core/xlsx/zip_archive.h"

#include <expat.h>

#include <cstdint>
#include <cstring>
#include <exception>
#include <string>

namespace pp::xlsx {

// Element and attribute names are compared without their namespace prefix
// ("x:row" is "row"): writers use the default namespace or any prefix, and
// Strict OOXML has other namespace URIs for the same local names.
inline const char* local_name(const char* name) noexcept {
  for (const char* p = name; *p != '\0'; ++p) {  // names are short: no strchr call
    if (*p == ':') return p + 1;
  }
  return name;
}

// The value of the attribute with that local name (and no prefix, unless
// `prefixed` asks for one, as for r:id), or nullptr.
inline const char* find_attribute(const char** atts, const char* local, bool prefixed = false) {
  for (; atts[0] != nullptr; atts += 2) {
    const char* colon = std::strchr(atts[0], ':');
    if ((colon != nullptr) != prefixed) continue;
    if (std::strcmp(colon != nullptr ? colon + 1 : atts[0], local) == 0) return atts[1];
  }
  return nullptr;
}

// Malformed XML is thrown as a pp::Error(DataException) that also derives from
// this tag (not from std::exception, so catch (const std::exception&) stays
// unambiguous): the parallel sheet reader tells it apart from the handler's
// own errors with catch (const XmlSyntaxTag&).
struct XmlSyntaxTag {};

class XmlStream {
 public:
  // `what` names the part in error messages, e.g. "sheet 'Orders' (xl/worksheets/sheet1.xml)".
  // report_lines = false: messages name no line/column (for fragments).
  XmlStream(std::string what, std::uint64_t max_token_bytes, bool report_lines = true);
  ~XmlStream();
  XmlStream(const XmlStream&) = delete;
  XmlStream& operator=(const XmlStream&) = delete;

  // Pulls the whole entry through the handler.
  template <class H>
  void parse(ZipEntryReader& in, H& handler, const CancelToken& cancel) {
    attach(handler);
    feed_from(in, cancel);
  }

  // Push mode: attach once, then feed pieces; the last call has final = true.
  template <class H>
  void attach(H& handler) {
    ctx_ = Context{this, &handler};
    where_ = &Trampolines<H>::where;
    install(&Trampolines<H>::start, &Trampolines<H>::end, &Trampolines<H>::text);
  }
  void feed(const char* data, std::size_t n, bool final);
  // Feeds the rest of `in` (polling `cancel` every chunk), then ends the document.
  void feed_from(ZipEntryReader& in, const CancelToken& cancel);

  // Ready for a new document (keeps expat's buffers; handlers must be attached again).
  void reset();

  const std::string& what() const { return what_; }
  void set_report_lines(bool on) { report_lines_ = on; }
  // Current parser position, "line L, column C".
  std::string location() const;

  // Size of expat's read buffer in pull mode; also how often `cancel` is polled.
  static constexpr std::size_t kChunkBytes = 256 * 1024;

 private:
  struct Context {
    XmlStream* stream;
    void* handler;
  };

  template <class H>
  struct Trampolines {
    static void start(void* ud, const XML_Char* name, const XML_Char** atts) {
      auto* c = static_cast<Context*>(ud);
      ++c->stream->events_;
      try {
        static_cast<H*>(c->handler)->on_start(name, atts);
      } catch (...) {
        c->stream->abort(std::current_exception());
      }
    }
    static void end(void* ud, const XML_Char* name) {
      auto* c = static_cast<Context*>(ud);
      ++c->stream->events_;
      try {
        static_cast<H*>(c->handler)->on_end(name);
      } catch (...) {
        c->stream->abort(std::current_exception());
      }
    }
    static void text(void* ud, const XML_Char* s, int len) {
      auto* c = static_cast<Context*>(ud);
      ++c->stream->events_;
      try {
        static_cast<H*>(c->handler)->on_text(s, len);
      } catch (...) {
        c->stream->abort(std::current_exception());
      }
    }
    static std::string where(const void* h) { return static_cast<const H*>(h)->where(); }
  };

  static void on_doctype(void* ud, const XML_Char*, const XML_Char*, const XML_Char*, int);
  static void on_entity(void* ud, const XML_Char*, int, const XML_Char*, int, const XML_Char*,
                        const XML_Char*, const XML_Char*, const XML_Char*);

  void configure();
  void install(XML_StartElementHandler start, XML_EndElementHandler end,
               XML_CharacterDataHandler text);
  // After XML_Parse*: rethrows a handler's exception or reports a syntax error;
  // then enforces the token limit.
  void after_parse(XML_Status status, std::size_t fed, bool final);
  [[noreturn]] void syntax_error(bool final);
  void abort(std::exception_ptr e) noexcept;

  XML_Parser parser_;
  std::string what_;
  std::uint64_t max_token_bytes_;
  bool report_lines_;
  Context ctx_{nullptr, nullptr};
  std::string (*where_)(const void*) = nullptr;
  std::uint64_t events_ = 0;
  std::uint64_t seen_events_ = 0;
  std::uint64_t bytes_without_event_ = 0;
  std::exception_ptr pending_;
};

}  // namespace pp::xlsx
