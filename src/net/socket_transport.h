#pragma once
// Internals shared by the TCP and TLS channels, not a public API. A SocketTransport moves bytes
// over a connected non-blocking socket (plain TCP, or TLS records); make_socket_channel() runs
// one behind the Channel interface with the TCP channel's sender thread, poll()-based timeouts
// and error messages, so both links behave the same way.
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "net/tcp_channel.h"

namespace fss::net_internal {

using Clock = std::chrono::steady_clock;

// What one non-blocking transport call achieved.
struct IoResult {
  size_t bytes = 0;          // moved by this call; 0 with nothing else set is never returned
  short wait_events = 0;     // nothing moved yet: poll the socket for these events, then retry
  bool peer_closed = false;  // the peer ended the connection
  std::string error;         // any other failure; the link is unusable

  static IoResult moved(size_t bytes) { return make(bytes, 0, false, {}); }
  static IoResult wait_for(short events) { return make(0, events, false, {}); }
  static IoResult closed() { return make(0, 0, true, {}); }
  static IoResult failed(std::string error) { return make(0, 0, false, std::move(error)); }

 private:
  static IoResult make(size_t bytes, short events, bool closed, std::string error) {
    IoResult result;
    result.bytes = bytes;
    result.wait_events = events;
    result.peer_closed = closed;
    result.error = std::move(error);
    return result;
  }
};

// The transport does not own the socket; the channel closes it after the transport is gone.
// write_some and read_some may be called concurrently from two threads (sender and receiver).
class SocketTransport {
 public:
  virtual ~SocketTransport() = default;
  virtual IoResult write_some(std::span<const uint8_t> bytes) = 0;
  virtual IoResult read_some(std::span<uint8_t> bytes) = 0;
};

// send()/recv() on the socket itself.
std::unique_ptr<SocketTransport> plain_transport(int fd);

// A Channel over `transport`; takes ownership of `fd` (shut down and closed on destruction).
// `peer` names the peer in error messages.
std::unique_ptr<Channel> make_socket_channel(int fd, std::unique_ptr<SocketTransport> transport,
                                             std::string peer, const TcpOptions& options);

// Waits for `events` on fd until the deadline; false when the deadline passed first.
bool poll_until(int fd, short events, Clock::time_point deadline);

// A connected, non-blocking, configured socket to host:port, retrying until
// options.connect_deadline. Throws kNetwork as tcp_connect.
int connect_socket(const std::string& host, uint16_t port, const TcpOptions& options);

// Closes a socket fd on scope exit unless released.
class SocketFd {
 public:
  explicit SocketFd(int fd) : fd_(fd) {}
  ~SocketFd();
  SocketFd(const SocketFd&) = delete;
  SocketFd& operator=(const SocketFd&) = delete;
  int get() const { return fd_; }
  int release();

 private:
  int fd_;
};

}  // namespace fss::net_internal
