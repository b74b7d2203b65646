// In-process channel pair: each direction is a mutex-guarded byte queue. The queues are unbounded,
// so send() never blocks and two endpoints may exchange large buffers in either order.
#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <vector>

#include "core/error.h"
#include "net/channel.h"

namespace fss {
namespace {

// Bytes written by one endpoint and read by the other. Either side may go away; the survivor
// learns it at once instead of waiting for its timeout.
class ByteQueue {
 public:
  enum class PopStatus { kData, kTimedOut, kWriterClosed };
  struct PopResult {
    PopStatus status;
    size_t bytes = 0;
  };

  // Returns false (and drops the bytes) when the reader is gone.
  bool push(std::span<const uint8_t> bytes) {
    {
      std::lock_guard lock(mutex_);
      if (reader_closed_) return false;
      if (bytes.empty()) return true;
      chunks_.emplace_back(bytes.begin(), bytes.end());
    }
    arrived_.notify_one();
    return true;
  }

  // Moves up to out.size() available bytes into `out`, waiting up to `timeout` for the first.
  // Bytes queued before the writer closed are still delivered.
  PopResult pop_some(std::span<uint8_t> out, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, timeout, [&] { return !chunks_.empty() || writer_closed_; });
    if (chunks_.empty()) {
      return {writer_closed_ ? PopStatus::kWriterClosed : PopStatus::kTimedOut};
    }
    size_t moved = 0;
    while (moved < out.size() && !chunks_.empty()) {
      const std::vector<uint8_t>& front = chunks_.front();
      const size_t take = std::min(out.size() - moved, front.size() - front_offset_);
      std::memcpy(out.data() + moved, front.data() + front_offset_, take);
      moved += take;
      front_offset_ += take;
      if (front_offset_ == front.size()) {
        chunks_.pop_front();
        front_offset_ = 0;
      }
    }
    return {PopStatus::kData, moved};
  }

  void close_writer() {
    {
      std::lock_guard lock(mutex_);
      writer_closed_ = true;
    }
    arrived_.notify_all();
  }

  void close_reader() {
    std::lock_guard lock(mutex_);
    reader_closed_ = true;
    chunks_.clear();
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<std::vector<uint8_t>> chunks_;
  size_t front_offset_ = 0;  // bytes of chunks_.front() already read
  bool writer_closed_ = false;
  bool reader_closed_ = false;
};

struct LocalLink {
  ByteQueue to_party[2];  // to_party[i] is read by party i
};

class LocalChannel final : public Channel {
 public:
  LocalChannel(int party, std::shared_ptr<LocalLink> link, ChannelOptions options)
      : party_(party), link_(std::move(link)), options_(options) {}

  ~LocalChannel() override {
    outgoing().close_writer();
    incoming().close_reader();
  }

  void flush() override {}  // send() already handed the bytes to the peer's queue

  std::string peer_name() const override { return fmt::format("in-process P{}", 1 - party_); }

 protected:
  void send_bytes(std::span<const uint8_t> bytes) override {
    if (!outgoing().push(bytes)) {
      fail(ErrorKind::kNetwork, "peer closed: cannot send {} bytes to {}", bytes.size(),
           peer_name());
    }
  }

  void recv_bytes(std::span<uint8_t> bytes) override {
    size_t received = 0;
    while (received < bytes.size()) {
      const ByteQueue::PopResult result =
          incoming().pop_some(bytes.subspan(received), options_.timeout);
      switch (result.status) {
        case ByteQueue::PopStatus::kData:
          received += result.bytes;
          break;
        case ByteQueue::PopStatus::kTimedOut:
          fail(ErrorKind::kNetwork,
               "timed out after {} ms waiting for {} bytes from {} ({} of {} received)",
               options_.timeout.count(), bytes.size() - received, peer_name(), received,
               bytes.size());
        case ByteQueue::PopStatus::kWriterClosed:
          fail(ErrorKind::kNetwork,
               "peer closed: {} went away while waiting for {} bytes ({} of {} received)",
               peer_name(), bytes.size() - received, received, bytes.size());
      }
    }
  }

 private:
  ByteQueue& outgoing() { return link_->to_party[1 - party_]; }
  ByteQueue& incoming() { return link_->to_party[party_]; }

  int party_;
  std::shared_ptr<LocalLink> link_;
  ChannelOptions options_;
};

}  // namespace

std::pair<std::unique_ptr<Channel>, std::unique_ptr<Channel>> make_local_channel_pair(
    ChannelOptions options) {
  auto link = std::make_shared<LocalLink>();
  return {std::make_unique<LocalChannel>(0, link, options),
          std::make_unique<LocalChannel>(1, link, options)};
}

}  // namespace fss
