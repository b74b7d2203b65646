#pragma once
// Model configurations (docs/models.md): the dimensions and architectural choices of each
// supported transformer, with the fixed-point ring {n, f} of PROTOCOLS.md §0. The registry
// holds the published models (dimensions as in their Hugging Face config.json) and tiny
// configurations of each family for tests.
#include <string>
#include <string_view>
#include <vector>

#include "core/fixed_point.h"

namespace fss {

// The family fixes the weight names (nn/weight_names.h) and the shape of the forward pass.
enum class ModelFamily { kBert, kGpt2, kGptNeo, kLlama };
// kGeluErf: x * Phi(x) (BERT "gelu"); kGeluTanh: the tanh approximation (GPT-2 "gelu_new");
// kSiluGated: down(silu(gate(x)) * up(x)) (Llama).
enum class Activation { kGeluErf, kGeluTanh, kSiluGated };
enum class NormKind { kLayerNorm, kRmsNorm };
// kPostNorm: x = norm(x + sublayer(x)), and the embeddings are normalized (BERT).
// kPreNorm: x = x + sublayer(norm(x)), and a final norm follows the last layer.
enum class NormPlacement { kPostNorm, kPreNorm };
enum class PositionEncoding { kLearned, kRotary };
enum class AttentionMask { kBidirectional, kCausal };

struct ModelConfig {
  std::string name;
  ModelFamily family;
  int num_layers;
  int hidden_size;
  int num_heads;
  int intermediate_size;  // width of the feed-forward layer
  int vocab_size;
  int max_positions;    // longest sequence the model accepts
  int type_vocab_size;  // token-type embeddings (BERT segments); 0: none
  Activation activation;
  NormKind norm;
  NormPlacement norm_placement;
  double norm_epsilon;
  PositionEncoding position_encoding;
  double rope_theta;  // rotary base (PROTOCOLS.md §8); rotary models only
  AttentionMask attention_mask;
  // > 0: odd layers (1, 3, ...) are local: query i sees keys j with i - window < j <= i
  // (GPT-Neo); even layers and every layer of other models attend globally.
  int local_attention_window;
  bool scale_attention;  // scores are divided by sqrt(head_dim); GPT-Neo does not scale
  FixedPoint fixed_point;

  int head_dim() const { return hidden_size / num_heads; }
  bool is_local_layer(int layer) const { return local_attention_window > 0 && layer % 2 == 1; }
  // Throws kInvalidArgument naming the model and the field if the dimensions are inconsistent
  // (non-positive sizes, hidden_size not a multiple of num_heads, odd head_dim with rotary, ...).
  void validate() const;
};

// The registered configuration called `name`. Throws kInvalidArgument listing the valid names
// if there is none.
const ModelConfig& model_config(std::string_view name);
// Every registered name, published models first, then the tiny test configurations.
std::vector<std::string> model_names();

const char* model_family_name(ModelFamily family);         // "bert", "gpt2", "gpt-neo", "llama"
const char* activation_name(Activation activation);        // "gelu-erf", "gelu-tanh", "silu-gated"
const char* norm_kind_name(NormKind norm);                 // "layernorm", "rmsnorm"
const char* norm_placement_name(NormPlacement placement);  // "post-norm", "pre-norm"
const char* position_encoding_name(PositionEncoding encoding);  // "learned", "rotary"
const char* attention_mask_name(AttentionMask mask);            // "bidirectional", "causal"

}  // namespace fss
