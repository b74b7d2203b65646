// TCP channel, and the socket channel that the TLS channel shares (net/socket_transport.h). All
// sockets are non-blocking and every wait is a poll() with the configured timeout, so no call can
// hang. send() writes straight to the transport when nothing is queued and queues the rest in
// pooled chunks that a sender thread drains; recv() reads straight into the caller's buffer.
#include "net/tcp_channel.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "core/error.h"
#include "net/socket_transport.h"

namespace fss {
namespace {

using net_internal::Clock;
using net_internal::IoResult;
using net_internal::SocketFd;
using net_internal::SocketTransport;
using std::chrono::milliseconds;

// Queue granularity: large enough that one send() call moves a lot, small enough to pool.
constexpr size_t kChunkBytes = size_t{1} << 20;
// Chunks kept for reuse, so that streaming big messages does not fault in fresh pages.
constexpr size_t kPooledChunks = 16;

std::string errno_text(int error) { return std::system_category().message(error); }

bool is_peer_gone(int error) { return error == EPIPE || error == ECONNRESET; }

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, INT32_MAX));
}

}  // namespace

namespace net_internal {

SocketFd::~SocketFd() {
  if (fd_ >= 0) ::close(fd_);
}

int SocketFd::release() { return std::exchange(fd_, -1); }

bool poll_until(int fd, short events, Clock::time_point deadline) {
  while (true) {
    pollfd entry{fd, events, 0};
    const int ready = ::poll(&entry, 1, remaining_ms(deadline));
    if (ready > 0) return true;
    if (ready == 0) return false;
    if (errno != EINTR) fail(ErrorKind::kNetwork, "poll failed: {}", errno_text(errno));
  }
}

}  // namespace net_internal

namespace {

using net_internal::poll_until;

std::string address_name(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
    ::inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
    return fmt::format("{}:{}", text, ntohs(v4.sin_port));
  }
  const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
  ::inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
  return fmt::format("[{}]:{}", text, ntohs(v6.sin6_port));
}

struct AddrInfoDeleter {
  void operator()(addrinfo* list) const { ::freeaddrinfo(list); }
};
using AddrInfoList = std::unique_ptr<addrinfo, AddrInfoDeleter>;

// Resolves host:port for TCP; empty list and `error` set when resolution fails.
AddrInfoList resolve(const std::string& host, uint16_t port, bool passive, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = passive ? AI_PASSIVE : 0;
  addrinfo* list = nullptr;
  const std::string service = std::to_string(port);
  const int status =
      ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &list);
  if (status != 0) {
    error = fmt::format("cannot resolve '{}': {}", host, ::gai_strerror(status));
    return nullptr;
  }
  return AddrInfoList(list);
}

void set_int_option(int fd, int level, int option, int value, const char* what) {
  if (::setsockopt(fd, level, option, &value, sizeof value) != 0) {
    fail(ErrorKind::kNetwork, "setsockopt({}) failed: {}", what, errno_text(errno));
  }
}

void configure_socket(int fd, const TcpOptions& options) {
  set_int_option(fd, IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY");
  if (options.socket_buffer_bytes <= 0) return;
  set_int_option(fd, SOL_SOCKET, SO_SNDBUF, options.socket_buffer_bytes, "SO_SNDBUF");
  set_int_option(fd, SOL_SOCKET, SO_RCVBUF, options.socket_buffer_bytes, "SO_RCVBUF");
}

class PlainTransport final : public SocketTransport {
 public:
  explicit PlainTransport(int fd) : fd_(fd) {}

  IoResult write_some(std::span<const uint8_t> bytes) override {
    while (true) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n >= 0) return IoResult::moved(static_cast<size_t>(n));
      if (errno != EINTR) return failure(errno, POLLOUT);
    }
  }

  IoResult read_some(std::span<uint8_t> bytes) override {
    while (true) {
      const ssize_t n = ::recv(fd_, bytes.data(), bytes.size(), MSG_DONTWAIT);
      if (n > 0) return IoResult::moved(static_cast<size_t>(n));
      if (n == 0) return IoResult::closed();
      if (errno != EINTR) return failure(errno, POLLIN);
    }
  }

 private:
  static IoResult failure(int error, short wait_events) {
    if (error == EAGAIN || error == EWOULDBLOCK) return IoResult::wait_for(wait_events);
    if (is_peer_gone(error)) return IoResult::closed();
    return IoResult::failed(errno_text(error));
  }

  const int fd_;
};

