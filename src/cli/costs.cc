#include "cli/costs.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <vector>

#include "cli/cost_walk.h"
#include "cli/model_options.h"
#include "core/error.h"
#include "nn/model_config.h"
#include "nn/transformer.h"

namespace fss::cli {
namespace {

struct Comparison {
  std::string name;
  Cost sigma;
  Cost suf;
};

// The costs of `body` on a fresh walk, scaled by `times` (the calls per inference).
Cost walk(GateProfiles& profiles, uint64_t times, const std::function<void(Engine&)>& body) {
  CostWalkEngine engine(profiles);
  body(engine);
  const Cost once = engine.costs().total();
  return {.calls = once.calls * times,
          .elements = once.elements * times,
          .key_bytes = once.key_bytes * times,
          .bytes_sent = once.bytes_sent * times,
          .rounds = once.rounds * times,
          .prg_calls = once.prg_calls * times};
}

// Each replaceable gate alone on one layer's shapes (one norm's for rsqrt), times its calls per
// inference; the caller's open of the result is not included.
std::vector<Comparison> gate_rows(const ModelConfig& config, int64_t batch, int64_t seq,
                                  const NonlinearChoice& suf, GateProfiles& profiles) {
  const NonlinearChoice sigma;
  const FixedPoint format = config.fixed_point;
  const bool causal = config.attention_mask == AttentionMask::kCausal;
  const int64_t rows = batch * config.num_heads * seq;
  const int64_t exponentials =
      batch * config.num_heads * (causal ? seq * (seq + 1) / 2 : seq * seq);
  const uint64_t layers = static_cast<uint64_t>(config.num_layers);
  const uint64_t norms = 2 * layers + 1;  // two per layer, and the embedding or the final norm
  const bool gated = config.activation == Activation::kSiluGated;
  const int64_t activations = batch * seq * config.intermediate_size;

  auto compare = [&](std::string name, uint64_t times,
                     const std::function<void(Engine&, const NonlinearChoice&)>& body) {
    return Comparison{std::move(name), walk(profiles, times, [&](Engine& e) { body(e, sigma); }),
                      walk(profiles, times, [&](Engine& e) { body(e, suf); })};
  };
  std::vector<Comparison> rows_out;
  rows_out.push_back(compare(fmt::format("softmax exponentials (nExp), {} per layer", exponentials),
                             layers, [&](Engine& e, const NonlinearChoice& c) {
                               softmax_steps(c).exponential(e,
                                                            e.input(Shape{exponentials}, format));
                             }));
  rows_out.push_back(compare(fmt::format("softmax reciprocals, {} rows of {} per layer", rows, seq),
                             layers, [&](Engine& e, const NonlinearChoice& c) {
                               softmax_steps(c).reciprocal(e, e.input(Shape{rows}, format), seq);
                             }));
  rows_out.push_back(compare(
      fmt::format("norm rsqrt, {} rows of {} per norm, {} norms", batch * seq, config.hidden_size,
                  norms),
      norms, [&](Engine& e, const NonlinearChoice& c) {
        const sigma::RecSqrtParams params{.output_frac_bits = format.f,
                                          .divisor = static_cast<double>(config.hidden_size)};
        norm_options(config.norm_epsilon, c)
            .reciprocal_sqrt(e, e.input(Shape{batch * seq}, {format.n, 2 * format.f}), params);
      }));
  rows_out.push_back(compare(fmt::format("{}, {} per layer", gated ? "SiLU" : "GeLU", activations),
                             layers, [&](Engine& e, const NonlinearChoice& c) {
                               const Masked x = e.input(Shape{activations}, format);
                               gated ? silu(e, x, c) : gelu(e, x, c);
                             }));
  return rows_out;
}

// The whole forward pass per family, by layer kind (Engine phase).
std::vector<Comparison> model_rows(const ModelConfig& config, int64_t batch, int64_t seq,
                                   const NonlinearChoice& suf, GateProfiles& profiles) {
  auto phases = [&](const NonlinearChoice& choice) {
    CostWalkEngine engine(profiles);
    transformer_forward(engine, config, batch, seq, choice);
    return engine.phase_costs().entries();
  };
  const auto sigma_phases = phases(NonlinearChoice{});
  const auto suf_phases = phases(suf);
  std::vector<Comparison> rows;
  Comparison total{"total", {}, {}};
  for (const char* phase :
       {"softmax", "layernorm", "activation", "matmul", "truncation", "residual", "other"}) {
    auto cost_of = [&](const std::map<std::string, Cost>& entries) {
      return entries.contains(phase) ? entries.at(phase) : Cost{};
    };
    Comparison row{phase, cost_of(sigma_phases), cost_of(suf_phases)};
    total.sigma += row.sigma;
    total.suf += row.suf;
    if (row.sigma.calls + row.suf.calls > 0) rows.push_back(std::move(row));
  }
  rows.push_back(std::move(total));
  return rows;
}

std::string megabytes(uint64_t bytes) { return fmt::format("{:.3f}", bytes / 1e6); }
std::string millions(uint64_t count) { return fmt::format("{:.2f}", count / 1e6); }
std::string ratio(uint64_t suf, uint64_t sigma) {
  return sigma == 0 ? std::string("—") : fmt::format("{:.3f}", static_cast<double>(suf) / sigma);
}

std::string table(const std::string& first_column, const std::vector<Comparison>& rows) {
  std::string out = fmt::format(
      "| {} | key MB SIGMA | key MB SUF | SUF/SIGMA | sent MB SIGMA | sent MB SUF | SUF/SIGMA | "
      "rounds SIGMA | rounds SUF | PRG M SIGMA | PRG M SUF |\n"
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
      first_column);
  for (const Comparison& r : rows)
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", r.name,
                       megabytes(r.sigma.key_bytes), megabytes(r.suf.key_bytes),
                       ratio(r.suf.key_bytes, r.sigma.key_bytes), megabytes(r.sigma.bytes_sent),
                       megabytes(r.suf.bytes_sent), ratio(r.suf.bytes_sent, r.sigma.bytes_sent),
                       r.sigma.rounds, r.suf.rounds, millions(r.sigma.prg_calls),
                       millions(r.suf.prg_calls));
  return out;
}

// The walk holds every weight as a tensor of 8-byte ring values (transformer.h's inputs): refuse
// models whose weights alone would take more than half of this machine's memory.
void check_walk_fits_in_memory(const ModelConfig& config) {
  uint64_t elements = 0;
  for (const WeightInput& w : secret_weight_inputs(config)) elements += w.shape.size();
  const double needed = 8.0 * static_cast<double>(elements);
  const double memory =
      static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGESIZE));
  if (needed > memory / 2)
    fail(ErrorKind::kInvalidArgument,
         "costs: the walk of {} holds its weights as {:.1f} GB of ring values, more than half of "
         "this machine's {:.1f} GB",
         config.name, needed / 1e9, memory / 1e9);
}

