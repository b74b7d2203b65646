#pragma once
// The authenticated, encrypted party link (docs/security.md): TLS 1.3 only (OpenSSL), over the
// TCP channel's socket setup, sender thread and timeouts, behind the same Channel interface.
// Both sides authenticate: by certificates (each verifies the peer's chain against the CA and
// that the certificate names the expected peer) or by an external pre-shared key. The byte and
// round counters count application bytes only, as for TCP; TLS framing is not counted.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "net/tcp_channel.h"

namespace fss {

enum class TlsMode { kCertificates, kPsk };

struct TlsOptions {
  TlsMode mode = TlsMode::kCertificates;
  // kCertificates: PEM files. The peer must present a certificate signed by ca_file whose
  // subject alternative name (DNS) or, lacking one, common name is expected_peer.
  std::filesystem::path ca_file;
  std::filesystem::path cert_file;
  std::filesystem::path key_file;
  std::string expected_peer;  // e.g. tls_party_name(1) on party 0
  // kPsk: psk_file holds the 32-byte key as 64 hex digits; both parties use the same identity.
  // Whoever holds the key is accepted (expected_peer is unused): the party ids are compared by
  // the party handshake that runs over the channel.
  std::filesystem::path psk_file;
  std::string psk_identity = "fssformer";
  // false: the authenticated TLS handshake runs as usual, then the link continues as plain TCP
  // on the same socket: the peer is authenticated once, but the data has neither
  // confidentiality nor integrity. Only for benchmarks on a trusted link (OpenSSL 3.0 has no
  // TLS 1.3 cipher without encryption).
  bool encrypt = true;
};

// The name in party p's test certificate (`fssformer certs`): "fssformer-party-<p>".
std::string tls_party_name(int party);

// Listens on host:port (port 0 picks a free port, see port()). The constructor loads and checks
// the TLS files: kIo if one cannot be read, kInvalidArgument if options are incomplete, the key
// does not match the certificate, or the PSK file is malformed.
class TlsListener {
 public:
  TlsListener(const std::string& host, uint16_t port, const TlsOptions& tls);
  ~TlsListener();
  TlsListener(const TlsListener&) = delete;
  TlsListener& operator=(const TlsListener&) = delete;

  uint16_t port() const;
  // Waits up to options.connect_deadline for a TCP peer, then up to options.timeout for the TLS
  // handshake. Throws kNetwork on timeout, a peer that fails authentication (the message says
  // why: unknown CA, wrong name, PSK mismatch) or that disconnects; kMismatch if the peer's
  // `encrypt` setting differs from ours.
  std::unique_ptr<Channel> accept(const TcpOptions& options = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Connects as tcp_connect does, then runs the TLS handshake within options.timeout. Throws as
// TlsListener's constructor and accept().
std::unique_ptr<Channel> tls_connect(const std::string& host, uint16_t port,
                                     const TcpOptions& options, const TlsOptions& tls);

}  // namespace fss
