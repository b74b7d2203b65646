#pragma once
// --model, --seq and --batch, shared by `run`, `keygen` and `costs`: which configured model runs,
// on how many tokens and how many sequences at once.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace fss::cli {

// Adds the three options (sequence 1..2^16, batch 1..2^12) with their defaults shown.
void add_model_options(CLI::App& command, std::string& model, int64_t& seq_len, int64_t& batch);

}  // namespace fss::cli