void write_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << text;
    if (!out) fail(ErrorKind::kIo, "cannot write {}", tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    fail(ErrorKind::kIo, "cannot rename {} to {}", tmp, path);
}

}  // namespace

void add_costs_command(CLI::App& app, CostsOptions& options) {
  CLI::App* cmd = app.add_subcommand(
      "costs",
      "SIGMA against SUF per party and inference: key bytes, bytes sent, rounds and evaluation\n"
      "PRG calls of each replaceable gate and of the whole model by layer kind, from cost walks\n"
      "(exact key bytes and opens; gates measured on 256 elements and scaled; no keys made).");
  add_model_options(*cmd, options.model, options.seq_len, options.batch);
  add_nonlinear_options(*cmd, options.suf_parameters, /*with_families=*/false);
  cmd->add_option("--markdown", options.markdown_path,
                  "also write the tables as markdown to this file (docs/costs.md's section)");
}

int run_costs(const CostsOptions& options, const EnvironmentLookup& environment) {
  NonlinearChoice suf = resolve_nonlinear(options.suf_parameters, environment);
  suf.softmax = suf.layernorm = suf.activation = NonlinearFamily::kSuf;
  const ModelConfig& config = model_config(options.model);
  config.validate();
  if (options.seq_len > config.max_positions)
    fail(ErrorKind::kInvalidArgument, "{}: sequence length {} exceeds the model's {} positions",
         config.name, options.seq_len, config.max_positions);
  check_walk_fits_in_memory(config);
  const auto start = std::chrono::steady_clock::now();
  GateProfiles profiles;
  const std::vector<Comparison> gates =
      gate_rows(config, options.batch, options.seq_len, suf, profiles);
  const std::vector<Comparison> model =
      model_rows(config, options.batch, options.seq_len, suf, profiles);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const Comparison& total = model.back();
  const std::string text = fmt::format(
      "Model {} (n = {}, f = {}), sequence {}, batch {}; SUF: {}. Per party and inference; "
      "MB = 1e6 bytes, PRG M = millions of fixed-key AES blocks one party evaluates online.\n\n"
      "### Replaceable gates\n\n{}\n"
      "### Whole model by layer kind\n\n{}\n"
      "Whole model, SUF / SIGMA: key bytes {}, bytes sent {}, rounds {} / {}.\n",
      config.name, config.fixed_point.n, config.fixed_point.f, options.seq_len, options.batch,
      suf.describe(), table("gate (calls per inference)", gates), table("layer kind", model),
      ratio(total.suf.key_bytes, total.sigma.key_bytes),
      ratio(total.suf.bytes_sent, total.sigma.bytes_sent), total.suf.rounds, total.sigma.rounds);
  fmt::print("fssformer costs: cost walks of {} ({:.1f} s, {} gates measured)\n\n{}", config.name,
             seconds, profiles.size(), text);
  if (!options.markdown_path.empty()) write_atomically(options.markdown_path, text);
  return 0;
}

}  // namespace fss::cli
