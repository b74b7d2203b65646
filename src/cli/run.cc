#include "cli/run.h"

#include <fmt/format.h>
#include <omp.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "cli/deployment.h"
#include "cli/processes.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "core/error.h"
#include "mpc/local_run.h"
#include "mpc/party_engine.h"
#include "nn/float_forward.h"

namespace fss::cli {
namespace {

double gb(uint64_t bytes) { return static_cast<double>(bytes) / 1e9; }

void check_supported(const RunOptions& options) {
  if (options.backend != "cpu")
    fail(ErrorKind::kInvalidArgument,
         "--backend {}: this build runs the CPU backend only (the CUDA backend is not wired into "
         "`run` yet)",
         options.backend);
  if (options.nonlinear != "sigma")
    fail(ErrorKind::kInvalidArgument,
         "--nonlinear {}: this build has the SIGMA family only (SUF is not integrated yet)",
         options.nonlinear);
}

}  // namespace

void add_run_command(CLI::App& app, RunOptions& options) {
  CLI::App* cmd = app.add_subcommand(
      "run",
      "One secure inference with the dealer and both parties on this machine: prints online time,\n"
      "bytes, rounds, keygen time and key size per party with a per-layer-kind breakdown, and\n"
      "checks the output against the clear engine (bit for bit) and a float64 reference.");
  cmd->add_option("--model", options.model, "model name (see docs/models.md)")->capture_default_str();
  cmd->add_option("--weights", options.weights_path,
                  "Hugging Face safetensors file (default: seeded random weights, real shapes)");
  cmd->add_option("--seq", options.seq_len, "sequence length")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 16))
      ->capture_default_str();
  cmd->add_option("--batch", options.batch, "batch size (a real tensor dimension)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 12))
      ->capture_default_str();
  cmd->add_option("--backend", options.backend, "cpu or cuda")
      ->check(CLI::IsMember({"cpu", "cuda"}))
      ->capture_default_str();
  cmd->add_option("--nonlinear", options.nonlinear, "protocol family: sigma or suf")
      ->check(CLI::IsMember({"sigma", "suf"}))
      ->capture_default_str();
  cmd->add_option("--seed", options.seed, "seed of masks, weights and tokens (default: random)");
  cmd->add_option("--channel", options.channel, "tcp (loopback) or memory")
      ->check(CLI::IsMember({"tcp", "memory"}))
      ->capture_default_str();
  cmd->add_option("--timeout-ms", options.timeout_ms, "network timeout")->capture_default_str();
  cmd->add_option("--json", options.json_path, "write the metrics as JSON to this file");
  cmd->add_flag("--quiet", options.quiet, "no progress line");
  cmd->add_flag("--processes", options.processes,
                "run keygen, party 0, party 1 and the client as separate processes (TCP)");
}

