#pragma once
// Resource checks before a long job starts (docs/deployment.md): a run that cannot fit is
// refused up front with the sizes named, instead of dying of OOM or a full disk halfway.
#include <cstdint>
#include <filesystem>
#include <string>

#include "nn/model_config.h"

namespace fss::cli {

// A rough upper estimate of the live activations (masked values, shares, gate outputs) of one
// secure forward pass: a small multiple of the largest per-layer tensors, in bytes.
uint64_t activation_bytes_estimate(const ModelConfig& config, int64_t batch, int64_t seq_len);

// Throws kIo ("not enough memory for <what>: needs ... (detail), MemAvailable is ...") if
// `needed` exceeds /proc/meminfo's MemAvailable. Does nothing where MemAvailable is unknown.
void require_memory(const std::string& what, uint64_t needed, const std::string& detail);
// Throws kIo naming the directory if its file system has fewer than `needed` bytes free.
void require_disk(const std::filesystem::path& directory, const std::string& what, uint64_t needed);

}  // namespace fss::cli
