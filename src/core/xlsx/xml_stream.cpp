#include "core/xlsx/xml_stream.h"

#include "core/common/errors.h"

#include <limits>
#include <new>

// XML_SetReparseDeferralEnabled appeared in expat 2.6.0 (some distributions
// backport it without changing the version; we only rely on the version).
#if XML_MAJOR_VERSION > 2 || (XML_MAJOR_VERSION == 2 && XML_MINOR_VERSION >= 6)
#define PP_EXPAT_HAS_REPARSE_DEFERRAL 1
#else
#define PP_EXPAT_HAS_REPARSE_DEFERRAL 0
#endif

namespace pp::xlsx {

namespace {

// A DataException that the parallel sheet reader recognizes as an XML syntax error.
class SyntaxDataError : public Error, public XmlSyntaxTag {
 public:
  explicit SyntaxDataError(const std::string& msg) : Error(ErrorKind::DataException, msg) {}
};

}  // namespace

XmlStream::XmlStream(std::string what, std::uint64_t max_token_bytes, bool report_lines)
    : parser_(XML_ParserCreate(nullptr)),
      what_(std::move(what)),
      max_token_bytes_(max_token_bytes),
      report_lines_(report_lines) {
  if (parser_ == nullptr) throw std::bad_alloc();
  configure();
}

void XmlStream::configure() {
  ctx_ = Context{this, nullptr};
  where_ = nullptr;
  events_ = seen_events_ = bytes_without_event_ = 0;
  pending_ = nullptr;
  XML_SetUserData(parser_, &ctx_);
  XML_SetStartDoctypeDeclHandler(parser_, &XmlStream::on_doctype);
  XML_SetEntityDeclHandler(parser_, &XmlStream::on_entity);
  XML_SetParamEntityParsing(parser_, XML_PARAM_ENTITY_PARSING_NEVER);
#if PP_EXPAT_HAS_REPARSE_DEFERRAL
  // Keep expat's protection against quadratic re-parsing of huge tokens on
  // (it is the default; said explicitly so a future default cannot drop it).
  XML_SetReparseDeferralEnabled(parser_, XML_TRUE);
#endif
}

void XmlStream::reset() {
  if (XML_ParserReset(parser_, nullptr) != XML_TRUE) throw std::bad_alloc();
  configure();
}

XmlStream::~XmlStream() { XML_ParserFree(parser_); }

std::string XmlStream::location() const {
  return "line " + std::to_string(XML_GetCurrentLineNumber(parser_)) + ", column " +
         std::to_string(XML_GetCurrentColumnNumber(parser_) + 1);
}

void XmlStream::install(XML_StartElementHandler start, XML_EndElementHandler end,
                        XML_CharacterDataHandler text) {
  XML_SetElementHandler(parser_, start, end);
  XML_SetCharacterDataHandler(parser_, text);
}

void XmlStream::abort(std::exception_ptr e) noexcept {
  if (!pending_) pending_ = std::move(e);
  XML_StopParser(parser_, XML_FALSE);
}

void XmlStream::on_doctype(void* ud, const XML_Char*, const XML_Char*, const XML_Char*, int) {
  XmlStream* self = static_cast<Context*>(ud)->stream;
  try {
    throw Error(ErrorKind::DataException,
                self->what_ + " has a document type declaration (DTD)" +
                    (self->report_lines_ ? " at " + self->location() : std::string()) +
                    "; DTDs and entity declarations are refused in xlsx parts (they never "
                    "have one; entity expansion is a known attack)");
  } catch (...) {
    self->abort(std::current_exception());
  }
}

void XmlStream::on_entity(void* ud, const XML_Char*, int, const XML_Char*, int, const XML_Char*,
                          const XML_Char*, const XML_Char*, const XML_Char*) {
  // Unreachable while DTDs are refused (entities are declared in a DTD); kept
  // as a second lock.
  XmlStream* self = static_cast<Context*>(ud)->stream;
  try {
    throw Error(ErrorKind::DataException,
                self->what_ + " declares an XML entity; entity declarations are refused in "
                              "xlsx parts");
  } catch (...) {
    self->abort(std::current_exception());
  }
}

void XmlStream::syntax_error(bool final) {
  const XML_Error code = XML_GetErrorCode(parser_);
  if (code == XML_ERROR_NO_MEMORY) throw std::bad_alloc();
  std::string msg = what_ + ": malformed XML";
  if (report_lines_) msg += " at " + location();
  if (where_ != nullptr && ctx_.handler != nullptr) msg += where_(ctx_.handler);
  msg += ": ";
  msg += XML_ErrorString(code);
  switch (code) {
    case XML_ERROR_INVALID_TOKEN:
    case XML_ERROR_PARTIAL_CHAR:
    case XML_ERROR_BAD_CHAR_REF:
    case XML_ERROR_INCORRECT_ENCODING:
    case XML_ERROR_UNKNOWN_ENCODING:
      msg += " (invalid UTF-8, a character XML does not allow, or broken markup)";
      break;
    case XML_ERROR_NO_ELEMENTS:
    case XML_ERROR_UNCLOSED_TOKEN:
    case XML_ERROR_ASYNC_ENTITY:
      if (final) msg += " (the part is empty or truncated)";
      break;
    default:
      break;
  }
  throw SyntaxDataError(msg);
}

void XmlStream::after_parse(XML_Status status, std::size_t fed, bool final) {
  if (pending_) std::rethrow_exception(pending_);
  if (status != XML_STATUS_OK) syntax_error(final);
  if (final) return;
  if (events_ != seen_events_) {
    seen_events_ = events_;
    bytes_without_event_ = 0;
  } else {
    bytes_without_event_ += fed;
    if (bytes_without_event_ > max_token_bytes_) {
      throw_reader_limit(what_ + ": a single XML token (tag, attribute, comment)" +
                             (report_lines_ ? " at " + location() : std::string()) +
                             " larger than " + std::to_string(max_token_bytes_) + " bytes",
                         "max_row_text_bytes", max_token_bytes_);
    }
  }
}

void XmlStream::feed(const char* data, std::size_t n, bool final) {
  constexpr std::size_t kMaxPiece = std::numeric_limits<int>::max() / 2;
  do {
    const std::size_t piece = n < kMaxPiece ? n : kMaxPiece;
    const bool last = final && piece == n;
    after_parse(XML_Parse(parser_, data, static_cast<int>(piece), last ? XML_TRUE : XML_FALSE),
                piece, last);
    data += piece;
    n -= piece;
  } while (n > 0);
}

void XmlStream::feed_from(ZipEntryReader& in, const CancelToken& cancel) {
  for (;;) {
    void* buf = XML_GetBuffer(parser_, static_cast<int>(kChunkBytes));
    if (buf == nullptr) {
      if (pending_) std::rethrow_exception(pending_);
      throw std::bad_alloc();
    }
    const std::size_t n = in.read(buf, kChunkBytes);
    const bool last = n == 0;
    after_parse(XML_ParseBuffer(parser_, static_cast<int>(n), last ? XML_TRUE : XML_FALSE), n, last);
    if (last) break;
    cancel.poll();
  }
}

}  // namespace pp::xlsx
