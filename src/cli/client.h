#pragma once
// `fssformer client` (docs/deployment.md): the data and model owner. `client share` masks its
// plaintext inputs (tokens embedded, then the weights) with the dealer's input masks and writes
// one masked-inputs file for both parties; `client reconstruct` checks that both parties
// returned the same masked outputs and removes the output masks.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fss::cli {

struct ClientOptions {
  std::string masks_path;  // client.fss from keygen
  // share
  std::optional<uint64_t> seed;  // of the random tokens and (without --weights) weights
  std::string weights_path;
  std::vector<int64_t> token_ids;  // empty: seeded random tokens
  std::string masked_inputs_path;
  bool allow_mask_reuse = false;
  // reconstruct
  std::string party_output_paths[2];
  std::string result_path;  // JSON
};

void add_client_command(CLI::App& app, ClientOptions& options);
// Runs whichever of `client share` / `client reconstruct` was parsed; returns the exit code.
int run_client_command(const CLI::App& app, const ClientOptions& options);

}  // namespace fss::cli
