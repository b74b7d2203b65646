#include "core/fresh_pages.h"

#include <sys/mman.h>

#include <cstdint>

namespace fss {
namespace {

constexpr uintptr_t kHugePage = uintptr_t{1} << 21;

}  // namespace

void advise_huge_pages(void* data, size_t bytes) {
  const auto begin = reinterpret_cast<uintptr_t>(data);
  const uintptr_t first = (begin + kHugePage - 1) & ~(kHugePage - 1);
  const uintptr_t last = (begin + bytes) & ~(kHugePage - 1);
  if (last <= first) return;
  ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
}

void populate_in_parallel(void* data, size_t bytes) {
  // madvise wants page-aligned ranges; the partial pages at either end are left to the writer.
  // Kernels before 5.14 refuse MADV_POPULATE_WRITE (EINVAL): the writer then faults as before.
  constexpr uintptr_t kPage = 4096;
  constexpr uintptr_t kPiece = 64 * kHugePage;  // 128 MiB per call: enough pieces to share out
  const auto begin = reinterpret_cast<uintptr_t>(data);
  const uintptr_t first = (begin + kPage - 1) & ~(kPage - 1);
  const uintptr_t last = (begin + bytes) & ~(kPage - 1);
  if (last <= first) return;
  const int64_t pieces = static_cast<int64_t>((last - first + kPiece - 1) / kPiece);
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t p = 0; p < pieces; ++p) {
    const uintptr_t from = first + static_cast<uintptr_t>(p) * kPiece;
    const uintptr_t to = from + kPiece < last ? from + kPiece : last;
    ::madvise(reinterpret_cast<void*>(from), to - from, MADV_POPULATE_WRITE);
  }
}

}  // namespace fss
