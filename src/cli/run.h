#pragma once
// `fssformer run`: the dealer and both parties on this machine (threads, parties over TCP on
// loopback or an in-process channel; or, with --processes, the separate role programs as child
// processes, cli/processes.h), one secure inference of a model on random or given
// tokens; prints a metrics table, optionally writes JSON (docs/metrics.md), and checks the
// reconstructed output against the clear engine (bit for bit) and a float64 reference.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace fss::cli {

struct RunOptions {
  std::string model = "bert-tiny";
  std::string weights_path;  // empty: seeded random weights with the real shapes
  int64_t seq_len = 128;
  int64_t batch = 1;
  std::string backend = "cpu";
  std::string nonlinear = "sigma";
  std::optional<uint64_t> seed;
  std::string channel = "tcp";  // tcp | memory
  int timeout_ms = 120'000;
  std::string json_path;
  bool quiet = false;      // no progress line
  bool processes = false;  // keygen, parties and client as child processes (cli/processes.h)
};

void add_run_command(CLI::App& app, RunOptions& options);
// Returns the exit code: 0 when the secure output equals the clear engine's bit for bit.
int run_inference(const RunOptions& options);

}  // namespace fss::cli
