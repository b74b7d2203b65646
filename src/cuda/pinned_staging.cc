#include "cuda/pinned_staging.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "cuda/device_buffer.h"

namespace fss::gpu {
namespace {

constexpr size_t kPieceBytes = size_t{32} << 20;  // per pinned buffer; two per thread
constexpr size_t kMemcpyShare = size_t{1} << 20;  // what one OpenMP thread copies at a time

// memcpy on the OpenMP threads, in shares of kMemcpyShare bytes.
void parallel_memcpy(void* to, const void* from, size_t bytes) {
  const auto shares = static_cast<int64_t>((bytes + kMemcpyShare - 1) / kMemcpyShare);
#pragma omp parallel for schedule(static) if (shares > 1)
  for (int64_t s = 0; s < shares; ++s) {
    const size_t first = static_cast<size_t>(s) * kMemcpyShare;
    std::memcpy(static_cast<uint8_t*>(to) + first, static_cast<const uint8_t*>(from) + first,
                std::min(kMemcpyShare, bytes - first));
  }
}

// One pinned buffer and the event that marks the end of the DMA that last used it.
struct Slot {
  void* pinned = nullptr;
  cudaEvent_t done = nullptr;
  bool busy = false;  // a DMA was recorded on `done` and not yet waited for

  void wait() {
    if (busy) check_cuda(cudaEventSynchronize(done), "staging wait");
    busy = false;
  }
  void mark() {
    check_cuda(cudaEventRecord(done, kStream), "staging event");
    busy = true;
  }
};

// The calling thread's two slots, made on first use. Freed at thread exit; errors there are
// ignored (the CUDA context may already be gone at process exit).
class Staging {
 public:
  Slot& slot(int k) {
    if (slots_[0].pinned == nullptr)
      for (Slot& s : slots_) {
        check_cuda(cudaMallocHost(&s.pinned, kPieceBytes), "pinned staging allocation");
        check_cuda(cudaEventCreateWithFlags(&s.done, cudaEventDisableTiming), "staging event");
      }
    return slots_[k % 2];
  }
  ~Staging() {
    for (Slot& s : slots_) {
      if (s.done != nullptr) {
        if (s.busy) cudaEventSynchronize(s.done);
        cudaEventDestroy(s.done);
      }
      if (s.pinned != nullptr) cudaFreeHost(s.pinned);
    }
  }

 private:
  Slot slots_[2];
};

Staging& staging() {
  thread_local Staging staging;
  return staging;
}

}  // namespace

void staged_copy_to_device(const void* host, void* device, size_t bytes) {
  if (bytes < kStagedCopyBytes) {
    check_cuda(cudaMemcpyAsync(device, host, bytes, cudaMemcpyHostToDevice, kStream),
               "copy to device");
    return;
  }
  for (size_t offset = 0, k = 0; offset < bytes; offset += kPieceBytes, ++k) {
    const size_t n = std::min(kPieceBytes, bytes - offset);
    Slot& slot = staging().slot(static_cast<int>(k));
    slot.wait();  // its previous DMA has read it
    parallel_memcpy(slot.pinned, static_cast<const uint8_t*>(host) + offset, n);
    check_cuda(cudaMemcpyAsync(static_cast<uint8_t*>(device) + offset, slot.pinned, n,
                               cudaMemcpyHostToDevice, kStream),
               "staged copy to device");
    slot.mark();
  }
}

void staged_copy_to_host(const void* device, void* host, size_t bytes) {
  if (bytes < kStagedCopyBytes) {
    check_cuda(cudaMemcpyAsync(host, device, bytes, cudaMemcpyDeviceToHost, kStream),
               "copy to host");
    synchronize_stream("copy to host");
    return;
  }
  const size_t pieces = (bytes + kPieceBytes - 1) / kPieceBytes;
  const auto issue = [&](size_t k) {
    const size_t offset = k * kPieceBytes;
    Slot& slot = staging().slot(static_cast<int>(k));
    slot.wait();  // a staged upload may still be reading it
    check_cuda(cudaMemcpyAsync(slot.pinned, static_cast<const uint8_t*>(device) + offset,
                               std::min(kPieceBytes, bytes - offset), cudaMemcpyDeviceToHost,
                               kStream),
               "staged copy to host");
    slot.mark();
  };
  // Piece k + 1's DMA runs while the host empties piece k.
  issue(0);
  for (size_t k = 0; k < pieces; ++k) {
    if (k + 1 < pieces) issue(k + 1);
    Slot& slot = staging().slot(static_cast<int>(k));
    slot.wait();
    const size_t offset = k * kPieceBytes;
    parallel_memcpy(static_cast<uint8_t*>(host) + offset, slot.pinned,
                    std::min(kPieceBytes, bytes - offset));
  }
}

}  // namespace fss::gpu
