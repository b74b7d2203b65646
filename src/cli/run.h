#pragma once
// `fssformer run`: the dealer and both parties on this machine (threads, parties over TCP on
// loopback or an in-process channel; or, with --processes, the separate role programs as child
// processes, cli/processes.h), one secure inference of a model on random or given
// tokens; prints a metrics table, optionally writes JSON (docs/metrics.md), and checks the
// reconstructed output against the clear engine (bit for bit) and a float64 reference.
// The steps are also a library for `fssformer bench`, which repeats them over a sweep.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>

#include "cli/nonlinear_options.h"
#include "crypto/block.h"
#include "mpc/local_run.h"
#include "nn/embedding.h"
#include "nn/float_forward.h"
#include "nn/model_config.h"
#include "nn/weights.h"

namespace fss::cli {

struct RunOptions {
  std::string model = "bert-tiny";
  std::string weights_path;  // empty: seeded random weights with the real shapes
  int64_t seq_len = 128;
  int64_t batch = 1;
  std::string backend = "cpu";
  int device = 0;            // GPU index for backend "cuda"
  std::string key_memory = "auto";  // auto | device | host (cli/backend_options.h)
  NonlinearFlags nonlinear;  // resolved with the environment (nonlinear_options.h)
  std::optional<uint64_t> seed;
  std::string channel = "tcp";  // tcp | memory
  // The parties' TCP link: "none" (plain), "on" (TLS 1.3 with test credentials made for the
  // run) or "no-encryption" (the TLS handshake, then plain TCP); unset: "on" with --processes
  // (the role programs' default), else "none".
  std::optional<std::string> tls;
  int timeout_ms = 120'000;
  std::string json_path;
  bool quiet = false;      // no progress line
  bool processes = false;  // keygen, parties and client as child processes (cli/processes.h)
  // "whole": the dealer deals every key before the parties start; "per-layer": one layer's
  // keys at a time, the dealer and the parties alternating (LocalRunOptions::keys_per_layer).
  std::string keys = "whole";
};

void add_run_command(CLI::App& app, RunOptions& options);
// Returns the exit code: 0 when the secure output equals the clear engine's bit for bit.
int run_inference(const RunOptions& options);

// Throws kInvalidArgument, naming the option, for a backend or protocol family this build
// cannot run, TLS without TCP, or per-layer keys with --processes; `bench` reports such
// configurations as unavailable.
void check_supported(const RunOptions& options);

// options.tls, or its default for options.processes.
std::string tls_setting(const RunOptions& options);

// A model's weights in float64 (the reference) and fixed point (the secure run).
struct PreparedModel {
  const ModelConfig* config = nullptr;
  FloatModelWeights float_weights;
  ModelWeights weights;
  double seconds = 0;  // to generate or load, and convert
};
// options.weights_path when set (throws kIo/kParse on a bad file), else seeded random weights
// with the model's real shapes. Throws kInvalidArgument for an unknown model.
PreparedModel prepare_model(const RunOptions& options, uint64_t seed);

// batch x length token ids, uniform over the vocabulary, drawn from `seed`.
TokenBatch random_tokens(const ModelConfig& config, int64_t batch, int64_t length, uint64_t seed);

// One secure inference: keygen (fresh masks from mask_seed), then both parties online.
struct SecureInference {
  int64_t batch = 0;  // tokens.batch
  LocalRunResult run;
  uint64_t differing_outputs = 0;  // reconstructed output vs the clear engine's
  const Tensor& output() const { return run.reconstructed.at(0); }  // [batch, seq, hidden]
};
// Runs `tokens` (length options.seq_len) with options' model, family, backend and channel.
// on_layer(role, layer, layers) reports progress from the dealer and from P0. Throws what the
// engines throw (kNetwork on a stalled peer, kMismatch on a protocol bug).
using LayerProgress = std::function<void(const char* role, int layer, int layers)>;
SecureInference run_secure_inference(const RunOptions& options, const PreparedModel& model,
                                     const TokenBatch& tokens, Block mask_seed,
                                     const LayerProgress& on_layer = {});

// The decoded `output` ([tokens.batch, seq, hidden]) against the float64 forward pass.
ApproximationError float_error(const PreparedModel& model, const TokenBatch& tokens,
                               std::span<const uint64_t> output);

// The JSON of docs/metrics.md for one inference (float fields only when float_check is given).
nlohmann::json inference_json(const RunOptions& options, uint64_t seed,
                              const SecureInference& inference,
                              const std::optional<ApproximationError>& float_check);

// Writes `json` to path + ".tmp" and renames it, so the file is complete or absent.
void write_json_file(const std::string& path, const nlohmann::json& json);

}  // namespace fss::cli
