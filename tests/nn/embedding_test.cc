#include "nn/embedding.h"

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"

namespace fss {
namespace {

// A BERT-shaped model small enough to compute by hand: hidden 2, vocabulary 4, 3 positions,
// 2 token types, ring n = 37, f = 12.
ModelConfig hand_bert() {
  ModelConfig config = model_config("tiny-bert");
  config.name = "hand-bert";
  config.hidden_size = 2;
  config.num_heads = 1;
  config.vocab_size = 4;
  config.max_positions = 3;
  return config;
}

FloatModelWeights hand_tables(bool with_positions, bool with_types) {
  FloatModelWeights weights;
  weights.word_embeddings =
      FloatTensor{"word", Shape{4, 2}, {0.5f, -1.0f, 0.25f, 2.0f, -0.75f, 0.125f, 3.0f, -3.0f}};
  if (with_positions)
    weights.position_embeddings =
        FloatTensor{"position", Shape{3, 2}, {0.0f, 0.5f, -0.5f, 1.0f, 1.5f, -0.25f}};
  if (with_types)
    weights.token_type_embeddings = FloatTensor{"type", Shape{2, 2}, {0.0f, 0.0f, 1.0f, -1.0f}};
  return weights;
}

TokenBatch make_tokens(int64_t batch, int64_t length, std::vector<int64_t> ids,
                       std::vector<int64_t> types = {}, std::vector<int64_t> positions = {}) {
  return TokenBatch{batch, length, std::move(ids), std::move(types), std::move(positions)};
}

// Ring element of v * 4096 in Z_{2^37}.
uint64_t fixed(double v) { return Ring{37}.from_signed(static_cast<int64_t>(v * 4096)); }

Error error_of(const auto& call) {
  try {
    call();
  } catch (const Error& error) {
    return error;
  }
  ADD_FAILURE() << "no fss::Error thrown";
  return Error(ErrorKind::kInternal, "none");
}

TEST(EmbeddingTest, SumsWordPositionAndTypeEmbeddings) {
  const ModelConfig config = hand_bert();
  const FloatModelWeights floats = hand_tables(true, true);
  const ModelWeights weights = to_fixed_point(floats, config.fixed_point);
  // Two sequences of length 3: ids {2, 0, 3} and {1, 1, 0}; types {0, 1, 1} and {0, 0, 0}.
  const TokenBatch tokens = make_tokens(2, 3, {2, 0, 3, 1, 1, 0}, {0, 1, 1, 0, 0, 0});
  // word[id] + position[l] + type[t], by hand:
  const double expected[2][3][2] = {{{-0.75 + 0.0 + 0.0, 0.125 + 0.5 + 0.0},  // id 2, pos 0, type 0
                                     {0.5 - 0.5 + 1.0, -1.0 + 1.0 - 1.0},     // id 0, pos 1, type 1
                                     {3.0 + 1.5 + 1.0, -3.0 - 0.25 - 1.0}},   // id 3, pos 2, type 1
                                    {{0.25 + 0.0, 2.0 + 0.5},                 // id 1, pos 0
                                     {0.25 - 0.5, 2.0 + 1.0},                 // id 1, pos 1
                                     {0.5 + 1.5, -1.0 - 0.25}}};              // id 0, pos 2
  const Tensor embedded = embed_tokens(config, weights, tokens);
  ASSERT_EQ(embedded.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(embedded.fixed_point(), config.fixed_point);
  const FloatTensor embedded_float = embed_tokens_float(config, floats, tokens);
  ASSERT_EQ(embedded_float.shape, (Shape{2, 3, 2}));
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t l = 0; l < 3; ++l)
      for (int64_t h = 0; h < 2; ++h) {
        EXPECT_EQ(embedded.at({b, l, h}), fixed(expected[b][l][h])) << b << l << h;
        EXPECT_EQ(embedded_float.values[(b * 3 + l) * 2 + h], expected[b][l][h]) << b << l << h;
      }

  // Without token types every token has type 0; explicit positions replace 0, 1, 2.
  const TokenBatch untyped = make_tokens(1, 2, {3, 3}, {}, {2, 0});
  const Tensor shifted = embed_tokens(config, weights, untyped);
  EXPECT_EQ(shifted.at({0, 0, 0}), fixed(3.0 + 1.5));
  EXPECT_EQ(shifted.at({0, 0, 1}), fixed(-3.0 - 0.25));
  EXPECT_EQ(shifted.at({0, 1, 0}), fixed(3.0 + 0.0));
  EXPECT_EQ(shifted.at({0, 1, 1}), fixed(-3.0 + 0.5));
}

TEST(EmbeddingTest, RotaryModelsEmbedWordsOnly) {
  ModelConfig config = model_config("tiny-llama");
  config.hidden_size = 2;
  config.num_heads = 1;
  config.vocab_size = 4;
  config.fixed_point = {37, 12};
  const ModelWeights weights = to_fixed_point(hand_tables(false, false), config.fixed_point);
  const Tensor embedded = embed_tokens(config, weights, make_tokens(1, 2, {1, 3}));
  EXPECT_EQ(embedded.at({0, 0, 0}), fixed(0.25));
  EXPECT_EQ(embedded.at({0, 0, 1}), fixed(2.0));
  EXPECT_EQ(embedded.at({0, 1, 0}), fixed(3.0));
  EXPECT_EQ(embedded.at({0, 1, 1}), fixed(-3.0));
}

TEST(EmbeddingTest, RejectsBadTokens) {
  const ModelConfig config = hand_bert();
  const ModelWeights weights = to_fixed_point(hand_tables(true, true), config.fixed_point);
  const auto rejects = [&](const TokenBatch& tokens, const char* fragment) {
    SCOPED_TRACE(fragment);
    const Error error = error_of([&] { embed_tokens(config, weights, tokens); });
    EXPECT_EQ(error.kind(), ErrorKind::kInvalidArgument);
    const std::string message = error.what();
    EXPECT_NE(message.find("hand-bert"), std::string::npos) << message;
    EXPECT_NE(message.find(fragment), std::string::npos) << message;
  };
  rejects(make_tokens(1, 4, {0, 1, 2, 3}),
          "sequence length 4 exceeds the model's maximum of 3 positions");
  rejects(make_tokens(1, 2, {0, 4}), "token id 4 at flat index 1");
  rejects(make_tokens(1, 2, {-1, 0}), "token id -1");
  rejects(make_tokens(2, 2, {0, 1, 2}), "3 token ids for batch 2 x length 2");
  rejects(make_tokens(0, 2, {}), "must both be > 0");
  rejects(make_tokens(1, 2, {0, 1}, {0, 2}), "token type 2");
  rejects(make_tokens(1, 2, {0, 1}, {0}), "1 token type ids");
  rejects(make_tokens(1, 2, {0, 1}, {}, {0, 3}), "position 3");

  ModelConfig gpt = model_config("tiny-gpt2");
  gpt.name = "hand-gpt";
  gpt.hidden_size = 2;
  gpt.num_heads = 1;
  gpt.vocab_size = 4;
  gpt.max_positions = 3;
  gpt.fixed_point = config.fixed_point;
  const Error types = error_of([&] { embed_tokens(gpt, weights, make_tokens(1, 1, {0}, {0})); });
  EXPECT_NE(std::string(types.what()).find("has no token types"), std::string::npos);

  const ModelWeights no_positions = to_fixed_point(hand_tables(false, true), config.fixed_point);
  const Error missing =
      error_of([&] { embed_tokens(config, no_positions, make_tokens(1, 1, {0})); });
  EXPECT_NE(std::string(missing.what()).find("no position embedding table"), std::string::npos)
      << missing.what();

  const ModelWeights other_ring = to_fixed_point(hand_tables(true, true), FixedPoint{50, 12});
  const Error ring = error_of([&] { embed_tokens(config, other_ring, make_tokens(1, 1, {0})); });
  EXPECT_NE(std::string(ring.what()).find("is fixed point n=50, f=12, expected n=37, f=12"),
            std::string::npos)
      << ring.what();
}

TEST(EmbeddingTest, RandomWeightsEmbedWithTheRealShapes) {
  const ModelConfig& config = model_config("tiny-gpt2");
  const ModelWeights weights = random_weights(config, 11);
  std::vector<int64_t> ids;
  for (int64_t i = 0; i < 15; ++i) ids.push_back((i * 17) % config.vocab_size);
  const TokenBatch tokens = make_tokens(3, 5, ids);
  const Tensor embedded = embed_tokens(config, weights, tokens);
  EXPECT_EQ(embedded.shape(), (Shape{3, 5, config.hidden_size}));
  // Token (b=2, l=4) has id (14 * 17) % 64 = 46 and position 4.
  const Ring ring = config.fixed_point.ring();
  for (int64_t h = 0; h < config.hidden_size; ++h)
    EXPECT_EQ(embedded.at({2, 4, h}), ring.add(weights.word_embeddings->at({46, h}),
                                               weights.position_embeddings->at({4, h})));
}

}  // namespace
}  // namespace fss
