#include "nn/weight_names.h"

#include <array>

#include "core/error.h"

namespace fss {
namespace {

using enum WeightSlot;

// Collects the specs of one model; `layer_prefix` is set while a layer is being described.
class SpecList {
 public:
  void add(std::string name, Shape shape, StoredLayout layout, std::vector<WeightSlot> slots) {
    specs_.push_back(
        {layer_prefix_ + std::move(name), std::move(shape), layout, layer_, std::move(slots)});
  }
  void vector(std::string name, int64_t size, WeightSlot slot) {
    add(std::move(name), Shape{size}, StoredLayout::kAsIs, {slot});
  }
  // A torch.nn.Linear weight: stored [out, in].
  void linear(std::string name, int64_t in, int64_t out, WeightSlot slot) {
    add(std::move(name), Shape{out, in}, StoredLayout::kTransposed, {slot});
  }
  void begin_layer(int layer, std::string prefix) {
    layer_ = layer;
    layer_prefix_ = std::move(prefix);
  }
  std::vector<WeightSpec> take() { return std::move(specs_); }

 private:
  std::vector<WeightSpec> specs_;
  int layer_ = -1;
  std::string layer_prefix_;
};

std::vector<WeightSpec> bert_specs(const ModelConfig& c) {
  const int64_t h = c.hidden_size, inner = c.intermediate_size;
  SpecList specs;
  specs.add("embeddings.word_embeddings.weight", {c.vocab_size, h}, StoredLayout::kAsIs,
            {kWordEmbeddings});
  specs.add("embeddings.position_embeddings.weight", {c.max_positions, h}, StoredLayout::kAsIs,
            {kPositionEmbeddings});
  specs.add("embeddings.token_type_embeddings.weight", {c.type_vocab_size, h}, StoredLayout::kAsIs,
            {kTokenTypeEmbeddings});
  specs.vector("embeddings.LayerNorm.weight", h, kEmbeddingNormWeight);
  specs.vector("embeddings.LayerNorm.bias", h, kEmbeddingNormBias);
  for (int layer = 0; layer < c.num_layers; ++layer) {
    specs.begin_layer(layer, fmt::format("encoder.layer.{}.", layer));
    specs.linear("attention.self.query.weight", h, h, kQueryWeight);
    specs.vector("attention.self.query.bias", h, kQueryBias);
    specs.linear("attention.self.key.weight", h, h, kKeyWeight);
    specs.vector("attention.self.key.bias", h, kKeyBias);
    specs.linear("attention.self.value.weight", h, h, kValueWeight);
    specs.vector("attention.self.value.bias", h, kValueBias);
    specs.linear("attention.output.dense.weight", h, h, kAttentionOutputWeight);
    specs.vector("attention.output.dense.bias", h, kAttentionOutputBias);
    specs.vector("attention.output.LayerNorm.weight", h, kAttentionNormWeight);
    specs.vector("attention.output.LayerNorm.bias", h, kAttentionNormBias);
    specs.linear("intermediate.dense.weight", h, inner, kUpWeight);
    specs.vector("intermediate.dense.bias", inner, kUpBias);
    specs.linear("output.dense.weight", inner, h, kDownWeight);
    specs.vector("output.dense.bias", h, kDownBias);
    specs.vector("output.LayerNorm.weight", h, kMlpNormWeight);
    specs.vector("output.LayerNorm.bias", h, kMlpNormBias);
  }
  return specs.take();
}

// GPT-2's linear layers are Conv1D modules, whose weights are stored [in, out].
std::vector<WeightSpec> gpt2_specs(const ModelConfig& c) {
  const int64_t h = c.hidden_size, inner = c.intermediate_size;
  SpecList specs;
  specs.add("wte.weight", {c.vocab_size, h}, StoredLayout::kAsIs, {kWordEmbeddings});
  specs.add("wpe.weight", {c.max_positions, h}, StoredLayout::kAsIs, {kPositionEmbeddings});
  for (int layer = 0; layer < c.num_layers; ++layer) {
    specs.begin_layer(layer, fmt::format("h.{}.", layer));
    specs.vector("ln_1.weight", h, kAttentionNormWeight);
    specs.vector("ln_1.bias", h, kAttentionNormBias);
    specs.add("attn.c_attn.weight", {h, 3 * h}, StoredLayout::kAsIs,
              {kQueryWeight, kKeyWeight, kValueWeight});
    specs.add("attn.c_attn.bias", {3 * h}, StoredLayout::kAsIs, {kQueryBias, kKeyBias, kValueBias});
    specs.add("attn.c_proj.weight", {h, h}, StoredLayout::kAsIs, {kAttentionOutputWeight});
    specs.vector("attn.c_proj.bias", h, kAttentionOutputBias);
    specs.vector("ln_2.weight", h, kMlpNormWeight);
    specs.vector("ln_2.bias", h, kMlpNormBias);
    specs.add("mlp.c_fc.weight", {h, inner}, StoredLayout::kAsIs, {kUpWeight});
    specs.vector("mlp.c_fc.bias", inner, kUpBias);
    specs.add("mlp.c_proj.weight", {inner, h}, StoredLayout::kAsIs, {kDownWeight});
    specs.vector("mlp.c_proj.bias", h, kDownBias);
  }
  specs.begin_layer(-1, "");
  specs.vector("ln_f.weight", h, kFinalNormWeight);
  specs.vector("ln_f.bias", h, kFinalNormBias);
  return specs.take();
}

// GPT-Neo uses torch.nn.Linear throughout; its query, key and value have no bias.
std::vector<WeightSpec> gpt_neo_specs(const ModelConfig& c) {
  const int64_t h = c.hidden_size, inner = c.intermediate_size;
  SpecList specs;
  specs.add("wte.weight", {c.vocab_size, h}, StoredLayout::kAsIs, {kWordEmbeddings});
  specs.add("wpe.weight", {c.max_positions, h}, StoredLayout::kAsIs, {kPositionEmbeddings});
  for (int layer = 0; layer < c.num_layers; ++layer) {
    specs.begin_layer(layer, fmt::format("h.{}.", layer));
    specs.vector("ln_1.weight", h, kAttentionNormWeight);
    specs.vector("ln_1.bias", h, kAttentionNormBias);
    specs.linear("attn.attention.q_proj.weight", h, h, kQueryWeight);
    specs.linear("attn.attention.k_proj.weight", h, h, kKeyWeight);
    specs.linear("attn.attention.v_proj.weight", h, h, kValueWeight);
    specs.linear("attn.attention.out_proj.weight", h, h, kAttentionOutputWeight);
    specs.vector("attn.attention.out_proj.bias", h, kAttentionOutputBias);
    specs.vector("ln_2.weight", h, kMlpNormWeight);
    specs.vector("ln_2.bias", h, kMlpNormBias);
    specs.linear("mlp.c_fc.weight", h, inner, kUpWeight);
    specs.vector("mlp.c_fc.bias", inner, kUpBias);
    specs.linear("mlp.c_proj.weight", inner, h, kDownWeight);
    specs.vector("mlp.c_proj.bias", h, kDownBias);
  }
  specs.begin_layer(-1, "");
  specs.vector("ln_f.weight", h, kFinalNormWeight);
  specs.vector("ln_f.bias", h, kFinalNormBias);
  return specs.take();
}

// Llama: no biases, RMSNorm gains only, no position table (rotary).
std::vector<WeightSpec> llama_specs(const ModelConfig& c) {
  const int64_t h = c.hidden_size, inner = c.intermediate_size;
  SpecList specs;
  specs.add("embed_tokens.weight", {c.vocab_size, h}, StoredLayout::kAsIs, {kWordEmbeddings});
  for (int layer = 0; layer < c.num_layers; ++layer) {
    specs.begin_layer(layer, fmt::format("layers.{}.", layer));
    specs.vector("input_layernorm.weight", h, kAttentionNormWeight);
    specs.linear("self_attn.q_proj.weight", h, h, kQueryWeight);
    specs.linear("self_attn.k_proj.weight", h, h, kKeyWeight);
    specs.linear("self_attn.v_proj.weight", h, h, kValueWeight);
    specs.linear("self_attn.o_proj.weight", h, h, kAttentionOutputWeight);
    specs.vector("post_attention_layernorm.weight", h, kMlpNormWeight);
    specs.linear("mlp.gate_proj.weight", h, inner, kGateWeight);
    specs.linear("mlp.up_proj.weight", h, inner, kUpWeight);
    specs.linear("mlp.down_proj.weight", inner, h, kDownWeight);
  }
  specs.begin_layer(-1, "");
  specs.vector("norm.weight", h, kFinalNormWeight);
  return specs.take();
}

bool ends_with_component(std::string_view name, std::string_view suffix) {
  // The suffix must start at a component boundary: "attn.bias" matches "h.0.attn.bias" but
  // not "h.0.attn.c_attn.bias".
  return name == suffix || (name.ends_with(suffix) && name.size() > suffix.size() &&
                            name[name.size() - suffix.size() - 1] == '.');
}

}  // namespace

const char* weight_slot_name(WeightSlot slot) {
  constexpr std::array names = {
      "word embeddings",
      "position embeddings",
      "token type embeddings",
      "embedding norm weight",
      "embedding norm bias",
      "final norm weight",
      "final norm bias",
      "attention norm weight",
      "attention norm bias",
      "query weight",
      "query bias",
      "key weight",
      "key bias",
      "value weight",
      "value bias",
      "attention output weight",
      "attention output bias",
      "mlp norm weight",
      "mlp norm bias",
      "up weight",
      "up bias",
      "gate weight",
      "down weight",
      "down bias",
  };
  static_assert(names.size() == static_cast<size_t>(kDownBias) + 1);
  return names[static_cast<size_t>(slot)];
}

bool is_norm_weight(WeightSlot slot) {
  return slot == kEmbeddingNormWeight || slot == kFinalNormWeight || slot == kAttentionNormWeight ||
         slot == kMlpNormWeight;
}

std::vector<WeightSpec> weight_specs(const ModelConfig& config) {
  config.validate();
  switch (config.family) {
    case ModelFamily::kBert:
      return bert_specs(config);
    case ModelFamily::kGpt2:
      return gpt2_specs(config);
    case ModelFamily::kGptNeo:
      return gpt_neo_specs(config);
    case ModelFamily::kLlama:
      return llama_specs(config);
  }
  FSS_CHECK(false, "unknown model family {}", static_cast<int>(config.family));
  return {};
}

std::vector<std::string> weight_name_prefixes(ModelFamily family) {
  switch (family) {
    case ModelFamily::kBert:
      return {"", "bert."};
    case ModelFamily::kGpt2:
    case ModelFamily::kGptNeo:
      return {"", "transformer."};
    case ModelFamily::kLlama:
      return {"", "model."};
  }
  return {""};
}

bool is_known_buffer(ModelFamily family, std::string_view name) {
  switch (family) {
    case ModelFamily::kBert:
      return ends_with_component(name, "embeddings.position_ids");
    case ModelFamily::kGpt2:
      return ends_with_component(name, "attn.bias") ||
             ends_with_component(name, "attn.masked_bias");
    case ModelFamily::kGptNeo:
      return ends_with_component(name, "attn.attention.bias") ||
             ends_with_component(name, "attn.attention.masked_bias");
    case ModelFamily::kLlama:
      return ends_with_component(name, "self_attn.rotary_emb.inv_freq");
  }
  return false;
}

}  // namespace fss
