#pragma once
// Resource checks before a long job starts (docs/deployment.md): a run that cannot fit is
// refused up front with the sizes named, instead of dying of OOM or a full disk halfway.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "nn/model_config.h"

namespace fss::cli {

// A rough upper estimate of the live activations (masked values, shares, gate outputs) of one
// secure forward pass: a small multiple of the largest per-layer tensors, in bytes.
uint64_t activation_bytes_estimate(const ModelConfig& config, int64_t batch, int64_t seq_len);

// Throws kIo ("not enough memory for <what>: needs ... (detail), MemAvailable is ...") if
// `needed` exceeds /proc/meminfo's MemAvailable. Does nothing where MemAvailable is unknown.
void require_memory(const std::string& what, uint64_t needed, const std::string& detail);
// The GPU memory one party (or the dealer) needs with --backend cuda: keys are streamed, so the
// device holds one gate's keys (uploaded in their in-memory layout, up to about twice the
// serialized record, with the gate's outputs) and the operands of one product at a time.
uint64_t gpu_bytes_estimate(uint64_t largest_record_bytes, uint64_t activation_bytes);

// Throws kIo ("not enough GPU memory for <what>: needs ... (detail), GPU <device> has ... free")
// if `needed` exceeds free_bytes; does nothing when free_bytes is unknown.
void require_gpu_memory(const std::string& what, int device, uint64_t needed,
                        std::optional<uint64_t> free_bytes, const std::string& detail);

// Whether keys go resident in GPU memory for --key-memory `key_memory`: "host" never; "device"
// always, after require_gpu_memory for streamed_bytes + key_bytes; "auto" when that fits (or
// free memory is unknown). Without residency, require_gpu_memory for streamed_bytes.
bool choose_resident_keys(const std::string& key_memory, const std::string& what, int device,
                          uint64_t streamed_bytes, uint64_t key_bytes,
                          std::optional<uint64_t> free_bytes, const std::string& detail);

// Throws kIo naming the directory if its file system has fewer than `needed` bytes free.
void require_disk(const std::filesystem::path& directory, const std::string& what, uint64_t needed);

}  // namespace fss::cli
