#pragma once
// TCP channel: one connection per party pair, TCP_NODELAY, large socket buffers, a sender
// thread so that sending and receiving overlap. Errors name the peer address.
#include <cstdint>
#include <memory>
#include <string>

#include "net/channel.h"

namespace fss {

struct TcpOptions : ChannelOptions {
  std::chrono::milliseconds connect_deadline{30'000};  // connect retries / accept wait until then
  int socket_buffer_bytes = 8 << 20;  // SO_SNDBUF/SO_RCVBUF; <= 0 keeps the kernel's autotuning
};

// Listens on host:port (port 0 picks a free port, see port()).
class TcpListener {
 public:
  TcpListener(const std::string& host, uint16_t port);
  ~TcpListener();
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  uint16_t port() const { return port_; }
  // Waits up to options.connect_deadline for one peer. Throws kNetwork on timeout.
  std::unique_ptr<Channel> accept(const TcpOptions& options = {});

  // accept() for transports layered on TCP (TLS): the connected, configured, non-blocking
  // socket, which the caller then owns, and the peer's address ("127.0.0.1:40112").
  struct AcceptedSocket {
    int fd;
    std::string peer;
  };
  AcceptedSocket accept_socket(const TcpOptions& options = {});

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
  std::string host_;
};

// Connects to host:port, retrying until options.connect_deadline. Throws kNetwork on failure.
std::unique_ptr<Channel> tcp_connect(const std::string& host, uint16_t port,
                                     const TcpOptions& options = {});

}  // namespace fss
