#include "cli/party.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "cli/deployment.h"
#include "cli/handshake.h"
#include "cli/preflight.h"
#include "cli/report.h"
#include "cli/role_files.h"
#include "cli/single_use.h"
#include "core/error.h"
#include "mpc/party_engine.h"
#include "net/tcp_channel.h"

namespace fss::cli {
namespace {

namespace fs = std::filesystem;

struct HostPort {
  std::string host;
  uint16_t port;
};

HostPort parse_host_port(const std::string& text, const char* option) {
  const size_t colon = text.rfind(':');
  int port = -1;
  if (colon != std::string::npos && colon + 1 < text.size() &&
      text.find_first_not_of("0123456789", colon + 1) == std::string::npos &&
      text.size() - colon <= 6)
    port = std::stoi(text.substr(colon + 1));
  if (port < 0 || port > 65535)
    fail(ErrorKind::kInvalidArgument, "{} {}: expected HOST:PORT with a port of 0 to 65535", option,
         text);
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return {host, static_cast<uint16_t>(port)};
}

void say(const PartyOptions& options, const std::string& text) {
  fmt::print("fssformer party {}: {}\n", options.party, text);
  std::fflush(stdout);  // a supervisor (tests, `run --processes`) watches these lines
}

// Connects as the options say; `address` is the parsed --listen or --peer.
std::unique_ptr<Channel> connect_to_peer(const PartyOptions& options, const HostPort& address) {
  TcpOptions tcp;
  tcp.timeout = std::chrono::milliseconds(options.timeout_ms);
  tcp.connect_deadline = tcp.timeout;
  if (!options.listen.empty()) {
    TcpListener listener(address.host, address.port);
    say(options, fmt::format("listening on {}:{}", address.host, listener.port()));
    return listener.accept(tcp);
  }
  return tcp_connect(address.host, address.port, tcp);
}

void write_metrics_json(const std::string& path, const nlohmann::json& json) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp);
    out << json.dump(2) << "\n";
    if (!out) fail(ErrorKind::kIo, "cannot write {}", temp);
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0)
    fail(ErrorKind::kIo, "cannot rename {} to {}: {}", temp, path, std::strerror(errno));
}

}  // namespace

void add_party_command(CLI::App& app, PartyOptions& options) {
  CLI::App* cmd = app.add_subcommand(
      "party",
      "One networked party: evaluates the client's masked inputs with its key file together\n"
      "with the other party and writes its masked outputs for the client.");
  cmd->add_option("--party", options.party, "0 or 1")->required()->check(CLI::IsMember({0, 1}));
  auto* listen = cmd->add_option("--listen", options.listen,
                                 "wait for the other party on HOST:PORT (port 0: any free port)");
  auto* peer = cmd->add_option("--peer", options.peer, "connect to the other party at HOST:PORT");
  listen->excludes(peer);
  peer->excludes(listen);
  cmd->add_option("--keys", options.keys_path, "this party's key file (from keygen)")->required();
  cmd->add_option("--input", options.input_path, "the client's masked inputs")->required();
  cmd->add_option("--output", options.output_path, "where to write this party's masked outputs")
      ->required();
  cmd->add_option("--json", options.json_path, "write this party's metrics as JSON");
  cmd->add_option("--timeout-ms", options.timeout_ms,
                  "longest wait for the peer (connect, handshake, every message)")
      ->check(CLI::Range(1, 24 * 3600 * 1000))
      ->capture_default_str();
  cmd->add_flag("--allow-key-reuse", options.allow_key_reuse,
                "accept a key file that was already used (benchmarks only: insecure)");
}

