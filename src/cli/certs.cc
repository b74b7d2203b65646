#include "cli/certs.h"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <system_error>
#include <vector>

#include "core/error.h"
#include "net/tls_channel.h"

namespace fss::cli {
namespace {

struct OpenSslFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
  void operator()(X509* certificate) const { X509_free(certificate); }
  void operator()(BIO* bio) const { BIO_free(bio); }
  void operator()(X509_EXTENSION* extension) const { X509_EXTENSION_free(extension); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, OpenSslFree>;
using CertificatePtr = std::unique_ptr<X509, OpenSslFree>;

[[noreturn]] void openssl_failed(const char* what) {
  char reason[256] = "no detail";
  if (const unsigned long code = ERR_get_error()) ERR_error_string_n(code, reason, sizeof reason);
  ERR_clear_error();
  fail(ErrorKind::kInternal, "OpenSSL: {} failed: {}", what, reason);
}

KeyPtr new_p256_key() {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (key == nullptr) openssl_failed("P-256 key generation");
  return key;
}

void add_extension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, OpenSslFree> extension(
      X509V3_EXT_conf_nid(nullptr, &context, nid, value));
  if (extension == nullptr || X509_add_ext(certificate, extension.get(), -1) != 1) {
    openssl_failed("adding a certificate extension");
  }
}

// A certificate for `key` named `name`, signed by issuer_key (self-signed when issuer is null).
CertificatePtr make_certificate(const std::string& name, EVP_PKEY* key, X509* issuer,
                                EVP_PKEY* issuer_key, int days, bool is_ca) {
  CertificatePtr certificate(X509_new());
  if (certificate == nullptr) openssl_failed("X509_new");
  X509* cert = certificate.get();
  uint8_t serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) openssl_failed("RAND_bytes");
  serial[0] &= 0x7f;  // a positive serial number
  BIGNUM* serial_number = BN_bin2bn(serial, sizeof serial, nullptr);
  const bool ok = X509_set_version(cert, X509_VERSION_3) == 1 && serial_number != nullptr &&
                  BN_to_ASN1_INTEGER(serial_number, X509_get_serialNumber(cert)) != nullptr &&
                  X509_gmtime_adj(X509_getm_notBefore(cert), -300) != nullptr &&
                  X509_gmtime_adj(X509_getm_notAfter(cert), int64_t{days} * 86400) != nullptr &&
                  X509_set_pubkey(cert, key) == 1;
  BN_free(serial_number);
  if (!ok) openssl_failed("filling in a certificate");
  X509_NAME* subject = X509_get_subject_name(cert);
  if (X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1,
                                 0) != 1) {
    openssl_failed("setting the subject name");
  }
  X509* signer = issuer != nullptr ? issuer : cert;
  if (X509_set_issuer_name(cert, X509_get_subject_name(signer)) != 1) {
    openssl_failed("setting the issuer name");
  }
  add_extension(cert, signer, NID_subject_key_identifier, "hash");
  if (is_ca) {
    add_extension(cert, signer, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
    add_extension(cert, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(cert, signer, NID_authority_key_identifier, "keyid:always");
    add_extension(cert, signer, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(cert, signer, NID_key_usage, "critical,digitalSignature");
    // Each party is a TLS client or server depending on who connects.
    add_extension(cert, signer, NID_ext_key_usage, "serverAuth,clientAuth");
    add_extension(cert, signer, NID_subject_alt_name, ("DNS:" + name).c_str());
  }
  if (X509_sign(cert, issuer_key != nullptr ? issuer_key : key, EVP_sha256()) <= 0) {
    openssl_failed("signing a certificate");
  }
  return certificate;
}

template <typename WritePem>
std::string pem_text(WritePem&& write) {
  std::unique_ptr<BIO, OpenSslFree> bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || write(bio.get()) != 1) openssl_failed("PEM encoding");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

std::string certificate_pem(X509* certificate) {
  return pem_text([&](BIO* bio) { return PEM_write_bio_X509(bio, certificate); });
}

std::string private_key_pem(EVP_PKEY* key) {
  return pem_text([&](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  });
}

std::string random_psk_hex() {
  uint8_t key[32];
  if (RAND_bytes(key, sizeof key) != 1) openssl_failed("RAND_bytes");
  std::string hex;
  for (const uint8_t byte : key) hex += fmt::format("{:02x}", byte);
  OPENSSL_cleanse(key, sizeof key);
  return hex + "\n";
}

std::string errno_text(int error) { return std::system_category().message(error); }

// A file's final path, its content and mode, staged under a temporary name.
struct StagedFile {
  std::filesystem::path path;
  std::string content;
  mode_t mode;
  std::filesystem::path temporary() const { return path.string() + ".tmp"; }
};

void write_staged(const StagedFile& file) {
  const std::string temporary = file.temporary().string();
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, file.mode);
  if (fd < 0) fail(ErrorKind::kIo, "cannot create {}: {}", temporary, errno_text(errno));
  // fchmod: the mode given to open() is reduced by the umask, and the file may have existed.
  bool ok = ::fchmod(fd, file.mode) == 0;
  size_t written = 0;
  while (ok && written < file.content.size()) {
    const ssize_t n = ::write(fd, file.content.data() + written, file.content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const int error = errno;
  ::close(fd);
  if (!ok) fail(ErrorKind::kIo, "cannot write {}: {}", temporary, errno_text(error));
}

}  // namespace

TestPkiFiles test_pki_files(const std::filesystem::path& dir) {
  TestPkiFiles files;
  files.ca_cert = dir / "ca.pem";
  files.ca_key = dir / "ca.key";
  for (int party : {0, 1}) {
    files.party_cert[party] = dir / fmt::format("party{}.pem", party);
    files.party_key[party] = dir / fmt::format("party{}.key", party);
  }
  files.psk = dir / "psk.hex";
  return files;
}

TlsOptions test_pki_party_options(const TestPkiFiles& files, int party, bool encrypt) {
  TlsOptions tls;
  tls.mode = TlsMode::kCertificates;
  tls.ca_file = files.ca_cert;
  tls.cert_file = files.party_cert[party];
  tls.key_file = files.party_key[party];
  tls.expected_peer = tls_party_name(1 - party);
  tls.encrypt = encrypt;
  return tls;
}

TestPkiFiles write_test_pki(const std::filesystem::path& dir, int days) {
  if (days < 1) fail(ErrorKind::kInvalidArgument, "certs: --days must be at least 1, not {}", days);
  const TestPkiFiles files = test_pki_files(dir);
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) fail(ErrorKind::kIo, "cannot create directory {}: {}", dir.string(), error.message());
  for (const auto& path : {files.ca_cert, files.ca_key, files.party_cert[0], files.party_key[0],
                           files.party_cert[1], files.party_key[1], files.psk}) {
    if (std::filesystem::exists(path)) {
      fail(ErrorKind::kInvalidArgument,
           "certs: {} exists already; remove it or choose another --out", path.string());
    }
  }

  const KeyPtr ca_key = new_p256_key();
  const CertificatePtr ca =
      make_certificate("fssformer test CA", ca_key.get(), nullptr, nullptr, days, /*is_ca=*/true);
  std::vector<StagedFile> staged = {
      {files.ca_cert, certificate_pem(ca.get()), 0644},
      {files.ca_key, private_key_pem(ca_key.get()), 0600},
      {files.psk, random_psk_hex(), 0600},
  };
  for (int party : {0, 1}) {
    const KeyPtr key = new_p256_key();
    const CertificatePtr certificate = make_certificate(tls_party_name(party), key.get(), ca.get(),
                                                        ca_key.get(), days, /*is_ca=*/false);
    staged.push_back({files.party_cert[party], certificate_pem(certificate.get()), 0644});
    staged.push_back({files.party_key[party], private_key_pem(key.get()), 0600});
  }

  try {
    for (const StagedFile& file : staged) write_staged(file);
    for (const StagedFile& file : staged) {
      std::filesystem::rename(file.temporary(), file.path);
    }
  } catch (...) {
    for (const StagedFile& file : staged) {
      std::filesystem::remove(file.temporary(), error);
      std::filesystem::remove(file.path, error);
    }
    throw;
  }
  return files;
}

void add_certs_command(CLI::App& app, CertsOptions& options) {
  CLI::App* cmd = app.add_subcommand(
      "certs",
      "Write a TEST certificate authority, a certificate and key per party, and a pre-shared key\n"
      "for the TLS party link (docs/security.md). Not for production: the CA key is kept beside\n"
      "them.");
  cmd->add_option("--out", options.out_dir, "directory to write into (created if missing)")
      ->required();
  cmd->add_option("--days", options.days, "validity of the certificates in days")
      ->check(CLI::Range(1, 3650))
      ->capture_default_str();
}

int run_certs(const CertsOptions& options) {
  const TestPkiFiles files = write_test_pki(options.out_dir, options.days);
  fmt::print(
      stderr,
      "WARNING: these are TEST credentials. Anyone with {} can impersonate either party;\n"
      "         use your own CA and keep each party's key on its own machine in production.\n",
      files.ca_key.string());
  fmt::print("CA certificate    {}\n", files.ca_cert.string());
  fmt::print("CA private key    {} (0600)\n", files.ca_key.string());
  for (int party : {0, 1}) {
    fmt::print("party {} ({}): {} and {} (0600)\n", party, tls_party_name(party),
               files.party_cert[party].string(), files.party_key[party].string());
  }
  fmt::print("pre-shared key    {} (0600)\n", files.psk.string());
  return 0;
}

}  // namespace fss::cli
