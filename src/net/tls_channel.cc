// TLS 1.3 channel. The socket stays non-blocking; OpenSSL talks to it through a small BIO that
// uses send(MSG_NOSIGNAL) (no SIGPIPE) and remembers errno, and every WANT_READ/WANT_WRITE
// becomes a poll() with the channel's timeout. One SSL object serves the sender thread and the
// receiving thread: a mutex serialises the calls (OpenSSL does not allow concurrent ones), each
// of which moves at most one record. No session tickets or key updates are sent, so reading
// never has to write.
#include "net/tls_channel.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <system_error>
#include <vector>

#include "core/error.h"
#include "net/socket_transport.h"

namespace fss {
namespace {

using net_internal::Clock;
using net_internal::IoResult;
using net_internal::poll_until;
using net_internal::SocketFd;

// Sent by each side over TLS right after the handshake, then the encryption setting ('E' on,
// 'P' plain after the handshake). A TLS 1.3 client finishes its handshake before the server has
// checked the client's certificate; waiting for the server's confirmation turns a rejection into
// an error at connect time rather than at the first read. Comparing the settings keeps a plain
// side from taking the other's TLS records for data.
constexpr std::array<uint8_t, 7> kConfirmation = {'F', 'S', 'S', 'T', 'L', 'S', '1'};
constexpr size_t kPskBytes = 32;

struct SslCtxDeleter {
  void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
};
struct SslDeleter {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};

// Every error on this thread's OpenSSL queue, "; "-separated, and clears the queue.
std::string openssl_errors() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    const char* reason = ERR_reason_error_string(code);
    if (!text.empty()) text += "; ";
    text += reason != nullptr ? reason : buffer;
  }
  return text.empty() ? "no detail from OpenSSL" : text;
}

std::string errno_text(int error) { return std::system_category().message(error); }

// ---- The socket BIO -------------------------------------------------------------------------

struct SocketBioState {
  int fd = -1;
  int last_errno = 0;  // of the last failed send/recv, for SSL_ERROR_SYSCALL
  bool eof = false;    // recv returned 0
};

SocketBioState& bio_state(BIO* bio) { return *static_cast<SocketBioState*>(BIO_get_data(bio)); }

int socket_bio_write(BIO* bio, const char* data, int length) {
  SocketBioState& state = bio_state(bio);
  BIO_clear_retry_flags(bio);
  state.last_errno = 0;
  while (true) {
    const ssize_t n = ::send(state.fd, data, length, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) return static_cast<int>(n);
    if (errno == EINTR) continue;
    state.last_errno = errno;
    if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_write(bio);
    return -1;
  }
}

int socket_bio_read(BIO* bio, char* data, int length) {
  SocketBioState& state = bio_state(bio);
  BIO_clear_retry_flags(bio);
  state.last_errno = 0;
  while (true) {
    const ssize_t n = ::recv(state.fd, data, length, MSG_DONTWAIT);
    if (n > 0) return static_cast<int>(n);
    if (n == 0) {
      state.eof = true;
      return 0;
    }
    if (errno == EINTR) continue;
    state.last_errno = errno;
    if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_read(bio);
    return -1;
  }
}

long socket_bio_ctrl(BIO* bio, int command, long, void*) {
  if (command == BIO_CTRL_FLUSH) return 1;
  if (command == BIO_CTRL_EOF) return bio_state(bio).eof ? 1 : 0;
  return 0;
}

const BIO_METHOD* socket_bio_method() {
  static const BIO_METHOD* const method = [] {
    BIO_METHOD* created = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "fss socket");
    FSS_CHECK(created != nullptr, "OpenSSL: cannot create the socket BIO method");
    BIO_meth_set_write(created, socket_bio_write);
    BIO_meth_set_read(created, socket_bio_read);
    BIO_meth_set_ctrl(created, socket_bio_ctrl);
    return created;
  }();
  return method;
}

