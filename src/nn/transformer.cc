#include "nn/transformer.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "core/error.h"
#include "core/tensor_ops.h"
#include "sigma/gap_truncation.h"
#include "sigma/layernorm.h"
#include "sigma/matmul.h"
#include "sigma/mul.h"
#include "sigma/rmsnorm.h"
#include "sigma/rotary.h"
#include "sigma/softmax.h"

namespace fss {
namespace {

bool is_embedding_table(WeightSlot slot) {
  return slot == WeightSlot::kWordEmbeddings || slot == WeightSlot::kPositionEmbeddings ||
         slot == WeightSlot::kTokenTypeEmbeddings;
}

// The weights of one run as masked wires, by (layer, slot).
class SecretWeights {
 public:
  SecretWeights(Engine& engine, const ModelConfig& config) {
    for (const WeightInput& w : secret_weight_inputs(config))
      wires_.emplace(std::pair{w.layer, w.slot}, engine.input(w.shape, config.fixed_point));
  }
  const Masked* find(int layer, WeightSlot slot) const {
    auto it = wires_.find({layer, slot});
    return it == wires_.end() ? nullptr : &it->second;
  }
  const Masked& at(int layer, WeightSlot slot) const {
    const Masked* w = find(layer, slot);
    FSS_CHECK(w != nullptr, "layer {} has no {}", layer, weight_slot_name(slot));
    return *w;
  }

