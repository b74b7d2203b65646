#pragma once
// Byte channels between P0 and P1 (ARCHITECTURE.md §6). A Channel is used by one thread at a
// time. send() copies the bytes and returns; a background sender thread (TCP) or the peer's
// queue (in-process) delivers them, so `send(x); recv(y)` never deadlocks on large messages.
// Every blocking call ends within the configured timeout: a peer that disconnects, crashes or
// stalls produces fss::Error(kNetwork) naming the peer and what was being waited for.
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>

namespace fss {

struct ChannelStats {
  uint64_t bytes_sent = 0;
  uint64_t bytes_received = 0;
  // A round starts with the first send() that follows a recv() (or the first send ever): one
  // round = one message flight each way, as in the cost formulas of PROTOCOLS.md.
  uint64_t rounds = 0;
};

struct ChannelOptions {
  std::chrono::milliseconds timeout{30'000};  // longest wait for any single send or receive
};

class Channel {
 public:
  virtual ~Channel() = default;
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // Queues a copy of `bytes` for the peer. Throws kNetwork if the link is already broken.
  void send(std::span<const uint8_t> bytes);
  // Blocks until exactly bytes.size() bytes have arrived. Throws kNetwork on disconnect or
  // when nothing arrives for the timeout.
  void recv(std::span<uint8_t> bytes);
  // send(mine) then recv(theirs): the symmetric exchange of an open, one round.
  void exchange(std::span<const uint8_t> mine, std::span<uint8_t> theirs);
  // Blocks until every queued byte has been handed to the transport (or throws).
  virtual void flush() = 0;

  const ChannelStats& stats() const { return stats_; }
  void reset_stats() { stats_ = {}; }
  // A short description of the peer for error messages ("127.0.0.1:7001", "in-process P1").
  virtual std::string peer_name() const = 0;

 protected:
  Channel() = default;
  virtual void send_bytes(std::span<const uint8_t> bytes) = 0;
  virtual void recv_bytes(std::span<uint8_t> bytes) = 0;

 private:
  ChannelStats stats_;
  bool last_was_recv_ = true;
};

// Two connected in-process endpoints (for tests and single-process runs).
std::pair<std::unique_ptr<Channel>, std::unique_ptr<Channel>> make_local_channel_pair(
    ChannelOptions options = {});

}  // namespace fss
