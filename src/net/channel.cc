#include "net/channel.h"

namespace fss {

void Channel::send(std::span<const uint8_t> bytes) {
  if (last_was_recv_) ++stats_.rounds;
  last_was_recv_ = false;
  send_bytes(bytes);
  stats_.bytes_sent += bytes.size();
}

void Channel::recv(std::span<uint8_t> bytes) {
  recv_bytes(bytes);
  last_was_recv_ = true;
  stats_.bytes_received += bytes.size();
}

void Channel::exchange(std::span<const uint8_t> mine, std::span<uint8_t> theirs) {
  send(mine);
  recv(theirs);
}

}  // namespace fss
