#include "pg/backend_heap.h"

#include <cstdlib>  // defines __GLIBC__ on glibc

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace pp::pg {

#if defined(__GLIBC__)
namespace {
// Whether this process ever changed glibc's thresholds: until then -1 leaves
// glibc's adaptive thresholds untouched.
bool changed = false;
// glibc's starting thresholds (DEFAULT_MMAP_THRESHOLD_MIN and
// DEFAULT_TRIM_THRESHOLD), in bytes.
constexpr int kGlibcDefaultBytes = 128 * 1024;
}  // namespace
#endif

void assign_backend_heap_retain(int kb, void*) {
#if defined(__GLIBC__)
  if (kb < 0 && !changed) return;
  // Back to -1 after a value: glibc's starting thresholds. Its adaptive
  // raising of them (switched off by any mallopt of these two) comes back
  // only in a process that never had a value: a new backend, or after a
  // server restart when postgresql.conf had set one (backends inherit the
  // postmaster's allocator state at fork).
  const int bytes = kb < 0 ? kGlibcDefaultBytes : kb * 1024;
  // The mmap threshold first: blocks under it come from the heap, and the
  // trim threshold then decides how much of the freed heap stays mapped.
  mallopt(M_MMAP_THRESHOLD, bytes);
  mallopt(M_TRIM_THRESHOLD, bytes);
  changed = true;
#else
  (void)kb;
#endif
}

}  // namespace pp::pg
