#include "nn/float_forward.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace fss {
namespace {

using Matrix = std::vector<double>;  // row-major [rows, cols]

const std::vector<float>& values(const std::optional<FloatTensor>& t, const char* what) {
  FSS_CHECK(t.has_value(), "float forward: missing {}", what);
  return t->values;
}

// y[rows, out] = x[rows, in] w[in, out] (+ b[out]).
Matrix linear(const Matrix& x, int64_t rows, int64_t in, const std::optional<FloatTensor>& w,
              const std::optional<FloatTensor>& b, int64_t out) {
  const std::vector<float>& wv = values(w, "linear weight");
  Matrix y(rows * out, 0.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < in; ++k) {
      const double a = x[r * in + k];
      for (int64_t c = 0; c < out; ++c) y[r * out + c] += a * wv[k * out + c];
    }
  if (b)
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < out; ++c) y[r * out + c] += b->values[c];
  return y;
}

Matrix norm(const ModelConfig& config, const Matrix& x, int64_t rows, int64_t h,
            const std::optional<FloatTensor>& gain, const std::optional<FloatTensor>& bias) {
  Matrix y(x.size());
  for (int64_t r = 0; r < rows; ++r) {
    const double* row = &x[r * h];
    double mean = 0;
    if (config.norm == NormKind::kLayerNorm) {
      for (int64_t j = 0; j < h; ++j) mean += row[j];
      mean /= h;
    }
    double var = 0;
    for (int64_t j = 0; j < h; ++j) var += (row[j] - mean) * (row[j] - mean);
    const double scale = 1.0 / std::sqrt(var / h + config.norm_epsilon);
    for (int64_t j = 0; j < h; ++j)
      y[r * h + j] =
          (row[j] - mean) * scale * values(gain, "norm gain")[j] + (bias ? bias->values[j] : 0.0);
  }
  return y;
}

double activation(Activation kind, double v) {
  switch (kind) {
    case Activation::kGeluErf:
      return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
    case Activation::kGeluTanh:
      return 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
    case Activation::kSiluGated:
      return v / (1 + std::exp(-v));
  }
  return v;
}

// HF "rotate half" rotary embedding of one head vector at position `pos`.
void rotate(double* head, int64_t d, int64_t pos, double base) {
  std::vector<double> out(d);
  for (int64_t j = 0; j < d; ++j) {
    const int64_t i = j % (d / 2);
    const double angle = pos * std::pow(base, -2.0 * i / d);
    const double partner = j < d / 2 ? -head[j + d / 2] : head[j - d / 2];
    out[j] = head[j] * std::cos(angle) + partner * std::sin(angle);
  }
  std::copy(out.begin(), out.end(), head);
}

// window > 0: local attention, query i sees keys i - window < j <= i.
Matrix attention(const ModelConfig& config, const FloatLayerWeights& w, const Matrix& x,
                 int64_t batch, int64_t seq, int64_t window) {
  const int64_t h = config.hidden_size, heads = config.num_heads, d = config.head_dim();
  const int64_t rows = batch * seq;
  Matrix q = linear(x, rows, h, w.query_weight, w.query_bias, h);
  Matrix k = linear(x, rows, h, w.key_weight, w.key_bias, h);
  const Matrix v = linear(x, rows, h, w.value_weight, w.value_bias, h);
  if (config.position_encoding == PositionEncoding::kRotary)
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t head = 0; head < heads; ++head) {
        rotate(&q[r * h + head * d], d, r % seq, config.rope_theta);
        rotate(&k[r * h + head * d], d, r % seq, config.rope_theta);
      }
  const bool causal = config.attention_mask == AttentionMask::kCausal;
  Matrix context(rows * h, 0.0);
  std::vector<double> scores(seq);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t head = 0; head < heads; ++head)
      for (int64_t i = 0; i < seq; ++i) {
        const int64_t last = causal ? i : seq - 1;
        const int64_t first = window > 0 && i >= window ? i - window + 1 : 0;
        double top = -INFINITY;
        for (int64_t j = first; j <= last; ++j) {
          double s = 0;
          for (int64_t t = 0; t < d; ++t)
            s += q[(b * seq + i) * h + head * d + t] * k[(b * seq + j) * h + head * d + t];
          scores[j] = s;
          top = std::max(top, s);
        }
        double sum = 0;
        for (int64_t j = first; j <= last; ++j) sum += scores[j] = std::exp(scores[j] - top);
        for (int64_t j = first; j <= last; ++j)
          for (int64_t t = 0; t < d; ++t)
            context[(b * seq + i) * h + head * d + t] +=
                scores[j] / sum * v[(b * seq + j) * h + head * d + t];
      }
  return linear(context, rows, h, w.attention_output_weight, w.attention_output_bias, h);
}

