#pragma once
// `fssformer keygen` (docs/deployment.md): the dealer. Walks the program once and writes
// DIR/keys_p0.fss, DIR/keys_p1.fss (key streams) and DIR/client.fss (the masks of the program's
// inputs and outputs, for the client), all with the same fresh random run id. Prints a JSON
// summary (key bytes per party, seconds) on stdout. On any error no file of the set remains.
// The nonlinear options are `run`'s (flags and environment aliases, cli/nonlinear_options.h);
// the resolved choice becomes part of the run configuration.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "cli/nonlinear_options.h"

namespace fss::cli {

struct KeygenOptions {
  std::string model = "bert-tiny";
  int64_t seq_len = 128;
  int64_t batch = 1;
  NonlinearFlags nonlinear;
  std::string backend = "cpu";  // where the key generation's bulk operations run: cpu, cuda
  int device = 0;               // GPU index for backend "cuda"
  std::string out_dir;
  std::optional<uint64_t> seed;  // of the dealer's masks; default random
  bool quiet = false;
};

void add_keygen_command(CLI::App& app, KeygenOptions& options);
int run_keygen(const KeygenOptions& options);

}  // namespace fss::cli
