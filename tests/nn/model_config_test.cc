#include "nn/model_config.h"

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"

namespace fss {
namespace {

// Dimensions from each model's Hugging Face config.json (num_hidden_layers / n_layer,
// hidden_size / n_embd, num_attention_heads / n_head, intermediate_size / n_inner (GPT-2 and
// GPT-Neo: 4 * hidden when null), vocab_size, max_position_embeddings / n_positions,
// type_vocab_size) and bit-widths from SIGMA (PROTOCOLS.md §0).
struct Expected {
  const char* name;
  ModelFamily family;
  int layers, hidden, heads, intermediate, vocab, positions, types, n;
};

constexpr Expected kPublished[] = {
    {"bert-tiny", ModelFamily::kBert, 2, 128, 2, 512, 30522, 512, 2, 37},
    {"bert-base", ModelFamily::kBert, 12, 768, 12, 3072, 30522, 512, 2, 50},
    {"bert-large", ModelFamily::kBert, 24, 1024, 16, 4096, 30522, 512, 2, 50},
    // sentence-transformers/all-MiniLM-L6-v2; n as bert-base.
    {"all-minilm-l6-v2", ModelFamily::kBert, 6, 384, 12, 1536, 30522, 512, 2, 50},
    {"gpt2", ModelFamily::kGpt2, 12, 768, 12, 3072, 50257, 1024, 0, 50},
    {"gpt-neo-1.3B", ModelFamily::kGptNeo, 24, 2048, 16, 8192, 50257, 2048, 0, 51},
    {"llama2-7b", ModelFamily::kLlama, 32, 4096, 32, 11008, 32000, 4096, 0, 48},
    {"llama2-13b", ModelFamily::kLlama, 40, 5120, 40, 13824, 32000, 4096, 0, 48},
};

TEST(ModelConfigTest, PublishedModelsHaveTheirHuggingFaceDimensions) {
  for (const Expected& expected : kPublished) {
    SCOPED_TRACE(expected.name);
    const ModelConfig& config = model_config(expected.name);
    EXPECT_EQ(config.name, expected.name);
    EXPECT_EQ(config.family, expected.family);
    EXPECT_EQ(config.num_layers, expected.layers);
    EXPECT_EQ(config.hidden_size, expected.hidden);
    EXPECT_EQ(config.num_heads, expected.heads);
    EXPECT_EQ(config.intermediate_size, expected.intermediate);
    EXPECT_EQ(config.vocab_size, expected.vocab);
    EXPECT_EQ(config.max_positions, expected.positions);
    EXPECT_EQ(config.type_vocab_size, expected.types);
    EXPECT_EQ(config.fixed_point, (FixedPoint{expected.n, 12}));
    EXPECT_EQ(config.head_dim() * config.num_heads, config.hidden_size);
    EXPECT_NO_THROW(config.validate());
  }
  EXPECT_EQ(model_config("bert-tiny").head_dim(), 64);
  EXPECT_EQ(model_config("llama2-7b").head_dim(), 128);
  EXPECT_EQ(model_config("llama2-13b").head_dim(), 128);
  EXPECT_EQ(model_config("gpt-neo-1.3B").head_dim(), 128);
}

TEST(ModelConfigTest, FamiliesHaveTheirArchitecture) {
  for (const char* name :
       {"bert-tiny", "bert-base", "bert-large", "all-minilm-l6-v2", "tiny-bert"}) {
    SCOPED_TRACE(name);
    const ModelConfig& bert = model_config(name);
    EXPECT_EQ(bert.activation, Activation::kGeluErf);
    EXPECT_EQ(bert.norm, NormKind::kLayerNorm);
    EXPECT_EQ(bert.norm_placement, NormPlacement::kPostNorm);
    EXPECT_EQ(bert.norm_epsilon, 1e-12);
    EXPECT_EQ(bert.position_encoding, PositionEncoding::kLearned);
    EXPECT_EQ(bert.attention_mask, AttentionMask::kBidirectional);
    EXPECT_EQ(bert.local_attention_window, 0);
    EXPECT_TRUE(bert.scale_attention);
  }
  for (const char* name : {"gpt2", "tiny-gpt2", "gpt-neo-1.3B", "tiny-gpt-neo"}) {
    SCOPED_TRACE(name);
    const ModelConfig& gpt = model_config(name);
    EXPECT_EQ(gpt.activation, Activation::kGeluTanh);  // "gelu_new"
    EXPECT_EQ(gpt.norm, NormKind::kLayerNorm);
    EXPECT_EQ(gpt.norm_placement, NormPlacement::kPreNorm);
    EXPECT_EQ(gpt.norm_epsilon, 1e-5);
    EXPECT_EQ(gpt.position_encoding, PositionEncoding::kLearned);
    EXPECT_EQ(gpt.attention_mask, AttentionMask::kCausal);
  }
  EXPECT_TRUE(model_config("gpt2").scale_attention);
  EXPECT_FALSE(model_config("gpt2").is_local_layer(1));

  const ModelConfig& neo = model_config("gpt-neo-1.3B");
  EXPECT_FALSE(neo.scale_attention);
  EXPECT_EQ(neo.local_attention_window, 256);
  // attention_types [[["global", "local"], 12]]: layer 0 global, 1 local, ...
  for (int layer = 0; layer < neo.num_layers; ++layer)
    EXPECT_EQ(neo.is_local_layer(layer), layer % 2 == 1) << layer;

  for (const char* name : {"llama2-7b", "llama2-13b", "tiny-llama"}) {
    SCOPED_TRACE(name);
    const ModelConfig& llama = model_config(name);
    EXPECT_EQ(llama.activation, Activation::kSiluGated);
    EXPECT_EQ(llama.norm, NormKind::kRmsNorm);
    EXPECT_EQ(llama.norm_placement, NormPlacement::kPreNorm);
    EXPECT_EQ(llama.norm_epsilon, 1e-5);
    EXPECT_EQ(llama.position_encoding, PositionEncoding::kRotary);
    EXPECT_EQ(llama.rope_theta, 10000.0);
    EXPECT_EQ(llama.attention_mask, AttentionMask::kCausal);
    EXPECT_TRUE(llama.scale_attention);
  }
}

TEST(ModelConfigTest, TinyConfigurationsAreSmallAndKeepTheirFamily) {
  const std::pair<const char*, ModelFamily> tiny[] = {{"tiny-bert", ModelFamily::kBert},
                                                      {"tiny-gpt2", ModelFamily::kGpt2},
                                                      {"tiny-gpt-neo", ModelFamily::kGptNeo},
                                                      {"tiny-llama", ModelFamily::kLlama}};
  for (const auto& [name, family] : tiny) {
    SCOPED_TRACE(name);
    const ModelConfig& config = model_config(name);
    EXPECT_EQ(config.family, family);
    EXPECT_EQ(config.num_layers, 2);
    EXPECT_GE(config.hidden_size, 16);
    EXPECT_LE(config.hidden_size, 32);
    EXPECT_EQ(config.num_heads, 2);
    EXPECT_LE(config.vocab_size, 64);
    EXPECT_LE(config.max_positions, 32);
    EXPECT_EQ(config.fixed_point.f, 12);
    EXPECT_NO_THROW(config.validate());
  }
  EXPECT_EQ(model_config("tiny-bert").fixed_point.n, 37);
  EXPECT_EQ(model_config("tiny-gpt2").fixed_point.n, 50);
  EXPECT_EQ(model_config("tiny-gpt-neo").fixed_point.n, 51);
  EXPECT_EQ(model_config("tiny-llama").fixed_point.n, 48);
  // The local window is shorter than the tiny models' positions, so tests reach it.
  const ModelConfig& neo = model_config("tiny-gpt-neo");
  EXPECT_GT(neo.local_attention_window, 0);
  EXPECT_LT(neo.local_attention_window, neo.max_positions);
  EXPECT_FALSE(neo.scale_attention);
}

TEST(ModelConfigTest, UnknownNamesListTheValidOnes) {
  const std::vector<std::string> expected_names = {
      "bert-tiny", "bert-base",  "bert-large", "all-minilm-l6-v2", "gpt2",         "gpt-neo-1.3B",
      "llama2-7b", "llama2-13b", "tiny-bert",  "tiny-gpt2",        "tiny-gpt-neo", "tiny-llama"};
  EXPECT_EQ(model_names(), expected_names);
  try {
    model_config("bert-small");
    FAIL() << "no error for an unknown model";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kInvalidArgument);
    const std::string message = error.what();
    EXPECT_NE(message.find("unknown model 'bert-small'"), std::string::npos) << message;
    for (const std::string& name : expected_names)
      EXPECT_NE(message.find(name), std::string::npos) << name << " in " << message;
  }
}

TEST(ModelConfigTest, ValidateRejectsInconsistentDimensions) {
  const auto rejects = [](ModelConfig config, const char* fragment) {
    SCOPED_TRACE(fragment);
    try {
      config.validate();
      ADD_FAILURE() << "accepted";
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::kInvalidArgument);
      EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
    }
  };
  ModelConfig config = model_config("tiny-llama");
  config.num_heads = 3;
  rejects(config, "multiple of num_heads");
  config = model_config("tiny-llama");
  config.num_heads = 32;  // head_dim 1
  rejects(config, "even head_dim");
  config = model_config("tiny-bert");
  config.num_layers = 0;
  rejects(config, "must be > 0");
  config = model_config("tiny-bert");
  config.activation = Activation::kSiluGated;
  rejects(config, "SiLU-gated");
  config = model_config("tiny-bert");
  config.fixed_point = {12, 12};
  rejects(config, "n=12, f=12");
}

TEST(ModelConfigTest, NamesOfChoicesAreStable) {
  EXPECT_STREQ(model_family_name(ModelFamily::kGptNeo), "gpt-neo");
  EXPECT_STREQ(activation_name(Activation::kSiluGated), "silu-gated");
  EXPECT_STREQ(norm_kind_name(NormKind::kRmsNorm), "rmsnorm");
  EXPECT_STREQ(norm_placement_name(NormPlacement::kPostNorm), "post-norm");
  EXPECT_STREQ(position_encoding_name(PositionEncoding::kRotary), "rotary");
  EXPECT_STREQ(attention_mask_name(AttentionMask::kCausal), "causal");
}

}  // namespace
}  // namespace fss
