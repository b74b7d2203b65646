#include "mpc/party_engine.h"

#include <fmt/format.h>

#include <chrono>
#include <utility>

#include "core/bitpack.h"
#include "crypto/metered_backend.h"
#include "crypto/prg_counter.h"
#include "mpc/gate_keys.h"

namespace fss {

PartyEngine::PartyEngine(int party, KeyStreamReader& keys, Channel& peer)
    : party_(party), keys_(&keys), peer_(&peer) {
  if (party != 0 && party != 1)
    fail(ErrorKind::kInvalidArgument, "party must be 0 or 1, got {}", party);
}

Masked PartyEngine::input(const Shape& shape, FixedPoint format) {
  return {inputs_.pop(shape, format, party_ == 0 ? "party 0" : "party 1")};
}

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Sends our packed shares and receives the peer's into `received`, of the same size (one
// round); returns the seconds spent in the exchange.
double exchange_packed(Channel& peer, std::span<const uint8_t> packed,
                       std::span<uint8_t> received) {
  const auto start = std::chrono::steady_clock::now();
  peer.exchange(packed, received);
  return seconds_since(start);
}

// Exchanges bit-packed shares with the peer and adds the peer's to ours; returns the seconds
// spent in the exchange.
double open_in_place(Channel& peer, std::span<const uint64_t> mine, int bits,
                     std::span<uint64_t> out) {
  // pack writes every byte of `packed`, and the exchange every byte of `received`: no zero fill.
  UninitialisedBytes packed(packed_bytes(mine.size(), bits)), received(packed.size());
  pack(mine, bits, packed);
  const double waited = exchange_packed(peer, packed, received);
  unpack(received, bits, out);
  const Ring ring{bits};
  const auto count = static_cast<int64_t>(out.size());
#pragma omp parallel for schedule(static) if (count >= kParallelElements)
  for (int64_t i = 0; i < count; ++i) out[i] = ring.add(out[i], mine[i]);
  return waited;
}

class ChannelOpener final : public Opener {
 public:
  explicit ChannelOpener(Channel& peer) : peer_(peer) {}
  Words open(std::span<const uint64_t> shares, int bits) override {
    Words out = words_for_overwrite(shares.size());
    waited_ += open_in_place(peer_, shares, bits, out);
    return out;
  }
  std::vector<uint8_t> open_bits(std::span<const uint8_t> packed, size_t count) override {
    check_packed(packed, count, 1);
    std::vector<uint8_t> received(packed.size());
    waited_ += exchange_packed(peer_, packed, received);
    check_packed(received, count, 1);  // the peer's padding, as unpack checks it in open()
    for (size_t j = 0; j < received.size(); ++j) received[j] ^= packed[j];
    return received;
  }
  double waited() const { return waited_; }

 private:
  Channel& peer_;
  double waited_ = 0;
};

}  // namespace

Masked PartyEngine::open(const Shared& value, const std::string& label) {
  const auto start = std::chrono::steady_clock::now();
  const Tensor& mine = value.value;
  const ChannelStats before = peer_->stats();
  Tensor opened = Tensor::for_overwrite(mine.shape(), mine.fixed_point());
  const double waited = open_in_place(*peer_, mine.data(), mine.fixed_point().n, opened.data());
  book_wait(waited);
  book(label, {.calls = 1,
               .elements = mine.size(),
               .bytes_sent = peer_->stats().bytes_sent - before.bytes_sent,
               .rounds = peer_->stats().rounds - before.rounds,
               .seconds = seconds_since(start),
               .wait_seconds = waited});
  return {std::move(opened)};
}

Shared PartyEngine::share_of(const Masked& value) const {
  if (party_ == 0) return {value.value};
  return {Tensor(value.value.shape(), value.value.fixed_point())};
}

void PartyEngine::add_public(Shared& value, const Tensor& constant) const {
  if (party_ == 0) value = add(value, Shared{constant});
}

void PartyEngine::run_gate(const Gate& gate, InColumns in, OutColumns out) {
  const auto start = std::chrono::steady_clock::now();
  const uint64_t count = out[0].size();
  ByteReader key = keys_->record_reader(gate.kind(), count);
  if (key.remaining() != gate.key_bytes(count))
    fail(ErrorKind::kParse, "{}: {} key record holds {} bytes, expected {}", key.source(),
         gate.describe(), key.remaining(), gate.key_bytes(count));
  const ChannelStats before = peer_->stats();
  ChannelOpener opener(*peer_);
  MeteredBackend metered(backend());
  const uint64_t prg_before = prg_calls_on_this_thread();
  {
    const BackendScope scope(metered);
    gate.eval(party_, key, in, out, opener);
  }
  const uint64_t prg_calls = prg_calls_on_this_thread() - prg_before;
  key.expect_end();
  book_wait(opener.waited());
  book(gate.describe(), {.calls = 1,
                         .elements = count,
                         .key_bytes = gate.key_bytes(count),
                         .bytes_sent = peer_->stats().bytes_sent - before.bytes_sent,
                         .rounds = peer_->stats().rounds - before.rounds,
                         .prg_calls = prg_calls,
                         .seconds = seconds_since(start),
                         .wait_seconds = opener.waited(),
                         .backend_seconds = metered.seconds()});
}

}  // namespace fss
