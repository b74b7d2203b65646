// Keys dealt per layer (LocalRunOptions::keys_per_layer) change where keys live, nothing else:
// for every family at batch 1 and 2 (SIGMA; SUF for two), the same seed gives the same outputs (bit
// for bit, and equal to the clear engine), bytes, rounds and keys as the whole deal, with less held
// at once.
#include <gtest/gtest.h>

#include <random>

#include "nn/model_run.h"

namespace fss {
namespace {

struct Case {
  const char* model;
  int64_t batch;
  int64_t length;
  bool suf = false;  // every nonlinear module by SUF, else SIGMA
};

class PerLayerKeysTest : public ::testing::TestWithParam<Case> {};

TEST_P(PerLayerKeysTest, SameRunAsTheWholeDeal) {
  const Case c = GetParam();
  const ModelConfig& config = model_config(c.model);
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  const NonlinearChoice nonlinear =
      NonlinearChoice::all(c.suf ? NonlinearFamily::kSuf : NonlinearFamily::kSigma);
  const LocalRunResult whole =
      testing::run_model(config, c.batch, c.length, seed, nullptr, false, nonlinear);
  const LocalRunResult per_layer =
      testing::run_model(config, c.batch, c.length, seed, nullptr, /*tcp=*/c.batch == 2, nonlinear,
                         /*keys_per_layer=*/true);
  EXPECT_EQ(testing::values(per_layer.reconstructed.at(0)), testing::values(per_layer.clear[0]));
  EXPECT_EQ(testing::values(per_layer.reconstructed[0]), testing::values(whole.reconstructed[0]));
  for (int party = 0; party < 2; ++party) {
    SCOPED_TRACE(::testing::Message() << "P" << party);
    EXPECT_EQ(per_layer.party_channel[party].bytes_sent, whole.party_channel[party].bytes_sent);
    EXPECT_EQ(per_layer.party_channel[party].bytes_received,
              whole.party_channel[party].bytes_received);
    EXPECT_EQ(per_layer.party_channel[party].rounds, whole.party_channel[party].rounds);
    EXPECT_EQ(per_layer.key_stream_bytes[party], whole.key_stream_bytes[party]);
    for (const auto& [phase, cost] : whole.party_phase_costs[party].entries()) {
      SCOPED_TRACE(phase);
      const Cost other = per_layer.party_phase_costs[party].entries().at(phase);
      EXPECT_EQ(other.bytes_sent, cost.bytes_sent);
      EXPECT_EQ(other.rounds, cost.rounds);
      EXPECT_EQ(other.key_bytes, cost.key_bytes);
    }
    // The phases are parts of the online time: neither the dealer's turns nor the loading of
    // keys before the clock (or at a layer's start) may be booked to one.
    for (const LocalRunResult* run : {&whole, &per_layer}) {
      double phases = 0;
      for (const auto& [phase, seconds] : run->party_phase_seconds[party]) phases += seconds;
      EXPECT_LE(phases, run->party_online_seconds[party] + 1e-3)
          << (run == &whole ? "whole" : "per-layer");
    }
    // Two equal layers, the last with the final norm (pre-norm): the largest segment holds
    // about half the stream, never three quarters.
    EXPECT_LT(4 * per_layer.key_bytes_held[party], 3 * whole.key_stream_bytes[party]);
    EXPECT_GT(per_layer.key_bytes_held[party], 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Families, PerLayerKeysTest,
                         ::testing::Values(Case{"tiny-bert", 1, 6}, Case{"tiny-bert", 2, 4},
                                           Case{"tiny-gpt2", 1, 5}, Case{"tiny-gpt2", 2, 3},
                                           Case{"tiny-gpt-neo", 1, 4}, Case{"tiny-gpt-neo", 2, 3},
                                           Case{"tiny-llama", 1, 5}, Case{"tiny-llama", 2, 3},
                                           Case{"tiny-bert", 2, 3, true},
                                           Case{"tiny-llama", 1, 3, true}),
                         [](const auto& info) {
                           std::string name = std::string(info.param.model) + "_b" +
                                              std::to_string(info.param.batch) +
                                              (info.param.suf ? "_suf" : "");
                           for (char& ch : name)
                             if (ch == '-') ch = '_';
                           return name;
                         });

}  // namespace
}  // namespace fss