class SocketChannel final : public Channel {
 public:
  // Takes ownership of a connected, non-blocking, configured socket.
  SocketChannel(int fd, std::unique_ptr<SocketTransport> transport, std::string peer,
                const TcpOptions& options)
      : fd_(fd),
        transport_(std::move(transport)),
        peer_(std::move(peer)),
        timeout_(options.timeout) {
    sender_ = std::thread([this] { sender_loop(); });
  }

  ~SocketChannel() override {
    try {
      flush();
    } catch (const Error&) {
      // The link is already broken; a destructor has no one to report that to.
    }
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      queue_.clear();
    }
    work_available_.notify_all();
    ::shutdown(fd_, SHUT_RDWR);
    sender_.join();
    transport_.reset();
    ::close(fd_);
  }

  void flush() override {
    std::unique_lock lock(mutex_);
    // The sender thread ends every stall within timeout_ (by progress or by error).
    drained_.wait(lock, [&] { return !broken_.empty() || (queue_.empty() && !sender_busy_); });
    throw_if_broken();
  }

  std::string peer_name() const override { return peer_; }

 protected:
  void send_bytes(std::span<const uint8_t> bytes) override {
    std::unique_lock lock(mutex_);
    throw_if_broken();
    if (bytes.empty()) return;
    if (queue_.empty() && !sender_busy_) {
      // Nothing ahead of us: hand the transport what it takes now and queue only the rest.
      const IoResult result = transport_->write_some(bytes);
      if (!result.error.empty() || result.peer_closed) {
        broken_ = send_error_message(result, bytes.size());
        throw_if_broken();
      }
      bytes = bytes.subspan(result.bytes);
    }
    if (!queue_.empty()) {
      Chunk& tail = queue_.back();
      const size_t take = std::min(bytes.size(), kChunkBytes - tail.size);
      std::memcpy(tail.data.get() + tail.size, bytes.data(), take);
      tail.size += take;
      bytes = bytes.subspan(take);
    }
    while (!bytes.empty()) {
      Chunk chunk{take_free_buffer(), std::min(bytes.size(), kChunkBytes)};
      // Copy outside the lock so that the sender thread keeps writing meanwhile.
      lock.unlock();
      std::memcpy(chunk.data.get(), bytes.data(), chunk.size);
      bytes = bytes.subspan(chunk.size);
      lock.lock();
      throw_if_broken();
      queue_.push_back(std::move(chunk));
      work_available_.notify_one();
    }
  }

  void recv_bytes(std::span<uint8_t> bytes) override {
    {
      std::lock_guard lock(mutex_);
      throw_if_broken();
    }
    size_t received = 0;
    while (received < bytes.size()) {
      const IoResult result = transport_->read_some(bytes.subspan(received));
      received += result.bytes;
      if (result.peer_closed) {
        fail(ErrorKind::kNetwork,
             "peer closed: connection to {} ended while waiting for {} bytes ({} of {} received)",
             peer_, bytes.size() - received, received, bytes.size());
      }
      if (!result.error.empty()) {
        fail(ErrorKind::kNetwork, "recv from {} failed while waiting for {} bytes: {}", peer_,
             bytes.size() - received, result.error);
      }
      if (result.wait_events != 0 &&
          !poll_until(fd_, result.wait_events, Clock::now() + timeout_)) {
        fail(ErrorKind::kNetwork,
             "timed out after {} ms waiting for {} bytes from {} ({} of {} received)",
             timeout_.count(), bytes.size() - received, peer_, received, bytes.size());
      }
    }
  }

 private:
  struct Chunk {
    std::unique_ptr<uint8_t[]> data;  // kChunkBytes capacity
    size_t size = 0;
  };

  std::unique_ptr<uint8_t[]> take_free_buffer() {
    if (free_buffers_.empty()) return std::make_unique_for_overwrite<uint8_t[]>(kChunkBytes);
    std::unique_ptr<uint8_t[]> buffer = std::move(free_buffers_.back());
    free_buffers_.pop_back();
    return buffer;
  }

  void throw_if_broken() const {
    if (!broken_.empty()) throw Error(ErrorKind::kNetwork, broken_);
  }

  std::string send_error_message(const IoResult& result, size_t pending) const {
    if (result.peer_closed) {
      return fmt::format("peer closed: connection to {} ended while sending ({} bytes unsent)",
                         peer_, pending);
    }
    return fmt::format("send to {} failed ({} bytes unsent): {}", peer_, pending, result.error);
  }

  // Writes all of `chunk`; returns an error message, empty on success.
  std::string write_chunk(const Chunk& chunk) {
    size_t written = 0;
    while (written < chunk.size) {
      const size_t pending = chunk.size - written;
      const IoResult result = transport_->write_some({chunk.data.get() + written, pending});
      written += result.bytes;
      if (!result.error.empty() || result.peer_closed) {
        return send_error_message(result, chunk.size - written);
      }
      if (result.wait_events == 0) continue;
      pollfd entry{fd_, result.wait_events, 0};
      const int ready = ::poll(&entry, 1, static_cast<int>(timeout_.count()));
      if (ready == 0) {
        return fmt::format(
            "timed out after {} ms sending to {}: the peer read nothing meanwhile ({} bytes "
            "unsent)",
            timeout_.count(), peer_, chunk.size - written);
      }
      if (ready < 0 && errno != EINTR) return fmt::format("poll failed: {}", errno_text(errno));
    }
    return {};
  }

  void sender_loop() {
    std::unique_lock lock(mutex_);
    while (true) {
      work_available_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      Chunk chunk = std::move(queue_.front());
      queue_.pop_front();
      sender_busy_ = true;
      lock.unlock();
      std::string error = write_chunk(chunk);
      lock.lock();
      sender_busy_ = false;
      if (free_buffers_.size() < kPooledChunks) free_buffers_.push_back(std::move(chunk.data));
      if (!error.empty()) {
        if (broken_.empty()) broken_ = std::move(error);
        queue_.clear();
        drained_.notify_all();
        return;
      }
      if (queue_.empty()) drained_.notify_all();
    }
  }

  const int fd_;
  std::unique_ptr<SocketTransport> transport_;
  const std::string peer_;
  const milliseconds timeout_;

  std::mutex mutex_;  // guards everything below
  std::condition_variable work_available_;
  std::condition_variable drained_;
  std::deque<Chunk> queue_;
  std::vector<std::unique_ptr<uint8_t[]>> free_buffers_;
  bool sender_busy_ = false;  // the sender thread is writing a chunk it took off the queue
  bool stopping_ = false;
  std::string broken_;  // the first transport error; every later call throws it
  std::thread sender_;
};

