#pragma once
// The float64 reference of the forward pass (nn/transformer.h's model, without fixed point):
// what the secure output approximates. Used by `fssformer run` to report the approximation error
// and by the accuracy tests. Same weight layout (nn/weights.h: query pre-scaled where the model
// scales scores), exact GeLU (erf or tanh per model), SiLU, LayerNorm/RMSNorm, rotary.
#include <cstdint>
#include <vector>

#include "nn/model_config.h"
#include "nn/weights.h"

namespace fss {

// x: the embedded input [batch, seq_len, H] row-major; returns the last hidden state, same shape.
std::vector<double> float_transformer_forward(const ModelConfig& config,
                                              const FloatModelWeights& weights,
                                              const std::vector<double>& x, int64_t batch,
                                              int64_t seq_len);

struct ApproximationError {
  double max_abs = 0;      // max |secure - reference|
  double mean_abs = 0;
  double cosine = 0;       // cosine similarity of the two output vectors
};
ApproximationError compare_outputs(const std::vector<double>& secure,
                                   const std::vector<double>& reference);

}  // namespace fss
