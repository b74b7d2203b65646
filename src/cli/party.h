#pragma once
// `fssformer party` (docs/deployment.md): one server. Reads the client's masked inputs and its
// key file, connects to the other party (--listen or --peer), runs the handshake, marks the
// key file consumed, evaluates the program and writes its masked outputs for the client.
// Every wait is bounded by --timeout-ms; any error leaves no output file.
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
};

void add_party_command(CLI::App& app, PartyOptions& options);
int run_party_command(const PartyOptions& options);

}  // namespace fss::cli
