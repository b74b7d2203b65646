#include "mpc/heap_reuse.h"

#include <malloc.h>

namespace fss {

void keep_freed_memory_for_reuse() {
  // One arena: party threads and their OpenMP workers free blocks that another thread allocates
  // next, and per-thread arenas cap their heaps at 64 MB, beyond which blocks are mmap'ed.
  mallopt(M_ARENA_MAX, 1);
  // Serve blocks up to 1 GiB from the heap, not from a fresh mmap each, and give the heap back
  // to the kernel only when 2 GiB at its top are free.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 0x7fffffff);
}

}  // namespace fss