// One non-blocking connect attempt until `deadline`; returns the socket, or -1 with `error` set.
int try_connect(const addrinfo& address, const TcpOptions& options, Clock::time_point deadline,
                std::string& error) {
  SocketFd fd(::socket(address.ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) {
    error = fmt::format("socket() failed: {}", errno_text(errno));
    return -1;
  }
  configure_socket(fd.get(), options);  // before connect, so the window scale can use them
  if (::connect(fd.get(), address.ai_addr, address.ai_addrlen) != 0) {
    if (errno != EINPROGRESS) {
      error = errno_text(errno);
      return -1;
    }
    if (!poll_until(fd.get(), POLLOUT, deadline)) {
      error = "no answer";
      return -1;
    }
    int status = 0;
    socklen_t length = sizeof status;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &status, &length);
    if (status != 0) {
      error = errno_text(status);
      return -1;
    }
  }
  // Connecting to a free local port can pick that same port as the source and "succeed"
  // (TCP simultaneous open with itself); treat it as refused.
  sockaddr_storage local{}, remote{};
  socklen_t local_length = sizeof local, remote_length = sizeof remote;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&local), &local_length);
  ::getpeername(fd.get(), reinterpret_cast<sockaddr*>(&remote), &remote_length);
  if (local_length == remote_length && std::memcmp(&local, &remote, local_length) == 0) {
    error = errno_text(ECONNREFUSED);
    return -1;
  }
  return fd.release();
}

}  // namespace

