#include "cli/preflight.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>

#include "core/error.h"

namespace fss::cli {
namespace {

std::optional<uint64_t> mem_available_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  uint64_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit)
    if (key == "MemAvailable:") return kib * 1024;
  return std::nullopt;
}

std::string gib(uint64_t bytes) { return fmt::format("{:.2f} GiB", bytes / double(1 << 30)); }

}  // namespace

uint64_t activation_bytes_estimate(const ModelConfig& config, int64_t batch, int64_t seq_len) {
  // Widest per-token tensors (hidden, feed-forward, attention scores of all heads), 8 bytes a
  // value, times the copies a layer keeps alive (inputs, masks, outputs, softmax and norm
  // intermediates). bert-tiny at 128 tokens: a party's peak RSS is 240 MB; the 197 MB key file
  // and 7 MB of inputs leave 36 MB, 7 MB of them the program itself; this estimate gives 34 MB.
  constexpr uint64_t kLiveCopies = 64;
  const uint64_t tokens = static_cast<uint64_t>(batch * seq_len);
  const uint64_t widest = std::max<uint64_t>(
      {static_cast<uint64_t>(config.hidden_size), static_cast<uint64_t>(config.intermediate_size),
       static_cast<uint64_t>(config.num_heads) * static_cast<uint64_t>(seq_len)});
  return kLiveCopies * tokens * widest * sizeof(uint64_t);
}

void require_memory(const std::string& what, uint64_t needed, const std::string& detail) {
  const std::optional<uint64_t> available = mem_available_bytes();
  if (available && needed > *available)
    fail(ErrorKind::kIo, "not enough memory for {}: needs {} ({}), MemAvailable is {}", what,
         gib(needed), detail, gib(*available));
}

void require_disk(const std::filesystem::path& directory, const std::string& what,
                  uint64_t needed) {
  struct statvfs info;
  if (::statvfs(directory.c_str(), &info) != 0)
    fail(ErrorKind::kIo, "cannot query free space of {}: {}", directory.string(),
         std::strerror(errno));
  const uint64_t free_bytes = static_cast<uint64_t>(info.f_bavail) * info.f_frsize;
  if (needed > free_bytes)
    fail(ErrorKind::kIo, "not enough disk space in {} for {}: needs {}, {} free",
         directory.string(), what, gib(needed), gib(free_bytes));
}

uint64_t gpu_bytes_estimate(uint64_t largest_record_bytes, uint64_t activation_bytes) {
  constexpr uint64_t kRecordCopies = 4;  // in-memory layout (<= 2x) and the gate's outputs
  return kRecordCopies * largest_record_bytes + activation_bytes;
}

void require_gpu_memory(const std::string& what, int device, uint64_t needed,
                        std::optional<uint64_t> free_bytes, const std::string& detail) {
  if (free_bytes && needed > *free_bytes)
    fail(ErrorKind::kIo, "not enough GPU memory for {}: needs {} ({}), GPU {} has {} free", what,
         gib(needed), detail, device, gib(*free_bytes));
}

bool choose_resident_keys(const std::string& key_memory, const std::string& what, int device,
                          uint64_t streamed_bytes, uint64_t key_bytes,
                          std::optional<uint64_t> free_bytes, const std::string& detail) {
  const uint64_t resident_bytes = streamed_bytes + key_bytes;
  const bool resident = key_memory == "device" ||
                        (key_memory == "auto" && (!free_bytes || resident_bytes <= *free_bytes));
  require_gpu_memory(what, device, resident ? resident_bytes : streamed_bytes, free_bytes,
                     fmt::format("{}, keys {:.3f} GB {}", detail, key_bytes / 1e9,
                                 resident ? "resident" : "streamed from host memory"));
  return resident;
}

}  // namespace fss::cli
