// The engines' mechanics with a minimal gate: identity (re-masking), written here from the
// definition of a gate in mpc/gate.h.
#include "mpc/engine.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>

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
    for (size_t i = 0; i < delta.size(); ++i)
      delta[i] = format_.ring().sub(r_out[0][i], r_in[0][i]);
    const SharePair shares = share_values(prg, delta, format_.n);
    write_packed(key0, shares.party[0], format_.n);
    write_packed(key1, shares.party[1], format_.n);
  }
  void eval(int party, ByteReader& key, InColumns x_hat, OutColumns share, Opener&) const override {
    const Words delta = read_packed(key, x_hat[0].size(), format_.n, "delta");
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

// --- keys dealt per segment (LocalRunOptions::keys_per_layer) ---

namespace fss {
namespace {

Tensor counting_input(const Shape& shape, uint64_t start) {
  Tensor t(shape, kFormat);
  for (size_t i = 0; i < t.size(); ++i) t[i] = (start + i * 7919) & kFormat.ring().mask();
  return t;
}

// Three segments of different sizes, the second asking for an input of its own: x + y + z,
// each term re-masked and opened. The clear output is known without any engine.
std::vector<Masked> three_segments(Engine& e, const RemaskGate& gate) {
  const Masked x = e.input(Shape{4, 3}, kFormat);
  Masked sum = e.open(e.apply(gate, x), "x");
  e.checkpoint();
  const Masked y = e.input(Shape{4, 3}, kFormat);
  sum = e.open(add(e.apply(gate, sum), e.apply(gate, y)), "x + y");
  e.checkpoint();
  sum = e.open(add(e.apply(gate, sum), e.share_of(x)), "x + y + x");
  return {sum};
}

LocalRunResult run_three_segments(bool per_layer, uint64_t seed, bool tcp = false) {
  const RemaskGate gate(kFormat);
  const std::vector<Tensor> inputs = {counting_input(Shape{4, 3}, seed),
                                      counting_input(Shape{4, 3}, seed * 3 + 1)};
  return run_locally([&](Engine& e) { return three_segments(e, gate); }, inputs,
                     {.seed = Block{seed, 2}, .tcp = tcp, .keys_per_layer = per_layer});
}

TEST(PerLayerKeys, EqualToWholeDealForTheSameSeed) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  for (bool tcp : {false, true}) {
    SCOPED_TRACE(tcp ? "tcp" : "in-process channel");
    const LocalRunResult whole = run_three_segments(false, seed, tcp);
    const LocalRunResult per_layer = run_three_segments(true, seed, tcp);
    const Tensor x = counting_input(Shape{4, 3}, seed);
    const Tensor y = counting_input(Shape{4, 3}, seed * 3 + 1);
    const Ring ring = kFormat.ring();
    for (size_t i = 0; i < x.size(); ++i) {
      EXPECT_EQ(per_layer.clear[0][i], ring.add(ring.add(x[i], y[i]), x[i]));
      EXPECT_EQ(per_layer.reconstructed[0][i], per_layer.clear[0][i]);
      EXPECT_EQ(whole.reconstructed[0][i], per_layer.reconstructed[0][i]);
    }
    for (int party = 0; party < 2; ++party) {
      EXPECT_EQ(per_layer.key_stream_bytes[party], whole.key_stream_bytes[party]);
      EXPECT_EQ(per_layer.party_channel[party].bytes_sent, whole.party_channel[party].bytes_sent);
      EXPECT_EQ(per_layer.party_channel[party].rounds, whole.party_channel[party].rounds);
      EXPECT_EQ(per_layer.party_costs[party].total().key_bytes,
                whole.party_costs[party].total().key_bytes);
      // Whole: the stream. Per layer: the largest segment, two gates of the stream's four
      // (header 64 bytes, each record 32 + 32 bytes of 12 packed 20-bit values = 30, padded).
      EXPECT_EQ(whole.key_bytes_held[party], whole.key_stream_bytes[party]);
      EXPECT_EQ(whole.key_stream_bytes[party], 64u + 4 * (32 + 32));
      EXPECT_EQ(per_layer.key_bytes_held[party], 2u * (32 + 32));
      EXPECT_GT(per_layer.party_online_seconds[party], 0);
    }
    EXPECT_EQ(per_layer.dealer_costs.total().key_bytes, whole.dealer_costs.total().key_bytes);
  }
}

// A program without checkpoints is one segment: dealt whole, then run.
TEST(PerLayerKeys, ProgramWithoutCheckpointsIsOneSegment) {
  const RemaskGate gate(kFormat);
  const Tensor input = counting_input(Shape{5}, 11);
  const LocalRunResult run = run_locally(
      [&](Engine& e) {
        return std::vector<Masked>{e.open(e.apply(gate, e.input(Shape{5}, kFormat)))};
      },
      std::span(&input, 1), {.keys_per_layer = true});
  for (size_t i = 0; i < input.size(); ++i) EXPECT_EQ(run.reconstructed[0][i], input[i]);
  for (int party = 0; party < 2; ++party)
    EXPECT_EQ(run.key_bytes_held[party], run.key_stream_bytes[party]);
}

// `role` throws in the second segment; the run ends with that error, not a timeout or a hang.
void expect_error_ends_the_run(const std::string& role) {
  const RemaskGate gate(kFormat);
  const Tensor input = counting_input(Shape{4, 3}, 5);
  const Program program = [&](Engine& e) {
    const Masked x = e.input(Shape{4, 3}, kFormat);
    Masked y = e.open(e.apply(gate, x));
    e.checkpoint();
    const std::string name = e.kind() == Engine::Kind::kDealer ? "dealer"
                             : e.kind() == Engine::Kind::kParty
                                 ? fmt::format("P{}", static_cast<PartyEngine&>(e).party())
                                 : "clear";
    if (name == role) fail(ErrorKind::kInternal, "injected failure of {}", role);
    y = e.open(e.apply(gate, y));
    e.checkpoint();
    return std::vector<Masked>{e.open(e.apply(gate, y))};
  };
  for (bool tcp : {false, true}) {
    SCOPED_TRACE(role + (tcp ? " over tcp" : " in-process"));
    const auto start = std::chrono::steady_clock::now();
    try {
      run_locally(
          program, std::span(&input, 1),
          {.tcp = tcp, .timeout = std::chrono::milliseconds(20'000), .keys_per_layer = true});
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInternal) << e.what();
      EXPECT_NE(std::string(e.what()).find("injected failure of " + role), std::string::npos)
          << e.what();
    }
    // Well below the 20 s channel timeout: the others were stopped, not timed out.
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  }
}

TEST(PerLayerKeys, PartyErrorEndsTheRun) {
  expect_error_ends_the_run("P1");
  expect_error_ends_the_run("P0");
}

TEST(PerLayerKeys, DealerErrorEndsTheRun) { expect_error_ends_the_run("dealer"); }

// A party that passes a checkpoint the dealer did not is a protocol bug, named as such.
TEST(PerLayerKeys, CheckpointsTheDealerDidNotPassAreAMismatch) {
  const RemaskGate gate(kFormat);
  const Tensor input = counting_input(Shape{3}, 1);
  for (bool extra_for_party : {true, false}) {
    SCOPED_TRACE(extra_for_party ? "party has an extra checkpoint" : "dealer has an extra one");
    const Program program = [&](Engine& e) {
      const Masked y = e.open(e.apply(gate, e.input(Shape{3}, kFormat)));
      if ((e.kind() == Engine::Kind::kParty) == extra_for_party) e.checkpoint();
      return std::vector<Masked>{y};
    };
    try {
      run_locally(program, std::span(&input, 1), {.keys_per_layer = true});
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kMismatch) << e.what();
      EXPECT_NE(std::string(e.what()).find("per-layer keys"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace fss
