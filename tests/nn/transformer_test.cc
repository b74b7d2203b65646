// The secure forward pass reconstructs to the clear engine's output bit for bit, for every
// family, with a real batch dimension.
#include "nn/transformer.h"

#include <gtest/gtest.h>

#include <random>

#include "mpc/clear_engine.h"
#include "mpc/local_run.h"
#include "nn/embedding.h"
#include "nn/float_forward.h"
#include "nn/model_run.h"

namespace fss {
namespace {

struct Case {
  const char* model;
  int64_t batch;
  int64_t length;
};

class TransformerTest : public ::testing::TestWithParam<Case> {};

TEST_P(TransformerTest, SecureOutputEqualsClearEngine) {
  const Case c = GetParam();
  const ModelConfig& config = model_config(c.model);
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  const LocalRunResult run =
      testing::run_model(config, c.batch, c.length, seed, nullptr, /*tcp=*/c.batch == 3);
  const Tensor& clear = run.clear.at(0);
  EXPECT_EQ(clear.shape(), (Shape{c.batch, c.length, config.hidden_size}));
  size_t differing = 0;
  for (size_t i = 0; i < clear.size(); ++i) differing += run.reconstructed[0][i] != clear[i];
  EXPECT_EQ(differing, 0u) << "of " << clear.size() << " outputs";
  // Every layer kind was booked, and communication happened.
  for (const char* phase : {"matmul", "truncation", "softmax", "layernorm", "activation"})
    EXPECT_TRUE(run.party_phase_costs[0].entries().contains(phase)) << phase;
  EXPECT_GT(run.party_costs[0].total().bytes_sent, 0u);
}

INSTANTIATE_TEST_SUITE_P(Families, TransformerTest,
                         ::testing::Values(Case{"tiny-bert", 1, 8}, Case{"tiny-bert", 3, 5},
                                           Case{"tiny-gpt2", 1, 6}, Case{"tiny-gpt2", 3, 4},
                                           Case{"tiny-gpt-neo", 1, 4}, Case{"tiny-gpt-neo", 3, 3},
                                           Case{"tiny-gpt-neo", 1, 9}, Case{"tiny-gpt-neo", 3, 6},
                                           Case{"tiny-llama", 1, 6}, Case{"tiny-llama", 3, 4}),
                         [](const auto& info) {
                           std::string name = std::string(info.param.model) + "_b" +
                                              std::to_string(info.param.batch) + "_l" +
                                              std::to_string(info.param.length);
                           for (char& ch : name)
                             if (ch == '-') ch = '_';
                           return name;
                         });

// Batch is a real tensor dimension: bert-tiny at batch 4 gives each example exactly the output of
// a batch-1 run of that example. Each secure run reconstructs bit for bit to the clear engine,
// whose output does not depend on masks, so the runs may (and do) use different mask seeds.
TEST(Transformer, BatchOfFourEqualsFourSingleRuns) {
  const ModelConfig& config = model_config("bert-tiny");
  const int64_t batch = 4, length = 16;
  const ModelWeights weights = random_weights(config, 11);
  TokenBatch tokens{batch, length, {}, {}, {}};
  for (int64_t i = 0; i < batch * length; ++i) tokens.token_ids.push_back((i * 7919 + 3) % 30000);
  auto secure_run = [&](const TokenBatch& t, uint64_t mask_seed) {
    std::vector<Tensor> inputs = {embed_tokens(config, weights, t)};
    for (Tensor& w : secret_weight_values(config, weights)) inputs.push_back(std::move(w));
    const Program program = [&](Engine& engine) {
      return std::vector<Masked>{transformer_forward(engine, config, t.batch, t.length)};
    };
    const LocalRunResult run = run_locally(program, inputs, {.seed = Block{mask_seed, 1}});
    for (size_t i = 0; i < run.clear[0].size(); ++i)
      EXPECT_EQ(run.reconstructed[0][i], run.clear[0][i]);
    return run.reconstructed[0];
  };
  const Tensor together = secure_run(tokens, 100);
  const size_t per_example = static_cast<size_t>(length * config.hidden_size);
  for (int64_t b = 0; b < batch; ++b) {
    TokenBatch one{1, length, {}, {}, {}};
    one.token_ids.assign(tokens.token_ids.begin() + b * length,
                         tokens.token_ids.begin() + (b + 1) * length);
    const Tensor alone = secure_run(one, 200 + b);
    for (size_t i = 0; i < per_example; ++i)
      ASSERT_EQ(together[b * per_example + i], alone[i]) << "example " << b << " element " << i;
  }
}

// The clear engine's fixed-point forward pass approximates the float64 reference.
TEST(Transformer, ClearEngineApproximatesFloatReference) {
  for (const char* model : {"tiny-bert", "tiny-gpt2", "tiny-gpt-neo", "tiny-llama"}) {
    SCOPED_TRACE(model);
    const ModelConfig& config = model_config(model);
    // 6 tokens: longer than tiny-gpt-neo's local window (4), so its local layers use a band.
    const int64_t batch = 2, length = 6;
    const FloatModelWeights float_weights = random_float_weights(config, 7);
    const ModelWeights weights = to_fixed_point(float_weights, config.fixed_point);
    TokenBatch tokens{batch, length, {}, {}, {}};
    for (int64_t i = 0; i < batch * length; ++i) tokens.token_ids.push_back((i * 37 + 5) % 64);
    const FloatTensor embedded = embed_tokens_float(config, float_weights, tokens);
    ClearEngine clear;
    clear.provide_input(embed_tokens(config, weights, tokens));
    for (Tensor& w : secret_weight_values(config, weights)) clear.provide_input(std::move(w));
    const Masked out = transformer_forward(clear, config, batch, length);
    std::vector<double> secure(out.value.size());
    for (size_t i = 0; i < secure.size(); ++i) secure[i] = config.fixed_point.decode(out.value[i]);
    const std::vector<double> reference = float_transformer_forward(
        config, float_weights, std::vector<double>(embedded.values.begin(), embedded.values.end()),
        batch, length);
    const ApproximationError error = compare_outputs(secure, reference);
    std::printf("%s: max abs error %.4f, mean %.5f, cosine %.6f\n", model, error.max_abs,
                error.mean_abs, error.cosine);
    EXPECT_GT(error.cosine, 0.999);
    EXPECT_LT(error.max_abs, 0.1);
  }
}

}  // namespace
}  // namespace fss
