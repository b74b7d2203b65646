#pragma once
// `fssformer run --processes`: the same run as thread mode, but keygen, client share, party 0,
// party 1 and client reconstruct run as child processes of this binary (/proc/self/exe) that
// exchange files in a temporary directory and talk on loopback: TLS 1.3 with test credentials
// made in that directory unless options.tls says otherwise, with options' nonlinear choice and
// backend. Children die with the parent (PR_SET_PDEATHSIG) and are killed when a sibling fails;
// the directory is removed.
#include <cstdint>
#include <span>

#include "cli/run.h"
#include "core/tensor.h"
#include "mpc/local_run.h"

namespace fss::cli {

// The metrics of the children and the reconstructed outputs, with the clear engine's outputs
// computed here from `inputs` (the same plaintext the child client masks). Throws the first
// failing child's error, prefixed with its role ("party 1: ...").
LocalRunResult run_in_processes(const RunOptions& options, uint64_t seed, const Program& program,
                                std::span<const Tensor> inputs);

}  // namespace fss::cli
