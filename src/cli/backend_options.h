#pragma once
// --backend and --device, shared by `run`, `keygen` and `party`: where the gates' bulk
// operations run (crypto/backend.h). Backends compute the same bits, so the two parties and the
// dealer may each choose their own.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "crypto/backend.h"

namespace fss::cli {

// Adds --backend cpu|cuda and --device N (GPU index) to `command`.
void add_backend_options(CLI::App& command, std::string& backend, int& device);

// Adds --key-memory auto|device|host: where a party holds its keys during the online phase with
// --backend cuda (cli/preflight.h's choose_resident_keys decides "auto").
void add_key_memory_option(CLI::App& command, std::string& key_memory);

// The CPU backend, or a new CUDA backend on GPU `device` that `owned` keeps alive. Throws
// kInvalidArgument (naming --backend cuda) when this build or machine has no usable GPU.
Backend& select_backend(const std::string& backend, int device, std::unique_ptr<Backend>& owned);

}  // namespace fss::cli
