#include "nn/embedding.h"

#include <algorithm>
#include <span>
#include <string_view>
#include <type_traits>

#include "core/error.h"

namespace fss {
namespace {

std::span<const uint64_t> values_of(const Tensor& tensor) { return tensor.data(); }
std::span<const float> values_of(const FloatTensor& tensor) { return tensor.values; }
const Shape& shape_of(const Tensor& tensor) { return tensor.shape(); }
const Shape& shape_of(const FloatTensor& tensor) { return tensor.shape; }

template <typename T>
const T& table(const ModelConfig& config, const std::optional<T>& slot, std::string_view what,
               int64_t rows) {
  if (!slot)
    fail(ErrorKind::kInvalidArgument, "model '{}': the weights have no {} table", config.name,
         what);
  const Shape expected{rows, config.hidden_size};
  if (shape_of(*slot) != expected)
    fail(ErrorKind::kInvalidArgument, "model '{}': the {} table is {}, expected {}", config.name,
         what, shape_of(*slot).to_string(), expected.to_string());
  if constexpr (std::is_same_v<T, Tensor>) {
    if (slot->fixed_point() != config.fixed_point)
      fail(ErrorKind::kInvalidArgument, "model '{}': the {} table is fixed point {}, expected {}",
           config.name, what, slot->fixed_point().to_string(), config.fixed_point.to_string());
  }
  return *slot;
}

void check_ids(const ModelConfig& config, const std::vector<int64_t>& ids, std::string_view what,
               int64_t limit) {
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i] < 0 || ids[i] >= limit)
      fail(ErrorKind::kInvalidArgument, "model '{}': {} {} at flat index {} is outside [0, {})",
           config.name, what, ids[i], i, limit);
}

void check_tokens(const ModelConfig& config, const TokenBatch& tokens) {
  if (tokens.batch <= 0 || tokens.length <= 0)
    fail(ErrorKind::kInvalidArgument, "model '{}': batch {} and length {} must both be > 0",
         config.name, tokens.batch, tokens.length);
  if (tokens.length > config.max_positions)
    fail(ErrorKind::kInvalidArgument,
         "model '{}': sequence length {} exceeds the model's maximum of {} positions", config.name,
         tokens.length, config.max_positions);
  const size_t count = static_cast<size_t>(tokens.batch * tokens.length);
  const auto check_size = [&](const std::vector<int64_t>& ids, std::string_view what) {
    if (ids.size() != count)
      fail(ErrorKind::kInvalidArgument, "model '{}': {} {} for batch {} x length {}", config.name,
           ids.size(), what, tokens.batch, tokens.length);
  };
  check_size(tokens.token_ids, "token ids");
  check_ids(config, tokens.token_ids, "token id", config.vocab_size);
  if (!tokens.token_type_ids.empty()) {
    if (config.type_vocab_size == 0)
      fail(ErrorKind::kInvalidArgument, "model '{}' has no token types, but some were given",
           config.name);
    check_size(tokens.token_type_ids, "token type ids");
    check_ids(config, tokens.token_type_ids, "token type", config.type_vocab_size);
  }
  if (!tokens.position_ids.empty()) {
    check_size(tokens.position_ids, "position ids");
    check_ids(config, tokens.position_ids, "position", config.max_positions);
  }
}

// out[token] = word[id] (+ position[pos]) (+ type[type]), each row `hidden` wide; `add`
// accumulates one row into another. The tokens are checked already.
template <typename T, typename Value, typename Add>
void sum_embeddings(const ModelConfig& config, const ModelWeightsOf<T>& weights,
                    const TokenBatch& tokens, std::span<Value> out, Add add) {
  const size_t hidden = static_cast<size_t>(config.hidden_size);
  const auto row = [&](const T& table, int64_t index) {
    return values_of(table).subspan(static_cast<size_t>(index) * hidden, hidden);
  };
  const T& words = table(config, weights.word_embeddings, "word embedding", config.vocab_size);
  const T* positions = nullptr;
  if (config.position_encoding == PositionEncoding::kLearned)
    positions =
        &table(config, weights.position_embeddings, "position embedding", config.max_positions);
  const T* types = nullptr;
  if (config.type_vocab_size > 0)
    types = &table(config, weights.token_type_embeddings, "token type embedding",
                   config.type_vocab_size);

  const size_t count = tokens.token_ids.size();
  for (size_t token = 0; token < count; ++token) {
    const std::span<Value> target = out.subspan(token * hidden, hidden);
    std::ranges::copy(row(words, tokens.token_ids[token]), target.begin());
    if (positions != nullptr) {
      const int64_t position = tokens.position_ids.empty()
                                   ? static_cast<int64_t>(token) % tokens.length
                                   : tokens.position_ids[token];
      add(target, row(*positions, position));
    }
    if (types != nullptr) {
      const int64_t type = tokens.token_type_ids.empty() ? 0 : tokens.token_type_ids[token];
      add(target, row(*types, type));
    }
  }
}

}  // namespace

Tensor embed_tokens(const ModelConfig& config, const ModelWeights& weights,
                    const TokenBatch& tokens) {
  check_tokens(config, tokens);
  Tensor result({tokens.batch, tokens.length, config.hidden_size}, config.fixed_point);
  const Ring ring = config.fixed_point.ring();
  sum_embeddings(config, weights, tokens, result.data(),
                 [&](std::span<uint64_t> target, std::span<const uint64_t> addend) {
                   for (size_t i = 0; i < target.size(); ++i)
                     target[i] = ring.add(target[i], addend[i]);
                 });
  return result;
}

FloatTensor embed_tokens_float(const ModelConfig& config, const FloatModelWeights& weights,
                               const TokenBatch& tokens) {
  check_tokens(config, tokens);
  FloatTensor result{"embedded tokens", Shape{tokens.batch, tokens.length, config.hidden_size}, {}};
  result.values.resize(result.shape.size());
  sum_embeddings(config, weights, tokens, std::span<float>(result.values),
                 [](std::span<float> target, std::span<const float> addend) {
                   for (size_t i = 0; i < target.size(); ++i) target[i] += addend[i];
                 });
  return result;
}

}  // namespace fss
