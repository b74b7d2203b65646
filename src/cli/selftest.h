#pragma once
// `fssformer selftest`: a dealer makes DPF, DCF and DPF-comparison keys, two parties (threads)
// evaluate them and open the results over TCP on loopback, and the reconstruction is checked
// against the functions in the clear. Prints bytes, rounds and time per primitive.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace fss::cli {

struct SelftestOptions {
  uint64_t elements = 1 << 16;
  int bits = 50;
  std::optional<uint64_t> seed;  // random (and printed) when absent
  std::string host = "127.0.0.1";
  uint16_t port = 0;             // 0: pick a free port
  int timeout_ms = 30'000;
  std::string json_path;         // empty: no JSON
};

void add_selftest_command(CLI::App& app, SelftestOptions& options);
// Returns the process exit code: 0 when every primitive reconstructed correctly.
int run_selftest(const SelftestOptions& options);

}  // namespace fss::cli
