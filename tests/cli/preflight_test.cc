// The resource checks that refuse a run before it starts (cli/preflight.h): one clear kIo error
// naming the sizes when something does not fit, nothing otherwise.
#include "cli/preflight.h"

#include <gtest/gtest.h>

#include <string>

#include "cli/key_plan.h"
#include "core/error.h"
#include "mpc/local_run.h"
#include "nn/embedding.h"
#include "nn/transformer.h"
#include "nn/weights.h"

namespace fss::cli {
namespace {

std::string error_of(const auto& call) {
  try {
    call();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo) << e.what();
    return e.what();
  }
  return "";
}

TEST(Preflight, GpuEstimateIsFourRecordsPlusActivations) {
  EXPECT_EQ(gpu_bytes_estimate(0, 0), 0u);
  EXPECT_EQ(gpu_bytes_estimate(1000, 7), 4007u);
}

TEST(Preflight, GpuMemoryThatDoesNotFitIsRefusedWithTheSizes) {
  const std::string message = error_of([] {
    require_gpu_memory("party 1", 3, uint64_t{80} << 30, uint64_t{2} << 30, "largest gate keys");
  });
  EXPECT_NE(message.find("not enough GPU memory for party 1"), std::string::npos) << message;
  EXPECT_NE(message.find("GPU 3"), std::string::npos) << message;
  EXPECT_NE(message.find("largest gate keys"), std::string::npos) << message;
}

TEST(Preflight, GpuMemoryThatFitsOrIsUnknownPasses) {
  EXPECT_EQ(error_of([] { require_gpu_memory("run", 0, 100, 100, ""); }), "");
  EXPECT_EQ(error_of([] { require_gpu_memory("run", 0, uint64_t{1} << 50, std::nullopt, ""); }),
            "");
}

TEST(Preflight, HostMemoryBeyondWhatTheMachineHasIsRefused) {
  const std::string message =
      error_of([] { require_memory("keygen", uint64_t{1} << 60, "the whole key stream"); });
  EXPECT_NE(message.find("not enough memory for keygen"), std::string::npos) << message;
}

}  // namespace
}  // namespace fss::cli

// The key plan's sizes walk matches what a run deals: the stream size (less the file trailer)
// and, per segment, the most a per-layer party holds.
namespace fss::cli {
namespace {

TEST(KeyPlan, SegmentAndStreamSizesMatchARealDeal) {
  for (const char* model : {"tiny-bert", "tiny-gpt2"}) {
    SCOPED_TRACE(model);
    const ModelConfig& config = model_config(model);
    const int64_t batch = 2, length = 3;
    const Program program = [&](Engine& engine) {
      return std::vector<Masked>{transformer_forward(engine, config, batch, length)};
    };
    const KeyPlan plan = plan_keys(program);
    const ModelWeights weights = random_weights(config, 4);
    TokenBatch tokens{batch, length, {1, 2, 3, 4, 5, 6}, {}, {}};
    std::vector<Tensor> inputs = {embed_tokens(config, weights, tokens)};
    for (Tensor& w : secret_weight_values(config, weights)) inputs.push_back(std::move(w));
    const LocalRunResult run = run_locally(program, inputs, {.keys_per_layer = true});
    constexpr uint64_t kFileTrailerBytes = 32;  // key files only, not memory streams
    EXPECT_EQ(plan.key_file_bytes, run.key_stream_bytes[0] + kFileTrailerBytes);
    EXPECT_EQ(plan.largest_segment_bytes, run.key_bytes_held[0]);
    EXPECT_EQ(plan.largest_segment_bytes, run.key_bytes_held[1]);
    EXPECT_LT(plan.largest_segment_bytes, run.key_stream_bytes[0]);
  }
}

}  // namespace
}  // namespace fss::cli
