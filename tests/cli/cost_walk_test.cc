// The cost walk books what a real run (dealer and two parties) books: key bytes, bytes sent and
// rounds equal per layer kind, for SIGMA and SUF, on tiny models whose gate calls all have
// element counts that are multiples of 8 (cost_walk.h); PRG calls are estimates and only
// checked to be close.
#include "cli/cost_walk.h"

#include <gtest/gtest.h>

#include <cmath>

#include "mpc/local_run.h"
#include "nn/transformer.h"
#include "nn/weights.h"

namespace fss::cli {
namespace {

struct Case {
  const char* model;
  int64_t length;
  bool suf;
};

class CostWalkTest : public testing::TestWithParam<Case> {};

TEST_P(CostWalkTest, WalkBooksWhatARealRunBooks) {
  const Case c = GetParam();
  const ModelConfig& config = model_config(c.model);
  const NonlinearChoice choice =
      NonlinearChoice::all(c.suf ? NonlinearFamily::kSuf : NonlinearFamily::kSigma);
  const int64_t batch = 1;
  const ModelWeights weights = random_weights(config, 3);
  std::vector<Tensor> inputs = {
      Tensor(Shape{batch, c.length, config.hidden_size}, config.fixed_point)};
  for (Tensor& w : secret_weight_values(config, weights)) inputs.push_back(std::move(w));
  const Program program = [&](Engine& engine) {
    return std::vector<Masked>{transformer_forward(engine, config, batch, c.length, choice)};
  };
  const LocalRunResult run = run_locally(program, inputs, {.seed = Block{7, 7}});

  GateProfiles profiles;
  CostWalkEngine walk(profiles);
  transformer_forward(walk, config, batch, c.length, choice);

  const auto& measured = run.party_phase_costs[0].entries();
  const auto& dealer = run.dealer_costs.entries();
  uint64_t measured_key_bytes = 0;
  for (const auto& [label, cost] : dealer) measured_key_bytes += cost.key_bytes;
  EXPECT_EQ(walk.costs().total().key_bytes, measured_key_bytes);
  EXPECT_EQ(walk.costs().total().rounds, run.party_channel[0].rounds);
  EXPECT_EQ(walk.costs().total().bytes_sent, run.party_channel[0].bytes_sent);
  for (const auto& [phase, cost] : walk.phase_costs().entries()) {
    SCOPED_TRACE(phase);
    const Cost real = measured.contains(phase) ? measured.at(phase) : Cost{};
    EXPECT_EQ(cost.key_bytes, real.key_bytes);
    EXPECT_EQ(cost.bytes_sent, real.bytes_sent);
    EXPECT_EQ(cost.rounds, real.rounds);
    // PRG calls of multi-point DCF walks depend on the points; the walk scales a mean.
    EXPECT_NEAR(static_cast<double>(cost.prg_calls), static_cast<double>(real.prg_calls),
                0.1 * static_cast<double>(real.prg_calls) + 64);
  }
}

INSTANTIATE_TEST_SUITE_P(Models, CostWalkTest,
                         testing::Values(Case{"tiny-bert", 8, false}, Case{"tiny-bert", 8, true},
                                         Case{"tiny-llama", 8, false}, Case{"tiny-llama", 8, true}),
                         [](const auto& info) {
                           std::string name =
                               std::string(info.param.model) + (info.param.suf ? "_suf" : "_sigma");
                           for (char& ch : name)
                             if (ch == '-') ch = '_';
                           return name;
                         });

}  // namespace
}  // namespace fss::cli
