// PRG calls in the engines' cost ledgers: a truncate_reduce gate runs one DPF comparison on f
// bits per element (mpc/truncate_reduce.h), and a 1-bit DPF comparison on m bits evaluates
// 2 L + 1 PRG blocks per key, L = m - min(m, 7) tree levels (both children per level, then the
// leaf conversion); key generation walks both parties' paths, twice that.
#include <gtest/gtest.h>

#include "mpc/local_run.h"
#include "mpc/truncate_reduce.h"

namespace fss {
namespace {

TEST(PrgCost, TruncateReduceBooksOneComparisonPerElement) {
  const FixedPoint format{40, 24};
  constexpr int kF = 20;
  constexpr int64_t kCount = 100;
  const TruncateReduceGate gate(format, kF);
  const Program program = [&](Engine& e) {
    return std::vector<Masked>{e.open(e.apply(gate, e.input(Shape{kCount}, format)), "y")};
  };
  const Tensor input(Shape{kCount}, format);
  const LocalRunResult run = run_locally(program, std::span(&input, 1));

  const uint64_t levels = kF - 7;
  const uint64_t per_key = 2 * levels + 1;
  for (int party = 0; party < 2; ++party) {
    SCOPED_TRACE(testing::Message() << "party " << party);
    EXPECT_EQ(run.party_costs[party].entries().at(gate.describe()).prg_calls, kCount * per_key);
    EXPECT_EQ(run.party_costs[party].entries().at("y").prg_calls, 0u);  // opens use no PRG
    EXPECT_EQ(run.party_costs[party].total().prg_calls, kCount * per_key);
  }
  EXPECT_EQ(run.dealer_costs.entries().at(gate.describe()).prg_calls, 2 * kCount * per_key);
}

}  // namespace
}  // namespace fss
