// A model's bulk operations go to the backend the run names (crypto/backend.h), for the dealer
// and both parties, and the result stays bit-exact to the clear engine.
#include <gtest/gtest.h>

#include "crypto/counting_backend.h"
#include "nn/model_run.h"

namespace fss {
namespace {

TEST(BackendRouting, EveryBulkOperationOfAModelReachesTheRunsBackend) {
  for (const char* model : {"tiny-bert", "tiny-llama"}) {
    SCOPED_TRACE(model);
    testing::CountingBackend counting;
    const LocalRunResult run = testing::run_model(model_config(model), 1, 4, 5, &counting);
    EXPECT_EQ(testing::values(run.reconstructed.at(0)), testing::values(run.clear.at(0)));
    EXPECT_GT(counting.dpf_gens, 0);
    EXPECT_GT(counting.compares, 0);
    EXPECT_GT(counting.full_domain_dots, 0);  // lookup tables (nExp, reciprocal, rsqrt, GeLU)
    EXPECT_GT(counting.matmuls, 0);
    EXPECT_GT(counting.gap_shifts, 0);  // the gap truncations' last step
  }
}

TEST(BackendRouting, NoBackendMeansTheCpu) {
  const ModelConfig& config = model_config("tiny-gpt2");
  const LocalRunResult cpu = testing::run_model(config, 1, 3, 8);
  testing::CountingBackend counting;
  const LocalRunResult counted = testing::run_model(config, 1, 3, 8, &counting);
  EXPECT_EQ(testing::values(cpu.reconstructed.at(0)), testing::values(counted.reconstructed.at(0)));
  EXPECT_EQ(cpu.key_stream_bytes[0], counted.key_stream_bytes[0]);
}

}  // namespace
}  // namespace fss
