#include "cli/model_options.h"

namespace fss::cli {

void add_model_options(CLI::App& command, std::string& model, int64_t& seq_len, int64_t& batch) {
  command.add_option("--model", model, "model name (see docs/models.md)")->capture_default_str();
  command.add_option("--seq", seq_len, "sequence length")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 16))
      ->capture_default_str();
  command.add_option("--batch", batch, "batch size (a real tensor dimension)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 12))
      ->capture_default_str();
}

}  // namespace fss::cli
