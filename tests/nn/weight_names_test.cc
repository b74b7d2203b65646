#include "nn/weight_names.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "nn/model_config.h"

namespace fss {
namespace {

uint64_t parameter_count(const std::vector<WeightSpec>& specs) {
  uint64_t count = 0;
  for (const WeightSpec& spec : specs) count += spec.shape.size();
  return count;
}

const WeightSpec* find_spec(const std::vector<WeightSpec>& specs, std::string_view name) {
  const auto found = std::find_if(specs.begin(), specs.end(),
                                  [&](const WeightSpec& spec) { return spec.name == name; });
  return found == specs.end() ? nullptr : &*found;
}

// The published parameter counts of the Hugging Face models, less the parts our specs leave out
// (they are task heads): BERT's pooler (hidden^2 + hidden) and Llama's untied lm_head
// (vocab * hidden). GPT-2 and GPT-Neo tie their LM head to wte, so the counts are the totals.
TEST(WeightNamesTest, ParameterCountsMatchThePublishedModels) {
  const auto count = [](const char* name) {
    return parameter_count(weight_specs(model_config(name)));
  };
  EXPECT_EQ(count("bert-base"), 109'482'240u - (768u * 768 + 768));
  EXPECT_EQ(count("bert-large"), 335'141'888u - (1024u * 1024 + 1024));
  EXPECT_EQ(count("gpt2"), 124'439'808u);
  EXPECT_EQ(count("gpt-neo-1.3B"), 1'315'575'808u);
  EXPECT_EQ(count("llama2-7b"), 6'738'415'616u - 32000u * 4096);
  EXPECT_EQ(count("llama2-13b"), 13'015'864'320u - 32000u * 5120);
}

TEST(WeightNamesTest, UsesTheHuggingFaceNamesAndLayouts) {
  const auto bert = weight_specs(model_config("bert-tiny"));
  EXPECT_EQ(bert.size(), 5u + 2 * 16);
  const WeightSpec* query = find_spec(bert, "encoder.layer.1.attention.self.query.weight");
  ASSERT_NE(query, nullptr);
  EXPECT_EQ(query->shape, (Shape{128, 128}));
  EXPECT_EQ(query->layout, StoredLayout::kTransposed);
  EXPECT_EQ(query->layer, 1);
  EXPECT_EQ(query->slots, std::vector{WeightSlot::kQueryWeight});
  const WeightSpec* up = find_spec(bert, "encoder.layer.0.intermediate.dense.weight");
  ASSERT_NE(up, nullptr);
  EXPECT_EQ(up->shape, (Shape{512, 128}));  // nn.Linear: [out, in]
  EXPECT_EQ(find_spec(bert, "encoder.layer.0.output.LayerNorm.bias")->slots,
            std::vector{WeightSlot::kMlpNormBias});
  EXPECT_EQ(find_spec(bert, "embeddings.token_type_embeddings.weight")->shape, (Shape{2, 128}));
  EXPECT_EQ(find_spec(bert, "embeddings.word_embeddings.weight")->layer, -1);

  const auto gpt2 = weight_specs(model_config("gpt2"));
  EXPECT_EQ(gpt2.size(), 2u + 12 * 12 + 2);
  const WeightSpec* c_attn = find_spec(gpt2, "h.11.attn.c_attn.weight");
  ASSERT_NE(c_attn, nullptr);
  EXPECT_EQ(c_attn->shape, (Shape{768, 2304}));  // Conv1D: [in, out]
  EXPECT_EQ(c_attn->layout, StoredLayout::kAsIs);
  EXPECT_EQ(c_attn->slots, (std::vector{WeightSlot::kQueryWeight, WeightSlot::kKeyWeight,
                                        WeightSlot::kValueWeight}));
  EXPECT_EQ(find_spec(gpt2, "h.0.attn.c_attn.bias")->shape, (Shape{2304}));
  EXPECT_EQ(find_spec(gpt2, "h.0.mlp.c_fc.weight")->shape, (Shape{768, 3072}));
  EXPECT_EQ(find_spec(gpt2, "h.0.mlp.c_proj.weight")->shape, (Shape{3072, 768}));
  EXPECT_NE(find_spec(gpt2, "ln_f.bias"), nullptr);
  EXPECT_EQ(find_spec(gpt2, "wpe.weight")->shape, (Shape{1024, 768}));

  const auto neo = weight_specs(model_config("gpt-neo-1.3B"));
  EXPECT_EQ(neo.size(), 2u + 24 * 13 + 2);
  EXPECT_EQ(find_spec(neo, "h.3.attn.attention.q_proj.weight")->layout, StoredLayout::kTransposed);
  EXPECT_EQ(find_spec(neo, "h.3.attn.attention.q_proj.bias"), nullptr);
  EXPECT_NE(find_spec(neo, "h.3.attn.attention.out_proj.bias"), nullptr);
  EXPECT_EQ(find_spec(neo, "h.0.mlp.c_fc.weight")->shape, (Shape{8192, 2048}));  // nn.Linear

  const auto llama = weight_specs(model_config("llama2-7b"));
  EXPECT_EQ(llama.size(), 1u + 32 * 9 + 1);
  EXPECT_EQ(find_spec(llama, "layers.31.mlp.gate_proj.weight")->shape, (Shape{11008, 4096}));
  EXPECT_EQ(find_spec(llama, "layers.31.mlp.gate_proj.weight")->slots,
            std::vector{WeightSlot::kGateWeight});
  EXPECT_EQ(find_spec(llama, "layers.0.mlp.down_proj.weight")->shape, (Shape{4096, 11008}));
  EXPECT_EQ(find_spec(llama, "layers.0.post_attention_layernorm.weight")->slots,
            std::vector{WeightSlot::kMlpNormWeight});
  EXPECT_EQ(find_spec(llama, "norm.weight")->slots, std::vector{WeightSlot::kFinalNormWeight});
  EXPECT_EQ(find_spec(llama, "layers.0.self_attn.q_proj.bias"), nullptr);
}

TEST(WeightNamesTest, EverySlotIsFilledOnceAndNamesAreUnique) {
  for (const std::string& name : model_names()) {
    SCOPED_TRACE(name);
    const ModelConfig& config = model_config(name);
    std::set<std::string> names;
    std::set<std::pair<int, WeightSlot>> slots;
    for (const WeightSpec& spec : weight_specs(config)) {
      EXPECT_TRUE(names.insert(spec.name).second) << spec.name;
      for (WeightSlot slot : spec.slots) {
        EXPECT_TRUE(slots.insert({spec.layer, slot}).second) << spec.name;
        EXPECT_EQ(is_layer_slot(slot), spec.layer >= 0) << spec.name;
      }
    }
  }
}

TEST(WeightNamesTest, KnowsPrefixesAndBuffers) {
  EXPECT_EQ(weight_name_prefixes(ModelFamily::kBert), (std::vector<std::string>{"", "bert."}));
  EXPECT_EQ(weight_name_prefixes(ModelFamily::kLlama), (std::vector<std::string>{"", "model."}));
  EXPECT_TRUE(is_known_buffer(ModelFamily::kGpt2, "h.3.attn.bias"));
  EXPECT_TRUE(is_known_buffer(ModelFamily::kGpt2, "transformer.h.3.attn.masked_bias"));
  EXPECT_FALSE(is_known_buffer(ModelFamily::kGpt2, "h.3.attn.c_attn.bias"));
  EXPECT_FALSE(is_known_buffer(ModelFamily::kGpt2, "lm_head.weight"));
  EXPECT_TRUE(is_known_buffer(ModelFamily::kGptNeo, "transformer.h.0.attn.attention.bias"));
  EXPECT_FALSE(is_known_buffer(ModelFamily::kGptNeo, "h.0.attn.attention.out_proj.bias"));
  EXPECT_TRUE(is_known_buffer(ModelFamily::kLlama, "model.layers.7.self_attn.rotary_emb.inv_freq"));
  EXPECT_TRUE(is_known_buffer(ModelFamily::kBert, "bert.embeddings.position_ids"));
  EXPECT_FALSE(is_known_buffer(ModelFamily::kBert, "pooler.dense.weight"));
}

}  // namespace
}  // namespace fss
