#include "cli/deployment.h"

#include <charconv>
#include <random>

#include "cli/nonlinear_options.h"
#include "core/error.h"
#include "mpc/clear_engine.h"
#include "nn/safetensors.h"

namespace fss::cli {
namespace {

TokenBatch random_tokens(const ModelConfig& config, int64_t batch, int64_t length, uint64_t seed) {
  TokenBatch tokens{batch, length, {}, {}, {}};
  std::mt19937_64 rng(seed);
  for (int64_t i = 0; i < batch * length; ++i)
    tokens.token_ids.push_back(static_cast<int64_t>(rng() % config.vocab_size));
  return tokens;
}

// The value of "key=value" in the space-separated `fields`; kParse if absent.
std::string_view field(std::string_view fields, std::string_view key, std::string_view text,
                       const std::string& source) {
  const std::string needle = " " + std::string(key) + "=";
  const size_t start = fields.find(needle);
  if (start == std::string_view::npos)
    fail(ErrorKind::kParse, "{}: run configuration '{}' lacks {}", source, text, key);
  const size_t value_start = start + needle.size();
  return fields.substr(value_start, fields.find(' ', value_start) - value_start);
}

int64_t positive_integer(std::string_view value, std::string_view key, std::string_view text,
                         const std::string& source) {
  int64_t number = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (error != std::errc{} || end != value.data() + value.size() || number < 1)
    fail(ErrorKind::kParse, "{}: run configuration '{}': {} is not a positive integer", source,
         text, key);
  return number;
}

}  // namespace

std::string RunConfiguration::text() const {
  return fmt::format("run model={} batch={} seq={} nonlinear={}", model, batch, seq_len,
                     nonlinear.describe());
}

RunConfiguration RunConfiguration::parse(std::string_view text, const std::string& source) {
  constexpr std::string_view kPrefix = "run";
  if (!text.starts_with(kPrefix))
    fail(ErrorKind::kParse, "{}: '{}' is not a run configuration", source, text);
  // The nonlinear choice holds spaces itself: it is the last field and runs to the end.
  constexpr std::string_view kNonlinear = " nonlinear=";
  const size_t nonlinear_at = text.find(kNonlinear);
  if (nonlinear_at == std::string_view::npos)
    fail(ErrorKind::kParse, "{}: run configuration '{}' lacks nonlinear", source, text);
  const std::string_view fields = text.substr(kPrefix.size(), nonlinear_at - kPrefix.size());
  RunConfiguration run;
  run.model = field(fields, "model", text, source);
  run.batch = positive_integer(field(fields, "batch", text, source), "batch", text, source);
  run.seq_len = positive_integer(field(fields, "seq", text, source), "seq", text, source);
  run.nonlinear =
      parse_nonlinear_description(text.substr(nonlinear_at + kNonlinear.size()), source);
  if (run.text() != text)
    fail(ErrorKind::kParse, "{}: run configuration '{}' is not in canonical form", source, text);
  return run;
}

const ModelConfig& RunConfiguration::validated_model() const {
  const ModelConfig& config = model_config(model);
  nonlinear.validate();
  if (batch < 1 || seq_len < 1 || seq_len > config.max_positions)
    fail(ErrorKind::kInvalidArgument,
         "model {} takes sequences of 1 to {} tokens and a batch of at least 1; got seq {}, "
         "batch {}",
         config.name, config.max_positions, seq_len, batch);
  return config;
}

Program transformer_program(const RunConfiguration& run, const ForwardProgress& progress) {
  const ModelConfig& config = run.validated_model();
  return [&config, run, progress](Engine& engine) {
    return std::vector<Masked>{
        transformer_forward(engine, config, run.batch, run.seq_len, run.nonlinear, progress)};
  };
}

ClientPlaintext client_plaintext(const RunConfiguration& run, uint64_t seed,
                                 const std::string& weights_path,
                                 const std::vector<int64_t>& token_ids) {
  const ModelConfig& config = model_config(run.model);
  ClientPlaintext plain;
  plain.float_weights = weights_path.empty()
                            ? random_float_weights(config, seed)
                            : load_float_weights(SafetensorsFile::open(weights_path), config);
  run.validated_model();  // after the weights, whose errors `run` has always reported first
  const ModelWeights weights = to_fixed_point(plain.float_weights, config.fixed_point);
  if (token_ids.empty()) {
    plain.tokens = random_tokens(config, run.batch, run.seq_len, seed);
  } else {
    if (token_ids.size() != static_cast<size_t>(run.batch * run.seq_len))
      fail(ErrorKind::kInvalidArgument, "{} token ids given; '{}' takes batch * seq = {}",
           token_ids.size(), run.text(), run.batch * run.seq_len);
    plain.tokens = TokenBatch{run.batch, run.seq_len, token_ids, {}, {}};
  }
  plain.inputs.push_back(embed_tokens(config, weights, plain.tokens));
  for (Tensor& w : secret_weight_values(config, weights)) plain.inputs.push_back(std::move(w));
  return plain;
}

std::vector<Tensor> clear_outputs(const Program& program, std::span<const Tensor> inputs) {
  ClearEngine clear;
  for (const Tensor& t : inputs) clear.provide_input(t);
  std::vector<Tensor> outputs;
  for (Masked& m : program(clear)) outputs.push_back(std::move(m.value));
  return outputs;
}

}  // namespace fss::cli
