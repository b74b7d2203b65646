#include "cli/party.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

#include "cli/backend_options.h"
#include "cli/deployment.h"
#include "cli/handshake.h"
#include "cli/key_plan.h"
#include "cli/preflight.h"
#include "cli/report.h"
#include "cli/role_files.h"
#include "cli/single_use.h"
#include "core/error.h"
#include "cuda/devices.h"
#include "mpc/party_engine.h"
#include "net/tcp_channel.h"
#include "net/tls_channel.h"

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

// The TLS settings of the options, or nullopt with --insecure-plain-tcp. Throws
// kInvalidArgument for a missing, incomplete or contradictory set of TLS options.
std::optional<TlsOptions> tls_options(const PartyOptions& options) {
  const bool any_certificate_file =
      !options.tls_ca.empty() || !options.tls_cert.empty() || !options.tls_key.empty();
  const bool psk = !options.tls_psk.empty();
  if (options.insecure_plain_tcp) {
    if (any_certificate_file || psk || options.no_encryption)
      fail(ErrorKind::kInvalidArgument,
           "party: --insecure-plain-tcp cannot be combined with --tls-* or --no-encryption");
    return std::nullopt;
  }
  if (!any_certificate_file && !psk)
    fail(ErrorKind::kInvalidArgument,
         "party: the link to the other party must be authenticated: give --tls-ca, --tls-cert "
         "and --tls-key, or --tls-psk (`fssformer certs --out DIR` makes test credentials), or "
         "--insecure-plain-tcp");
  if (any_certificate_file && psk)
    fail(ErrorKind::kInvalidArgument,
         "party: give either --tls-ca, --tls-cert and --tls-key or --tls-psk, not both");
  TlsOptions tls;
  tls.encrypt = !options.no_encryption;
  if (psk) {
    tls.mode = TlsMode::kPsk;
    tls.psk_file = options.tls_psk;
    return tls;
  }
  for (const auto& [flag, value] :
       {std::pair{"--tls-ca", &options.tls_ca}, std::pair{"--tls-cert", &options.tls_cert},
        std::pair{"--tls-key", &options.tls_key}})
    if (value->empty())
      fail(ErrorKind::kInvalidArgument,
           "party: certificate mode needs --tls-ca, --tls-cert and --tls-key; {} is missing", flag);
  tls.mode = TlsMode::kCertificates;
  tls.ca_file = options.tls_ca;
  tls.cert_file = options.tls_cert;
  tls.key_file = options.tls_key;
  tls.expected_peer = tls_party_name(1 - options.party);
  return tls;
}

// How the link is protected, for the party's report.
std::string link_description(const std::optional<TlsOptions>& tls) {
  if (!tls) return "plain TCP, insecure";
  const std::string authentication =
      tls->mode == TlsMode::kPsk ? "pre-shared key" : "certificate of " + tls->expected_peer;
  return tls->encrypt ? fmt::format("TLS 1.3, {}", authentication)
                      : fmt::format("TLS 1.3 handshake ({}), then unencrypted", authentication);
}

// Connects as the options say; `address` is the parsed --listen or --peer.
std::unique_ptr<Channel> connect_to_peer(const PartyOptions& options, const HostPort& address,
                                         const std::optional<TlsOptions>& tls) {
  TcpOptions tcp;
  tcp.timeout = std::chrono::milliseconds(options.timeout_ms);
  tcp.connect_deadline = tcp.timeout;
  if (!options.listen.empty()) {
    if (tls) {
      TlsListener listener(address.host, address.port, *tls);
      say(options, fmt::format("listening on {}:{}", address.host, listener.port()));
      return listener.accept(tcp);
    }
    TcpListener listener(address.host, address.port);
    say(options, fmt::format("listening on {}:{}", address.host, listener.port()));
    return listener.accept(tcp);
  }
  if (tls) return tls_connect(address.host, address.port, tcp, *tls);
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
  add_backend_options(*cmd, options.backend, options.device);
  add_key_memory_option(*cmd, options.key_memory);
  cmd->add_option("--tls-ca", options.tls_ca, "CA certificate (PEM) that signed the peer's");
  cmd->add_option("--tls-cert", options.tls_cert,
                  "this party's certificate (PEM), naming fssformer-party-<party>");
  cmd->add_option("--tls-key", options.tls_key, "this party's private key (PEM)");
  cmd->add_option("--tls-psk", options.tls_psk,
                  "pre-shared key file (64 hex digits) instead of certificates");
  cmd->add_flag("--no-encryption", options.no_encryption,
                "authenticated TLS handshake, then plain TCP (benchmarks on a trusted link only)");
  cmd->add_flag("--insecure-plain-tcp", options.insecure_plain_tcp,
                "no TLS: the link is neither authenticated nor encrypted (tests only)");
}

