#pragma once
// `fssformer bench`: runs a sweep (models x sequence lengths x batch sizes x protocol families x
// backends x batching modes x TLS settings of the parties' link x key dealing), each configuration
// `warmup` times unmeasured and `reps` times measured, every run with fresh keys and checked bit
// for bit against the clear engine. Writes one JSON per configuration and a merged bench.json
// (docs/benchmarks.md), and prints the seed report's table (models x batch x family).
// Configurations this build cannot run are reported as unavailable, with the reason, never
// measured.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/run.h"

namespace fss::cli {

struct BenchOptions {
  std::string sweep_path;  // a JSON sweep file (docs/benchmarks.md); excludes the grid flags
  std::vector<std::string> models;
  std::vector<int64_t> seq_lens = {128};
  std::vector<int64_t> batches = {1};
  std::vector<std::string> nonlinear = {"sigma"};
  std::vector<std::string> backends = {"cpu"};
  std::vector<std::string> batching = {"true"};  // true: one batch-B run; loop: B batch-1 runs
  bool loop_batch = false;                       // --loop-batch: batching = {loop}
  std::vector<std::string> tls = {"none"};       // none, on, no-encryption (RunOptions::tls)
  std::vector<std::string> keys = {"whole"};     // whole, per-layer (RunOptions::keys)
  // Unset: the sweep file's value, else 3 reps, 1 warm-up, seed 1.
  std::optional<int> reps;
  std::optional<int> warmup;
  std::optional<uint64_t> seed;  // weights and tokens; each run's masks derive from it
  RunOptions run;                // channel, timeout and quiet apply to every configuration
  std::string out_dir = "bench-out";
};

void add_bench_command(CLI::App& app, BenchOptions& options);
// Returns the exit code (0: every available configuration ran and passed its checks). Throws
// kInvalidArgument/kParse for a bad sweep (before anything runs), kMismatch when a run differs
// from the clear engine or true batching differs from the loop, kIo when DIR is not writable.
int run_bench(const BenchOptions& options, const std::string& command_line);

}  // namespace fss::cli
