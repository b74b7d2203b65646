#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "channel_test_util.h"
#include "core/error.h"
#include "net/channel.h"

namespace fss {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

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

TEST(LocalChannel, PingPong) {
  auto [p0, p1] = make_local_channel_pair();
  constexpr uint64_t kTurns = 200;
  std::thread responder([&channel = *p1] {
    for (uint64_t turn = 0; turn < kTurns; ++turn) {
      uint64_t value = 0;
      channel.recv({reinterpret_cast<uint8_t*>(&value), 8});
      value = value * 3 + 1;
      channel.send({reinterpret_cast<const uint8_t*>(&value), 8});
    }
  });
  for (uint64_t turn = 0; turn < kTurns; ++turn) {
    uint64_t value = turn;
    p0->send({reinterpret_cast<const uint8_t*>(&value), 8});
    p0->recv({reinterpret_cast<uint8_t*>(&value), 8});
    ASSERT_EQ(value, turn * 3 + 1) << "turn " << turn;
  }
  responder.join();
  for (Channel* channel : {p0.get(), p1.get()}) {
    EXPECT_EQ(channel->stats().bytes_sent, kTurns * 8);
    EXPECT_EQ(channel->stats().bytes_received, kTurns * 8);
    EXPECT_EQ(channel->stats().rounds, kTurns);
  }
  EXPECT_EQ(p0->peer_name(), "in-process P1");
  EXPECT_EQ(p1->peer_name(), "in-process P0");
}

TEST(LocalChannel, CountersFollowTheMessagePattern) {
  const std::vector<test::ScriptStep> script = test::mixed_script();
  auto [p0, p1] = make_local_channel_pair();
  auto p1_mismatches =
      std::async(std::launch::async, [&] { return test::run_script(*p1, 1, script); });
  EXPECT_EQ(test::run_script(*p0, 0, script), 0);
  EXPECT_EQ(p1_mismatches.get(), 0);
  for (int party : {0, 1}) {
    const ChannelStats expected = test::expected_stats(party, script);
    const ChannelStats& actual = (party == 0 ? p0 : p1)->stats();
    SCOPED_TRACE(testing::Message() << "party " << party);
    EXPECT_EQ(actual.bytes_sent, expected.bytes_sent);
    EXPECT_EQ(actual.bytes_received, expected.bytes_received);
    EXPECT_EQ(actual.rounds, expected.rounds);
  }
  p0->reset_stats();
  EXPECT_EQ(p0->stats().bytes_sent, 0u);
  EXPECT_EQ(p0->stats().rounds, 0u);
}

TEST(LocalChannel, ExchangeOfLargeBuffersBothWaysAtOnce) {
  constexpr size_t kBytes = size_t{48} << 20;
  auto [p0, p1] = make_local_channel_pair();
  const std::vector<uint8_t> from_p0 = test::stream_bytes(100, kBytes);
  const std::vector<uint8_t> from_p1 = test::stream_bytes(101, kBytes);
  std::vector<uint8_t> at_p0(kBytes), at_p1(kBytes);
  std::thread p1_side([&] { p1->exchange(from_p1, at_p1); });
  p0->exchange(from_p0, at_p0);
  p1_side.join();
  EXPECT_TRUE(at_p0 == from_p1);
  EXPECT_TRUE(at_p1 == from_p0);
  EXPECT_EQ(p0->stats().rounds, 1u);
  EXPECT_EQ(p1->stats().bytes_received, kBytes);
}

TEST(LocalChannel, ReceiveAssemblesMessageFromManySmallSends) {
  auto [p0, p1] = make_local_channel_pair();
  const std::vector<uint8_t> message = test::stream_bytes(7, 1000);
  std::thread sender([&] {
    for (size_t offset = 0; offset < message.size(); offset += 3) {
      const size_t size = std::min<size_t>(3, message.size() - offset);
      p1->send({message.data() + offset, size});
    }
  });
  std::vector<uint8_t> received(message.size());
  p0->recv(received);
  sender.join();
  EXPECT_TRUE(received == message);
}

TEST(LocalChannel, ReceiveTimesOutWithinTheTimeout) {
  const milliseconds timeout{200};
  auto [p0, p1] = make_local_channel_pair({.timeout = timeout});
  std::vector<uint8_t> buffer(4096);
  std::string message;
  const auto start = Clock::now();
  EXPECT_EQ(expect_throws_error([&] { p0->recv(buffer); }, message), ErrorKind::kNetwork);
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, timeout);
  EXPECT_LT(elapsed, timeout + milliseconds{300});
  EXPECT_NE(message.find("timed out after 200 ms waiting for 4096 bytes from in-process P1"),
            std::string::npos)
      << message;
}

TEST(LocalChannel, DestroyedPeerFailsReceivePromptly) {
  auto [p0, p1] = make_local_channel_pair({.timeout = milliseconds{10'000}});
  const std::vector<uint8_t> last_words = test::stream_bytes(3, 10);
  std::thread closer([&, peer = std::move(p1)]() mutable {
    peer->send(last_words);
    std::this_thread::sleep_for(milliseconds{100});
    peer.reset();
  });
  // Bytes sent before the peer went away are still delivered.
  std::vector<uint8_t> received(last_words.size());
  p0->recv(received);
  EXPECT_TRUE(received == last_words);

  std::vector<uint8_t> more(1);
  std::string message;
  const auto start = Clock::now();
  EXPECT_EQ(expect_throws_error([&] { p0->recv(more); }, message), ErrorKind::kNetwork);
  EXPECT_LT(Clock::now() - start, milliseconds{1000});
  EXPECT_NE(message.find("peer closed"), std::string::npos) << message;
  EXPECT_NE(message.find("in-process P1"), std::string::npos) << message;
  closer.join();

  EXPECT_EQ(expect_throws_error([&] { p0->send(last_words); }, message), ErrorKind::kNetwork);
  EXPECT_NE(message.find("peer closed"), std::string::npos) << message;
}

}  // namespace
}  // namespace fss
