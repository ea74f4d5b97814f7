// The fast path of the parallel sheet parse (internal): a fragment of whole
// rows is scanned by a small XML tokenizer made for the shape every producer
// writes (start and end tags with ASCII names, quoted attribute values without
// entities or line breaks, text with the five predefined entities and
// character references, UTF-8), which delivers the same start / end / text
// events expat would (sheet_pipeline.h parses a fragment as
// <pp-rows>fragment</pp-rows>; so does this).
//
// Why: expat parses ~100-150 MB of sheet XML per second on one core and is the
// largest share of an ingestion's CPU; a sheet's rows are a narrow, regular
// subset of XML that a tokenizer without a general grammar reads several times
// faster.
//
// Contract: fast_parse_rows returns true only for a fragment that is
// well-formed XML inside the subset, after delivering every event to the
// handler. On anything else (a comment, CDATA, a processing instruction, an
// entity in an attribute, a control character or a carriage return, invalid
// or non-character UTF-8, "]]>" in text, mismatched or unclosed tags, a
// duplicate attribute, a token over max_token_bytes, ...) it returns false at
// once, and the caller must parse the fragment again with expat from a fresh
// handler and an empty batch: expat then decides, with its own errors. A
// handler exception propagates; the caller treats it the same way (expat
// parses the fragment again, so an error expat would report first wins).
#pragma once
#include "core/common/core_only.h"

#include <cstddef>
#include <cstdint>

namespace pp::xlsx {

class SheetHandler;

bool fast_parse_rows(const char* data, std::size_t size, std::uint64_t max_token_bytes, SheetHandler& handler);

}  // namespace pp::xlsx
