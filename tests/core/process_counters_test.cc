// The process's kernel counters move when the process does what they count.
#include "core/process_counters.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <chrono>
#include <thread>

namespace fss {
namespace {

TEST(ProcessCounters, FreshPagesCountAsMinorFaults) {
  constexpr size_t kBytes = size_t{64} << 20;
  void* region = mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(region, MAP_FAILED);
  const ProcessCounters before = process_counters();
  auto* bytes = static_cast<volatile unsigned char*>(region);
  for (size_t i = 0; i < kBytes; i += 4096) bytes[i] = 1;
  const ProcessCounters touched = process_counters() - before;
  munmap(region, kBytes);
  EXPECT_GE(touched.minor_faults, 1u);
  EXPECT_EQ(touched.major_faults, 0u);
}

TEST(ProcessCounters, SleepingIsAVoluntarySwitch) {
  const ProcessCounters before = process_counters();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_GE((process_counters() - before).voluntary_switches, 1u);
}

TEST(ProcessCounters, AddAndSubtractFieldByField) {
  ProcessCounters sum{1, 2, 3, 4};
  sum += ProcessCounters{10, 20, 30, 40};
  const ProcessCounters difference = sum - ProcessCounters{1, 1, 1, 1};
  EXPECT_EQ(difference.minor_faults, 10u);
  EXPECT_EQ(difference.major_faults, 21u);
  EXPECT_EQ(difference.voluntary_switches, 32u);
  EXPECT_EQ(difference.involuntary_switches, 43u);
}

}  // namespace
}  // namespace fss
