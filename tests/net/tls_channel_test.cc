#include "net/tls_channel.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "channel_test_util.h"
#include "cli/certs.h"
#include "core/error.h"

namespace fss {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::duration;
using std::chrono::milliseconds;
namespace fs = std::filesystem;

const std::string kLoopback = "127.0.0.1";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TcpOptions options_with(milliseconds timeout) {
  TcpOptions options;
  options.timeout = timeout;
  options.connect_deadline = milliseconds{5000};
  return options;
}

// Two test PKIs from `fssformer certs` (independent CAs), made once for all tests.
class TlsChannelTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    char pattern[] = "/tmp/tls_channel_test_XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
    pki_ = cli::write_test_pki(root_ / "pki");
    other_pki_ = cli::write_test_pki(root_ / "other");
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }

  static TlsOptions certificate_options(const cli::TestPkiFiles& files, int party,
                                        int expected_peer) {
    TlsOptions tls;
    tls.mode = TlsMode::kCertificates;
    tls.ca_file = pki_.ca_cert;  // every party trusts the first CA only
    tls.cert_file = files.party_cert[party];
    tls.key_file = files.party_key[party];
    tls.expected_peer = tls_party_name(expected_peer);
    return tls;
  }
  static TlsOptions party(int p) { return certificate_options(pki_, p, 1 - p); }

  static TlsOptions psk_options(const fs::path& psk_file) {
    TlsOptions tls;
    tls.mode = TlsMode::kPsk;
    tls.psk_file = psk_file;
    return tls;
  }

  static fs::path write_file(const std::string& name, const std::string& content) {
    const fs::path path = root_ / name;
    std::ofstream(path) << content;
    return path;
  }

  static inline fs::path root_;
  static inline cli::TestPkiFiles pki_, other_pki_;
};

// One side of a connection attempt: the channel, or the error it ended with, and when.
struct Side {
  std::unique_ptr<Channel> channel;
  std::string error;
  ErrorKind kind = ErrorKind::kInternal;
  duration<double, std::milli> elapsed{};
};

template <typename Fn>
Side attempt(Fn&& connect) {
  Side side;
  const auto start = Clock::now();
  try {
    side.channel = connect();
  } catch (const Error& error) {
    side.error = error.what();
    side.kind = error.kind();
  }
  side.elapsed = Clock::now() - start;
  return side;
}

struct Attempt {
  Side server, client;
};

