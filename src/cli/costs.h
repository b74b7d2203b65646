#pragma once
// `fssformer costs`: SIGMA against SUF for one model's shapes, per party and inference: key
// bytes, bytes sent, rounds and evaluation PRG calls, for each replaceable gate (softmax's
// exponentials and reciprocals, the norms' rsqrt, the activation) and for the whole model by
// layer kind. Everything comes from cost walks (cost_walk.h): no keys are generated, so
// bert-base at sequence 128 takes seconds. --markdown writes the tables for docs/costs.md.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "cli/nonlinear_options.h"

namespace fss::cli {

struct CostsOptions {
  std::string model = "bert-base";
  int64_t seq_len = 128;
  int64_t batch = 1;
  NonlinearFlags suf_parameters;  // the SUF side's bits and interval counts
  std::string markdown_path;      // empty: no file
};

void add_costs_command(CLI::App& app, CostsOptions& options);
// Prints the tables (and writes the markdown file); returns the exit code, 0.
int run_costs(const CostsOptions& options,
              const EnvironmentLookup& environment = process_environment);

}  // namespace fss::cli
