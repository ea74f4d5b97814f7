// How much freed memory a backend keeps in its heap between queries
// (prodplan.backend_heap_retain). glibc's malloc gives the top of the heap
// back to the kernel once more than its trim threshold is free there, and
// serves blocks over its mmap threshold from mmap, unmapped at free. A read
// path that builds the same few MB each call (an order list's hash join and
// sort) then faults every page in again at the next call. Setting both
// thresholds to the same size keeps up to that much freed memory mapped in
// each backend, bounded: a backend holds at most that much more than glibc
// would have left it.
#pragma once

namespace pp::pg {

// Assign hook of prodplan.backend_heap_retain; value in kB, -1 = glibc's own
// behaviour. Runs in every process that loads the setting (the postmaster
// when preloaded, so forked backends inherit it; each backend again for a
// per-database or per-role value). Never fails: on a C library other than
// glibc it does nothing.
void assign_backend_heap_retain(int kb, void* extra);

// Largest value glibc accepts for its mmap threshold on 64-bit systems
// (HEAP_MAX_SIZE / 2), in kB.
constexpr int kBackendHeapRetainMaxKb = 32 * 1024;

}  // namespace pp::pg