 private:
  std::map<std::pair<int, WeightSlot>, Masked> wires_;
};

// Runs `step` with the engine's phase set to `phase`, returning what it returns.
template <typename Step>
auto in_phase(Engine& engine, const char* phase, Step&& step) {
  PhaseScope scope(engine, phase);
  return step();
}

// By value: a temporary (as in split_heads) is moved, not copied.
Masked reshape(Masked x, Shape shape) {
  x.value.reshape(std::move(shape));
  return x;
}

Masked permute(const Masked& x, std::initializer_list<int> axes) {
  return {permute(x.value, std::span<const int>(axes.begin(), axes.size()))};
}

// A bias [N] of scale f as a wire [..., N] of scale 2f (`format`): repeated over the rows and
// multiplied by 2^f. Both are linear, so this is valid on every engine's wires.
Masked bias_at_product_scale(const Masked& bias, const Shape& like, FixedPoint format, int f) {
  Tensor out = Tensor::for_overwrite(like, format);
  const Ring ring = format.ring();
  const size_t width = bias.value.size();
  for_each_index(out.size(),
                 [&](size_t i) { out[i] = ring.mul(bias.value[i % width], uint64_t{1} << f); });
  return {std::move(out)};
}

// Opens a product of scale 2f and truncates it back to scale f (GapARS), opened.
Masked truncate_product(Engine& engine, const Shared& product, int f, const std::string& name) {
  PhaseScope phase(engine, "truncation");
  const Masked wide = engine.open(product, name + ": product");
  return engine.open(sigma::gap_ars(engine, wide, f), name + ": truncated");
}

// x W (+ b) for x [B, L, in] and secret W [in, out], b [out]; opened, scale f.
Masked linear(Engine& engine, const Masked& x, const Masked& weight, const Masked* bias, int f,
              const std::string& name) {
  const Shared product = in_phase(engine, "matmul", [&] {
    Shared z = sigma::matmul(engine, x, weight);
    if (bias == nullptr) return z;
    return add(z, engine.share_of(
                      bias_at_product_scale(*bias, z.value.shape(), z.value.fixed_point(), f)));
  });
  return truncate_product(engine, product, f, name);
}

// Splits [B, L, H] into heads [B * heads, L, d].
Masked split_heads(const Masked& x, int64_t batch, int64_t seq, int heads) {
  const int64_t d = x.value.shape()[2] / heads;
  return reshape(permute(reshape(x, Shape{batch, seq, heads, d}), {0, 2, 1, 3}),
                 Shape{batch * heads, seq, d});
}

Masked merge_heads(const Masked& x, int64_t batch, int64_t seq, int heads) {
  const int64_t d = x.value.shape()[2];
  return reshape(permute(reshape(x, Shape{batch, heads, seq, d}), {0, 2, 1, 3}),
                 Shape{batch, seq, heads * d});
}

Masked rotate(Engine& engine, const Masked& x, const sigma::RotaryTables& tables,
              const std::string& name) {
  PhaseScope phase(engine, "truncation");
  return engine.open(sigma::rotary_embedding(engine, x, tables), name);
}

Masked attention(Engine& engine, const ModelConfig& config, const NonlinearChoice& choice,
                 const SecretWeights& w, int layer, const Masked& x, int64_t batch, int64_t seq) {
  const int f = config.fixed_point.f;
  const std::string prefix = fmt::format("layer {} ", layer);
  auto project = [&](WeightSlot weight, WeightSlot bias, const char* name) {
    return linear(engine, x, w.at(layer, weight), w.find(layer, bias), f, prefix + name);
  };
  Masked q = split_heads(project(WeightSlot::kQueryWeight, WeightSlot::kQueryBias, "query"), batch,
                         seq, config.num_heads);
  Masked k = split_heads(project(WeightSlot::kKeyWeight, WeightSlot::kKeyBias, "key"), batch, seq,
                         config.num_heads);
  const Masked v = split_heads(project(WeightSlot::kValueWeight, WeightSlot::kValueBias, "value"),
                               batch, seq, config.num_heads);
  if (config.position_encoding == PositionEncoding::kRotary) {
    const sigma::RotaryTables tables =
        sigma::rotary_tables(config.fixed_point, seq, config.head_dim(), config.rope_theta);
    q = rotate(engine, q, tables, prefix + "rotary query");
    k = rotate(engine, k, tables, prefix + "rotary key");
  }
  const Masked k_transposed = permute(k, {0, 2, 1});
  const Shared scores =
      in_phase(engine, "matmul", [&] { return sigma::matmul(engine, q, k_transposed); });
  const Masked scaled_scores = truncate_product(engine, scores, f, prefix + "scores");
  const Masked probabilities = in_phase(engine, "softmax", [&] {
    const bool causal = config.attention_mask == AttentionMask::kCausal;
    const sigma::SoftmaxSteps steps = softmax_steps(choice);
    const int64_t window = config.is_local_layer(layer) ? config.local_attention_window : 0;
    const Shared p = causal ? sigma::causal_softmax(engine, scaled_scores, steps, window)
                            : sigma::softmax(engine, scaled_scores, steps);
    return engine.open(p, prefix + "softmax");
  });
  const Shared context =
      in_phase(engine, "matmul", [&] { return sigma::matmul(engine, probabilities, v); });
  const Masked heads = truncate_product(engine, context, f, prefix + "context");
  return linear(engine, merge_heads(heads, batch, seq, config.num_heads),
                w.at(layer, WeightSlot::kAttentionOutputWeight),
                w.find(layer, WeightSlot::kAttentionOutputBias), f, prefix + "attention output");
}

// The model's norm with secret weights: LayerNorm (gain, bias) or RMSNorm (gain).
Masked norm(Engine& engine, const ModelConfig& config, const NonlinearChoice& choice,
            const SecretWeights& w, int layer, WeightSlot gain, WeightSlot bias, const Masked& x,
            const std::string& name) {
  PhaseScope phase(engine, "layernorm");
  const sigma::NormOptions options = norm_options(config.norm_epsilon, choice);
  const Shared y = config.norm == NormKind::kLayerNorm
                       ? sigma::layernorm(engine, x, w.at(layer, gain), w.at(layer, bias), options)
                       : sigma::rmsnorm(engine, x, w.at(layer, gain), options);
  return engine.open(y, name);
}

Masked mlp(Engine& engine, const ModelConfig& config, const NonlinearChoice& choice,
           const SecretWeights& w, int layer, const Masked& x) {
  const int f = config.fixed_point.f;
  const std::string prefix = fmt::format("layer {} ", layer);
  const Masked up = linear(engine, x, w.at(layer, WeightSlot::kUpWeight),
                           w.find(layer, WeightSlot::kUpBias), f, prefix + "up");
  const Masked hidden = [&] {
    if (config.activation != Activation::kSiluGated) {
      // BERT's erf GeLU and GPT-2's tanh GeLU both use the erf GeLU (docs/accuracy.md).
      return in_phase(engine, "activation",
                      [&] { return engine.open(gelu(engine, up, choice), prefix + "gelu"); });
    }
    const Masked gate =
        linear(engine, x, w.at(layer, WeightSlot::kGateWeight), nullptr, f, prefix + "gate");
    const Masked activated = in_phase(engine, "activation", [&] {
      return engine.open(silu(engine, gate, choice), prefix + "silu");
    });
    return in_phase(engine, "truncation", [&] {
      return engine.open(sigma::mul_truncate(engine, activated, up, f), prefix + "gated");
    });
  }();
  return linear(engine, hidden, w.at(layer, WeightSlot::kDownWeight),
                w.find(layer, WeightSlot::kDownBias), f, prefix + "down");
}

Masked residual(Engine& engine, const Masked& a, const Masked& b) {
  PhaseScope phase(engine, "residual");
  return add(a, b);
}

Masked layer_forward(Engine& engine, const ModelConfig& config, const NonlinearChoice& choice,
                     const SecretWeights& w, int layer, const Masked& x, int64_t batch,
                     int64_t seq) {
  using enum WeightSlot;
  const std::string prefix = fmt::format("layer {} ", layer);
  if (config.norm_placement == NormPlacement::kPostNorm) {
    const Masked a =
        residual(engine, x, attention(engine, config, choice, w, layer, x, batch, seq));
    const Masked h = norm(engine, config, choice, w, layer, kAttentionNormWeight,
                          kAttentionNormBias, a, prefix + "attention norm");
    const Masked m = residual(engine, h, mlp(engine, config, choice, w, layer, h));
    return norm(engine, config, choice, w, layer, kMlpNormWeight, kMlpNormBias, m,
                prefix + "mlp norm");
  }
  const Masked a = norm(engine, config, choice, w, layer, kAttentionNormWeight, kAttentionNormBias,
                        x, prefix + "attention norm");
  const Masked h = residual(engine, x, attention(engine, config, choice, w, layer, a, batch, seq));
  const Masked m =
      norm(engine, config, choice, w, layer, kMlpNormWeight, kMlpNormBias, h, prefix + "mlp norm");
  return residual(engine, h, mlp(engine, config, choice, w, layer, m));
}

// Shape of a stored tensor in the forward pass's layout, one part of a fused tensor.
Shape forward_shape(const WeightSpec& spec) {
  std::vector<int64_t> dims = spec.shape.dims();
  if (spec.layout == StoredLayout::kTransposed) std::reverse(dims.begin(), dims.end());
  dims.back() /= static_cast<int64_t>(spec.slots.size());
  return Shape(std::move(dims));
}

}  // namespace

std::vector<WeightInput> secret_weight_inputs(const ModelConfig& config) {
  std::vector<WeightInput> inputs;
  for (const WeightSpec& spec : weight_specs(config))
    for (WeightSlot slot : spec.slots)
      if (!is_embedding_table(slot)) inputs.push_back({spec.layer, slot, forward_shape(spec)});
  std::sort(inputs.begin(), inputs.end(), [](const WeightInput& a, const WeightInput& b) {
    return std::tie(a.layer, a.slot) < std::tie(b.layer, b.slot);
  });
  return inputs;
}

std::vector<Tensor> secret_weight_values(const ModelConfig& config, const ModelWeights& weights) {
  ModelWeights& slots = const_cast<ModelWeights&>(weights);  // weight_slot only reads here
  std::vector<Tensor> values;
  for (const WeightInput& w : secret_weight_inputs(config)) {
    const std::optional<Tensor>& value = weight_slot(slots, w.slot, w.layer);
    if (!value || value->shape() != w.shape)
      fail(ErrorKind::kInvalidArgument, "{} of layer {}: expected a tensor {}, got {}",
           weight_slot_name(w.slot), w.layer, w.shape.to_string(),
           value ? value->shape().to_string() : "none");
    values.push_back(*value);
  }
  return values;
}

Masked transformer_forward(Engine& engine, const ModelConfig& config, int64_t batch,
                           int64_t seq_len, const NonlinearChoice& nonlinear,
                           const ForwardProgress& progress) {
  config.validate();
  nonlinear.validate();
  if (batch < 1 || seq_len < 1 || seq_len > config.max_positions)
    fail(ErrorKind::kInvalidArgument,
         "{}: batch {} and sequence length {} must be >= 1 (and the "
         "length <= {})",
         config.name, batch, seq_len, config.max_positions);
  Masked x = engine.input(Shape{batch, seq_len, config.hidden_size}, config.fixed_point);
  const SecretWeights weights(engine, config);
  if (config.norm_placement == NormPlacement::kPostNorm)
    x = norm(engine, config, nonlinear, weights, -1, WeightSlot::kEmbeddingNormWeight,
             WeightSlot::kEmbeddingNormBias, x, "embedding norm");
  for (int layer = 0; layer < config.num_layers; ++layer) {
    engine.checkpoint();  // per-layer keys: the dealer deals this layer's keys here
    if (progress) progress(layer, config.num_layers);
    x = layer_forward(engine, config, nonlinear, weights, layer, x, batch, seq_len);
  }
  if (config.norm_placement == NormPlacement::kPreNorm)
    x = norm(engine, config, nonlinear, weights, -1, WeightSlot::kFinalNormWeight,
             WeightSlot::kFinalNormBias, x, "final norm");
  engine.checkpoint();
  if (progress) progress(config.num_layers, config.num_layers);
  engine.set_phase("other");
  return x;
}

}  // namespace fss