int run_inference(const RunOptions& options) {
  check_supported(options);
  const RunConfiguration run_config{options.model, options.batch, options.seq_len,
                                    options.nonlinear};
  const ModelConfig& config = model_config(options.model);
  const uint64_t seed = options.seed.value_or(std::random_device{}() * 0x100000001ULL);
  const auto t0 = std::chrono::steady_clock::now();
  const ClientPlaintext plain = client_plaintext(run_config, seed, options.weights_path);
  const FloatModelWeights& float_weights = plain.float_weights;
  const TokenBatch& tokens = plain.tokens;
  const std::vector<Tensor>& inputs = plain.inputs;
  const double setup_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  ProgressLine progress(!options.quiet);
  const Program program = [&](Engine& engine) {
    const char* role = engine.kind() == Engine::Kind::kClear    ? "clear reference"
                       : engine.kind() == Engine::Kind::kDealer ? "keygen"
                                                                : "online";
    const bool report = engine.kind() != Engine::Kind::kParty ||
                        static_cast<PartyEngine&>(engine).party() == 0;
    return std::vector<Masked>{transformer_forward(
        engine, config, options.batch, options.seq_len, [&](int layer, int layers) {
          if (report) progress.show(fmt::format("{}: layer {}/{}", role, layer, layers));
        })};
  };
  LocalRunOptions run_options;
  run_options.seed = Block{seed, 0x72756e};
  run_options.tcp = options.channel == "tcp";
  run_options.timeout = std::chrono::milliseconds(options.timeout_ms);
  run_options.config = run_config.text();
  const LocalRunResult run = options.processes ? run_in_processes(options, seed, program, inputs)
                                               : run_locally(program, inputs, run_options);
  progress.done();

  // Checks: bit-exact against the clear engine; approximation against float64.
  const Tensor& clear = run.clear.at(0);
  uint64_t differing = 0;
  for (size_t i = 0; i < clear.size(); ++i) differing += run.reconstructed[0][i] != clear[i];
  std::vector<double> secure(clear.size());
  for (size_t i = 0; i < secure.size(); ++i)
    secure[i] = config.fixed_point.decode(run.reconstructed[0][i]);
  const FloatTensor embedded = embed_tokens_float(config, float_weights, tokens);
  const ApproximationError error = compare_outputs(
      secure, float_transformer_forward(
                  config, float_weights,
                  std::vector<double>(embedded.values.begin(), embedded.values.end()),
                  options.batch, options.seq_len));

  const double per = 1.0 / static_cast<double>(options.batch);
  fmt::print("fssformer run: {} ({}), batch {}, sequence {}, {} ring n={} f={}, backend {}, "
             "channel {}, seed {}\n",
             config.name, model_family_name(config.family), options.batch, options.seq_len,
             options.nonlinear, config.fixed_point.n, config.fixed_point.f, options.backend,
             options.processes ? "tcp, separate processes" : options.channel, seed);
  fmt::print("CPU threads: {}; weights {}: {:.1f} s to prepare\n\n", omp_get_max_threads(),
             options.weights_path.empty() ? "random" : options.weights_path, setup_seconds);
  fmt::print("{:<22} {:>14} {:>14}\n", "per inference", "P0", "P1");
  fmt::print("{:<22} {:>14.1f} {:>14.1f}\n", "online ms", 1e3 * per * run.party_online_seconds[0],
             1e3 * per * run.party_online_seconds[1]);
  fmt::print("{:<22} {:>14.4f} {:>14.4f}\n", "sent GB (1e9 B)", gb(run.party_channel[0].bytes_sent) * per,
             gb(run.party_channel[1].bytes_sent) * per);
  fmt::print("{:<22} {:>14} {:>14}\n", "rounds", run.party_channel[0].rounds,
             run.party_channel[1].rounds);
  fmt::print("{:<22} {:>14.4f} {:>14.4f}\n", "key GB (1e9 B)", gb(run.key_stream_bytes[0]) * per,
             gb(run.key_stream_bytes[1]) * per);
  fmt::print("{:<22} {:>14.2f}\n\n", "keygen s (dealer)", run.dealer_seconds * per);
  const nlohmann::json json_phases =
      print_phase_table(run.party_phase_costs[0], run.party_phase_seconds[0],
                        run.party_phase_wait_seconds[0], "P0, whole batch");
  const bool exact = differing == 0;
  fmt::print("\ncheck vs clear engine: {}\n",
             exact ? "bit-exact" : fmt::format("{} of {} outputs DIFFER", differing, clear.size()));
  fmt::print("check vs float64: max abs error {:.4g}, mean abs error {:.4g}, cosine {:.6f}\n",
             error.max_abs, error.mean_abs, error.cosine);

  if (!options.json_path.empty()) {
    nlohmann::json parties = nlohmann::json::array();
    for (int p = 0; p < 2; ++p)
      parties.push_back({{"online_ms", 1e3 * per * run.party_online_seconds[p]},
                         {"bytes_sent", run.party_channel[p].bytes_sent * per},
                         {"bytes_received", run.party_channel[p].bytes_received * per},
                         {"rounds", run.party_channel[p].rounds},
                         {"key_bytes", run.key_stream_bytes[p] * per}});
    const nlohmann::json json = {
        {"command", "run"},
        {"model", config.name},
        {"batch", options.batch},
        {"seq_len", options.seq_len},
        {"nonlinear", options.nonlinear},
        {"backend", options.backend},
        {"channel", options.channel},
        {"seed", seed},
        {"ring", {{"n", config.fixed_point.n}, {"f", config.fixed_point.f}}},
        {"per_inference", {{"parties", parties}, {"keygen_s", run.dealer_seconds * per}}},
        {"phases_p0_whole_batch", json_phases},
        {"check", {{"bit_exact", exact}, {"differing_outputs", differing},
                   {"float_max_abs_error", error.max_abs},
                   {"float_mean_abs_error", error.mean_abs}, {"float_cosine", error.cosine}}}};
    const std::string tmp = options.json_path + ".tmp";
    {
      std::ofstream out(tmp);
      out << json.dump(2) << "\n";
      if (!out) fail(ErrorKind::kIo, "cannot write {}", tmp);
    }
    if (std::rename(tmp.c_str(), options.json_path.c_str()) != 0)
      fail(ErrorKind::kIo, "cannot rename {} to {}", tmp, options.json_path);
  }
  return exact ? 0 : 1;
}

}  // namespace fss::cli
