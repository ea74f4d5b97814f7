// The parallel sheet parse (internal; stream_sheet() chooses it for large
// sheets). expat parses ~100-150 MB of sheet XML per second on one core, well
// below zlib's inflate; so the calling thread inflates the entry and cuts it
// into fragments of whole rows (after a "</row>"), parse_threads - 1 worker
// threads parse the fragments into RowBatches (so does the calling thread
// instead of waiting idle; with parse_threads = 1 it parses them all), and the
// calling thread hands the rows out in order. A fragment is read by the fast
// tokenizer (fast_fragment.h) and, when that declines it, by the thread's own
// expat parser. Memory: a bounded number of fragments in flight
// (parse_threads + 2, about chunk_bytes each, and their batches).
//
// A fragment is parsed as <pp-rows>fragment</pp-rows>; the text before the
// first row and after the last one is parsed by the calling thread's own parser,
// which so sees a well-formed document (rows are complete elements). Cutting at
// "</row>" is only sound where that string is markup: an attribute value or
// text cannot hold '<', but a comment, CDATA section or processing instruction
// can, so from the first "<!" or "<?" after the preamble on, and wherever the
// shape is unexpected (no unprefixed <row in the first MiBs, a non-UTF-8
// encoding declaration, a fragment without a row number, a fragment that does
// not parse, a row bigger than the pending buffer), the rest of the sheet goes
// to the calling thread's parser: a sequential parse of a valid continuation,
// whose results and errors are the sequential ones.
#pragma once
#include "core/common/core_only.h"
#include "core/common/cancel.h"
#include "core/xlsx/sheet_reader.h"
#include "core/xlsx/zip_archive.h"

#include <functional>

namespace pp::xlsx {

SheetStats stream_sheet_parallel(const ZipArchive& zip, std::uint64_t index, const SheetContext& ctx,
                                 const std::function<void(const Row&)>& on_row,
                                 const CancelToken& cancel);

}  // namespace pp::xlsx
