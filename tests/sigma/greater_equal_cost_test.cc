// Costs of the comparison x >= y (drelu.h's greater_equal) measured by the engines against the
// formula of docs/costs.md: one DReLU_m gate on x - y, nothing else; the caller's open of the bit.
#include <gtest/gtest.h>

#include "mpc/local_run.h"
#include "sigma/drelu.h"

namespace fss::sigma {
namespace {

// One serialized DPF key with b input bits and 1 output bit (crypto/dpf.h): root seed, one
// correction block per level above the 7 early-terminated ones, the right-child control bits
// packed in bytes, the leaf correction word.
uint64_t dpf_key(int b) {
  const uint64_t levels = b > 7 ? b - 7 : 0;
  return 16 + 16 * levels + (levels + 7) / 8 + 16;
}

uint64_t packed(uint64_t count, int bits) { return (count * bits + 7) / 8; }

TEST(GreaterEqual, CostsMatchTheFormula) {
  const uint64_t count = 1000;
  for (int n : {37, 50}) {
    const int f = 12, m = n - f + 1;  // softmax's comparison width
    SCOPED_TRACE(testing::Message() << "n=" << n << " m=" << m);
    const FixedPoint format{n, f};
    const Shape shape{static_cast<int64_t>(count)};
    const Program program = [&](Engine& engine) {
      const Masked x = engine.input(shape, format);
      const Masked y = engine.input(shape, format);
      return std::vector<Masked>{engine.open(greater_equal(engine, x, y, m), "bit")};
    };
    const Tensor inputs[] = {Tensor(shape, format), Tensor(shape, format)};
    const LocalRunResult run = run_locally(program, inputs);
    const std::string gate = DreluGate(format, m).describe();
    // 16-byte DPF batch header, one DPF_{m-1,1} key and one output-mask bit per element.
    const uint64_t key = 16 + count * dpf_key(m - 1) + packed(count, 1);
    ASSERT_EQ(run.dealer_costs.entries().size(), 2u);  // the gate and the open
    EXPECT_EQ(run.dealer_costs.entries().at(gate).key_bytes, key);
    EXPECT_EQ(run.dealer_costs.entries().at(gate).elements, count);
    for (int party = 0; party < 2; ++party) {
      const auto& entries = run.party_costs[party].entries();
      EXPECT_EQ(entries.at(gate).key_bytes, key);
      EXPECT_EQ(entries.at(gate).bytes_sent, 0u);
      EXPECT_EQ(entries.at(gate).rounds, 0u);
      EXPECT_EQ(entries.at("bit").bytes_sent, packed(count, 1));
      EXPECT_EQ(entries.at("bit").rounds, 1u);
      EXPECT_EQ(run.party_costs[party].total().rounds, 1u);
    }
  }
}

}  // namespace
}  // namespace fss::sigma
