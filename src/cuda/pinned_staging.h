#pragma once
// Host <-> device copies through pinned buffers. A copy from or to pageable memory is staged by
// the driver one small buffer at a time on one thread: 5.0 GB/s to the device and 8.6 GB/s back on
// the H100 host, against 48.9 and 54.9 GB/s from pinned memory (bench/results/
// gpu-h100-fss-20261125.json). Large copies here go through two pinned buffers per thread instead:
// OpenMP threads fill (or empty) one while the DMA of the other runs on kStream.
#include <cstddef>

namespace fss::gpu {

// Copies below this size go straight from pageable memory: their latency, not bandwidth, counts.
inline constexpr size_t kStagedCopyBytes = size_t{1} << 20;

// device[0, bytes) = host[0, bytes), ordered on kStream. Returns once `host` may be reused.
void staged_copy_to_device(const void* host, void* device, size_t bytes);

// host[0, bytes) = device[0, bytes) after the thread's earlier work on kStream. Returns once
// `host` holds the bytes.
void staged_copy_to_host(const void* device, void* host, size_t bytes);

}  // namespace fss::gpu
