#pragma once
// Model weights in the layout the forward pass uses (docs/weights.md), loaded from Hugging Face
// safetensors checkpoints or drawn at random with the real shapes. Layout: linear weights are
// [in, out] (y = x W + b), vectors [size], tables [rows, hidden]; GPT-2's fused c_attn is split
// into query, key and value. Where config.scale_attention holds, the query weight and bias are
// already multiplied by 1/sqrt(head_dim) (PROTOCOLS.md §8): the forward pass never scales scores.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "nn/model_config.h"
#include "nn/safetensors.h"
#include "nn/weight_names.h"

namespace fss {

struct FloatTensor {
  std::string name;  // its origin, for messages: "h.0.attn.c_attn.weight (key weight)"
  Shape shape;
  std::vector<float> values;  // row-major
};

// A slot is set exactly when the family's checkpoints hold it (weight_specs): GPT-Neo has no
// query/key/value biases, Llama no biases at all and RMSNorm gains only, and only SiLU-gated
// models have a gate. The attention norm follows the attention block in post-norm models and
// precedes it in pre-norm models; likewise the mlp norm.
template <typename T>
struct LayerWeightsOf {
  std::optional<T> attention_norm_weight, attention_norm_bias;  // [hidden]
  std::optional<T> query_weight, key_weight, value_weight;      // [hidden, hidden]
  std::optional<T> query_bias, key_bias, value_bias;            // [hidden]
  std::optional<T> attention_output_weight;                     // [hidden, hidden]
  std::optional<T> attention_output_bias;                       // [hidden]
  std::optional<T> mlp_norm_weight, mlp_norm_bias;              // [hidden]
  std::optional<T> up_weight, gate_weight;                      // [hidden, intermediate]
  std::optional<T> up_bias;                                     // [intermediate]
  std::optional<T> down_weight;                                 // [intermediate, hidden]
  std::optional<T> down_bias;                                   // [hidden]
};

template <typename T>
struct ModelWeightsOf {
  std::optional<T> word_embeddings;        // [vocab, hidden]
  std::optional<T> position_embeddings;    // [max_positions, hidden]; learned positions
  std::optional<T> token_type_embeddings;  // [type_vocab, hidden]; BERT
  std::optional<T> embedding_norm_weight, embedding_norm_bias;  // [hidden]; post-norm models
  std::vector<LayerWeightsOf<T>> layers;
  std::optional<T> final_norm_weight, final_norm_bias;  // [hidden]; pre-norm models
};

using LayerWeights = LayerWeightsOf<Tensor>;
using ModelWeights = ModelWeightsOf<Tensor>;  // fixed point, config.fixed_point
using FloatLayerWeights = LayerWeightsOf<FloatTensor>;
using FloatModelWeights = ModelWeightsOf<FloatTensor>;

// The member of `weights` that `slot` names; `layer` selects the layer for per-layer slots.
template <typename T>
std::optional<T>& weight_slot(ModelWeightsOf<T>& weights, WeightSlot slot, int layer);
template <typename T>
const std::optional<T>& weight_slot(const ModelWeightsOf<T>& weights, WeightSlot slot, int layer) {
  return weight_slot(const_cast<ModelWeightsOf<T>&>(weights), slot, layer);
}

struct WeightLoadOptions {
  // Tensors the model does not use (task heads such as "pooler.*" or "lm_head.weight") are an
  // error unless this is set. Known buffers (is_known_buffer) are always skipped.
  bool allow_extra = false;
};

// Reads the weights of `config` from a checkpoint whose names may carry one of the family's
// prefixes. Throws kMismatch listing, in one message, every missing tensor, every tensor with
// the wrong shape or a dtype other than F32/F16/BF16/F64, and every unexpected one.
FloatModelWeights load_float_weights(const SafetensorsFile& file, const ModelConfig& config,
                                     WeightLoadOptions options = {});
// As load_float_weights, then encoded in config.fixed_point; a value that is not finite or
// does not fit throws kInvalidArgument naming the tensor (values never saturate or wrap).
ModelWeights load_weights(const SafetensorsFile& file, const ModelConfig& config,
                          WeightLoadOptions options = {});

// round(v * 2^f) per value (FixedPoint::encode); throws kInvalidArgument naming the tensor and
// the flat index of the first value that is not finite or out of range.
Tensor to_fixed_point(const FloatTensor& tensor, FixedPoint fixed_point);
ModelWeights to_fixed_point(const FloatModelWeights& weights, FixedPoint fixed_point);

// Weights with the real shapes for benchmarks: every stored tensor is drawn with mean 0 and
// standard deviation 0.02 (norm gains: mean 1), nearly normal, then laid out as if loaded. Each
// tensor depends only on the seed and its name, and no libm function is involved, so the bits
// are the same on any machine and thread count, and random_layer_weights(c, s, i) equals
// random_weights(c, s).layers[i].
FloatModelWeights random_float_weights(const ModelConfig& config, uint64_t seed);
ModelWeights random_weights(const ModelConfig& config, uint64_t seed);
LayerWeights random_layer_weights(const ModelConfig& config, uint64_t seed, int layer);

template <typename T>
std::optional<T>& weight_slot(ModelWeightsOf<T>& weights, WeightSlot slot, int layer) {
  using enum WeightSlot;
  switch (slot) {
    case kWordEmbeddings:
      return weights.word_embeddings;
    case kPositionEmbeddings:
      return weights.position_embeddings;
    case kTokenTypeEmbeddings:
      return weights.token_type_embeddings;
    case kEmbeddingNormWeight:
      return weights.embedding_norm_weight;
    case kEmbeddingNormBias:
      return weights.embedding_norm_bias;
    case kFinalNormWeight:
      return weights.final_norm_weight;
    case kFinalNormBias:
      return weights.final_norm_bias;
    default:
      break;
  }
  FSS_CHECK(layer >= 0 && layer < static_cast<int>(weights.layers.size()),
            "layer {} of {} for slot {}", layer, weights.layers.size(), weight_slot_name(slot));
  LayerWeightsOf<T>& l = weights.layers[layer];
  switch (slot) {
    case kAttentionNormWeight:
      return l.attention_norm_weight;
    case kAttentionNormBias:
      return l.attention_norm_bias;
    case kQueryWeight:
      return l.query_weight;
    case kQueryBias:
      return l.query_bias;
    case kKeyWeight:
      return l.key_weight;
    case kKeyBias:
      return l.key_bias;
    case kValueWeight:
      return l.value_weight;
    case kValueBias:
      return l.value_bias;
    case kAttentionOutputWeight:
      return l.attention_output_weight;
    case kAttentionOutputBias:
      return l.attention_output_bias;
    case kMlpNormWeight:
      return l.mlp_norm_weight;
    case kMlpNormBias:
      return l.mlp_norm_bias;
    case kUpWeight:
      return l.up_weight;
    case kUpBias:
      return l.up_bias;
    case kGateWeight:
      return l.gate_weight;
    case kDownWeight:
      return l.down_weight;
    case kDownBias:
      return l.down_bias;
    default:
      break;
  }
  FSS_CHECK(false, "unhandled weight slot {}", static_cast<int>(slot));
  return weights.word_embeddings;  // unreachable
}

}  // namespace fss
