#include "cli/handshake.h"

#include <algorithm>
#include <array>
#include <vector>

#include "core/bytes.h"
#include "core/error.h"

namespace fss::cli {
namespace {

constexpr std::array<uint8_t, 8> kMagic = {'F', 'S', 'S', 'H', 'E', 'L', 'L', 'O'};
// Long enough for any run configuration text; a peer announcing more is not an fssformer party.
constexpr uint32_t kMaxBodyBytes = 4096;

std::vector<uint8_t> encode(const PartyHello& hello) {
  ByteWriter body;
  body.put<uint32_t>(hello.protocol_version);
  body.put<uint8_t>(static_cast<uint8_t>(hello.party));
  const ConfigHash hash = config_hash(hello.config_text);
  body.put_array(std::span<const uint8_t>(hash));
  body.put_array(std::span<const uint8_t>(hello.run_id));
  body.put_bytes(
      {reinterpret_cast<const uint8_t*>(hello.config_text.data()), hello.config_text.size()});
  FSS_CHECK(body.size() <= kMaxBodyBytes, "handshake: configuration text too long");
  ByteWriter frame;
  frame.put_array(std::span<const uint8_t>(kMagic));
  frame.put<uint32_t>(static_cast<uint32_t>(body.size()));
  frame.put_bytes(body.data());
  return frame.take();
}

PartyHello receive(Channel& peer) {
  const std::string source = "handshake from " + peer.peer_name();
  std::array<uint8_t, kMagic.size() + sizeof(uint32_t)> head;
  peer.recv(head);
  ByteReader head_reader(head, source);
  const auto magic = head_reader.take(kMagic.size(), "magic");
  const uint32_t body_bytes = head_reader.get<uint32_t>("length");
  if (!std::equal(magic.begin(), magic.end(), kMagic.begin()) || body_bytes > kMaxBodyBytes)
    fail(ErrorKind::kParse, "peer {} is not an fssformer party (bad handshake)", peer.peer_name());
  std::vector<uint8_t> body(body_bytes);
  peer.recv(body);
  ByteReader in(body, source);
  PartyHello hello;
  hello.protocol_version = in.get<uint32_t>("protocol version");
  hello.party = in.get<uint8_t>("party");
  ConfigHash hash;
  in.get_array(std::span<uint8_t>(hash), "config hash");
  in.get_array(std::span<uint8_t>(hello.run_id), "run id");
  const auto text = in.take(in.remaining(), "config text");
  hello.config_text.assign(text.begin(), text.end());
  if (config_hash(hello.config_text) != hash)
    fail(ErrorKind::kParse, "{}: config hash does not match its config text", source);
  return hello;
}

}  // namespace

PartyHello exchange_hello(Channel& peer, const PartyHello& mine) {
  const std::vector<uint8_t> frame = encode(mine);
  peer.send(frame);
  peer.flush();
  const PartyHello theirs = receive(peer);
  const std::string name = peer.peer_name();
  if (theirs.protocol_version != mine.protocol_version)
    fail(ErrorKind::kMismatch, "peer {} speaks party protocol version {}, this party version {}",
         name, theirs.protocol_version, mine.protocol_version);
  if (theirs.party == mine.party)
    fail(ErrorKind::kMismatch, "both sides claim party {} (peer {})", mine.party, name);
  if (theirs.party != 1 - mine.party)
    fail(ErrorKind::kMismatch, "peer {} claims party {}; parties are 0 and 1", name, theirs.party);
  if (theirs.config_text != mine.config_text)
    fail(ErrorKind::kMismatch, "peer {} runs '{}' (config hash {}), this party runs '{}' ({})",
         name, theirs.config_text, short_hex(config_hash(theirs.config_text)), mine.config_text,
         short_hex(config_hash(mine.config_text)));
  if (theirs.run_id != mine.run_id)
    fail(ErrorKind::kMismatch, "key files of different runs: peer {} has run {}, this party run {}",
         name, short_hex(theirs.run_id), short_hex(mine.run_id));
  return theirs;
}

}  // namespace fss::cli
