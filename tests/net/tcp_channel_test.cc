#include "net/tcp_channel.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <future>
#include <optional>
#include <thread>

#include "channel_test_util.h"
#include "core/error.h"

namespace fss {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::duration;
using std::chrono::milliseconds;

const std::string kLoopback = "127.0.0.1";

template <typename Fn>
ErrorKind expect_throws_error(Fn&& fn, std::string& message) {
  try {
    fn();
  } catch (const Error& error) {
    message = error.what();
    return error.kind();
  }
  ADD_FAILURE() << "no fss::Error thrown";
  return ErrorKind::kInternal;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TcpOptions options_with(milliseconds timeout, milliseconds connect_deadline) {
  TcpOptions options;
  options.timeout = timeout;
  options.connect_deadline = connect_deadline;
  return options;
}

struct ConnectedPair {
  std::unique_ptr<Channel> server;
  std::unique_ptr<Channel> client;
};

ConnectedPair connect_pair(const TcpOptions& options = {}) {
  TcpListener listener(kLoopback, 0);
  auto client = std::async(std::launch::async,
                           [&] { return tcp_connect(kLoopback, listener.port(), options); });
  std::unique_ptr<Channel> server = listener.accept(options);
  return {std::move(server), client.get()};
}

// A port nobody listens on (it was free a moment ago).
uint16_t unused_port() { return TcpListener(kLoopback, 0).port(); }

TEST(TcpChannel, ListenerPicksAnEphemeralPort) {
  TcpListener listener(kLoopback, 0);
  EXPECT_NE(listener.port(), 0);
}

TEST(TcpChannel, ExchangeAndCountersFollowTheMessagePattern) {
  const std::vector<test::ScriptStep> script = test::mixed_script();
  ConnectedPair pair = connect_pair();
  auto client_mismatches =
      std::async(std::launch::async, [&] { return test::run_script(*pair.client, 1, script); });
  EXPECT_EQ(test::run_script(*pair.server, 0, script), 0);
  EXPECT_EQ(client_mismatches.get(), 0);
  for (int party : {0, 1}) {
    const ChannelStats expected = test::expected_stats(party, script);
    const ChannelStats& actual = (party == 0 ? pair.server : pair.client)->stats();
    SCOPED_TRACE(testing::Message() << "party " << party);
    EXPECT_EQ(actual.bytes_sent, expected.bytes_sent);
    EXPECT_EQ(actual.bytes_received, expected.bytes_received);
    EXPECT_EQ(actual.rounds, expected.rounds);
  }
  EXPECT_TRUE(contains(pair.server->peer_name(), "127.0.0.1:"));
  EXPECT_TRUE(contains(pair.client->peer_name(), "127.0.0.1:"));
}

TEST(TcpChannel, ExchangeOfLargeBuffersBothWaysAtOnce) {
  constexpr size_t kBytes = size_t{48} << 20;  // far beyond the socket buffers
  ConnectedPair pair = connect_pair();
  const std::vector<uint8_t> from_server = test::stream_bytes(200, kBytes);
  const std::vector<uint8_t> from_client = test::stream_bytes(201, kBytes);
  std::vector<uint8_t> at_server(kBytes), at_client(kBytes);
  std::thread client_side([&] { pair.client->exchange(from_client, at_client); });
  pair.server->exchange(from_server, at_server);
  client_side.join();
  EXPECT_TRUE(at_server == from_client);
  EXPECT_TRUE(at_client == from_server);
}

TEST(TcpChannel, ConnectRetriesUntilThePeerListens) {
  const uint16_t port = unused_port();
  const milliseconds listen_delay{300};
  const auto start = Clock::now();
  auto client = std::async(std::launch::async, [&] {
    return tcp_connect(kLoopback, port, options_with(milliseconds{5000}, milliseconds{5000}));
  });
  std::this_thread::sleep_for(listen_delay);
  TcpListener listener(kLoopback, port);
  std::unique_ptr<Channel> server = listener.accept();
  std::unique_ptr<Channel> connected = client.get();
  EXPECT_GE(Clock::now() - start, listen_delay);

  const std::vector<uint8_t> hello = test::stream_bytes(5, 100);
  connected->send(hello);
  std::vector<uint8_t> received(hello.size());
  server->recv(received);
  EXPECT_TRUE(received == hello);
}

TEST(TcpChannel, ConnectToClosedPortFailsAtTheDeadline) {
  const uint16_t port = unused_port();
  const milliseconds deadline{300};
  std::string message;
  const auto start = Clock::now();
  EXPECT_EQ(expect_throws_error(
                [&] { tcp_connect(kLoopback, port, options_with(milliseconds{1000}, deadline)); },
                message),
            ErrorKind::kNetwork);
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, deadline);
  EXPECT_LT(elapsed, deadline + milliseconds{500});
  EXPECT_TRUE(
      contains(message, fmt::format("could not connect to 127.0.0.1:{} within 300 ms", port)))
      << message;
  EXPECT_TRUE(contains(message, "refused")) << message;
}

TEST(TcpChannel, AcceptFailsAtTheDeadline) {
  TcpListener listener(kLoopback, 0);
  std::string message;
  const auto start = Clock::now();
  EXPECT_EQ(
      expect_throws_error(
          [&] { listener.accept(options_with(milliseconds{1000}, milliseconds{200})); }, message),
      ErrorKind::kNetwork);
  EXPECT_LT(Clock::now() - start, milliseconds{700});
  EXPECT_TRUE(contains(message, fmt::format("no peer connected to 127.0.0.1:{}", listener.port())))
      << message;
}

TEST(TcpChannel, ReceiveTimesOutWhenThePeerIsSilent) {
  ConnectedPair pair = connect_pair(options_with(milliseconds{300}, milliseconds{5000}));
  std::vector<uint8_t> buffer(4096);
  std::string message;
  const auto start = Clock::now();
  EXPECT_EQ(expect_throws_error([&] { pair.server->recv(buffer); }, message), ErrorKind::kNetwork);
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, milliseconds{300});
  EXPECT_LT(elapsed, milliseconds{800});
  EXPECT_TRUE(contains(
      message, "timed out after 300 ms waiting for 4096 bytes from " + pair.server->peer_name()))
      << message;
}