int run_party_command(const PartyOptions& options) {
  if (options.listen.empty() == options.peer.empty())
    fail(ErrorKind::kInvalidArgument, "party: give exactly one of --listen and --peer");
  const HostPort address = options.listen.empty() ? parse_host_port(options.peer, "--peer")
                                                  : parse_host_port(options.listen, "--listen");
  const fs::path keys_path = options.keys_path;
  const RoleFile input = read_role_file(options.input_path, RoleFileKind::kMaskedInputs);
  const RunConfiguration run = RunConfiguration::parse(input.config_text, options.input_path);
  const ModelConfig& config = run.validated_model();

  std::error_code error;
  const uint64_t key_file_bytes = fs::file_size(keys_path, error);
  if (error)
    fail(ErrorKind::kIo, "cannot open key file {}: {}", keys_path.string(), error.message());
  const uint64_t input_bytes = fs::file_size(options.input_path);
  const uint64_t activations = activation_bytes_estimate(config, run.batch, run.seq_len);
  require_memory(
      fmt::format("party {}", options.party), key_file_bytes + input_bytes + activations,
      fmt::format("key file {:.3f} GB + inputs {:.3f} GB + activation estimate {:.3f} GB",
                  key_file_bytes / 1e9, input_bytes / 1e9, activations / 1e9));

  KeyStreamReader keys =
      KeyStreamReader::from_file(keys_path, options.party, config_hash(run.text()));
  if (keys.run_id() != input.run_id)
    fail(ErrorKind::kMismatch,
         "key file {} is of run {} but the masked inputs {} are of run {}: files of another run",
         keys_path.string(), short_hex(keys.run_id()), options.input_path, short_hex(input.run_id));
  const bool reused = is_consumed(keys_path);
  if (reused && !options.allow_key_reuse) fail_already_used(keys_path, "key file");

  const std::unique_ptr<Channel> peer = connect_to_peer(options, address);
  exchange_hello(*peer, {kPartyProtocolVersion, options.party, run.text(), keys.run_id()});
  // Marked after the handshake, which sends nothing key-dependent, and before the first
  // message that is: a refused peer leaves the keys usable, a crash from here on does not.
  if (reused) {
    warn_reuse(keys_path, "key file");
  } else {
    mark_consumed(keys_path, "key file",
                  fmt::format("run {} party {} pid {}\n", short_hex(keys.run_id()), options.party,
                              ::getpid()));
  }
  peer->reset_stats();
  say(options, fmt::format("connected to {}, handshake ok ({}), online phase", peer->peer_name(),
                           run.text()));

  PartyEngine engine(options.party, keys, *peer);
  for (const Tensor& t : input.inputs) engine.provide_input(t);
  const auto start = std::chrono::steady_clock::now();
  const std::vector<Masked> outputs = transformer_program(run)(engine);
  keys.expect_end();
  peer->flush();
  const double online_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  engine.close_phase();

  RoleFile output{RoleFileKind::kPartyOutput, options.party, run.text(), keys.run_id(), {}, {}};
  for (const Masked& m : outputs) output.outputs.push_back(m.value);
  write_role_file(options.output_path, output);

  const ChannelStats& stats = peer->stats();
  fmt::print("\n{:<22} {:>14}\n", "per run (whole batch)", fmt::format("P{}", options.party));
  fmt::print("{:<22} {:>14.1f}\n", "online ms", 1e3 * online_seconds);
  fmt::print("{:<22} {:>14.4f}\n", "sent GB (1e9 B)", stats.bytes_sent / 1e9);
  fmt::print("{:<22} {:>14}\n", "rounds", stats.rounds);
  fmt::print("{:<22} {:>14.4f}\n\n", "key GB (1e9 B)", key_file_bytes / 1e9);
  const nlohmann::json phases =
      print_phase_table(engine.phase_costs(), engine.phase_seconds(), engine.phase_wait_seconds(),
                        fmt::format("P{}, whole batch", options.party));
  if (!options.json_path.empty())
    write_metrics_json(options.json_path, {{"command", "party"},
                                           {"party", options.party},
                                           {"configuration", run.text()},
                                           {"online_ms", 1e3 * online_seconds},
                                           {"bytes_sent", stats.bytes_sent},
                                           {"bytes_received", stats.bytes_received},
                                           {"rounds", stats.rounds},
                                           {"key_bytes", key_file_bytes},
                                           {"phases", phases}});
  return 0;
}

}  // namespace fss::cli
