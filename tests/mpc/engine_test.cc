// The engines' mechanics with a minimal gate: identity (re-masking), written here from the
// definition of a gate in mpc/gate.h.
#include "mpc/engine.h"

#include <gtest/gtest.h>

#include "mpc/clear_engine.h"
#include "mpc/dealer_engine.h"
#include "mpc/gate_keys.h"
#include "mpc/local_run.h"
#include "mpc/party_engine.h"
#include "net/channel.h"

namespace fss {
namespace {

// y = x under a fresh mask: key = shares of r_out - r_in (n bits).
class RemaskGate final : public Gate {
 public:
  explicit RemaskGate(FixedPoint format) : format_(format) {}
  GateKind kind() const override { return GateKind::kTest; }
  std::string describe() const override { return "remask"; }
  std::vector<FixedPoint> input_formats() const override { return {format_}; }
  std::vector<FixedPoint> output_formats() const override { return {format_}; }
  uint64_t key_bytes(uint64_t count) const override { return packed_bytes(count, format_.n); }
  void clear(InColumns in, OutColumns out) const override {
    std::copy(in[0].begin(), in[0].end(), out[0].begin());
  }
  void gen(InColumns r_in, InColumns r_out, SeededPrg& prg, ByteWriter& key0,
           ByteWriter& key1) const override {
    std::vector<uint64_t> delta(r_in[0].size());
    for (size_t i = 0; i < delta.size(); ++i) delta[i] = format_.ring().sub(r_out[0][i], r_in[0][i]);
    const SharePair shares = share_values(prg, delta, format_.n);
    write_packed(key0, shares.party[0], format_.n);
    write_packed(key1, shares.party[1], format_.n);
  }
  void eval(int party, ByteReader& key, InColumns x_hat, OutColumns share,
            Opener&) const override {
    const std::vector<uint64_t> delta = read_packed(key, x_hat[0].size(), format_.n, "delta");
    for (size_t i = 0; i < delta.size(); ++i)
      share[0][i] = format_.ring().add(party == 0 ? x_hat[0][i] : 0, delta[i]);
  }

 private:
  FixedPoint format_;
};

const FixedPoint kFormat{20, 4};

TEST(Engines, ProgramRunsOnAllThreeAndBooksCostsPerPhase) {
  const RemaskGate gate(kFormat);
  const Program program = [&](Engine& e) {
    const Masked x = e.input(Shape{3, 5}, kFormat);
    e.set_phase("first");
    const Masked y = e.open(e.apply(gate, x), "y");
    e.set_phase("second");
    const Masked z = e.open(add(e.apply(gate, y), e.share_of(x)), "z");
    e.set_phase("other");
    return std::vector<Masked>{z};
  };
  Tensor input(Shape{3, 5}, kFormat);
  for (size_t i = 0; i < input.size(); ++i) input[i] = (i * 77777) & kFormat.ring().mask();
  const LocalRunResult run = run_locally(program, std::span(&input, 1));
  for (size_t i = 0; i < input.size(); ++i) {
    EXPECT_EQ(run.clear[0][i], kFormat.ring().add(input[i], input[i]));
    EXPECT_EQ(run.reconstructed[0][i], run.clear[0][i]);
  }
  const uint64_t packed = packed_bytes(15, 20);
  for (int party = 0; party < 2; ++party) {
    const auto& phases = run.party_phase_costs[party].entries();
    EXPECT_EQ(phases.at("first").bytes_sent, packed);  // the open of y
    EXPECT_EQ(phases.at("second").bytes_sent, packed);
    EXPECT_EQ(phases.at("first").key_bytes, packed);  // one remask gate each
    EXPECT_EQ(run.party_costs[party].total().bytes_sent, 2 * packed);
    EXPECT_TRUE(run.party_phase_seconds[party].contains("second"));
  }
  EXPECT_EQ(run.dealer_costs.entries().at("remask").key_bytes, 2 * packed);
  EXPECT_EQ(run.party_costs[0].entries().at("y").bytes_sent, packed);
  EXPECT_EQ(run.party_costs[0].entries().at("z").rounds, 1u);
}

}  // namespace
}  // namespace fss

namespace fss {
namespace {

TEST(Engines, InputOfTheWrongShapeIsAMismatch) {
  ClearEngine engine;
  engine.provide_input(Tensor(Shape{2}, kFormat));
  try {
    engine.input(Shape{3}, kFormat);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kMismatch);
    EXPECT_NE(std::string(e.what()).find("[3]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(engine.input(Shape{2}, kFormat), Error);  // nothing left
}

TEST(Engines, GateRejectsInputsOfAnotherFormat) {
  ClearEngine engine;
  const RemaskGate gate(kFormat);
  const Masked wrong{Tensor(Shape{4}, FixedPoint{21, 4})};
  try {
    engine.apply(gate, wrong);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
  }
}

// A party whose program diverges from the dealer's (here: asks for a gate on 5 elements where
// the dealer made keys for 4) stops at the first record with both records named.
TEST(Engines, DivergingProgramFailsAtTheKeyStream) {
  const RemaskGate gate(kFormat);
  const ConfigHash config = config_hash("engine test");
  KeyStreamWriter writers[2] = {KeyStreamWriter::to_memory(0, config),
                                KeyStreamWriter::to_memory(1, config)};
  DealerEngine dealer(Block{5, 5}, writers[0], writers[1]);
  dealer.apply(gate, dealer.input(Shape{4}, kFormat));
  writers[0].commit();
  const std::vector<uint8_t> stream = writers[0].take_bytes();
  KeyStreamReader reader = KeyStreamReader::from_memory(stream, 0, config);
  auto [c0, c1] = make_local_channel_pair();
  PartyEngine party(0, reader, *c0);
  party.provide_input(Tensor(Shape{5}, kFormat));
  try {
    party.apply(gate, party.input(Shape{5}, kFormat));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kMismatch);
    EXPECT_NE(std::string(e.what()).find("test[5]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("test[4]"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace fss
