// fssformer as a user runs it: exit codes, one clear error line for bad input, JSON output.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <string>

#include "cli/fssformer_process.h"
#include "cuda/devices.h"
#include "nn/safetensors_writer.h"
#include "nn/weight_names.h"

namespace fss {
namespace {

namespace fs = std::filesystem;

using testing_cli::Outcome;

class CliTest : public testing_cli::FssformerProcessTest {
 protected:
  // A well-formed checkpoint with every tensor `model` needs (small random values).
  fs::path checkpoint_for(const std::string& model) {
    testing::SafetensorsWriter writer;
    std::mt19937 rng(1);
    std::normal_distribution<float> normal(0.0f, 0.02f);
    for (const WeightSpec& spec : weight_specs(model_config(model))) {
      std::vector<float> values(spec.shape.size());
      for (float& v : values) v = normal(rng);
      writer.add_f32(spec.name, spec.shape.dims(), values);
    }
    const fs::path path = dir_ / (model + ".safetensors");
    writer.write(path);
    return path;
  }
};

TEST_F(CliTest, HelpListsTheCommands) {
  const Outcome outcome = run("--help");
  EXPECT_EQ(outcome.exit_code, 0);
  for (const char* command :
       {"run", "selftest", "costs", "keygen", "party", "client", "bench", "certs"})
    EXPECT_NE(outcome.output.find(command), std::string::npos) << command;
}

TEST_F(CliTest, RunSucceedsAndWritesJson) {
  const fs::path json_path = dir_ / "metrics.json";
  const Outcome outcome =
      run("run --model tiny-bert --seq 8 --batch 2 --channel memory --seed 3 --quiet --json " +
          json_path.string());
  ASSERT_EQ(outcome.exit_code, 0) << outcome.output;
  EXPECT_NE(outcome.output.find("bit-exact"), std::string::npos) << outcome.output;
  std::ifstream in(json_path);
  const nlohmann::json json = nlohmann::json::parse(in);
  EXPECT_EQ(json.at("model"), "tiny-bert");
  // The binary's own revision, from its build: a commit id (dirty or not), or unknown outside a
  // checkout.
  EXPECT_TRUE(std::regex_match(json.at("build_revision").get<std::string>(),
                               std::regex("[0-9a-f]{40}(-dirty)?|unknown")))
      << json.at("build_revision");
  EXPECT_EQ(json.at("batch"), 2);
  EXPECT_TRUE(json.at("check").at("bit_exact").get<bool>());
  EXPECT_GT(json.at("per_inference").at("parties").at(0).at("bytes_sent").get<double>(), 0);
  EXPECT_FALSE(fs::exists(json_path.string() + ".tmp"));
}

TEST_F(CliTest, RunWithSufIsBitExactAndSaysSoInJson) {
  const fs::path json_path = dir_ / "suf.json";
  const Outcome outcome =
      run("run --model tiny-gpt2 --seq 4 --channel memory --seed 5 --quiet --nonlinear suf "
          "--suf-nexp-bits 9 --json " +
          json_path.string());
  ASSERT_EQ(outcome.exit_code, 0) << outcome.output;
  EXPECT_NE(outcome.output.find("bit-exact"), std::string::npos) << outcome.output;
  EXPECT_NE(outcome.output.find("softmax=suf(nexp_bits=9,inv_bits=10)"), std::string::npos)
      << outcome.output;
  std::ifstream in(json_path);
  const nlohmann::json json = nlohmann::json::parse(in);
  EXPECT_EQ(json.at("nonlinear"), "suf");
  EXPECT_EQ(json.at("nonlinear_modules").at("layernorm"), "suf");
  EXPECT_EQ(json.at("nonlinear_modules").at("nexp_bits"), 9);
}

TEST_F(CliTest, EnvironmentAliasSwitchesOneModuleAndFlagsWin) {
  const Outcome alias =
      run("run --model tiny-bert --seq 4 --channel memory --seed 1 --quiet", "SUF_LAYERNORM=1");
  ASSERT_EQ(alias.exit_code, 0) << alias.output;
  EXPECT_NE(alias.output.find("softmax=sigma layernorm=suf(rsqrt_bits=9) activation=sigma"),
            std::string::npos)
      << alias.output;
  const Outcome flag =
      run("run --model tiny-bert --seq 4 --channel memory --seed 1 --quiet --nonlinear sigma",
          "SUF_LAYERNORM=1");
  ASSERT_EQ(flag.exit_code, 0) << flag.output;
  EXPECT_NE(flag.output.find("nonlinear: sigma\n"), std::string::npos) << flag.output;
}

TEST_F(CliTest, BadNonlinearOptionsAreClearErrors) {
  expect_one_error_line(run("run --model tiny-bert --quiet --suf softmax,attention"),
                        "unknown module 'attention'");
  expect_one_error_line(run("run --model tiny-bert --quiet --suf-rsqrt-bits 40"),
                        "--suf-rsqrt-bits 40: out of range");
  expect_one_error_line(run("run --model tiny-bert --quiet", "SUF_SOFTMAX=2"),
                        "SUF_SOFTMAX=2: expected 0 or 1");
  expect_one_error_line(run("costs --model tiny-bert --seq 8", "SUF_NEXP_BITS=x"),
                        "SUF_NEXP_BITS=x");
}

TEST_F(CliTest, CostsWritesTheMarkdownTables) {
  const fs::path markdown = dir_ / "costs.md";
  const Outcome outcome = run("costs --model tiny-bert --seq 8 --markdown " + markdown.string());
  ASSERT_EQ(outcome.exit_code, 0) << outcome.output;
  std::ifstream in(markdown);
  std::stringstream text;
  text << in.rdbuf();
  for (const char* needle : {"### Replaceable gates", "softmax exponentials (nExp)", "GeLU",
                             "### Whole model by layer kind", "| total |"})
    EXPECT_NE(text.str().find(needle), std::string::npos) << needle << "\n" << text.str();
  EXPECT_FALSE(fs::exists(markdown.string() + ".tmp"));
}

// Per-layer keys: bit-exact, labelled, and holding less than the whole inference's keys.
TEST_F(CliTest, RunWithPerLayerKeys) {
  const fs::path json_path = dir_ / "metrics.json";
  const Outcome outcome =
      run("run --model tiny-bert --seq 8 --batch 2 --channel memory --seed 3 --keys per-layer "
          "--quiet --json " +
          json_path.string());
  ASSERT_EQ(outcome.exit_code, 0) << outcome.output;
  EXPECT_NE(outcome.output.find("keys dealt per layer"), std::string::npos) << outcome.output;
  std::ifstream in(json_path);
  const nlohmann::json json = nlohmann::json::parse(in);
  EXPECT_EQ(json.at("keys"), "per-layer");
  EXPECT_TRUE(json.at("check").at("bit_exact").get<bool>());
  const nlohmann::json& p0 = json.at("per_inference").at("parties").at(0);
  // key_bytes is per inference (of 2), the held bytes are the whole batch's.
  EXPECT_LT(p0.at("key_bytes_held_whole_batch").get<double>(),
            2 * p0.at("key_bytes").get<double>());
}

TEST_F(CliTest, PerLayerKeysNeedTheInProcessRun) {
  expect_one_error_line(run("run --model tiny-bert --seq 4 --keys per-layer --processes --quiet"),
                        "--keys per-layer needs the in-process run");
  const Outcome unknown = run("run --model tiny-bert --seq 4 --keys halves --quiet");
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.output.find("--keys: halves not in {whole,per-layer}"), std::string::npos)
      << unknown.output;
}

TEST_F(CliTest, UnknownModel) {
  expect_one_error_line(run("run --model no-such-model --quiet"), "no-such-model");
}

TEST_F(CliTest, SequenceLongerThanTheModelAllows) {
  // tiny-bert has 64 positions.
  expect_one_error_line(run("run --model tiny-bert --seq 65 --quiet"), "65");
}

TEST_F(CliTest, MissingWeightsFile) {
  const std::string missing = (dir_ / "missing.safetensors").string();
  expect_one_error_line(run("run --model tiny-bert --quiet --weights " + missing), missing);
}

TEST_F(CliTest, CorruptedWeightsFile) {
  const fs::path path = dir_ / "corrupted.safetensors";
  std::ofstream(path) << "this is not a safetensors file at all";
  expect_one_error_line(run("run --model tiny-bert --quiet --weights " + path.string()),
                        path.string());
}

TEST_F(CliTest, TruncatedWeightsFile) {
  const fs::path good = checkpoint_for("tiny-bert");
  const fs::path truncated = dir_ / "truncated.safetensors";
  fs::copy_file(good, truncated);
  fs::resize_file(truncated, fs::file_size(good) - 100);
  expect_one_error_line(run("run --model tiny-bert --quiet --weights " + truncated.string()),
                        truncated.string());
}

TEST_F(CliTest, WeightsOfAnotherModel) {
  const fs::path gpt2 = checkpoint_for("tiny-gpt2");
  expect_one_error_line(run("run --model tiny-bert --quiet --weights " + gpt2.string()), "missing");
}

TEST_F(CliTest, RealCheckpointOfTheRightModelRuns) {
  const fs::path bert = checkpoint_for("tiny-bert");
  const Outcome outcome =
      run("run --model tiny-bert --seq 4 --channel memory --quiet --weights " + bert.string());
  EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
}

// With a GPU the CUDA backend runs bit-exact; without one it is a clear error naming why.
TEST_F(CliTest, CudaBackendRunsWhereAGpuIsAndSaysWhyNotElsewhere) {
  const gpu::DeviceList gpus = gpu::list_devices();
  const Outcome outcome =
      run("run --model tiny-bert --seq 4 --channel memory --backend cuda --quiet");
  if (gpus.devices.empty()) {
    expect_one_error_line(outcome, gpus.reason);
  } else {
    EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
    EXPECT_NE(outcome.output.find("bit-exact"), std::string::npos) << outcome.output;
  }
}

}  // namespace
}  // namespace fss
