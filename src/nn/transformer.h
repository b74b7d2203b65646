#pragma once
// The transformer forward pass of every supported family (BERT, GPT-2, GPT-Neo, Llama),
// written once against Engine (ARCHITECTURE.md §2): the clear engine computes the fixed-point
// reference, the dealer the keys, the parties the secure evaluation, all from this code.
//
// Setting: SIGMA's (secret weights). The client's embedded input x [B, L, H] and every weight the
// layers use (norm gains and biases, projection weights and biases) enter as program inputs,
// masked; the batch B is a tensor dimension throughout (one gate and one round per step for the
// whole batch). Every product is truncated faithfully (GapARS); nothing is truncated locally.
// Input order: x, then secret_weight_inputs(config) in order.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "mpc/engine.h"
#include "nn/model_config.h"
#include "nn/nonlinear.h"
#include "nn/weights.h"

namespace fss {

// One weight the forward pass takes as a program input, in the layout it uses ([in, out]).
struct WeightInput {
  int layer;  // -1: outside the layers (embedding norm, final norm)
  WeightSlot slot;
  Shape shape;
};
std::vector<WeightInput> secret_weight_inputs(const ModelConfig& config);
// The values of secret_weight_inputs(config) from `weights`, in the same order. Throws
// kInvalidArgument naming the weight if one is missing or has another shape.
std::vector<Tensor> secret_weight_values(const ModelConfig& config, const ModelWeights& weights);

// Called at the start of each layer (layer, layers) and once with layer = layers at the end.
using ForwardProgress = std::function<void(int layer, int layers)>;

// The last hidden state [B, L, H] of config's model on an embedded input [batch, seq_len, H],
// each nonlinear module computed by the family `nonlinear` names (default: SIGMA's).
// Phases (Engine::set_phase): "matmul", "truncation", "softmax", "layernorm", "activation",
// "residual". Calls engine.checkpoint() at each layer's start and at the end, before progress
// (per-layer keys, mpc/local_run.h). Throws kInvalidArgument if seq_len exceeds the model's
// positions or a local attention window (GPT-Neo's local layers run causally for seq_len <=
// window), or as NonlinearChoice::validate().
Masked transformer_forward(Engine& engine, const ModelConfig& config, int64_t batch,
                           int64_t seq_len, const NonlinearChoice& nonlinear = {},
                           const ForwardProgress& progress = {});

}  // namespace fss