TEST(TcpChannel, DestroyedPeerFailsReceivePromptly) {
  ConnectedPair pair = connect_pair(options_with(milliseconds{10'000}, milliseconds{5000}));
  const std::vector<uint8_t> last_words = test::stream_bytes(9, 1000);
  pair.client->send(last_words);
  pair.client.reset();

  std::vector<uint8_t> received(last_words.size());
  pair.server->recv(received);
  EXPECT_TRUE(received == last_words);
  std::vector<uint8_t> more(4096);
  std::string message;
  const auto start = Clock::now();
  EXPECT_EQ(expect_throws_error([&] { pair.server->recv(more); }, message), ErrorKind::kNetwork);
  EXPECT_LT(Clock::now() - start, milliseconds{1000});
  EXPECT_TRUE(contains(message, "peer closed")) << message;
  EXPECT_TRUE(contains(message, pair.server->peer_name())) << message;
  EXPECT_TRUE(contains(message, "waiting for 4096 bytes")) << message;
}

TEST(TcpChannel, SendErrorToAClosedPeerSurfacesOnALaterCall) {
  ConnectedPair pair = connect_pair(options_with(milliseconds{2000}, milliseconds{5000}));
  pair.client.reset();
  const std::vector<uint8_t> block(1 << 20, 0xab);
  std::string message;
  const auto start = Clock::now();
  EXPECT_EQ(expect_throws_error(
                [&] {
                  for (int i = 0; i < 1000; ++i) {
                    pair.server->send(block);
                    pair.server->flush();
                  }
                },
                message),
            ErrorKind::kNetwork);
  EXPECT_LT(Clock::now() - start, milliseconds{1000});
  EXPECT_TRUE(contains(message, "peer closed")) << message;
  EXPECT_TRUE(contains(message, pair.server->peer_name())) << message;
}

TEST(TcpChannel, FlushEndsWhenThePeerDoesNotRead) {
  const milliseconds timeout{300};
  ConnectedPair pair = connect_pair(options_with(timeout, milliseconds{5000}));
  const std::vector<uint8_t> big(size_t{64} << 20, 0x5a);  // more than both socket buffers
  pair.server->send(big);
  std::string message;
  const auto start = Clock::now();
  EXPECT_EQ(expect_throws_error([&] { pair.server->flush(); }, message), ErrorKind::kNetwork);
  EXPECT_LT(Clock::now() - start, timeout + milliseconds{700});
  EXPECT_TRUE(contains(message, "timed out after 300 ms sending to " + pair.server->peer_name()))
      << message;
  // The error is sticky.
  EXPECT_EQ(expect_throws_error([&] { pair.server->send(big); }, message), ErrorKind::kNetwork);
}

TEST(TcpChannel, DestructorEndsWhenThePeerDoesNotRead) {
  const milliseconds timeout{300};
  ConnectedPair pair = connect_pair(options_with(timeout, milliseconds{5000}));
  pair.server->send(std::vector<uint8_t>(size_t{64} << 20, 0x5a));
  const auto start = Clock::now();
  pair.server.reset();  // flushes for at most the timeout, then shuts down
  EXPECT_LT(Clock::now() - start, timeout + milliseconds{700});
}

// ---- Two processes ----------------------------------------------------------------------------

// A forked child that runs `body` (fresh objects only) and _exit()s with its result; it is killed
// and reaped at the latest when this object goes away, so no test leaves a process behind.
class ChildProcess {
 public:
  explicit ChildProcess(const std::function<int()>& body) {
    std::fflush(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      int code = 100;
      try {
        code = body();
      } catch (const std::exception& error) {
        std::fprintf(stderr, "child: %s\n", error.what());
      }
      std::fflush(nullptr);
      ::_exit(code);
    }
  }
  ~ChildProcess() {
    if (pid_ > 0) {
      kill();
      ::waitpid(pid_, nullptr, 0);
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  void kill() const { ::kill(pid_, SIGKILL); }

  // Waits up to `limit` for the child to end (killing it past that); returns its wait status.
  int wait(milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (Clock::now() > deadline) {
        kill();
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(milliseconds{2});
    }
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
};

constexpr size_t kStreamBytes = size_t{1} << 30;
constexpr size_t kBlockBytes = size_t{4} << 20;

uint64_t regenerated_checksum(uint64_t seed) {
  std::vector<uint8_t> block(kBlockBytes);
  uint64_t checksum = test::kFnvOffset;
  for (size_t offset = 0; offset < kStreamBytes; offset += kBlockBytes) {
    test::fill_stream(seed, offset, block);
    checksum = test::fnv1a_words(checksum, block);
  }
  return checksum;
}

struct StreamChecksums {
  uint64_t sent = test::kFnvOffset;
  uint64_t received = test::kFnvOffset;
};

// Sends 1 GiB of stream `send_seed` (when set) while receiving 1 GiB (when `receive`), block by
// block, checksumming both; then flushes.
StreamChecksums stream_gibibyte(Channel& channel, std::optional<uint64_t> send_seed, bool receive) {
  std::vector<uint8_t> outgoing(kBlockBytes), incoming(kBlockBytes);
  StreamChecksums checksums;
  for (size_t offset = 0; offset < kStreamBytes; offset += kBlockBytes) {
    if (send_seed) {
      test::fill_stream(*send_seed, offset, outgoing);
      checksums.sent = test::fnv1a_words(checksums.sent, outgoing);
      channel.send(outgoing);
    }
    if (receive) {
      channel.recv(incoming);
      checksums.received = test::fnv1a_words(checksums.received, incoming);
    }
  }
  channel.flush();
  return checksums;
}

void send_u64(Channel& channel, uint64_t value) {
  channel.send({reinterpret_cast<const uint8_t*>(&value), 8});
}
uint64_t recv_u64(Channel& channel) {
  uint64_t value = 0;
  channel.recv({reinterpret_cast<uint8_t*>(&value), 8});
  return value;
}

void print_throughput(const char* what, size_t bytes, duration<double> seconds) {
  std::printf("[ throughput ] %s: %.2f GiB in %.3f s = %.2f GB/s\n", what,
              static_cast<double>(bytes) / (1 << 30), seconds.count(),
              static_cast<double>(bytes) / seconds.count() / 1e9);
}

TEST(TcpChannelProcesses, OneGibibyteFromChildToParent) {
  static constexpr uint64_t kChildSeed = 0xc0ffee;
  TcpListener listener(kLoopback, 0);
  const uint16_t port = listener.port();
  ChildProcess child([port] {
    std::unique_ptr<Channel> channel = tcp_connect(kLoopback, port);
    const StreamChecksums checksums = stream_gibibyte(*channel, kChildSeed, false);
    send_u64(*channel, checksums.sent);
    return recv_u64(*channel) == 1 ? 0 : 1;  // wait for the parent's acknowledgement
  });
  std::unique_ptr<Channel> channel = listener.accept();
  const auto start = Clock::now();
  const StreamChecksums checksums = stream_gibibyte(*channel, std::nullopt, true);
  print_throughput("child -> parent", kStreamBytes, Clock::now() - start);
  const uint64_t child_reported = recv_u64(*channel);
  send_u64(*channel, 1);
  EXPECT_EQ(checksums.received, regenerated_checksum(kChildSeed));
  EXPECT_EQ(checksums.received, child_reported);
  const int status = child.wait(milliseconds{10'000});
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  EXPECT_EQ(channel->stats().bytes_received, kStreamBytes + 8);
}

TEST(TcpChannelProcesses, OneGibibyteEachWayAtOnce) {
  static constexpr uint64_t kParentSeed = 0xbeef, kChildSeed = 0xfeed;
  TcpListener listener(kLoopback, 0);
  const uint16_t port = listener.port();
  ChildProcess child([port] {
    std::unique_ptr<Channel> channel = tcp_connect(kLoopback, port);
    const StreamChecksums checksums = stream_gibibyte(*channel, kChildSeed, true);
    send_u64(*channel, checksums.sent);
    const bool received_intact = recv_u64(*channel) == checksums.received &&
                                 checksums.received == regenerated_checksum(kParentSeed);
    return received_intact ? 0 : 1;
  });
  std::unique_ptr<Channel> channel = listener.accept();
  const auto start = Clock::now();
  const StreamChecksums checksums = stream_gibibyte(*channel, kParentSeed, true);
  print_throughput("both ways at once, total", 2 * kStreamBytes, Clock::now() - start);
  const uint64_t child_reported = recv_u64(*channel);
  send_u64(*channel, checksums.sent);
  EXPECT_EQ(checksums.received, regenerated_checksum(kChildSeed));
  EXPECT_EQ(checksums.received, child_reported);
  const int status = child.wait(milliseconds{10'000});
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
}

TEST(TcpChannelProcesses, KilledPeerFailsReceivePromptly) {
  const TcpOptions options = options_with(milliseconds{5000}, milliseconds{5000});
  // Allocated up front: the peer must not stall (and time out) while this is being zeroed.
  std::vector<uint8_t> rest(size_t{256} << 20);
  TcpListener listener(kLoopback, 0);
  const uint16_t port = listener.port();
  ChildProcess child([port, options] {
    std::unique_ptr<Channel> channel = tcp_connect(kLoopback, port, options);
    const std::vector<uint8_t> block(256 << 10, 0x11);
    for (int i = 0; i < 4000; ++i) {  // ~50 MB/s for ~20 s, unless killed first
      channel->send(block);
      std::this_thread::sleep_for(milliseconds{5});
    }
    return 0;
  });
  std::unique_ptr<Channel> channel = listener.accept(options);
  std::vector<uint8_t> first(256 << 10);
  channel->recv(first);  // the transfer is under way

  std::atomic<Clock::time_point> killed_at{};
  std::thread killer([&] {
    std::this_thread::sleep_for(milliseconds{200});
    killed_at = Clock::now();
    child.kill();
  });
  std::string message;
  EXPECT_EQ(expect_throws_error([&] { channel->recv(rest); }, message), ErrorKind::kNetwork);
  const auto failed_at = Clock::now();
  killer.join();
  const duration<double, std::milli> reaction = failed_at - killed_at.load();
  std::printf("[ kill       ] receiver failed %.1f ms after SIGKILL: %s\n", reaction.count(),
              message.c_str());
  EXPECT_LT(reaction, milliseconds{1000});  // a disconnect, not the 5 s timeout
  EXPECT_TRUE(contains(message, "peer closed")) << message;
  EXPECT_TRUE(contains(message, channel->peer_name())) << message;
  const int status = child.wait(milliseconds{5000});
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child status " << status;
}

TEST(TcpChannelProcesses, StalledPeerTimesOut) {
  TcpListener listener(kLoopback, 0);
  const uint16_t port = listener.port();
  ChildProcess child([port] {
    std::unique_ptr<Channel> channel = tcp_connect(kLoopback, port);
    std::this_thread::sleep_for(milliseconds{20'000});  // connected, silent, until killed
    return 0;
  });
  std::unique_ptr<Channel> channel =
      listener.accept(options_with(milliseconds{500}, milliseconds{5000}));
  std::vector<uint8_t> buffer(4096);
  std::string message;
  const auto start = Clock::now();
  EXPECT_EQ(expect_throws_error([&] { channel->recv(buffer); }, message), ErrorKind::kNetwork);
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, milliseconds{500});
  EXPECT_LT(elapsed, milliseconds{2000});
  EXPECT_TRUE(contains(
      message, "timed out after 500 ms waiting for 4096 bytes from " + channel->peer_name()))
      << message;
  child.kill();
  const int status = child.wait(milliseconds{5000});
  EXPECT_TRUE(WIFSIGNALED(status)) << "child status " << status;
}

}  // namespace
}  // namespace fss
