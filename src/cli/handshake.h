#pragma once
// The party handshake (docs/deployment.md): right after the connection is made, both parties
// send {protocol version, party id, run configuration text and its hash, run id of the key
// file} and check the peer's against their own before any key material is used.
#include <cstdint>
#include <string>

#include "mpc/key_stream.h"
#include "net/channel.h"

namespace fss::cli {

inline constexpr uint32_t kPartyProtocolVersion = 1;

struct PartyHello {
  uint32_t protocol_version = kPartyProtocolVersion;
  int party = 0;
  std::string config_text;  // RunConfiguration::text()
  RunId run_id{};           // of this party's key file
};

// Sends `mine`, receives the peer's and returns it. Throws kMismatch with one line naming
// the difference ("both sides claim party 0", "peer runs 'run model=...' (config hash ...)",
// "key files of different runs"), kParse if the peer is not an fssformer party, and kNetwork
// (from the channel) if the peer disconnects or stays silent past the channel's timeout.
PartyHello exchange_hello(Channel& peer, const PartyHello& mine);

}  // namespace fss::cli
