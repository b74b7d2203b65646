#pragma once
// Token embedding on the client (docs/weights.md): the client turns token ids into the input
// of the first layer, [B, L, H], in the clear and secret-shares it. The embedding is the word
// embedding plus, with learned positions, the position embedding plus, for models with token
// types, the token-type embedding. BERT's embedding LayerNorm is not applied here: it is the
// first step of the secure forward pass.
#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "nn/model_config.h"
#include "nn/weights.h"

namespace fss {

struct TokenBatch {
  int64_t batch = 0;
  int64_t length = 0;
  std::vector<int64_t> token_ids;       // [batch * length], row-major
  std::vector<int64_t> token_type_ids;  // empty: all 0; else [batch * length]
  std::vector<int64_t> position_ids;    // empty: 0, 1, ..., length - 1 in every row
};

// Sums the embeddings in Z_{2^n} of weights' fixed point (exact: no rounding beyond the
// weights' own). Throws kInvalidArgument, naming the model, for an empty batch, a length over
// config.max_positions, ids outside the vocabulary, the type vocabulary or the positions,
// token types for a model without them, sizes that differ from batch * length, or weights
// that lack a table the model needs.
Tensor embed_tokens(const ModelConfig& config, const ModelWeights& weights,
                    const TokenBatch& tokens);
// The same in float, for the float reference; shape [B, L, H].
FloatTensor embed_tokens_float(const ModelConfig& config, const FloatModelWeights& weights,
                               const TokenBatch& tokens);

}  // namespace fss