int run_party_command(const PartyOptions& options) {
  if (options.listen.empty() == options.peer.empty())
    fail(ErrorKind::kInvalidArgument, "party: give exactly one of --listen and --peer");
  const HostPort address = options.listen.empty() ? parse_host_port(options.peer, "--peer")
                                                  : parse_host_port(options.listen, "--listen");
  const std::optional<TlsOptions> tls = tls_options(options);
  if (!tls)
    fmt::print(stderr,
               "fssformer: warning: --insecure-plain-tcp: the link to the other party is neither "
               "authenticated nor encrypted; for tests on a trusted machine only\n");
  else if (!tls->encrypt)
    fmt::print(stderr,
               "fssformer: warning: --no-encryption: after the authenticated handshake the link "
               "is plain TCP, without confidentiality or integrity; for a trusted link only\n");
  std::unique_ptr<Backend> gpu_backend;
  Backend& backend = select_backend(options.backend, options.device, gpu_backend);
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

  bool resident_keys = false;
  if (options.backend == "cuda") {
    const KeyPlan plan = plan_keys(transformer_program(run));
    resident_keys = choose_resident_keys(
        options.key_memory, fmt::format("party {}", options.party), options.device,
        gpu_bytes_estimate(plan.largest_record_bytes, activations), key_file_bytes,
        gpu::free_memory_bytes(options.device),
        fmt::format("largest gate keys {:.3f} GB + activation estimate {:.3f} GB",
                    plan.largest_record_bytes / 1e9, activations / 1e9));
  }
  KeyStreamReader keys =
      KeyStreamReader::from_file(keys_path, options.party, config_hash(run.text()));
  if (keys.run_id() != input.run_id)
    fail(ErrorKind::kMismatch,
         "key file {} is of run {} but the masked inputs {} are of run {}: files of another run",
         keys_path.string(), short_hex(keys.run_id()), options.input_path, short_hex(input.run_id));
  const bool reused = is_consumed(keys_path);
  if (reused && !options.allow_key_reuse) fail_already_used(keys_path, "key file");

  const auto load_start = std::chrono::steady_clock::now();
  if (resident_keys) keys.make_resident(backend);
  const double key_load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();

  const std::unique_ptr<Channel> peer = connect_to_peer(options, address, tls);
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
  say(options, fmt::format("connected to {} over {}, handshake ok ({}), online phase",
                           peer->peer_name(), link_description(tls), run.text()));

  const BackendScope on_backend(backend);
  PartyEngine engine(options.party, keys, *peer);
  for (const Tensor& t : input.inputs) engine.provide_input(t);
  engine.start_phase_clock();
  const auto start = std::chrono::steady_clock::now();
  const ProcessCounters counters_at_start = process_counters();
  const std::vector<Masked> outputs = transformer_program(run)(engine);
  keys.expect_end();
  peer->flush();
  const double online_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const ProcessCounters online_counters = process_counters() - counters_at_start;
  engine.close_phase();

  RoleFile output{RoleFileKind::kPartyOutput, options.party, run.text(), keys.run_id(), {}, {}};
  for (const Masked& m : outputs) output.outputs.push_back(m.value);
  write_role_file(options.output_path, output);

  const ChannelStats& stats = peer->stats();
  fmt::print("\n{:<22} {:>14}\n", "per run (whole batch)", fmt::format("P{}", options.party));
  fmt::print("{:<22} {:>14.1f}\n", "online ms", 1e3 * online_seconds);
  fmt::print("{:<22} {:>14.4f}\n", "sent GB (1e9 B)", stats.bytes_sent / 1e9);
  fmt::print("{:<22} {:>14}\n", "rounds", stats.rounds);
  fmt::print("{:<22} {:>14.4f}\n", "key GB (1e9 B)", key_file_bytes / 1e9);
  fmt::print("{:<22} {:>14.1f}\n\n", resident_keys ? "key load ms (GPU)" : "key load ms",
             1e3 * key_load_seconds);
  const nlohmann::json phases =
      print_phase_table(engine.phase_costs(), engine.phase_seconds(), engine.phase_wait_seconds(),
                        fmt::format("P{}, whole batch", options.party));
  if (!options.json_path.empty())
    write_metrics_json(options.json_path,
                       {{"command", "party"},
                        {"party", options.party},
                        {"configuration", run.text()},
                        {"link", link_description(tls)},
                        {"backend", backend.name()},
                        {"online_ms", 1e3 * online_seconds},
                        {"bytes_sent", stats.bytes_sent},
                        {"bytes_received", stats.bytes_received},
                        {"rounds", stats.rounds},
                        {"key_bytes", key_file_bytes},
                        {"key_memory", resident_keys ? "resident" : "host"},
                        {"key_load_ms", 1e3 * key_load_seconds},
                        {"online_process", process_counters_json(online_counters)},
                        {"phases", phases}});
  return 0;
}

}  // namespace fss::cli
