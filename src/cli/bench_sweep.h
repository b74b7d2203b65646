#pragma once
// The configurations of a `fssformer bench` sweep: the cartesian products of the grid flags or
// of a sweep file's grids (docs/benchmarks.md), in order, without repeats, validated before
// anything runs.
#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <vector>

#include "cli/bench.h"

namespace fss::cli {

struct BenchConfiguration {
  std::string model;
  int64_t seq_len;
  int64_t batch;
  std::string nonlinear;
  std::string backend;
  bool loop;  // B batch-1 inferences (the reference's SIGMA_BATCH) instead of one batch-B one
  std::string tls = "none";    // the parties' link (RunOptions::tls)
  std::string keys = "whole";  // how the dealer deals (RunOptions::keys)

  std::string batching() const { return loop ? "loop" : "true"; }
  // The file name stem: bert-tiny_s128_b2_sigma_cpu_true, with _tls-on or _tls-no-encryption
  // appended for a TLS link and _keys-per-layer for per-layer keys.
  std::string id() const {
    return fmt::format("{}_s{}_b{}_{}_{}_{}{}{}", model, seq_len, batch, nonlinear, backend,
                       batching(), tls == "none" ? "" : "_tls-" + tls,
                       keys == "whole" ? "" : "_keys-" + keys);
  }
  std::string label() const {
    return fmt::format("{} seq {} batch {} {} {} {}{}{}", model, seq_len, batch, nonlinear, backend,
                       loop ? "loop" : "true-batch", tls == "none" ? "" : " TLS " + tls,
                       keys == "whole" ? "" : " keys " + keys);
  }
};

constexpr int kDefaultReps = 3;
constexpr int kDefaultWarmup = 1;
constexpr uint64_t kDefaultSeed = 1;

struct Sweep {
  std::vector<BenchConfiguration> configurations;
  int reps = kDefaultReps;
  int warmup = kDefaultWarmup;
  uint64_t seed = kDefaultSeed;
};

// Throws kIo for an unreadable sweep file; kParse for malformed JSON, an unknown key or a wrong
// type; kInvalidArgument for an unknown model, a sequence longer than the model's positions, an
// unknown family, backend, batching mode, TLS setting or key dealing, or fewer than one rep.
Sweep make_sweep(const BenchOptions& options);

}  // namespace fss::cli
