// Keys are never reused: a PartyEngine reads each key record once, in program order, and stops
// with a kMismatch naming the records when its program asks for a record the stream does not
// hold next (PROTOCOLS.md §0, key_stream.h). The gate is a minimal local one written here.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "mpc/dealer_engine.h"
#include "mpc/gate_keys.h"
#include "mpc/local_run.h"
#include "mpc/party_engine.h"
#include "net/channel.h"

namespace fss {
namespace {

namespace fs = std::filesystem;

const FixedPoint kFormat{16, 4};
const Shape kShape{4};

// y = 2x under a fresh mask: key = shares of r_out - 2 r_in, so that
// [2x + r_out] = b 2 x^ + [r_out - 2 r_in]. Its record kind is the constructor's, so that a
// test can give a stream records of two kinds.
class DoubleGate final : public Gate {
 public:
  explicit DoubleGate(GateKind kind = GateKind::kTest) : kind_(kind) {}
  GateKind kind() const override { return kind_; }
  std::string describe() const override { return "double"; }
  std::vector<FixedPoint> input_formats() const override { return {kFormat}; }
  std::vector<FixedPoint> output_formats() const override { return {kFormat}; }
  uint64_t key_bytes(uint64_t count) const override { return packed_bytes(count, kFormat.n); }
  void clear(InColumns in, OutColumns out) const override {
    for (size_t i = 0; i < in[0].size(); ++i) out[0][i] = kFormat.ring().mul(2, in[0][i]);
  }
  void gen(InColumns r_in, InColumns r_out, SeededPrg& prg, ByteWriter& key0,
           ByteWriter& key1) const override {
    const Ring ring = kFormat.ring();
    std::vector<uint64_t> correction(r_in[0].size());
    for (size_t i = 0; i < correction.size(); ++i)
      correction[i] = ring.sub(r_out[0][i], ring.mul(2, r_in[0][i]));
    const SharePair shares = share_values(prg, correction, kFormat.n);
    write_packed(key0, shares.party[0], kFormat.n);
    write_packed(key1, shares.party[1], kFormat.n);
  }
  void eval(int party, ByteReader& key, InColumns x_hat, OutColumns share, Opener&) const override {
    const Ring ring = kFormat.ring();
    const Words correction = read_packed(key, x_hat[0].size(), kFormat.n, "correction");
    for (size_t i = 0; i < correction.size(); ++i)
      share[0][i] = ring.add(party == 0 ? ring.mul(2, x_hat[0][i]) : 0, correction[i]);
  }

 private:
  GateKind kind_;
};

// Applies each of `gates`, in order, to the program's one input; returns the outputs unopened
// (this party's shares), so that a party can run without a peer.
std::vector<Shared> apply_all(Engine& engine, const std::vector<const Gate*>& gates) {
  const Masked x = engine.input(kShape, kFormat);
  std::vector<Shared> outputs;
  for (const Gate* gate : gates) outputs.push_back(engine.apply(*gate, x));
  return outputs;
}

// The dealer's walk over `gates` into `writers` (committed): the input mask the client adds and
// the last gate's output mask.
struct Dealt {
  Tensor input_mask;
  Tensor output_mask;
};

Dealt deal(const std::vector<const Gate*>& gates, std::span<KeyStreamWriter, 2> writers) {
  DealerEngine dealer(Block{11, 12}, writers[0], writers[1]);
  const std::vector<Shared> outputs = apply_all(dealer, gates);
  for (KeyStreamWriter& writer : writers) writer.commit();
  return {dealer.input_masks().at(0), outputs.back().value};
}

ConfigHash test_config() { return config_hash("key reuse test"); }

// The dealer's in-memory key streams for `gates`.
struct Streams {
  std::vector<uint8_t> party[2];
};

Streams deal_to_memory(const std::vector<const Gate*>& gates) {
  KeyStreamWriter writers[2] = {KeyStreamWriter::to_memory(0, test_config()),
                                KeyStreamWriter::to_memory(1, test_config())};
  deal(gates, writers);
  return {{writers[0].take_bytes(), writers[1].take_bytes()}};
}

// Runs `call`, expects an fss::Error of `kind` whose message contains every one of `parts`.
void expect_error(const auto& call, ErrorKind kind, const std::vector<std::string>& parts) {
  try {
    call();
    ADD_FAILURE() << "no fss::Error thrown";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), kind) << error.what();
    for (const std::string& part : parts)
      EXPECT_NE(std::string(error.what()).find(part), std::string::npos)
          << "message: " << error.what() << "\nmissing: " << part;
  }
}

TEST(KeyReuse, AskingPastTheEndOfTheStreamIsAMismatch) {
  const DoubleGate gate;
  const Streams streams = deal_to_memory({&gate});
  KeyStreamReader reader =
      KeyStreamReader::from_memory(streams.party[0], 0, test_config(), "P0 keys");
  auto [channel, unused] = make_local_channel_pair();
  PartyEngine party(0, reader, *channel);
  party.provide_input(Tensor(kShape, kFormat));
  const Masked x = party.input(kShape, kFormat);
  party.apply(gate, x);  // the one record there is
  EXPECT_TRUE(reader.at_end());
  expect_error([&] { party.apply(gate, x); }, ErrorKind::kMismatch,
               {"P0 keys", "expected record #1 test[4]", "the stream ends"});
}

