#pragma once
// `fssformer certs --out DIR`: a throw-away PKI for testing the TLS party link
// (docs/security.md): a CA, one certificate and key per party (named tls_party_name(p) in the
// subject alternative name and common name), and a pre-shared key. For tests only: the CA's
// private key is written beside the certificates.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>

#include "net/tls_channel.h"

namespace fss::cli {

// The files write_test_pki() creates in its directory.
struct TestPkiFiles {
  std::filesystem::path ca_cert, ca_key;
  std::filesystem::path party_cert[2], party_key[2];
  std::filesystem::path psk;  // 64 hex digits and a newline
};
TestPkiFiles test_pki_files(const std::filesystem::path& dir);

// Creates `dir` (0700) if needed and writes test_pki_files(dir): P-256 keys, SHA-256
// signatures, certificates valid for `days` days from now. Private keys and the PSK are 0600.
// Every file is written to a temporary name and renamed once all are complete, so a failure
// leaves none of them. Throws kInvalidArgument if days < 1 or any of the files exists already,
// kIo if the directory or a file cannot be written.
TestPkiFiles write_test_pki(const std::filesystem::path& dir, int days = 30);

// Party `party`'s certificate-mode TLS options with `files`: its own certificate and key, the
// CA, and the other party's name as the expected peer.
TlsOptions test_pki_party_options(const TestPkiFiles& files, int party, bool encrypt);

struct CertsOptions {
  std::string out_dir;
  int days = 30;
};

void add_certs_command(CLI::App& app, CertsOptions& options);
// Writes the files, prints them with a warning that they are for testing; returns 0.
int run_certs(const CertsOptions& options);

}  // namespace fss::cli