// ---- Options and the SSL_CTX ----------------------------------------------------------------

std::string read_text_file(const std::filesystem::path& path, const char* what) {
  std::ifstream file(path, std::ios::binary);
  if (!file) fail(ErrorKind::kIo, "cannot read {} {}: {}", what, path.string(), errno_text(errno));
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

void require_readable(const std::filesystem::path& path, const char* what) {
  if (path.empty()) fail(ErrorKind::kInvalidArgument, "TLS: no {} given", what);
  read_text_file(path, what);
}

std::vector<uint8_t> read_psk_file(const std::filesystem::path& path) {
  if (path.empty()) fail(ErrorKind::kInvalidArgument, "TLS: PSK mode needs a PSK file");
  std::string text = read_text_file(path, "PSK file");
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  std::vector<uint8_t> key;
  const auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i + 1 < text.size(); i += 2) {
    const int high = nibble(text[i]), low = nibble(text[i + 1]);
    if (high < 0 || low < 0) break;
    key.push_back(static_cast<uint8_t>(high * 16 + low));
  }
  OPENSSL_cleanse(text.data(), text.size());
  if (text.size() != 2 * kPskBytes || key.size() != kPskBytes) {
    fail(ErrorKind::kInvalidArgument,
         "PSK file {} is malformed: expected {} hex digits (a {}-byte key) and nothing else",
         path.string(), 2 * kPskBytes, kPskBytes);
  }
  return key;
}

// Why the handshake was refused on our side, set by the callbacks; per connection.
struct SessionState {
  SocketBioState bio;
  std::string rejection;
};

SessionState& session_state(SSL* ssl) { return *static_cast<SessionState*>(SSL_get_app_data(ssl)); }

std::string certificate_name(X509* certificate) {
  if (certificate == nullptr) return "(none)";
  char name[256] = {};
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, name,
                                sizeof name) < 0) {
    return "(no common name)";
  }
  return name;
}

bool is_unknown_issuer(int error) {
  switch (error) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
      return true;
    default:
      return false;
  }
}