// The whole three-engine run: parties whose program asks for one gate more than the dealer's
// walk made keys for stop at that gate.
TEST(KeyReuse, APartyProgramLongerThanTheDealersFails) {
  const DoubleGate gate;
  const Program program = [&](Engine& engine) {
    std::vector<const Gate*> gates = {&gate};
    if (engine.kind() == Engine::Kind::kParty) gates.push_back(&gate);
    return std::vector<Masked>{engine.open(apply_all(engine, gates).back())};
  };
  const Tensor input(kShape, kFormat);
  expect_error([&] { run_locally(program, std::span(&input, 1)); }, ErrorKind::kMismatch,
               {"P0 key stream", "expected record #1 test[4]", "the stream ends"});
}

TEST(KeyReuse, ARecordOfAnotherGateNamesBothRecords) {
  const DoubleGate dealt_gate(GateKind::kTest);
  const DoubleGate other_gate(GateKind::kMul);  // a local gate under another record kind
  const Streams streams = deal_to_memory({&dealt_gate, &other_gate});
  {
    // The party runs the two gates in the other order.
    KeyStreamReader reader =
        KeyStreamReader::from_memory(streams.party[1], 1, test_config(), "P1 keys");
    auto [channel, unused] = make_local_channel_pair();
    PartyEngine party(1, reader, *channel);
    party.provide_input(Tensor(kShape, kFormat));
    expect_error(
        [&] {
          apply_all(party, {&other_gate, &dealt_gate});
        },
        ErrorKind::kMismatch, {"P1 keys", "expected record #0 mul[4]", "found #0 test[4]"});
  }
  {
    // The party skips the first gate: its first request meets the first record.
    KeyStreamReader reader =
        KeyStreamReader::from_memory(streams.party[0], 0, test_config(), "P0 keys");
    auto [channel, unused] = make_local_channel_pair();
    PartyEngine party(0, reader, *channel);
    party.provide_input(Tensor(kShape, kFormat));
    expect_error([&] { apply_all(party, {&other_gate}); }, ErrorKind::kMismatch,
                 {"P0 keys", "expected record #0 mul[4]", "found #0 test[4]"});
  }
}

// A key file is read once: the party program runs to completion over it, and running the same
// program again over the same readers (a second inference on the same keys) fails at its first
// gate, although each run has a fresh engine.
TEST(KeyReuse, RunningAProgramTwiceOverOneStreamFailsTheSecondTime) {
  const DoubleGate gate;
  const std::vector<const Gate*> gates = {&gate, &gate};
  const fs::path dir = fs::temp_directory_path() / ("fss_key_reuse_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path paths[2] = {dir / "P0.keys", dir / "P1.keys"};
  KeyStreamWriter writers[2] = {KeyStreamWriter::to_file(paths[0], 0, test_config()),
                                KeyStreamWriter::to_file(paths[1], 1, test_config())};
  const Dealt dealt = deal(gates, writers);
  KeyStreamReader readers[2] = {KeyStreamReader::from_file(paths[0], 0, test_config()),
                                KeyStreamReader::from_file(paths[1], 1, test_config())};

  // First run, both parties: their shares reconstruct to 2x under the dealer's output mask.
  const Tensor x(kShape, kFormat, {0, 1, 0x7fff, 0xffff});
  const Tensor masked_x = add(Masked{x}, Masked{dealt.input_mask}).value;
  auto [c0, c1] = make_local_channel_pair();
  Channel* channels[2] = {c0.get(), c1.get()};
  std::vector<Shared> shares[2];
  for (int party = 0; party < 2; ++party) {
    PartyEngine engine(party, readers[party], *channels[party]);
    engine.provide_input(masked_x);
    shares[party] = apply_all(engine, gates);
    readers[party].expect_end();
  }
  const Ring ring = kFormat.ring();
  for (size_t i = 0; i < x.size(); ++i) {
    const uint64_t opened = ring.add(shares[0].back().value[i], shares[1].back().value[i]);
    EXPECT_EQ(ring.sub(opened, dealt.output_mask[i]), ring.mul(2, x[i])) << "element " << i;
  }

  // Second run over the same readers.
  for (int party = 0; party < 2; ++party) {
    PartyEngine engine(party, readers[party], *channels[party]);
    engine.provide_input(masked_x);
    expect_error([&] { apply_all(engine, gates); }, ErrorKind::kMismatch,
                 {paths[party].string(), "expected record #2 test[4]", "the stream ends"});
  }
  fs::remove_all(dir);
}

// The converse: a program that stops early leaves records unread, which the run reports
// instead of ending silently (a later program would otherwise start on stale keys).
TEST(KeyReuse, RecordsLeftUnreadAreAMismatch) {
  const DoubleGate gate;
  const Program program = [&](Engine& engine) {
    std::vector<const Gate*> gates = {&gate};
    if (engine.kind() != Engine::Kind::kParty) gates.push_back(&gate);
    return std::vector<Masked>{engine.open(apply_all(engine, gates).front())};
  };
  const Tensor input(kShape, kFormat);
  expect_error([&] { run_locally(program, std::span(&input, 1)); }, ErrorKind::kMismatch,
               {"expected the end after 1 records", "found record #1 test[4]"});
}

}  // namespace
}  // namespace fss
