// The resource checks that refuse a run before it starts (cli/preflight.h): one clear kIo error
// naming the sizes when something does not fit, nothing otherwise.
#include "cli/preflight.h"

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"

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
