#pragma once
// `fssformer party` (docs/deployment.md): one server. Reads the client's masked inputs and its
// key file, connects to the other party (--listen or --peer) over TLS 1.3 (certificates naming
// tls_party_name(other party), or a pre-shared key; docs/security.md), runs the party
// handshake over it, marks the key file consumed, evaluates the program and writes its masked
// outputs for the client. Without TLS options it refuses to run unless --insecure-plain-tcp is
// given. Every wait is bounded by --timeout-ms; any error leaves no output file.
#include <CLI/CLI.hpp>
#include <string>

namespace fss::cli {

struct PartyOptions {
  int party = -1;
  std::string listen;  // HOST:PORT (port 0: any free port, printed on stdout)
  std::string peer;    // HOST:PORT
  std::string keys_path;
  std::string input_path;
  std::string output_path;
  std::string json_path;
  int timeout_ms = 120'000;
  bool allow_key_reuse = false;
  std::string backend = "cpu";  // where the gates' bulk operations run: cpu, cuda
  int device = 0;               // GPU index for backend "cuda"
  std::string key_memory = "auto";  // auto | device | host (cli/backend_options.h)
  // The link: certificate mode (all three PEM files) or PSK mode (a hex key file).
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_psk;
  bool no_encryption = false;       // authenticated TLS handshake, then plain TCP
  bool insecure_plain_tcp = false;  // no TLS at all
};

void add_party_command(CLI::App& app, PartyOptions& options);
int run_party_command(const PartyOptions& options);

}  // namespace fss::cli
