#include "nn/weights.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <functional>
#include <limits>
#include <set>

#include "core/error.h"
#include "safetensors_writer.h"

namespace fss {
namespace {

using testing::SafetensorsWriter;

// Where one stored Hugging Face tensor must land, written out by hand per family (independent
// of nn/weight_names.cc): the slot, whether the file holds it [out, in] (torch.nn.Linear), which
// part along the last axis it is (GPT-2's c_attn holds query, key, value), and whether it is a
// query tensor (scaled by 1/sqrt(head_dim) unless the model does not scale attention).
struct Mapping {
  std::string name;
  std::vector<int64_t> stored_shape;
  std::function<std::optional<FloatTensor>&(FloatModelWeights&)> slot;
  bool transposed = false;
  int part = 0;
  int parts = 1;
  bool query = false;
};

using Layer = FloatLayerWeights;
#define MODEL_SLOT(member) \
  [](FloatModelWeights& w) -> std::optional<FloatTensor>& { return w.member; }
#define LAYER_SLOT(index, member) \
  [=](FloatModelWeights& w) -> std::optional<FloatTensor>& { return w.layers[index].member; }

std::vector<Mapping> hugging_face_tensors(const ModelConfig& c) {
  const int64_t h = c.hidden_size, inner = c.intermediate_size, vocab = c.vocab_size,
                positions = c.max_positions;
  std::vector<Mapping> m;
  const auto at = [](int layer, const char* format, std::string_view name) {
    return fmt::format(fmt::runtime(format), layer) + std::string(name);
  };
  switch (c.family) {
    case ModelFamily::kBert:
      m.push_back({"embeddings.word_embeddings.weight", {vocab, h}, MODEL_SLOT(word_embeddings)});
      m.push_back({"embeddings.position_embeddings.weight",
                   {positions, h},
                   MODEL_SLOT(position_embeddings)});
      m.push_back(
          {"embeddings.token_type_embeddings.weight", {2, h}, MODEL_SLOT(token_type_embeddings)});
      m.push_back({"embeddings.LayerNorm.weight", {h}, MODEL_SLOT(embedding_norm_weight)});
      m.push_back({"embeddings.LayerNorm.bias", {h}, MODEL_SLOT(embedding_norm_bias)});
      for (int l = 0; l < c.num_layers; ++l) {
        const char* p = "encoder.layer.{}.";
        m.push_back({at(l, p, "attention.self.query.weight"),
                     {h, h},
                     LAYER_SLOT(l, query_weight),
                     true,
                     0,
                     1,
                     true});
        m.push_back({at(l, p, "attention.self.query.bias"),
                     {h},
                     LAYER_SLOT(l, query_bias),
                     false,
                     0,
                     1,
                     true});
        m.push_back(
            {at(l, p, "attention.self.key.weight"), {h, h}, LAYER_SLOT(l, key_weight), true});
        m.push_back({at(l, p, "attention.self.key.bias"), {h}, LAYER_SLOT(l, key_bias)});
        m.push_back(
            {at(l, p, "attention.self.value.weight"), {h, h}, LAYER_SLOT(l, value_weight), true});
        m.push_back({at(l, p, "attention.self.value.bias"), {h}, LAYER_SLOT(l, value_bias)});
        m.push_back({at(l, p, "attention.output.dense.weight"),
                     {h, h},
                     LAYER_SLOT(l, attention_output_weight),
                     true});
        m.push_back(
            {at(l, p, "attention.output.dense.bias"), {h}, LAYER_SLOT(l, attention_output_bias)});
        m.push_back({at(l, p, "attention.output.LayerNorm.weight"),
                     {h},
                     LAYER_SLOT(l, attention_norm_weight)});
        m.push_back(
            {at(l, p, "attention.output.LayerNorm.bias"), {h}, LAYER_SLOT(l, attention_norm_bias)});
        m.push_back(
            {at(l, p, "intermediate.dense.weight"), {inner, h}, LAYER_SLOT(l, up_weight), true});
        m.push_back({at(l, p, "intermediate.dense.bias"), {inner}, LAYER_SLOT(l, up_bias)});
        m.push_back(
            {at(l, p, "output.dense.weight"), {h, inner}, LAYER_SLOT(l, down_weight), true});
        m.push_back({at(l, p, "output.dense.bias"), {h}, LAYER_SLOT(l, down_bias)});
        m.push_back({at(l, p, "output.LayerNorm.weight"), {h}, LAYER_SLOT(l, mlp_norm_weight)});
        m.push_back({at(l, p, "output.LayerNorm.bias"), {h}, LAYER_SLOT(l, mlp_norm_bias)});
      }
      break;
    case ModelFamily::kGpt2:
      m.push_back({"wte.weight", {vocab, h}, MODEL_SLOT(word_embeddings)});
      m.push_back({"wpe.weight", {positions, h}, MODEL_SLOT(position_embeddings)});
      for (int l = 0; l < c.num_layers; ++l) {
        const char* p = "h.{}.";
        m.push_back({at(l, p, "ln_1.weight"), {h}, LAYER_SLOT(l, attention_norm_weight)});
        m.push_back({at(l, p, "ln_1.bias"), {h}, LAYER_SLOT(l, attention_norm_bias)});
        m.push_back({at(l, p, "attn.c_attn.weight"),
                     {h, 3 * h},
                     LAYER_SLOT(l, query_weight),
                     false,
                     0,
                     3,
                     true});
        m.push_back(
            {at(l, p, "attn.c_attn.weight"), {h, 3 * h}, LAYER_SLOT(l, key_weight), false, 1, 3});
        m.push_back(
            {at(l, p, "attn.c_attn.weight"), {h, 3 * h}, LAYER_SLOT(l, value_weight), false, 2, 3});
        m.push_back(
            {at(l, p, "attn.c_attn.bias"), {3 * h}, LAYER_SLOT(l, query_bias), false, 0, 3, true});
        m.push_back({at(l, p, "attn.c_attn.bias"), {3 * h}, LAYER_SLOT(l, key_bias), false, 1, 3});
        m.push_back(
            {at(l, p, "attn.c_attn.bias"), {3 * h}, LAYER_SLOT(l, value_bias), false, 2, 3});
        m.push_back(
            {at(l, p, "attn.c_proj.weight"), {h, h}, LAYER_SLOT(l, attention_output_weight)});
        m.push_back({at(l, p, "attn.c_proj.bias"), {h}, LAYER_SLOT(l, attention_output_bias)});
        m.push_back({at(l, p, "ln_2.weight"), {h}, LAYER_SLOT(l, mlp_norm_weight)});
        m.push_back({at(l, p, "ln_2.bias"), {h}, LAYER_SLOT(l, mlp_norm_bias)});
        m.push_back({at(l, p, "mlp.c_fc.weight"), {h, inner}, LAYER_SLOT(l, up_weight)});
        m.push_back({at(l, p, "mlp.c_fc.bias"), {inner}, LAYER_SLOT(l, up_bias)});
        m.push_back({at(l, p, "mlp.c_proj.weight"), {inner, h}, LAYER_SLOT(l, down_weight)});
        m.push_back({at(l, p, "mlp.c_proj.bias"), {h}, LAYER_SLOT(l, down_bias)});
      }
      m.push_back({"ln_f.weight", {h}, MODEL_SLOT(final_norm_weight)});
      m.push_back({"ln_f.bias", {h}, MODEL_SLOT(final_norm_bias)});
      break;
    case ModelFamily::kGptNeo:
      m.push_back({"wte.weight", {vocab, h}, MODEL_SLOT(word_embeddings)});
      m.push_back({"wpe.weight", {positions, h}, MODEL_SLOT(position_embeddings)});
      for (int l = 0; l < c.num_layers; ++l) {
        const char* p = "h.{}.";
        m.push_back({at(l, p, "ln_1.weight"), {h}, LAYER_SLOT(l, attention_norm_weight)});
        m.push_back({at(l, p, "ln_1.bias"), {h}, LAYER_SLOT(l, attention_norm_bias)});
        m.push_back({at(l, p, "attn.attention.q_proj.weight"),
                     {h, h},
                     LAYER_SLOT(l, query_weight),
                     true,
                     0,
                     1,
                     true});
        m.push_back(
            {at(l, p, "attn.attention.k_proj.weight"), {h, h}, LAYER_SLOT(l, key_weight), true});
        m.push_back(
            {at(l, p, "attn.attention.v_proj.weight"), {h, h}, LAYER_SLOT(l, value_weight), true});
        m.push_back({at(l, p, "attn.attention.out_proj.weight"),
                     {h, h},
                     LAYER_SLOT(l, attention_output_weight),
                     true});
        m.push_back(
            {at(l, p, "attn.attention.out_proj.bias"), {h}, LAYER_SLOT(l, attention_output_bias)});
        m.push_back({at(l, p, "ln_2.weight"), {h}, LAYER_SLOT(l, mlp_norm_weight)});
        m.push_back({at(l, p, "ln_2.bias"), {h}, LAYER_SLOT(l, mlp_norm_bias)});
        m.push_back({at(l, p, "mlp.c_fc.weight"), {inner, h}, LAYER_SLOT(l, up_weight), true});
        m.push_back({at(l, p, "mlp.c_fc.bias"), {inner}, LAYER_SLOT(l, up_bias)});
        m.push_back({at(l, p, "mlp.c_proj.weight"), {h, inner}, LAYER_SLOT(l, down_weight), true});
        m.push_back({at(l, p, "mlp.c_proj.bias"), {h}, LAYER_SLOT(l, down_bias)});
      }
      m.push_back({"ln_f.weight", {h}, MODEL_SLOT(final_norm_weight)});
      m.push_back({"ln_f.bias", {h}, MODEL_SLOT(final_norm_bias)});
      break;
    case ModelFamily::kLlama:
      m.push_back({"embed_tokens.weight", {vocab, h}, MODEL_SLOT(word_embeddings)});
      for (int l = 0; l < c.num_layers; ++l) {
        const char* p = "layers.{}.";
        m.push_back(
            {at(l, p, "input_layernorm.weight"), {h}, LAYER_SLOT(l, attention_norm_weight)});
        m.push_back({at(l, p, "self_attn.q_proj.weight"),
                     {h, h},
                     LAYER_SLOT(l, query_weight),
                     true,
                     0,
                     1,
                     true});
        m.push_back({at(l, p, "self_attn.k_proj.weight"), {h, h}, LAYER_SLOT(l, key_weight), true});
        m.push_back(
            {at(l, p, "self_attn.v_proj.weight"), {h, h}, LAYER_SLOT(l, value_weight), true});
        m.push_back({at(l, p, "self_attn.o_proj.weight"),
                     {h, h},
                     LAYER_SLOT(l, attention_output_weight),
                     true});
        m.push_back(
            {at(l, p, "post_attention_layernorm.weight"), {h}, LAYER_SLOT(l, mlp_norm_weight)});
        m.push_back(
            {at(l, p, "mlp.gate_proj.weight"), {inner, h}, LAYER_SLOT(l, gate_weight), true});
        m.push_back({at(l, p, "mlp.up_proj.weight"), {inner, h}, LAYER_SLOT(l, up_weight), true});
        m.push_back(
            {at(l, p, "mlp.down_proj.weight"), {h, inner}, LAYER_SLOT(l, down_weight), true});
      }
      m.push_back({"norm.weight", {h}, MODEL_SLOT(final_norm_weight)});
      break;
  }
  return m;
}

// Stored values k/256 with |k| <= 30: exact in F32, F16, BF16 and in fixed point with f = 12,
// also after the query scale 1/4 of the tiny models (head_dim 16).
float stored_value(size_t tensor_index, size_t flat) {
  const int k = static_cast<int>((flat * 7 + tensor_index * 13) % 61) - 30;
  return static_cast<float>(k) / 256.0f;
}

size_t element_count(const std::vector<int64_t>& shape) {
  size_t count = 1;
  for (int64_t dim : shape) count *= static_cast<size_t>(dim);
  return count;
}

// Every stored tensor once, in mapping order, values from stored_value(index in that order).
SafetensorsWriter checkpoint(const ModelConfig& config, std::string_view dtype = "F32",
                             std::string_view prefix = "") {
  SafetensorsWriter writer;
  std::set<std::string> written;
  for (const Mapping& mapping : hugging_face_tensors(config)) {
    if (!written.insert(mapping.name).second) continue;
    std::vector<float> values(element_count(mapping.stored_shape));
    for (size_t i = 0; i < values.size(); ++i) values[i] = stored_value(written.size() - 1, i);
    writer.add_values(std::string(prefix) + mapping.name, dtype, mapping.stored_shape, values);
  }
  return writer;
}

SafetensorsFile open(const SafetensorsWriter& writer) {
  return SafetensorsFile::from_bytes(writer.bytes(), "tiny.safetensors");
}

Error error_of(const auto& call) {
  try {
    call();
  } catch (const Error& error) {
    return error;
  }
  ADD_FAILURE() << "no fss::Error thrown";
  return Error(ErrorKind::kInternal, "none");
}

bool contains(const std::string& text, std::string_view fragment) {
  return text.find(fragment) != std::string::npos;
}

// Every slot the mappings name holds the stored tensor in forward layout; every other slot of
// the model is empty.
void expect_forward_layout(const ModelConfig& config, FloatModelWeights& weights) {
  ASSERT_TRUE(!config.scale_attention || config.head_dim() == 16);
  const double query_scale = config.scale_attention ? 0.25 : 1.0;  // 1/sqrt(16)
  ASSERT_EQ(weights.layers.size(), static_cast<size_t>(config.num_layers));
  std::vector<std::string> names;
  std::set<const std::optional<FloatTensor>*> expected_slots;
  for (const Mapping& mapping : hugging_face_tensors(config)) {
    if (names.empty() || names.back() != mapping.name) names.push_back(mapping.name);
    SCOPED_TRACE(mapping.name);
    const std::optional<FloatTensor>& slot = mapping.slot(weights);
    expected_slots.insert(&slot);
    ASSERT_TRUE(slot.has_value());
    // Stored [rows, cols] (a vector is one row); forward [in, out] = [rows', cols' / parts].
    const bool matrix = mapping.stored_shape.size() == 2;
    const int64_t stored_rows = matrix ? mapping.stored_shape[0] : 1;
    const int64_t stored_cols = mapping.stored_shape.back();
    const int64_t rows = mapping.transposed ? stored_cols : stored_rows;
    const int64_t cols = (mapping.transposed ? stored_rows : stored_cols) / mapping.parts;
    EXPECT_EQ(slot->shape, (matrix ? Shape{rows, cols} : Shape{cols}));
    ASSERT_EQ(slot->values.size(), static_cast<size_t>(rows * cols));
    const double scale = mapping.query ? query_scale : 1.0;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t col = 0; col < cols; ++col) {
        const int64_t wide_col = mapping.part * cols + col;  // column before the split
        const int64_t stored_flat =
            mapping.transposed ? wide_col * stored_cols + r : r * stored_cols + wide_col;
        const double expected = scale * stored_value(names.size() - 1, stored_flat);
        ASSERT_EQ(slot->values[r * cols + col], expected) << "at [" << r << ", " << col << "]";
      }
  }
  // The remaining slots are empty.
  const auto check_empty = [&](const std::optional<FloatTensor>& slot) {
    if (!expected_slots.contains(&slot)) {
      EXPECT_FALSE(slot.has_value());
    }
  };
  for (auto* slot :
       {&weights.word_embeddings, &weights.position_embeddings, &weights.token_type_embeddings,
        &weights.embedding_norm_weight, &weights.embedding_norm_bias, &weights.final_norm_weight,
        &weights.final_norm_bias})
    check_empty(*slot);
  for (Layer& l : weights.layers)
    for (auto* slot :
         {&l.attention_norm_weight, &l.attention_norm_bias, &l.query_weight, &l.key_weight,
          &l.value_weight, &l.query_bias, &l.key_bias, &l.value_bias, &l.attention_output_weight,
          &l.attention_output_bias, &l.mlp_norm_weight, &l.mlp_norm_bias, &l.up_weight,
          &l.gate_weight, &l.up_bias, &l.down_weight, &l.down_bias})
      check_empty(*slot);
}

const char* const kTinyModels[] = {"tiny-bert", "tiny-gpt2", "tiny-gpt-neo", "tiny-llama"};

TEST(WeightsTest, LoadsEveryFamilyIntoTheForwardLayout) {
  for (const char* name : kTinyModels) {
    SCOPED_TRACE(name);
    const ModelConfig& config = model_config(name);
    FloatModelWeights weights = load_float_weights(open(checkpoint(config)), config);
    expect_forward_layout(config, weights);
  }
}

TEST(WeightsTest, TransposesMatricesLargerThanATile) {
  ModelConfig config = model_config("tiny-gpt-neo");  // unscaled queries
  config.hidden_size = 96;
  config.intermediate_size = 200;  // c_fc is stored [200, 96]
  FloatModelWeights weights = load_float_weights(open(checkpoint(config)), config);
  expect_forward_layout(config, weights);
}

TEST(WeightsTest, HalfPrecisionAndPrefixedCheckpointsLoadTheSameValues) {
  const std::pair<const char*, const char*> prefixed[] = {{"tiny-bert", "bert."},
                                                          {"tiny-gpt2", "transformer."},
                                                          {"tiny-gpt-neo", "transformer."},
                                                          {"tiny-llama", "model."}};
  for (const auto& [name, prefix] : prefixed) {
    for (const char* dtype : {"F16", "BF16"}) {
      SCOPED_TRACE(std::string(name) + " " + prefix + " " + dtype);
      const ModelConfig& config = model_config(name);
      FloatModelWeights weights =
          load_float_weights(open(checkpoint(config, dtype, prefix)), config);
      expect_forward_layout(config, weights);
      EXPECT_EQ(weights.word_embeddings->name,
                std::string(prefix) + hugging_face_tensors(config)[0].name);
    }
  }
}

TEST(WeightsTest, FixedPointWeightsAreTheRoundedFloats) {
  const ModelConfig& config = model_config("tiny-gpt2");
  const SafetensorsFile file = open(checkpoint(config));
  const ModelWeights fixed = load_weights(file, config);
  const FloatModelWeights floats = load_float_weights(file, config);
  const Ring ring = config.fixed_point.ring();
  const auto expect_encoded = [&](const std::optional<Tensor>& tensor,
                                  const std::optional<FloatTensor>& source) {
    ASSERT_TRUE(tensor && source);
    EXPECT_EQ(tensor->shape(), source->shape);
    EXPECT_EQ(tensor->fixed_point(), config.fixed_point);
    for (size_t i = 0; i < source->values.size(); ++i)
      ASSERT_EQ(tensor->data()[i], ring.from_signed(std::llround(source->values[i] * 4096.0)));
  };
  expect_encoded(fixed.word_embeddings, floats.word_embeddings);
  expect_encoded(fixed.layers[1].query_weight, floats.layers[1].query_weight);
  expect_encoded(fixed.layers[0].down_bias, floats.layers[0].down_bias);
  expect_encoded(fixed.final_norm_bias, floats.final_norm_bias);
  // Spot value: a query weight of -30/256 scaled by 1/4 is -30 * 4 / 4096.
  EXPECT_EQ(ring.to_signed(fixed.layers[1].query_weight->data()[0]) % 4, 0);

  const ModelWeights converted = to_fixed_point(floats, config.fixed_point);
  EXPECT_EQ(converted.layers[1].value_weight->data()[5], fixed.layers[1].value_weight->data()[5]);
  EXPECT_FALSE(converted.token_type_embeddings.has_value());
}

TEST(WeightsTest, ReportsMissingMisshapedNonFloatAndExtraTensorsTogether) {
  const ModelConfig& config = model_config("tiny-bert");
  SafetensorsWriter writer;
  for (const Mapping& mapping : hugging_face_tensors(config)) {
    if (mapping.name == "encoder.layer.1.attention.self.key.bias") continue;  // missing
    if (mapping.name == "embeddings.LayerNorm.bias") continue;                // missing
    std::vector<int64_t> shape = mapping.stored_shape;
    if (mapping.name == "encoder.layer.0.intermediate.dense.weight")
      std::swap(shape[0], shape[1]);  // [in, out] where [out, in] is expected
    if (mapping.name == "encoder.layer.0.output.dense.bias") {
      writer.add_raw(mapping.name, "I32", shape, std::vector<uint8_t>(4 * element_count(shape)));
      continue;
    }
    writer.add_f32(mapping.name, shape, std::vector<float>(element_count(shape)));
  }
  writer.add_f32("pooler.dense.weight", {32, 32}, std::vector<float>(32 * 32));
  writer.add_f32("pooler.dense.bias", {32}, std::vector<float>(32));
  writer.add_raw("embeddings.position_ids", "I64", {1, 32}, std::vector<uint8_t>(8 * 32));

  const Error error = error_of([&] { load_weights(open(writer), config); });
  EXPECT_EQ(error.kind(), ErrorKind::kMismatch);
  const std::string message = error.what();
  EXPECT_TRUE(contains(message, "tiny.safetensors does not match model 'tiny-bert'")) << message;
  EXPECT_TRUE(contains(
      message, "2 missing: embeddings.LayerNorm.bias, encoder.layer.1.attention.self.key.bias"))
      << message;
  EXPECT_TRUE(contains(message,
                       "1 with the wrong shape: encoder.layer.0.intermediate.dense."
                       "weight is [32, 64], expected [64, 32]"))
      << message;
  EXPECT_TRUE(contains(message, "encoder.layer.0.output.dense.bias is I32")) << message;
  EXPECT_TRUE(contains(message, "2 unexpected")) << message;
  EXPECT_TRUE(contains(message, "pooler.dense.weight, pooler.dense.bias")) << message;
  EXPECT_FALSE(contains(message, "position_ids")) << "a known buffer is not unexpected";
  EXPECT_EQ(message.find('\n'), std::string::npos) << "one line";
}

TEST(WeightsTest, ExtraTensorsAreAnErrorUnlessAllowed) {
  const ModelConfig& config = model_config("tiny-gpt2");
  SafetensorsWriter writer = checkpoint(config);
  writer.add_f32("lm_head.weight", {64, 32}, std::vector<float>(64 * 32));
  writer.add_raw("h.0.attn.bias", "BOOL", {1, 1, 32, 32}, std::vector<uint8_t>(32 * 32));
  writer.add_f32("h.1.attn.masked_bias", {}, {-1e4f});
  const SafetensorsFile file = open(writer);
  const Error error = error_of([&] { load_weights(file, config); });
  EXPECT_EQ(error.kind(), ErrorKind::kMismatch);
  EXPECT_TRUE(contains(error.what(),
                       "1 unexpected (allow extra tensors to ignore them): "
                       "lm_head.weight"))
      << error.what();
  const ModelWeights weights = load_weights(file, config, {.allow_extra = true});
  EXPECT_EQ(weights.layers.size(), 2u);
}

TEST(WeightsTest, LongProblemListsAreShortened) {
  // Llama names in a GPT-2 file: everything is missing and everything is unexpected.
  const Error error = error_of([] {
    load_weights(open(checkpoint(model_config("tiny-llama"))), model_config("tiny-gpt2"));
  });
  EXPECT_EQ(error.kind(), ErrorKind::kMismatch);
  const std::string message = error.what();
  EXPECT_TRUE(contains(message, "28 missing: wte.weight, wpe.weight, h.0.ln_1.weight,")) << message;
  EXPECT_TRUE(contains(message, "... and 20 more")) << message;
  EXPECT_TRUE(contains(message, "20 unexpected")) << message;
  EXPECT_TRUE(contains(message, "... and 12 more")) << message;
}

TEST(WeightsTest, ValuesOutsideTheRingAreErrorsNamingTheTensor) {
  const ModelConfig& config = model_config("tiny-bert");  // n = 37: |v| < 2^24
  for (const float bad :
       {3e7f, -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()}) {
    SCOPED_TRACE(bad);
    SafetensorsWriter writer;
    for (const Mapping& mapping : hugging_face_tensors(config)) {
      std::vector<float> values(element_count(mapping.stored_shape));
      if (mapping.name == "encoder.layer.1.output.dense.bias") values[5] = bad;
      writer.add_f32(mapping.name, mapping.stored_shape, values);
    }
    const SafetensorsFile file = open(writer);
    const Error error = error_of([&] { load_weights(file, config); });
    EXPECT_EQ(error.kind(), ErrorKind::kInvalidArgument);
    EXPECT_TRUE(contains(error.what(), "tiny.safetensors")) << error.what();
    EXPECT_TRUE(contains(error.what(), "'encoder.layer.1.output.dense.bias', flat index 5"))
        << error.what();
    EXPECT_NO_THROW(load_float_weights(file, config));  // floats hold any value
  }
}

TEST(WeightsTest, ToFixedPointNamesTheFirstBadValue) {
  FloatTensor tensor{"w", Shape{2, 3}, {0.5f, 1e9f, 0.25f, 0.0f, 1e9f, 1.0f}};
  const Error error = error_of([&] { to_fixed_point(tensor, FixedPoint{37, 12}); });
  EXPECT_EQ(error.kind(), ErrorKind::kInvalidArgument);
  EXPECT_TRUE(contains(error.what(), "weight 'w', flat index 1")) << error.what();
  tensor.values[1] = tensor.values[4] = -0.5f;
  const Tensor fixed = to_fixed_point(tensor, FixedPoint{37, 12});
  const Ring ring{37};
  EXPECT_EQ(fixed.data()[0], 2048u);
  EXPECT_EQ(fixed.data()[1], ring.from_signed(-2048));
  EXPECT_EQ(fixed.data()[5], 4096u);
}

// Shapes of every slot of a model in forward layout, from the config alone.
void expect_real_shapes(const ModelConfig& c, const ModelWeights& w) {
  const int64_t h = c.hidden_size, inner = c.intermediate_size;
  EXPECT_EQ(w.word_embeddings->shape(), (Shape{c.vocab_size, h}));
  EXPECT_EQ(w.position_embeddings.has_value(), c.position_encoding == PositionEncoding::kLearned);
  EXPECT_EQ(w.final_norm_weight.has_value(), c.norm_placement == NormPlacement::kPreNorm);
  EXPECT_EQ(w.embedding_norm_weight.has_value(), c.norm_placement == NormPlacement::kPostNorm);
  ASSERT_EQ(w.layers.size(), static_cast<size_t>(c.num_layers));
  for (const LayerWeights& l : w.layers) {
    EXPECT_EQ(l.query_weight->shape(), (Shape{h, h}));
    EXPECT_EQ(l.value_weight->shape(), (Shape{h, h}));
    EXPECT_EQ(l.attention_output_weight->shape(), (Shape{h, h}));
    EXPECT_EQ(l.up_weight->shape(), (Shape{h, inner}));
    EXPECT_EQ(l.down_weight->shape(), (Shape{inner, h}));
    EXPECT_EQ(l.mlp_norm_weight->shape(), (Shape{h}));
    EXPECT_EQ(l.gate_weight.has_value(), c.activation == Activation::kSiluGated);
    EXPECT_EQ(l.down_bias.has_value(), c.family != ModelFamily::kLlama);
    EXPECT_EQ(l.query_bias.has_value(),
              c.family == ModelFamily::kBert || c.family == ModelFamily::kGpt2);
  }
}

TEST(WeightsTest, RandomWeightsHaveRealShapesAndAreDeterministic) {
  for (const char* name : kTinyModels) {
    SCOPED_TRACE(name);
    const ModelConfig& config = model_config(name);
    const ModelWeights a = random_weights(config, 7);
    expect_real_shapes(config, a);
    const ModelWeights b = random_weights(config, 7);
    const ModelWeights other = random_weights(config, 8);
    EXPECT_TRUE(std::ranges::equal(a.word_embeddings->data(), b.word_embeddings->data()));
    EXPECT_TRUE(
        std::ranges::equal(a.layers[1].down_weight->data(), b.layers[1].down_weight->data()));
    EXPECT_FALSE(
        std::ranges::equal(a.layers[1].down_weight->data(), other.layers[1].down_weight->data()));
    // Per-layer generation and float generation give the same bits.
    const LayerWeights layer = random_layer_weights(config, 7, 1);
    EXPECT_TRUE(std::ranges::equal(layer.up_weight->data(), a.layers[1].up_weight->data()));
    EXPECT_TRUE(
        std::ranges::equal(layer.mlp_norm_weight->data(), a.layers[1].mlp_norm_weight->data()));
    const ModelWeights via_floats =
        to_fixed_point(random_float_weights(config, 7), config.fixed_point);
    EXPECT_TRUE(std::ranges::equal(via_floats.layers[0].query_weight->data(),
                                   a.layers[0].query_weight->data()));
  }
  EXPECT_EQ(error_of([] { random_layer_weights(model_config("tiny-bert"), 1, 2); }).kind(),
            ErrorKind::kInvalidArgument);
}

TEST(WeightsTest, RandomWeightsDoNotDependOnTheThreadCount) {
  const ModelConfig& config = model_config("bert-tiny");  // 3.9M word-embedding values
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const FloatModelWeights serial = random_float_weights(config, 3);
  omp_set_num_threads(std::max(threads, 3));
  const FloatModelWeights parallel = random_float_weights(config, 3);
  omp_set_num_threads(threads);
  EXPECT_EQ(serial.word_embeddings->values, parallel.word_embeddings->values);
  EXPECT_EQ(serial.layers[1].up_weight->values, parallel.layers[1].up_weight->values);

  // Realistic scale: N(0, 0.02^2), gains 1 + N(0, 0.02^2), queries scaled by 1/sqrt(64).
  const auto moments = [](const std::vector<float>& values) {
    double sum = 0, sum_squares = 0;
    for (float v : values) sum += v;
    const double mean = sum / values.size();
    for (float v : values) sum_squares += (v - mean) * (v - mean);
    return std::pair(mean, std::sqrt(sum_squares / values.size()));
  };
  const auto [mean, stddev] = moments(serial.word_embeddings->values);
  EXPECT_NEAR(mean, 0.0, 1e-4);
  EXPECT_NEAR(stddev, 0.02, 1e-4);
  const auto [query_mean, query_stddev] = moments(serial.layers[0].query_weight->values);
  EXPECT_NEAR(query_mean, 0.0, 1e-3 / 8);
  EXPECT_NEAR(query_stddev, 0.02 / 8, 0.02 / 8 * 0.02);
  const auto [gain_mean, gain_stddev] = moments(serial.layers[0].attention_norm_weight->values);
  EXPECT_NEAR(gain_mean, 1.0, 0.01);
  EXPECT_NEAR(gain_stddev, 0.02, 0.006);
}

}  // namespace
}  // namespace fss