// P0 listens with `server_tls`, P1 connects with `client_tls`.
Attempt connect_pair(const TlsOptions& server_tls, const TlsOptions& client_tls,
                     const TcpOptions& options = options_with(milliseconds{10'000})) {
  TlsListener listener(kLoopback, 0, server_tls);
  auto client = std::async(std::launch::async, [&] {
    return attempt([&] { return tls_connect(kLoopback, listener.port(), options, client_tls); });
  });
  Attempt result;
  result.server = attempt([&] { return listener.accept(options); });
  result.client = client.get();
  return result;
}

void expect_script_runs(Attempt& pair) {
  ASSERT_TRUE(pair.server.channel) << pair.server.error;
  ASSERT_TRUE(pair.client.channel) << pair.client.error;
  const std::vector<test::ScriptStep> script = test::mixed_script();
  auto client_mismatches = std::async(
      std::launch::async, [&] { return test::run_script(*pair.client.channel, 1, script); });
  EXPECT_EQ(test::run_script(*pair.server.channel, 0, script), 0);
  EXPECT_EQ(client_mismatches.get(), 0);
  for (int party : {0, 1}) {
    SCOPED_TRACE(testing::Message() << "party " << party);
    const ChannelStats expected = test::expected_stats(party, script);
    const ChannelStats& actual = (party == 0 ? pair.server : pair.client).channel->stats();
    EXPECT_EQ(actual.bytes_sent, expected.bytes_sent);
    EXPECT_EQ(actual.bytes_received, expected.bytes_received);
    EXPECT_EQ(actual.rounds, expected.rounds);
  }
}

// Both sides failed with kNetwork well before the 10 s timeout; prints the messages.
void expect_prompt_failure(const Attempt& pair) {
  for (const Side* side : {&pair.server, &pair.client}) {
    const char* role = side == &pair.server ? "server" : "client";
    SCOPED_TRACE(role);
    std::printf("[ %s error ] %s\n", role, side->error.c_str());
    EXPECT_FALSE(side->channel);
    EXPECT_EQ(side->kind, ErrorKind::kNetwork) << side->error;
    EXPECT_LT(side->elapsed, milliseconds{3000});
    EXPECT_EQ(side->error.find('\n'), std::string::npos) << side->error;
  }
}

TEST_F(TlsChannelTest, CertificatesAuthenticateBothWaysAndCarryData) {
  Attempt pair = connect_pair(party(0), party(1));
  expect_script_runs(pair);
  EXPECT_TRUE(contains(pair.server.channel->peer_name(), "(fssformer-party-1)"))
      << pair.server.channel->peer_name();
  EXPECT_TRUE(contains(pair.client.channel->peer_name(), "(fssformer-party-0)"))
      << pair.client.channel->peer_name();
}

TEST_F(TlsChannelTest, PreSharedKeyCarriesData) {
  Attempt pair = connect_pair(psk_options(pki_.psk), psk_options(pki_.psk));
  expect_script_runs(pair);
  EXPECT_TRUE(contains(pair.server.channel->peer_name(), "PSK 'fssformer'"));
}

TEST_F(TlsChannelTest, UnencryptedModeAuthenticatesThenCarriesPlainData) {
  TlsOptions server = party(0), client = party(1);
  server.encrypt = client.encrypt = false;
  Attempt pair = connect_pair(server, client);
  expect_script_runs(pair);
  EXPECT_TRUE(contains(pair.server.channel->peer_name(), "unencrypted"));
}

TEST_F(TlsChannelTest, UnencryptedModeStillRejectsAStranger) {
  TlsOptions server = party(0), client = certificate_options(other_pki_, 1, 0);
  server.encrypt = client.encrypt = false;
  const Attempt pair = connect_pair(server, client);
  expect_prompt_failure(pair);
  EXPECT_TRUE(contains(pair.server.error, "is not signed by the CA in")) << pair.server.error;
}

TEST_F(TlsChannelTest, EncryptionSettingsMustAgree) {
  TlsOptions client = party(1);
  client.encrypt = false;
  const Attempt pair = connect_pair(party(0), client);
  for (const Side* side : {&pair.server, &pair.client}) {
    EXPECT_FALSE(side->channel);
    EXPECT_EQ(side->kind, ErrorKind::kMismatch) << side->error;
    EXPECT_LT(side->elapsed, milliseconds{3000});
  }
  EXPECT_TRUE(contains(pair.server.error, "the peer has encryption off and we have it on"))
      << pair.server.error;
  EXPECT_TRUE(contains(pair.client.error, "the peer has encryption on and we have it off"))
      << pair.client.error;
}

TEST_F(TlsChannelTest, ClientCertificateFromAnotherCaIsRejected) {
  const Attempt pair = connect_pair(party(0), certificate_options(other_pki_, 1, 0));
  expect_prompt_failure(pair);
  EXPECT_TRUE(contains(
      pair.server.error,
      "peer certificate 'fssformer-party-1' is not signed by the CA in " + pki_.ca_cert.string()))
      << pair.server.error;
  EXPECT_TRUE(contains(pair.server.error, "TLS handshake with 127.0.0.1:")) << pair.server.error;
  // The client learns it from the server's alert.
  EXPECT_TRUE(contains(pair.client.error, "the peer refused it with alert 'unknown CA'"))
      << pair.client.error;
}

TEST_F(TlsChannelTest, ServerCertificateFromAnotherCaIsRejected) {
  const Attempt pair = connect_pair(certificate_options(other_pki_, 0, 1), party(1));
  expect_prompt_failure(pair);
  EXPECT_TRUE(contains(pair.client.error,
                       "peer certificate 'fssformer-party-0' is not signed by the CA in"))
      << pair.client.error;
  EXPECT_TRUE(contains(pair.server.error, "alert 'unknown CA'")) << pair.server.error;
}

TEST_F(TlsChannelTest, CertificateOfTheWrongPartyIsRejected) {
  // The client presents P0's certificate where P1's is expected (and expects P0 as peer).
  const Attempt pair = connect_pair(party(0), certificate_options(pki_, 0, 0));
  expect_prompt_failure(pair);
  EXPECT_TRUE(contains(pair.server.error,
                       "peer presented the certificate of 'fssformer-party-0', expected "
                       "'fssformer-party-1'"))
      << pair.server.error;
}

TEST_F(TlsChannelTest, PskWithAnotherKeyIsRejected) {
  const fs::path other_key = write_file("other.psk", std::string(64, 'a') + "\n");
  const Attempt pair = connect_pair(psk_options(pki_.psk), psk_options(other_key));
  expect_prompt_failure(pair);
  EXPECT_TRUE(contains(pair.server.error, "TLS handshake with")) << pair.server.error;
  EXPECT_TRUE(contains(pair.client.error, "same PSK identity and key")) << pair.client.error;
}

TEST_F(TlsChannelTest, PskWithAnotherIdentityIsRejected) {
  TlsOptions client = psk_options(pki_.psk);
  client.psk_identity = "someone-else";
  const Attempt pair = connect_pair(psk_options(pki_.psk), client);
  expect_prompt_failure(pair);
  EXPECT_TRUE(contains(pair.server.error,
                       "the peer offered PSK identity 'someone-else', expected 'fssformer'"))
      << pair.server.error;
}

TEST_F(TlsChannelTest, CertificateClientAgainstPskServerIsRejected) {
  const Attempt pair = connect_pair(psk_options(pki_.psk), party(1));
  expect_prompt_failure(pair);
}

TEST_F(TlsChannelTest, HandshakeTimesOutWhenThePeerSaysNothing) {
  TlsListener listener(kLoopback, 0, party(0));
  std::unique_ptr<Channel> silent = tcp_connect(kLoopback, listener.port());
  const Side server = attempt([&] { return listener.accept(options_with(milliseconds{300})); });
  EXPECT_EQ(server.kind, ErrorKind::kNetwork);
  EXPECT_TRUE(contains(server.error, "TLS handshake with 127.0.0.1:")) << server.error;
  EXPECT_TRUE(contains(server.error, "timed out after 300 ms")) << server.error;
  EXPECT_GE(server.elapsed, milliseconds{300});
  EXPECT_LT(server.elapsed, milliseconds{1500});
}

TEST_F(TlsChannelTest, PlainTcpPeerIsRejected) {
  TlsListener listener(kLoopback, 0, party(0));
  std::unique_ptr<Channel> plain = tcp_connect(kLoopback, listener.port());
  const std::string request = "GET / HTTP/1.0\r\n\r\n";
  plain->send({reinterpret_cast<const uint8_t*>(request.data()), request.size()});
  plain->flush();
  const Side server = attempt([&] { return listener.accept(options_with(milliseconds{5000})); });
  EXPECT_EQ(server.kind, ErrorKind::kNetwork);
  EXPECT_TRUE(contains(server.error, "TLS handshake with 127.0.0.1:")) << server.error;
  EXPECT_LT(server.elapsed, milliseconds{2000});
}

TEST_F(TlsChannelTest, ReceiveTimesOutWhenThePeerStalls) {
  Attempt pair = connect_pair(party(0), party(1), options_with(milliseconds{300}));
  ASSERT_TRUE(pair.server.channel) << pair.server.error;
  std::vector<uint8_t> buffer(4096);
  const Side receive = attempt([&] {
    pair.server.channel->recv(buffer);
    return std::unique_ptr<Channel>();
  });
  EXPECT_EQ(receive.kind, ErrorKind::kNetwork);
  EXPECT_TRUE(contains(receive.error, "timed out after 300 ms waiting for 4096 bytes from " +
                                          pair.server.channel->peer_name()))
      << receive.error;
  EXPECT_GE(receive.elapsed, milliseconds{300});
  EXPECT_LT(receive.elapsed, milliseconds{1000});
}

TEST_F(TlsChannelTest, FlushEndsWhenThePeerDoesNotRead) {
  Attempt pair = connect_pair(party(0), party(1), options_with(milliseconds{300}));
  ASSERT_TRUE(pair.server.channel) << pair.server.error;
  pair.server.channel->send(std::vector<uint8_t>(size_t{64} << 20, 0x5a));  // > socket buffers
  const Side flush = attempt([&] {
    pair.server.channel->flush();
    return std::unique_ptr<Channel>();
  });
  EXPECT_EQ(flush.kind, ErrorKind::kNetwork);
  EXPECT_TRUE(contains(flush.error,
                       "timed out after 300 ms sending to " + pair.server.channel->peer_name()))
      << flush.error;
  EXPECT_LT(flush.elapsed, milliseconds{1500});
}

TEST_F(TlsChannelTest, PeerDisconnectingMidStreamFailsReceivePromptly) {
  Attempt pair = connect_pair(party(0), party(1));
  ASSERT_TRUE(pair.client.channel) << pair.client.error;
  const std::vector<uint8_t> half = test::stream_bytes(3, 50'000);
  pair.client.channel->send(half);
  pair.client.channel.reset();
  std::vector<uint8_t> received(100'000);
  const Side receive = attempt([&] {
    pair.server.channel->recv(received);
    return std::unique_ptr<Channel>();
  });
  EXPECT_EQ(receive.kind, ErrorKind::kNetwork);
  EXPECT_TRUE(contains(receive.error, "peer closed")) << receive.error;
  EXPECT_TRUE(contains(receive.error, "(50000 of 100000 received)")) << receive.error;
  EXPECT_LT(receive.elapsed, milliseconds{1000});
  EXPECT_TRUE(std::equal(half.begin(), half.end(), received.begin()));
}

TEST_F(TlsChannelTest, BadOptionsAreRefusedBeforeConnecting) {
  const auto error_of = [](const TlsOptions& tls) {
    try {
      TlsListener listener(kLoopback, 0, tls);
    } catch (const Error& error) {
      return std::pair{error.kind(), std::string(error.what())};
    }
    return std::pair{ErrorKind::kInternal, std::string("no error")};
  };
  TlsOptions missing_ca = party(0);
  missing_ca.ca_file = root_ / "no-such-ca.pem";
  auto [kind, message] = error_of(missing_ca);
  EXPECT_EQ(kind, ErrorKind::kIo);
  EXPECT_TRUE(contains(message, "cannot read CA file " + missing_ca.ca_file.string())) << message;

  TlsOptions mismatched_key = party(0);
  mismatched_key.key_file = pki_.party_key[1];
  std::tie(kind, message) = error_of(mismatched_key);
  EXPECT_EQ(kind, ErrorKind::kInvalidArgument);
  EXPECT_TRUE(contains(message, "cannot use the private key file " + pki_.party_key[1].string() +
                                    " with the certificate"))
      << message;
  EXPECT_TRUE(contains(message, "key values mismatch")) << message;

  TlsOptions no_name = party(0);
  no_name.expected_peer.clear();
  std::tie(kind, message) = error_of(no_name);
  EXPECT_EQ(kind, ErrorKind::kInvalidArgument);
  EXPECT_TRUE(contains(message, "no expected peer name")) << message;

  std::tie(kind, message) = error_of(psk_options(write_file("short.psk", "abcd\n")));
  EXPECT_EQ(kind, ErrorKind::kInvalidArgument);
  EXPECT_TRUE(contains(message, "is malformed: expected 64 hex digits")) << message;

  std::tie(kind, message) = error_of(psk_options(write_file("bad.psk", std::string(64, 'g'))));
  EXPECT_EQ(kind, ErrorKind::kInvalidArgument);
  EXPECT_TRUE(contains(message, "is malformed")) << message;
}

TEST_F(TlsChannelTest, TestPkiFilesHavePrivateModesAndAreNotOverwritten) {
  for (const fs::path& secret : {pki_.ca_key, pki_.party_key[0], pki_.party_key[1], pki_.psk}) {
    struct stat info {};
    ASSERT_EQ(::stat(secret.c_str(), &info), 0) << secret;
    EXPECT_EQ(info.st_mode & 0777, 0600u) << secret;
  }
  EXPECT_FALSE(fs::exists(pki_.ca_cert.string() + ".tmp"));
  std::string message;
  try {
    cli::write_test_pki(root_ / "pki");
  } catch (const Error& error) {
    message = error.what();
  }
  EXPECT_TRUE(contains(message, "exists already")) << message;
}

// ---- Throughput: 1 GiB over TCP, TLS and unencrypted TLS ---------------------------------------

constexpr size_t kGibibyte = size_t{1} << 30;
constexpr size_t kBlockBytes = size_t{4} << 20;

double process_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec * 1e-6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct TransferCost {
  double wall_seconds;
  double cpu_seconds;  // of the whole process (both ends), user + system
};

// Sends kGibibyte in blocks of stream 7 whose first 8 bytes carry the block number; the receiver
// checks every block.
TransferCost stream_gibibyte(Channel& sender, Channel& receiver) {
  const std::vector<uint8_t> pattern = test::stream_bytes(7, kBlockBytes);
  std::thread send_side([&] {
    std::vector<uint8_t> block = pattern;
    for (uint64_t index = 0; index < kGibibyte / kBlockBytes; ++index) {
      std::memcpy(block.data(), &index, 8);
      sender.send(block);
    }
    sender.flush();
  });
  std::vector<uint8_t> block(kBlockBytes);
  int damaged = 0;
  const double cpu_start = process_cpu_seconds();
  const auto start = Clock::now();
  for (uint64_t index = 0; index < kGibibyte / kBlockBytes; ++index) {
    receiver.recv(block);
    uint64_t stamp;
    std::memcpy(&stamp, block.data(), 8);
    damaged +=
        stamp != index || std::memcmp(block.data() + 8, pattern.data() + 8, kBlockBytes - 8) != 0;
  }
  const double seconds = duration<double>(Clock::now() - start).count();
  send_side.join();
  EXPECT_EQ(damaged, 0);
  return {seconds, process_cpu_seconds() - cpu_start};
}

TEST_F(TlsChannelTest, OneGibibyteOverTcpTlsAndUnencryptedTls) {
  std::vector<std::pair<std::string, TransferCost>> costs;
  {
    TcpListener listener(kLoopback, 0);
    auto client =
        std::async(std::launch::async, [&] { return tcp_connect(kLoopback, listener.port()); });
    std::unique_ptr<Channel> server = listener.accept();
    std::unique_ptr<Channel> connected = client.get();
    costs.emplace_back("TCP", stream_gibibyte(*connected, *server));
  }
  for (const bool encrypt : {true, false}) {
    TlsOptions server = party(0), client = party(1);
    server.encrypt = client.encrypt = encrypt;
    Attempt pair = connect_pair(server, client);
    ASSERT_TRUE(pair.server.channel && pair.client.channel);
    costs.emplace_back(encrypt ? "TLS 1.3 AES-128-GCM" : "TLS handshake, then unencrypted",
                       stream_gibibyte(*pair.client.channel, *pair.server.channel));
  }
  for (const auto& [link, cost] : costs) {
    std::printf("[ throughput ] 1 GiB one way over loopback, %-31s %.2f GB/s, %.2f CPU s\n",
                (link + ":").c_str(), kGibibyte / cost.wall_seconds / 1e9, cost.cpu_seconds);
  }
}

}  // namespace
}  // namespace fss