class TlsContext {
 public:
  TlsContext(const TlsOptions& options, bool server) : options_(options) {
    context_.reset(SSL_CTX_new(TLS_method()));
    FSS_CHECK(context_ != nullptr, "OpenSSL: SSL_CTX_new failed: {}", openssl_errors());
    SSL_CTX* context = context_.get();
    SSL_CTX_set_app_data(context, this);
    SSL_CTX_set_min_proto_version(context, TLS1_3_VERSION);
    SSL_CTX_set_max_proto_version(context, TLS1_3_VERSION);
    SSL_CTX_set_num_tickets(context, 0);
    SSL_CTX_set_options(
        context, SSL_OP_NO_TICKET | SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_ciphersuites(context,
                             "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
                             "TLS_CHACHA20_POLY1305_SHA256");
    // An encrypted private key would otherwise make OpenSSL prompt on the terminal.
    SSL_CTX_set_default_passwd_cb(context, [](char*, int, int, void*) { return 0; });
    if (options.mode == TlsMode::kCertificates) {
      load_certificates();
    } else {
      load_psk(server);
    }
  }

  ~TlsContext() { OPENSSL_cleanse(psk_.data(), psk_.size()); }
  // The SSL_CTX points back at this object.
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  SSL_CTX* get() const { return context_.get(); }
  const TlsOptions& options() const { return options_; }

 private:
  void load_certificates() {
    SSL_CTX* context = context_.get();
    if (options_.expected_peer.empty()) {
      fail(ErrorKind::kInvalidArgument, "TLS: no expected peer name given (e.g. {})",
           tls_party_name(1));
    }
    require_readable(options_.ca_file, "CA file");
    require_readable(options_.cert_file, "certificate file");
    require_readable(options_.key_file, "private key file");
    if (SSL_CTX_load_verify_locations(context, options_.ca_file.c_str(), nullptr) != 1) {
      fail(ErrorKind::kInvalidArgument, "cannot load the CA file {}: {}", options_.ca_file.string(),
           openssl_errors());
    }
    if (SSL_CTX_use_certificate_chain_file(context, options_.cert_file.c_str()) != 1) {
      fail(ErrorKind::kInvalidArgument, "cannot load the certificate file {}: {}",
           options_.cert_file.string(), openssl_errors());
    }
    // This also checks that the key belongs to the certificate.
    if (SSL_CTX_use_PrivateKey_file(context, options_.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      fail(ErrorKind::kInvalidArgument,
           "cannot use the private key file {} with the certificate {}: {}",
           options_.key_file.string(), options_.cert_file.string(), openssl_errors());
    }
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_callback);
  }

  void load_psk(bool server) {
    if (options_.psk_identity.empty()) {
      fail(ErrorKind::kInvalidArgument, "TLS: PSK mode needs a non-empty PSK identity");
    }
    psk_ = read_psk_file(options_.psk_file);
    if (server) {
      SSL_CTX_set_psk_find_session_callback(context_.get(), find_psk_session);
    } else {
      SSL_CTX_set_psk_use_session_callback(context_.get(), use_psk_session);
    }
  }

  static const TlsContext& of(SSL* ssl) {
    return *static_cast<const TlsContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  }

  // The external PSK as a TLS 1.3 session; its cipher fixes the PSK's hash (SHA-256).
  static SSL_SESSION* psk_session(SSL* ssl) {
    static constexpr unsigned char kAes128GcmSha256[] = {0x13, 0x01};
    const SSL_CIPHER* cipher = SSL_CIPHER_find(ssl, kAes128GcmSha256);
    SSL_SESSION* session = SSL_SESSION_new();
    const std::vector<uint8_t>& key = of(ssl).psk_;
    if (cipher == nullptr || session == nullptr ||
        SSL_SESSION_set1_master_key(session, key.data(), key.size()) != 1 ||
        SSL_SESSION_set_cipher(session, cipher) != 1 ||
        SSL_SESSION_set_protocol_version(session, TLS1_3_VERSION) != 1) {
      SSL_SESSION_free(session);
      return nullptr;
    }
    return session;
  }

  static int use_psk_session(SSL* ssl, const EVP_MD* digest, const unsigned char** identity,
                             size_t* identity_length, SSL_SESSION** session) {
    *session = nullptr;
    SSL_SESSION* created = psk_session(ssl);
    if (created == nullptr) return 0;
    if (digest != nullptr &&
        digest != SSL_CIPHER_get_handshake_digest(SSL_SESSION_get0_cipher(created))) {
      SSL_SESSION_free(created);  // a retry for another hash: we have no PSK for it
      return 1;
    }
    const std::string& name = of(ssl).options_.psk_identity;
    *identity = reinterpret_cast<const unsigned char*>(name.data());
    *identity_length = name.size();
    *session = created;
    return 1;
  }

  static int find_psk_session(SSL* ssl, const unsigned char* identity, size_t identity_length,
                              SSL_SESSION** session) {
    *session = nullptr;
    const std::string offered(reinterpret_cast<const char*>(identity), identity_length);
    const std::string& expected = of(ssl).options_.psk_identity;
    if (offered != expected) {
      session_state(ssl).rejection =
          fmt::format("the peer offered PSK identity '{}', expected '{}'", offered, expected);
      return 1;  // no session: the handshake fails for want of a certificate
    }
    *session = psk_session(ssl);
    return *session != nullptr ? 1 : 0;
  }

  static int verify_callback(int preverified, X509_STORE_CTX* store) {
    if (preverified == 1) return 1;
    SSL* ssl =
        static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    std::string& rejection = session_state(ssl).rejection;
    if (!rejection.empty()) return 0;  // keep the first reason
    const TlsOptions& options = of(ssl).options_;
    const int error = X509_STORE_CTX_get_error(store);
    // The leaf (the peer's own certificate) names the peer, whichever chain link failed.
    const std::string name = certificate_name(X509_STORE_CTX_get0_cert(store));
    if (error == X509_V_ERR_HOSTNAME_MISMATCH) {
      rejection = fmt::format("peer presented the certificate of '{}', expected '{}'", name,
                              options.expected_peer);
    } else if (is_unknown_issuer(error)) {
      rejection = fmt::format("peer certificate '{}' is not signed by the CA in {} ({})", name,
                              options.ca_file.string(), X509_verify_cert_error_string(error));
    } else {
      rejection = fmt::format("peer certificate '{}' is not acceptable: {}", name,
                              X509_verify_cert_error_string(error));
    }
    return 0;
  }

  TlsOptions options_;
  std::unique_ptr<SSL_CTX, SslCtxDeleter> context_;
  std::vector<uint8_t> psk_;
};

// ---- One connection -------------------------------------------------------------------------

// The SSL object, its BIO's state, and the mutex that serialises calls into it. Holds on to the
// context, whose callbacks and options the SSL object uses.
class TlsSession {
 public:
  TlsSession(std::shared_ptr<const TlsContext> context, int fd, bool server)
      : context_(std::move(context)) {
    state_.bio.fd = fd;
    ssl_.reset(SSL_new(context_->get()));
    BIO* bio = BIO_new(socket_bio_method());
    FSS_CHECK(ssl_ != nullptr && bio != nullptr, "OpenSSL: cannot create a TLS session: {}",
              openssl_errors());
    BIO_set_data(bio, &state_.bio);
    BIO_set_init(bio, 1);
    SSL_set_bio(ssl_.get(), bio, bio);
    SSL_set_app_data(ssl_.get(), &state_);
    SSL_set_mode(ssl_.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (context_->options().mode == TlsMode::kCertificates) {
      SSL_set_hostflags(ssl_.get(), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      SSL_set1_host(ssl_.get(), context_->options().expected_peer.c_str());
    }
    if (server) {
      SSL_set_accept_state(ssl_.get());
    } else {
      SSL_set_connect_state(ssl_.get());
    }
  }

  SSL* ssl() { return ssl_.get(); }
  SessionState& state() { return state_; }
  std::mutex& mutex() { return mutex_; }

  // An SSL call's failure as an IoResult; `result` is what the call returned.
  IoResult failure(int result) {
    switch (SSL_get_error(ssl_.get(), result)) {
      case SSL_ERROR_WANT_READ:
        return IoResult::wait_for(POLLIN);
      case SSL_ERROR_WANT_WRITE:
        return IoResult::wait_for(POLLOUT);
      case SSL_ERROR_ZERO_RETURN:
        return IoResult::closed();
      case SSL_ERROR_SYSCALL: {
        const int error = state_.bio.last_errno;
        if (state_.bio.eof || error == 0 || error == EPIPE || error == ECONNRESET) {
          ERR_clear_error();
          return IoResult::closed();
        }
        return IoResult::failed(errno_text(error));
      }
      default:
        return IoResult::failed("TLS error: " + openssl_errors());
    }
  }

 private:
  std::shared_ptr<const TlsContext> context_;
  SessionState state_;  // outlives ssl_, whose BIO points into it
  std::unique_ptr<SSL, SslDeleter> ssl_;
  std::mutex mutex_;
};

class TlsTransport final : public net_internal::SocketTransport {
 public:
  explicit TlsTransport(std::unique_ptr<TlsSession> session) : session_(std::move(session)) {}

  IoResult write_some(std::span<const uint8_t> bytes) override {
    std::lock_guard lock(session_->mutex());
    ERR_clear_error();
    size_t written = 0;
    const int ok = SSL_write_ex(session_->ssl(), bytes.data(), bytes.size(), &written);
    if (ok == 1) return IoResult::moved(written);
    return session_->failure(ok);
  }

  IoResult read_some(std::span<uint8_t> bytes) override {
    std::lock_guard lock(session_->mutex());
    ERR_clear_error();
    size_t read = 0;
    const int ok = SSL_read_ex(session_->ssl(), bytes.data(), bytes.size(), &read);
    if (ok == 1) return IoResult::moved(read);
    return session_->failure(ok);
  }

 private:
  std::unique_ptr<TlsSession> session_;
};

// The handshake's failure in words: our own rejection of the peer if there was one, else the
// alert the peer sent (first_error, the first OpenSSL error of the failed call), else OpenSSL's
// reason.
std::string handshake_failure(TlsSession& session, const IoResult& result,
                              unsigned long first_error, const TlsOptions& tls) {
  if (!session.state().rejection.empty()) {
    ERR_clear_error();
    return session.state().rejection;
  }
  const char* hint = tls.mode == TlsMode::kPsk
                         ? "do both parties use the same PSK identity and key?"
                         : "does the peer trust our CA and expect the name in our certificate?";
  if (result.peer_closed) {
    return fmt::format("the peer closed the connection ({})", hint);
  }
  const int reason = ERR_GET_REASON(first_error);
  if (first_error != 0 && ERR_GET_LIB(first_error) == ERR_LIB_SSL &&
      reason >= SSL_AD_REASON_OFFSET) {
    return fmt::format("the peer refused it with alert '{}' ({})",
                       SSL_alert_desc_string_long(reason - SSL_AD_REASON_OFFSET), hint);
  }
  if (ERR_GET_LIB(first_error) == ERR_LIB_SSL && reason == SSL_R_BINDER_DOES_NOT_VERIFY) {
    return "the peer's pre-shared key differs from ours (the PSK binder does not verify)";
  }
  return fmt::format("{} ({})", result.error, hint);
}

// After a failed handshake: stop sending and drain the peer's bytes briefly, so that closing
// does not reset the connection before the peer has read our alert.
void close_after_failure(int fd) {
  ::shutdown(fd, SHUT_WR);
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds{200};
  std::array<uint8_t, 4096> sink;
  while (poll_until(fd, POLLIN, deadline)) {
    if (::recv(fd, sink.data(), sink.size(), MSG_DONTWAIT) <= 0 && errno != EAGAIN) return;
  }
}

// Repeats `step` (an SSL call returning 1 on success) until it succeeds, polling as OpenSSL asks,
// until `deadline`. Throws kNetwork with the reason on failure or timeout.
template <typename Step>
void run_until_done(TlsSession& session, int fd, Clock::time_point deadline,
                    const std::string& peer, const TcpOptions& options, const TlsOptions& tls,
                    Step&& step) {
  while (true) {
    ERR_clear_error();
    const int ok = step();
    if (ok == 1) return;
    const unsigned long first_error = ERR_peek_error();
    const IoResult result = session.failure(ok);
    if (result.wait_events == 0) {
      const std::string reason = handshake_failure(session, result, first_error, tls);
      close_after_failure(fd);
      fail(ErrorKind::kNetwork, "TLS handshake with {} failed: {}", peer, reason);
    }
    if (!poll_until(fd, result.wait_events, deadline)) {
      fail(ErrorKind::kNetwork, "TLS handshake with {} timed out after {} ms", peer,
           options.timeout.count());
    }
  }
}

// Runs the handshake and the confirmation on the connected socket `raw_fd` and returns the
// channel, which then owns the socket (closed here on failure).
std::unique_ptr<Channel> establish(std::shared_ptr<const TlsContext> context, int raw_fd,
                                   const std::string& address, const TcpOptions& options,
                                   bool server) {
  SocketFd fd(raw_fd);
  const TlsOptions tls = context->options();
  const std::string who = tls.mode == TlsMode::kCertificates
                              ? tls.expected_peer
                              : fmt::format("PSK '{}'", tls.psk_identity);
  const std::string peer = fmt::format("{} ({})", address, who);
  auto session = std::make_unique<TlsSession>(std::move(context), fd.get(), server);
  SSL* ssl = session->ssl();
  const Clock::time_point deadline = Clock::now() + options.timeout;
  run_until_done(*session, fd.get(), deadline, peer, options, tls,
                 [&] { return SSL_do_handshake(ssl); });
  std::array<uint8_t, kConfirmation.size() + 1> confirmation;
  std::copy(kConfirmation.begin(), kConfirmation.end(), confirmation.begin());
  confirmation.back() = tls.encrypt ? 'E' : 'P';
  size_t moved = 0;
  run_until_done(*session, fd.get(), deadline, peer, options, tls, [&] {
    return SSL_write_ex(ssl, confirmation.data(), confirmation.size(), &moved);
  });
  std::array<uint8_t, confirmation.size()> theirs{};
  size_t received = 0;
  while (received < theirs.size()) {
    run_until_done(*session, fd.get(), deadline, peer, options, tls, [&] {
      return SSL_read_ex(ssl, theirs.data() + received, theirs.size() - received, &moved);
    });
    received += moved;
  }
  if (!std::equal(kConfirmation.begin(), kConfirmation.end(), theirs.begin())) {
    fail(ErrorKind::kNetwork, "TLS handshake with {} failed: the peer is not an fssformer party",
         peer);
  }
  if (theirs.back() != confirmation.back()) {
    fail(ErrorKind::kMismatch,
         "TLS link with {}: the peer has encryption {} and we have it {}; both parties must use "
         "the same setting",
         peer, tls.encrypt ? "off" : "on", tls.encrypt ? "on" : "off");
  }
  if (!tls.encrypt) {
    // Without read-ahead OpenSSL reads record by record, so the socket now stands exactly at
    // the peer's first plaintext byte. No close_notify: the peer does not expect one.
    FSS_CHECK(SSL_has_pending(ssl) == 0, "TLS bytes left over after the handshake");
    session.reset();
    const int raw = fd.release();
    return net_internal::make_socket_channel(raw, net_internal::plain_transport(raw),
                                             fmt::format("{} ({}, unencrypted)", address, who),
                                             options);
  }
  SSL_set_read_ahead(ssl, 1);  // fewer recv() calls for bulk data
  const int raw = fd.release();
  return net_internal::make_socket_channel(raw, std::make_unique<TlsTransport>(std::move(session)),
                                           peer, options);
}

}  // namespace

std::string tls_party_name(int party) { return fmt::format("fssformer-party-{}", party); }

struct TlsListener::Impl {
  Impl(const std::string& host, uint16_t port, const TlsOptions& tls)
      : context(std::make_shared<const TlsContext>(tls, /*server=*/true)), listener(host, port) {}
  std::shared_ptr<const TlsContext> context;
  TcpListener listener;
};

TlsListener::TlsListener(const std::string& host, uint16_t port, const TlsOptions& tls)
    : impl_(std::make_unique<Impl>(host, port, tls)) {}

TlsListener::~TlsListener() = default;

uint16_t TlsListener::port() const { return impl_->listener.port(); }

std::unique_ptr<Channel> TlsListener::accept(const TcpOptions& options) {
  TcpListener::AcceptedSocket accepted = impl_->listener.accept_socket(options);
  return establish(impl_->context, accepted.fd, accepted.peer, options, /*server=*/true);
}

std::unique_ptr<Channel> tls_connect(const std::string& host, uint16_t port,
                                     const TcpOptions& options, const TlsOptions& tls) {
  auto context = std::make_shared<const TlsContext>(tls, /*server=*/false);
  const int fd = net_internal::connect_socket(host, port, options);
  return establish(std::move(context), fd, fmt::format("{}:{}", host, port), options,
                   /*server=*/false);
}

}  // namespace fss