namespace net_internal {

std::unique_ptr<SocketTransport> plain_transport(int fd) {
  return std::make_unique<PlainTransport>(fd);
}

std::unique_ptr<Channel> make_socket_channel(int fd, std::unique_ptr<SocketTransport> transport,
                                             std::string peer, const TcpOptions& options) {
  return std::make_unique<SocketChannel>(fd, std::move(transport), std::move(peer), options);
}

int connect_socket(const std::string& host, uint16_t port, const TcpOptions& options) {
  const Clock::time_point deadline = Clock::now() + options.connect_deadline;
  // The peer may not be listening yet: retry, backing off from a few ms to 100 ms.
  milliseconds backoff{5};
  std::string error;
  while (true) {
    const AddrInfoList addresses = resolve(host, port, /*passive=*/false, error);
    for (const addrinfo* address = addresses.get(); address != nullptr;
         address = address->ai_next) {
      const int fd = try_connect(*address, options, deadline, error);
      if (fd >= 0) return fd;
    }
    const int left = remaining_ms(deadline);
    if (left == 0) {
      fail(ErrorKind::kNetwork, "could not connect to {}:{} within {} ms: {}", host, port,
           options.connect_deadline.count(), error);
    }
    std::this_thread::sleep_for(std::min(backoff, milliseconds{left}));
    backoff = std::min(backoff * 2, milliseconds{100});
  }
}

}  // namespace net_internal

TcpListener::TcpListener(const std::string& host, uint16_t port) : host_(host) {
  std::string error;
  const AddrInfoList addresses = resolve(host, port, /*passive=*/true, error);
  for (const addrinfo* address = addresses.get(); address != nullptr; address = address->ai_next) {
    SocketFd fd(::socket(address->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) {
      error = fmt::format("socket() failed: {}", errno_text(errno));
      continue;
    }
    set_int_option(fd.get(), SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
    if (::bind(fd.get(), address->ai_addr, address->ai_addrlen) != 0 ||
        ::listen(fd.get(), SOMAXCONN) != 0) {
      error = errno_text(errno);
      continue;
    }
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &length);
    port_ = bound.ss_family == AF_INET
                ? ntohs(reinterpret_cast<const sockaddr_in&>(bound).sin_port)
                : ntohs(reinterpret_cast<const sockaddr_in6&>(bound).sin6_port);
    fd_ = fd.release();
    return;
  }
  fail(ErrorKind::kNetwork, "cannot listen on {}:{}: {}", host, port, error);
}

TcpListener::~TcpListener() {
  if (fd_ >= 0) ::close(fd_);
}

TcpListener::AcceptedSocket TcpListener::accept_socket(const TcpOptions& options) {
  const Clock::time_point deadline = Clock::now() + options.connect_deadline;
  while (true) {
    if (!poll_until(fd_, POLLIN, deadline)) {
      fail(ErrorKind::kNetwork, "no peer connected to {}:{} within {} ms", host_, port_,
           options.connect_deadline.count());
    }
    sockaddr_storage peer{};
    socklen_t length = sizeof peer;
    SocketFd fd(
        ::accept4(fd_, reinterpret_cast<sockaddr*>(&peer), &length, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (fd.get() < 0) {
      // The pending connection vanished (or a signal interrupted us): wait for the next one.
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED || errno == EINTR) {
        continue;
      }
      fail(ErrorKind::kNetwork, "accept on {}:{} failed: {}", host_, port_, errno_text(errno));
    }
    configure_socket(fd.get(), options);
    std::string name = address_name(peer);
    return {fd.release(), std::move(name)};
  }
}

std::unique_ptr<Channel> TcpListener::accept(const TcpOptions& options) {
  AcceptedSocket accepted = accept_socket(options);
  return net_internal::make_socket_channel(accepted.fd, net_internal::plain_transport(accepted.fd),
                                           std::move(accepted.peer), options);
}

std::unique_ptr<Channel> tcp_connect(const std::string& host, uint16_t port,
                                     const TcpOptions& options) {
  const int fd = net_internal::connect_socket(host, port, options);
  return net_internal::make_socket_channel(fd, net_internal::plain_transport(fd),
                                           fmt::format("{}:{}", host, port), options);
}

}  // namespace fss
