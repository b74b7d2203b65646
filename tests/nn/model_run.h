#pragma once
// One secure inference of a model with seeded random weights and tokens on all three engines
// (mpc/local_run.h), for tests that compare runs: equal seeds give equal masks, keys and inputs.
#include <random>

#include "mpc/local_run.h"
#include "nn/embedding.h"
#include "nn/nonlinear.h"
#include "nn/transformer.h"

namespace fss::testing {

inline LocalRunResult run_model(const ModelConfig& config, int64_t batch, int64_t length,
                                uint64_t seed, Backend* backend = nullptr, bool tcp = false,
                                const NonlinearChoice& nonlinear = {}, bool keys_per_layer = false,
                                bool resident_keys = true) {
  const ModelWeights weights = random_weights(config, seed);
  TokenBatch tokens{batch, length, {}, {}, {}};
  std::mt19937_64 rng(seed);
  for (int64_t i = 0; i < batch * length; ++i)
    tokens.token_ids.push_back(static_cast<int64_t>(rng() % config.vocab_size));
  std::vector<Tensor> inputs = {embed_tokens(config, weights, tokens)};
  for (Tensor& w : secret_weight_values(config, weights)) inputs.push_back(std::move(w));
  const Program program = [&](Engine& engine) {
    return std::vector<Masked>{transformer_forward(engine, config, batch, length, nonlinear)};
  };
  return run_locally(program, inputs,
                     {.seed = Block{seed, 99},
                      .tcp = tcp,
                      .config = config.name + " " + nonlinear.describe(),
                      .backend = backend,
                      .resident_keys = resident_keys,
                      .keys_per_layer = keys_per_layer});
}

// A tensor's ring values, comparable with EXPECT_EQ.
inline std::vector<uint64_t> values(const Tensor& tensor) {
  return {tensor.data().begin(), tensor.data().end()};
}

}  // namespace fss::testing