Matrix mlp(const ModelConfig& config, const FloatLayerWeights& w, const Matrix& x, int64_t rows) {
  const int64_t h = config.hidden_size, m = config.intermediate_size;
  Matrix up = linear(x, rows, h, w.up_weight, w.up_bias, m);
  if (config.activation == Activation::kSiluGated) {
    const Matrix gate = linear(x, rows, h, w.gate_weight, std::nullopt, m);
    for (size_t i = 0; i < up.size(); ++i) up[i] *= activation(config.activation, gate[i]);
  } else {
    for (double& u : up) u = activation(config.activation, u);
  }
  return linear(up, rows, m, w.down_weight, w.down_bias, h);
}

Matrix add(Matrix a, const Matrix& b) {
  for (size_t i = 0; i < a.size(); ++i) a[i] += b[i];
  return a;
}

}  // namespace

std::vector<double> float_transformer_forward(const ModelConfig& config,
                                              const FloatModelWeights& weights,
                                              const std::vector<double>& x, int64_t batch,
                                              int64_t seq_len) {
  const int64_t h = config.hidden_size, rows = batch * seq_len;
  FSS_CHECK(static_cast<int64_t>(x.size()) == rows * h, "float forward: input size");
  Matrix hidden = x;
  if (config.norm_placement == NormPlacement::kPostNorm)
    hidden =
        norm(config, hidden, rows, h, weights.embedding_norm_weight, weights.embedding_norm_bias);
  for (size_t layer = 0; layer < weights.layers.size(); ++layer) {
    const FloatLayerWeights& w = weights.layers[layer];
    const int64_t window =
        config.is_local_layer(static_cast<int>(layer)) ? config.local_attention_window : 0;
    if (config.norm_placement == NormPlacement::kPostNorm) {
      hidden = norm(config, add(hidden, attention(config, w, hidden, batch, seq_len, window)), rows,
                    h, w.attention_norm_weight, w.attention_norm_bias);
      hidden = norm(config, add(hidden, mlp(config, w, hidden, rows)), rows, h, w.mlp_norm_weight,
                    w.mlp_norm_bias);
    } else {
      const Matrix a =
          norm(config, hidden, rows, h, w.attention_norm_weight, w.attention_norm_bias);
      hidden = add(hidden, attention(config, w, a, batch, seq_len, window));
      const Matrix m = norm(config, hidden, rows, h, w.mlp_norm_weight, w.mlp_norm_bias);
      hidden = add(hidden, mlp(config, w, m, rows));
    }
  }
  if (config.norm_placement == NormPlacement::kPreNorm)
    hidden = norm(config, hidden, rows, h, weights.final_norm_weight, weights.final_norm_bias);
  return hidden;
}

ApproximationError compare_outputs(const std::vector<double>& secure,
                                   const std::vector<double>& reference) {
  FSS_CHECK(secure.size() == reference.size() && !secure.empty());
  ApproximationError e;
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < secure.size(); ++i) {
    const double diff = std::abs(secure[i] - reference[i]);
    e.max_abs = std::max(e.max_abs, diff);
    e.mean_abs += diff;
    dot += secure[i] * reference[i];
    na += secure[i] * secure[i];
    nb += reference[i] * reference[i];
  }
  e.mean_abs /= static_cast<double>(secure.size());
  e.cosine = (na > 0 && nb > 0) ? dot / std::sqrt(na * nb) : 0.0;
  return e;
}

}  // namespace fss
