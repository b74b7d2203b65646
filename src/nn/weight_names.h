#pragma once
// The Hugging Face tensor names and shapes of each model family (docs/weights.md), and where
// each tensor goes in the forward pass. Names are given without the model prefix that some
// checkpoints add ("bert.", "transformer.", "model."); weight_name_prefixes lists them.
#include <string>
#include <string_view>
#include <vector>

#include "core/tensor.h"
#include "nn/model_config.h"

namespace fss {

// A place in ModelWeights (nn/weights.h). Model-level slots first, then per-layer slots.
enum class WeightSlot {
  kWordEmbeddings,
  kPositionEmbeddings,
  kTokenTypeEmbeddings,
  kEmbeddingNormWeight,
  kEmbeddingNormBias,
  kFinalNormWeight,
  kFinalNormBias,
  kAttentionNormWeight,
  kAttentionNormBias,
  kQueryWeight,
  kQueryBias,
  kKeyWeight,
  kKeyBias,
  kValueWeight,
  kValueBias,
  kAttentionOutputWeight,
  kAttentionOutputBias,
  kMlpNormWeight,
  kMlpNormBias,
  kUpWeight,
  kUpBias,
  kGateWeight,
  kDownWeight,
  kDownBias,
};
const char* weight_slot_name(WeightSlot slot);  // "query weight", "mlp norm bias", ...
inline bool is_layer_slot(WeightSlot slot) { return slot >= WeightSlot::kAttentionNormWeight; }
bool is_norm_weight(WeightSlot slot);  // a norm's gain (gamma), near 1 in trained models

// How a stored tensor becomes the forward pass's layout (linear weights [in, out]).
enum class StoredLayout {
  kAsIs,        // vectors, embedding tables, GPT-2 Conv1D weights (already [in, out])
  kTransposed,  // torch.nn.Linear weights, stored [out, in]
};

struct WeightSpec {
  std::string name;  // without the model prefix, e.g. "encoder.layer.0.attention.self.query.weight"
  Shape shape;       // as stored in the file
  StoredLayout layout;
  int layer;  // -1 for tensors outside the layers
  // One slot, or several when the tensor is a concatenation along its last axis (after the
  // layout change) of equal parts: GPT-2's c_attn holds query, key and value.
  std::vector<WeightSlot> slots;
};

// Every tensor a checkpoint of `config` must hold, embeddings first, then layer by layer.
std::vector<WeightSpec> weight_specs(const ModelConfig& config);
// Prefixes under which checkpoints of the family store the same names: "" always, and "bert."
// (BERT task models), "transformer." (GPT-2 and GPT-Neo LM heads) or "model." (Llama).
std::vector<std::string> weight_name_prefixes(ModelFamily family);
// True for the non-parameter buffers some checkpoints carry (causal-mask buffers, rotary
// inverse frequencies, BERT position ids), with or without prefix. Loaders skip them.
bool is_known_buffer(ModelFamily family, std::string_view name);

}  // namespace fss
