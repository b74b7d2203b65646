#include "cli/run.h"

#include <fmt/format.h>
#include <omp.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "cli/backend_options.h"
#include "cli/build_revision.h"
#include "cli/certs.h"
#include "cli/deployment.h"
#include "cli/key_plan.h"
#include "cli/model_options.h"
#include "cli/preflight.h"
#include "cli/processes.h"
#include "cli/progress_line.h"
#include "cli/report.h"
#include "cli/temporary_directory.h"
#include "core/error.h"
#include "crypto/backend.h"
#include "cuda/devices.h"
#include "mpc/local_run.h"
#include "mpc/party_engine.h"
#include "nn/embedding.h"
#include "nn/float_forward.h"
#include "nn/safetensors.h"
#include "nn/transformer.h"

namespace fss::cli {
namespace {

constexpr const char* kPhases[] = {"matmul",     "truncation", "softmax", "layernorm",
                                   "activation", "residual",   "other"};

double gb(uint64_t bytes) { return static_cast<double>(bytes) / 1e9; }

}  // namespace

std::string tls_setting(const RunOptions& options) {
  return options.tls.value_or(options.processes ? "on" : "none");
}

void check_supported(const RunOptions& options) {
  resolve_nonlinear(options.nonlinear).validate();
  if (options.processes && options.channel != "tcp")
    fail(ErrorKind::kInvalidArgument, "--processes needs --channel tcp (parties are processes)");
  if (tls_setting(options) != "none" && options.channel != "tcp")
    fail(ErrorKind::kInvalidArgument, "--tls {}: TLS needs --channel tcp", tls_setting(options));
  if (options.keys == "per-layer" && options.processes)
    fail(ErrorKind::kInvalidArgument,
         "--keys per-layer needs the in-process run: with --processes keygen writes whole key "
         "files");
  if (options.backend == "cuda") {
    const gpu::DeviceList gpus = gpu::list_devices();
    if (gpus.devices.empty())
      fail(ErrorKind::kInvalidArgument, "--backend cuda: no usable GPU ({})", gpus.reason);
  }
}

void add_run_command(CLI::App& app, RunOptions& options) {
  CLI::App* cmd = app.add_subcommand(
      "run",
      "One secure inference with the dealer and both parties on this machine: prints online time,\n"
      "bytes, rounds, keygen time and key size per party with a per-layer-kind breakdown, and\n"
      "checks the output against the clear engine (bit for bit) and a float64 reference.");
  add_model_options(*cmd, options.model, options.seq_len, options.batch);
  cmd->add_option("--weights", options.weights_path,
                  "Hugging Face safetensors file (default: seeded random weights, real shapes)");
  add_backend_options(*cmd, options.backend, options.device);
  add_key_memory_option(*cmd, options.key_memory);
  add_nonlinear_options(*cmd, options.nonlinear, /*with_families=*/true);
  cmd->add_option("--seed", options.seed, "seed of masks, weights and tokens (default: random)");
  cmd->add_option("--channel", options.channel, "tcp (loopback) or memory")
      ->check(CLI::IsMember({"tcp", "memory"}))
      ->capture_default_str();
  cmd->add_option("--tls", options.tls,
                  "the parties' link: none (plain TCP), on (TLS 1.3, test credentials made for "
                  "the run) or no-encryption (TLS handshake, then plain TCP); default on with "
                  "--processes, else none")
      ->check(CLI::IsMember({"none", "on", "no-encryption"}));
  cmd->add_option("--timeout-ms", options.timeout_ms, "network timeout")->capture_default_str();
  cmd->add_option("--json", options.json_path, "write the metrics as JSON to this file");
  cmd->add_flag("--quiet", options.quiet, "no progress line");
  cmd->add_flag("--processes", options.processes,
                "run keygen, party 0, party 1 and the client as separate processes (TCP)");
  cmd->add_option("--keys", options.keys,
                  "whole: the dealer deals every key before the parties start; per-layer: one "
                  "layer's keys at a time, dealer and parties alternating (peak key memory: one "
                  "layer's)")
      ->check(CLI::IsMember({"whole", "per-layer"}))
      ->capture_default_str();
}

PreparedModel prepare_model(const RunOptions& options, uint64_t seed) {
  const auto start = std::chrono::steady_clock::now();
  PreparedModel model;
  model.config = &model_config(options.model);
  model.float_weights =
      options.weights_path.empty()
          ? random_float_weights(*model.config, seed)
          : load_float_weights(SafetensorsFile::open(options.weights_path), *model.config);
  model.weights = to_fixed_point(model.float_weights, model.config->fixed_point);
  model.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return model;
}

TokenBatch random_tokens(const ModelConfig& config, int64_t batch, int64_t length, uint64_t seed) {
  TokenBatch tokens{batch, length, {}, {}, {}};
  std::mt19937_64 rng(seed);
  for (int64_t i = 0; i < batch * length; ++i)
    tokens.token_ids.push_back(static_cast<int64_t>(rng() % config.vocab_size));
  return tokens;
}

namespace {

// Refuses an in-process run that cannot fit, before keygen: host memory for both parties' keys
// as they are held (every key, or one layer's with per-layer keys) and three roles'
// activations; with --backend cuda, GPU memory for two parties' largest gate and activations.
// What check_local_memory decides for a run in this process.
struct LocalPlan {
  bool resident_keys = false;   // the parties' keys go resident in GPU memory (--key-memory)
  uint64_t key_file_bytes = 0;  // each party's whole key stream
};

// Checks host (and GPU) memory for a run in this process.
LocalPlan check_local_memory(const RunOptions& options, const ModelConfig& config,
                             const TokenBatch& tokens) {
  const NonlinearChoice nonlinear = resolve_nonlinear(options.nonlinear);
  const KeyPlan plan = plan_keys([&](Engine& engine) {
    return std::vector<Masked>{
        transformer_forward(engine, config, tokens.batch, tokens.length, nonlinear)};
  });
  const uint64_t activations = activation_bytes_estimate(config, tokens.batch, tokens.length);
  const bool per_layer = options.keys == "per-layer";
  const uint64_t keys_held = per_layer ? plan.largest_segment_bytes : plan.key_file_bytes;
  require_memory("run", 2 * keys_held + 3 * activations,
                 fmt::format("two parties' keys, {} {:.3f} GB each, + activation estimate "
                             "{:.3f} GB for each of dealer and parties",
                             per_layer ? "largest layer" : "whole inference", keys_held / 1e9,
                             activations / 1e9));
  if (options.backend != "cuda") return {false, plan.key_file_bytes};
  // Both parties and the dealer share the GPU here; the parties' gates run at the same time.
  const bool resident = choose_resident_keys(
      options.key_memory, "run", options.device,
      2 * gpu_bytes_estimate(plan.largest_record_bytes, activations), 2 * keys_held,
      gpu::free_memory_bytes(options.device),
      fmt::format("two parties: largest gate keys {:.3f} GB each + activation estimate {:.3f} "
                  "GB each",
                  plan.largest_record_bytes / 1e9, activations / 1e9));
  return {resident, plan.key_file_bytes};
}

}  // namespace

SecureInference run_secure_inference(const RunOptions& options, const PreparedModel& model,
                                     const TokenBatch& tokens, Block mask_seed,
                                     const LayerProgress& on_layer) {
  const ModelConfig& config = *model.config;
  const NonlinearChoice nonlinear = resolve_nonlinear(options.nonlinear);
  std::unique_ptr<Backend> gpu_backend;
  Backend& backend = select_backend(options.backend, options.device, gpu_backend);
  std::vector<Tensor> inputs = {embed_tokens(config, model.weights, tokens)};
  for (Tensor& w : secret_weight_values(config, model.weights)) inputs.push_back(std::move(w));
  const Program program = [&](Engine& engine) {
    const char* role = engine.kind() == Engine::Kind::kClear    ? "clear reference"
                       : engine.kind() == Engine::Kind::kDealer ? "keygen"
                                                                : "online";
    const bool report = on_layer && (engine.kind() != Engine::Kind::kParty ||
                                     static_cast<PartyEngine&>(engine).party() == 0);
    return std::vector<Masked>{transformer_forward(engine, config, tokens.batch, tokens.length,
                                                   nonlinear, [&](int layer, int layers) {
                                                     if (report) on_layer(role, layer, layers);
                                                   })};
  };
  const LocalPlan plan =
      options.processes ? LocalPlan{} : check_local_memory(options, config, tokens);
  LocalRunOptions run_options;
  run_options.seed = mask_seed;
  run_options.tcp = options.channel == "tcp";
  run_options.timeout = std::chrono::milliseconds(options.timeout_ms);
  run_options.backend = &backend;
  run_options.resident_keys = plan.resident_keys;
  run_options.key_stream_bytes = plan.key_file_bytes;
  run_options.keys_per_layer = options.keys == "per-layer";
  run_options.config = RunConfiguration{config.name, tokens.batch, tokens.length, nonlinear}.text();
  const std::string tls = tls_setting(options);
  std::optional<TemporaryDirectory> credentials_dir;
  if (!options.processes && tls != "none") {
    credentials_dir.emplace();
    const TestPkiFiles pki = write_test_pki(credentials_dir->path() / "tls", /*days=*/1);
    run_options.tls = std::array<TlsOptions, 2>{test_pki_party_options(pki, 0, tls == "on"),
                                                test_pki_party_options(pki, 1, tls == "on")};
  }
  SecureInference inference{tokens.batch,
                            options.processes
                                ? run_in_processes(options, mask_seed.lo, program, inputs)
                                : run_locally(program, inputs, run_options),
                            0};
  const Tensor& clear = inference.run.clear.at(0);
  for (size_t i = 0; i < clear.size(); ++i)
    inference.differing_outputs += inference.output()[i] != clear[i];
  return inference;
}

ApproximationError float_error(const PreparedModel& model, const TokenBatch& tokens,
                               std::span<const uint64_t> output) {
  const ModelConfig& config = *model.config;
  std::vector<double> secure(output.size());
  for (size_t i = 0; i < secure.size(); ++i) secure[i] = config.fixed_point.decode(output[i]);
  const FloatTensor embedded = embed_tokens_float(config, model.float_weights, tokens);
  return compare_outputs(
      secure,
      float_transformer_forward(config, model.float_weights,
                                std::vector<double>(embedded.values.begin(), embedded.values.end()),
                                tokens.batch, tokens.length));
}

nlohmann::json inference_json(const RunOptions& options, uint64_t seed,
                              const SecureInference& inference,
                              const std::optional<ApproximationError>& float_check) {
  const LocalRunResult& run = inference.run;
  const double per = 1.0 / static_cast<double>(inference.batch);
  nlohmann::json parties = nlohmann::json::array();
  for (int p = 0; p < 2; ++p)
    parties.push_back(
        {{"online_ms", 1e3 * per * run.party_online_seconds[p]},
         {"bytes_sent", run.party_channel[p].bytes_sent * per},
         {"bytes_received", run.party_channel[p].bytes_received * per},
         {"rounds", run.party_channel[p].rounds},
         {"key_bytes", run.key_stream_bytes[p] * per},
         {"key_load_ms", 1e3 * per * run.party_key_load_seconds[p]},
         {"key_bytes_held_whole_batch", run.key_bytes_held[p]},
         {"online_process_whole_batch", process_counters_json(run.party_online_counters[p])}});
  nlohmann::json phases = nlohmann::json::object();
  for (const char* phase : kPhases) {
    const auto& costs = run.party_phase_costs[0].entries();
    const Cost cost = costs.contains(phase) ? costs.at(phase) : Cost{};
    const auto& seconds = run.party_phase_seconds[0];
    const auto& wait = run.party_phase_wait_seconds[0];
    phases[phase] = {{"ms", seconds.contains(phase) ? 1e3 * seconds.at(phase) : 0.0},
                     {"wait_ms", wait.contains(phase) ? 1e3 * wait.at(phase) : 0.0},
                     {"bytes_sent", cost.bytes_sent},
                     {"rounds", cost.rounds},
                     {"key_bytes", cost.key_bytes},
                     {"prg_calls", cost.prg_calls}};
  }
  // Where P0's time goes, gate by gate and open by open (under their labels): of each one's
  // time, the exchanges with the peer and the backend's bulk operations.
  nlohmann::json gates = nlohmann::json::object();
  for (const auto& [label, cost] : run.party_costs[0].entries())
    if (cost.seconds > 0)
      gates[label] = {{"ms", 1e3 * cost.seconds},
                      {"wait_ms", 1e3 * cost.wait_seconds},
                      {"backend_ms", 1e3 * cost.backend_seconds},
                      {"calls", cost.calls},
                      {"elements", cost.elements},
                      {"key_bytes", cost.key_bytes},
                      {"bytes_sent", cost.bytes_sent}};
  nlohmann::json check = {{"bit_exact", inference.differing_outputs == 0},
                          {"differing_outputs", inference.differing_outputs}};
  if (float_check) {
    check["float_max_abs_error"] = float_check->max_abs;
    check["float_mean_abs_error"] = float_check->mean_abs;
    check["float_cosine"] = float_check->cosine;
  }
  const ModelConfig& config = model_config(options.model);
  const NonlinearChoice nonlinear = resolve_nonlinear(options.nonlinear);
  return {{"model", config.name},
          {"build_revision", build_revision()},
          {"batch", inference.batch},
          {"seq_len", options.seq_len},
          {"nonlinear", nonlinear.summary()},
          {"nonlinear_modules",
           {{"softmax", nonlinear_family_name(nonlinear.softmax)},
            {"layernorm", nonlinear_family_name(nonlinear.layernorm)},
            {"activation", nonlinear_family_name(nonlinear.activation)},
            {"nexp_bits", nonlinear.nexp_bits},
            {"inv_bits", nonlinear.inv_bits},
            {"rsqrt_bits", nonlinear.rsqrt_bits},
            {"gelu_intervals", nonlinear.gelu_intervals},
            {"silu_intervals", nonlinear.silu_intervals}}},
          {"nonlinear_config", nonlinear.describe()},
          {"backend", options.backend},
          {"key_memory", run.keys_resident ? "resident" : "host"},
          {"channel", options.channel},
          {"tls", tls_setting(options)},
          {"keys", options.keys},
          {"seed", seed},
          {"ring", {{"n", config.fixed_point.n}, {"f", config.fixed_point.f}}},
          {"per_inference", {{"parties", parties}, {"keygen_s", run.dealer_seconds * per}}},
          {"phases_p0_whole_batch", phases},
          {"gates_p0_whole_batch", gates},
          {"check", check}};
}

void write_json_file(const std::string& path, const nlohmann::json& json) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << json.dump(2) << "\n";
    if (!out) fail(ErrorKind::kIo, "cannot write {}", tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    fail(ErrorKind::kIo, "cannot rename {} to {}", tmp, path);
}

int run_inference(const RunOptions& options) {
  check_supported(options);
  const uint64_t seed = options.seed.value_or(std::random_device{}() * 0x100000001ULL);
  const PreparedModel model = prepare_model(options, seed);
  const ModelConfig& config = *model.config;
  const TokenBatch tokens = random_tokens(config, options.batch, options.seq_len, seed);

  ProgressLine progress(!options.quiet);
  const SecureInference inference = run_secure_inference(
      options, model, tokens, Block{seed, 0x72756e}, [&](const char* role, int layer, int layers) {
        progress.show(fmt::format("{}: layer {}/{}", role, layer, layers));
      });
  progress.done();
  const LocalRunResult& run = inference.run;
  const ApproximationError error = float_error(model, tokens, inference.output().data());

  const double per = 1.0 / static_cast<double>(options.batch);
  fmt::print(
      "fssformer run: {} ({}), batch {}, sequence {}, ring n={} f={}, backend {}, "
      "channel {}, keys {}, seed {}\nnonlinear: {}\n",
      config.name, model_family_name(config.family), options.batch, options.seq_len,
      config.fixed_point.n, config.fixed_point.f,
      options.backend + (run.keys_resident ? " (keys resident)" : ""),
      fmt::format("{}{}, TLS {}", options.channel, options.processes ? ", separate processes" : "",
                  tls_setting(options)),
      options.keys == "per-layer" ? "dealt per layer" : "dealt whole", seed,
      resolve_nonlinear(options.nonlinear).describe());
  fmt::print("CPU threads: {}; weights {}: {:.1f} s to prepare\n\n", omp_get_max_threads(),
             options.weights_path.empty() ? "random" : options.weights_path, model.seconds);
  fmt::print("{:<22} {:>14} {:>14}\n", "per inference", "P0", "P1");
  fmt::print("{:<22} {:>14.1f} {:>14.1f}\n", "online ms", 1e3 * per * run.party_online_seconds[0],
             1e3 * per * run.party_online_seconds[1]);
  fmt::print("{:<22} {:>14.4f} {:>14.4f}\n", "sent GB (1e9 B)",
             gb(run.party_channel[0].bytes_sent) * per, gb(run.party_channel[1].bytes_sent) * per);
  fmt::print("{:<22} {:>14} {:>14}\n", "rounds", run.party_channel[0].rounds,
             run.party_channel[1].rounds);
  fmt::print("{:<22} {:>14.4f} {:>14.4f}\n", "key GB (1e9 B)", gb(run.key_stream_bytes[0]) * per,
             gb(run.key_stream_bytes[1]) * per);
  if (run.keys_resident)
    fmt::print("{:<22} {:>14.1f} {:>14.1f}\n", "key load ms (GPU)",
               1e3 * per * run.party_key_load_seconds[0],
               1e3 * per * run.party_key_load_seconds[1]);
  fmt::print("{:<22} {:>14.2f}\n", "keygen s (dealer)", run.dealer_seconds * per);
  fmt::print("{:<22} {:>14.4f} {:>14.4f}   (whole batch, most held at once)\n\n", "key GB held",
             gb(run.key_bytes_held[0]), gb(run.key_bytes_held[1]));
  fmt::print("{:<12} {:>10} {:>10} {:>12} {:>8}   (P0, whole batch)\n", "layer kind", "time ms",
             "wait ms", "sent MB", "rounds");
  nlohmann::json json = inference_json(options, seed, inference, error);
  for (const char* phase : kPhases) {
    const nlohmann::json& row = json["phases_p0_whole_batch"][phase];
    fmt::print("{:<12} {:>10.1f} {:>10.1f} {:>12.3f} {:>8}\n", phase, row["ms"].get<double>(),
               row["wait_ms"].get<double>(), row["bytes_sent"].get<uint64_t>() / 1e6,
               row["rounds"].get<uint64_t>());
  }
  const bool exact = inference.differing_outputs == 0;
  fmt::print("\ncheck vs clear engine: {}\n",
             exact ? "bit-exact"
                   : fmt::format("{} of {} outputs DIFFER", inference.differing_outputs,
                                 inference.output().size()));
  fmt::print("check vs float64: max abs error {:.4g}, mean abs error {:.4g}, cosine {:.6f}\n",
             error.max_abs, error.mean_abs, error.cosine);

  if (!options.json_path.empty()) {
    json["command"] = "run";
    write_json_file(options.json_path, json);
  }
  return exact ? 0 : 1;
}

}  // namespace fss::cli
