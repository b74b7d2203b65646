#include "nn/model_config.h"

#include <fmt/ranges.h>

#include <array>

#include "core/error.h"

namespace fss {
namespace {

// SIGMA's scale, f = 12, everywhere (PROTOCOLS.md §0); n per model as in SIGMA's evaluation.
constexpr int kFractionalBits = 12;

ModelConfig bert(std::string name, int layers, int hidden, int heads, int n) {
  return {.name = std::move(name),
          .family = ModelFamily::kBert,
          .num_layers = layers,
          .hidden_size = hidden,
          .num_heads = heads,
          .intermediate_size = 4 * hidden,
          .vocab_size = 30522,
          .max_positions = 512,
          .type_vocab_size = 2,
          .activation = Activation::kGeluErf,
          .norm = NormKind::kLayerNorm,
          .norm_placement = NormPlacement::kPostNorm,
          .norm_epsilon = 1e-12,
          .position_encoding = PositionEncoding::kLearned,
          .rope_theta = 0,
          .attention_mask = AttentionMask::kBidirectional,
          .local_attention_window = 0,
          .scale_attention = true,
          .fixed_point = {n, kFractionalBits}};
}

ModelConfig gpt2(std::string name, int layers, int hidden, int heads, int n) {
  return {.name = std::move(name),
          .family = ModelFamily::kGpt2,
          .num_layers = layers,
          .hidden_size = hidden,
          .num_heads = heads,
          .intermediate_size = 4 * hidden,
          .vocab_size = 50257,
          .max_positions = 1024,
          .type_vocab_size = 0,
          .activation = Activation::kGeluTanh,
          .norm = NormKind::kLayerNorm,
          .norm_placement = NormPlacement::kPreNorm,
          .norm_epsilon = 1e-5,
          .position_encoding = PositionEncoding::kLearned,
          .rope_theta = 0,
          .attention_mask = AttentionMask::kCausal,
          .local_attention_window = 0,
          .scale_attention = true,
          .fixed_point = {n, kFractionalBits}};
}

ModelConfig gpt_neo(std::string name, int layers, int hidden, int heads, int window, int n) {
  ModelConfig config = gpt2(std::move(name), layers, hidden, heads, n);
  config.family = ModelFamily::kGptNeo;
  config.max_positions = 2048;
  config.local_attention_window = window;
  config.scale_attention = false;
  return config;
}

ModelConfig llama(std::string name, int layers, int hidden, int heads, int intermediate, int n) {
  return {.name = std::move(name),
          .family = ModelFamily::kLlama,
          .num_layers = layers,
          .hidden_size = hidden,
          .num_heads = heads,
          .intermediate_size = intermediate,
          .vocab_size = 32000,
          .max_positions = 4096,
          .type_vocab_size = 0,
          .activation = Activation::kSiluGated,
          .norm = NormKind::kRmsNorm,
          .norm_placement = NormPlacement::kPreNorm,
          .norm_epsilon = 1e-5,
          .position_encoding = PositionEncoding::kRotary,
          .rope_theta = 10000,
          .attention_mask = AttentionMask::kCausal,
          .local_attention_window = 0,
          .scale_attention = true,
          .fixed_point = {n, kFractionalBits}};
}

// Tiny configurations keep their family's ring and structure with small dimensions and tables,
// so that a test runs every code path of the family in milliseconds.
ModelConfig with_small_tables(ModelConfig config, int intermediate) {
  config.intermediate_size = intermediate;
  config.vocab_size = 64;
  config.max_positions = 32;
  return config;
}

// Published models as in their Hugging Face config.json: prajjwal1/bert-tiny,
// bert-base-uncased, bert-large-uncased, sentence-transformers/all-MiniLM-L6-v2, gpt2,
// EleutherAI/gpt-neo-1.3B (attention_types [[["global", "local"], 12]], window_size 256),
// meta-llama/Llama-2-{7b,13b}-hf.
std::vector<ModelConfig> make_registry() {
  std::vector<ModelConfig> configs = {
      bert("bert-tiny", 2, 128, 2, 37),
      bert("bert-base", 12, 768, 12, 50),
      bert("bert-large", 24, 1024, 16, 50),
      // sentence-transformers/all-MiniLM-L6-v2: a 6-layer BERT with hidden 384 (intermediate
      // 4 * hidden = 1536); real weights in tests/nn/minilm_test.cc. bert-base's ring.
      bert("all-minilm-l6-v2", 6, 384, 12, 50),
      gpt2("gpt2", 12, 768, 12, 50),
      gpt_neo("gpt-neo-1.3B", 24, 2048, 16, 256, 51),
      llama("llama2-7b", 32, 4096, 32, 11008, 48),
      llama("llama2-13b", 40, 5120, 40, 13824, 48),
  };
  configs.push_back(with_small_tables(bert("tiny-bert", 2, 32, 2, 37), 64));
  configs.push_back(with_small_tables(gpt2("tiny-gpt2", 2, 32, 2, 50), 128));
  // Window 4: the local layer differs from a global one from the fifth token on.
  configs.push_back(with_small_tables(gpt_neo("tiny-gpt-neo", 2, 32, 2, 4, 51), 128));
  configs.push_back(with_small_tables(llama("tiny-llama", 2, 32, 2, 64, 48), 64));
  for (const ModelConfig& config : configs) config.validate();
  return configs;
}

const std::vector<ModelConfig>& registry() {
  static const std::vector<ModelConfig> configs = make_registry();
  return configs;
}

}  // namespace

void ModelConfig::validate() const {
  const auto require = [&](bool ok, std::string_view what) {
    if (!ok) fail(ErrorKind::kInvalidArgument, "model config '{}': {}", name, what);
  };
  require(num_layers > 0 && hidden_size > 0 && num_heads > 0 && intermediate_size > 0 &&
              vocab_size > 0 && max_positions > 0,
          "layers, hidden size, heads, intermediate size, vocabulary and positions must be > 0");
  require(type_vocab_size >= 0, "type_vocab_size must be >= 0");
  require(hidden_size % num_heads == 0, "hidden_size must be a multiple of num_heads");
  require(position_encoding != PositionEncoding::kRotary || head_dim() % 2 == 0,
          "rotary positions need an even head_dim");
  require(position_encoding != PositionEncoding::kRotary || rope_theta > 1,
          "rotary positions need rope_theta > 1");
  require((activation == Activation::kSiluGated) == (family == ModelFamily::kLlama),
          "the SiLU-gated feed-forward layer is Llama's and only Llama's");
  require(local_attention_window >= 0, "local_attention_window must be >= 0");
  require(local_attention_window == 0 || attention_mask == AttentionMask::kCausal,
          "local attention is causal");
  require(norm_epsilon >= 0, "norm_epsilon must be >= 0");
  fixed_point.validate();
}

const ModelConfig& model_config(std::string_view name) {
  for (const ModelConfig& config : registry())
    if (config.name == name) return config;
  fail(ErrorKind::kInvalidArgument, "unknown model '{}'; valid models: {}", name,
       fmt::join(model_names(), ", "));
}

std::vector<std::string> model_names() {
  std::vector<std::string> names;
  for (const ModelConfig& config : registry()) names.push_back(config.name);
  return names;
}

const char* model_family_name(ModelFamily family) {
  constexpr std::array names = {"bert", "gpt2", "gpt-neo", "llama"};
  return names[static_cast<int>(family)];
}

const char* activation_name(Activation activation) {
  constexpr std::array names = {"gelu-erf", "gelu-tanh", "silu-gated"};
  return names[static_cast<int>(activation)];
}

const char* norm_kind_name(NormKind norm) {
  return norm == NormKind::kLayerNorm ? "layernorm" : "rmsnorm";
}

const char* norm_placement_name(NormPlacement placement) {
  return placement == NormPlacement::kPostNorm ? "post-norm" : "pre-norm";
}

const char* position_encoding_name(PositionEncoding encoding) {
  return encoding == PositionEncoding::kLearned ? "learned" : "rotary";
}

const char* attention_mask_name(AttentionMask mask) {
  return mask == AttentionMask::kBidirectional ? "bidirectional" : "causal";
}

}  // namespace fss
