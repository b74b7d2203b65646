// fssformer as a user runs it: exit codes, one clear error line for bad input, JSON output.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>

#include "nn/safetensors_writer.h"
#include "nn/weight_names.h"

namespace fss {
namespace {

namespace fs = std::filesystem;

struct Outcome {
  int exit_code;
  std::string output;  // stdout and stderr together
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("fssformer_cli_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  Outcome run(const std::string& arguments) {
    const fs::path log = dir_ / "output.txt";
    const std::string command =
        std::string(FSSFORMER_BINARY) + " " + arguments + " > " + log.string() + " 2>&1";
    const int status = std::system(command.c_str());
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text.str()};
  }

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

  // One error line, "fssformer: <kind>: ...", mentioning `needle`.
  static void expect_one_error_line(const Outcome& outcome, const std::string& needle) {
    EXPECT_NE(outcome.exit_code, 0) << outcome.output;
    EXPECT_EQ(outcome.output.rfind("fssformer: ", 0), 0u) << outcome.output;
    EXPECT_EQ(std::count(outcome.output.begin(), outcome.output.end(), '\n'), 1) << outcome.output;
    EXPECT_NE(outcome.output.find(needle), std::string::npos) << outcome.output;
  }

  fs::path dir_;
};

TEST_F(CliTest, HelpListsTheCommands) {
  const Outcome outcome = run("--help");
  EXPECT_EQ(outcome.exit_code, 0);
  for (const char* command : {"run", "selftest", "keygen", "party", "client", "bench"})
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
  EXPECT_EQ(json.at("batch"), 2);
  EXPECT_TRUE(json.at("check").at("bit_exact").get<bool>());
  EXPECT_GT(json.at("per_inference").at("parties").at(0).at("bytes_sent").get<double>(), 0);
  EXPECT_FALSE(fs::exists(json_path.string() + ".tmp"));
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
  expect_one_error_line(run("run --model tiny-bert --quiet --weights " + gpt2.string()),
                        "missing");
}

TEST_F(CliTest, RealCheckpointOfTheRightModelRuns) {
  const fs::path bert = checkpoint_for("tiny-bert");
  const Outcome outcome = run("run --model tiny-bert --seq 4 --channel memory --quiet --weights " +
                              bert.string());
  EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
}

TEST_F(CliTest, UnavailableBackendIsAClearError) {
  expect_one_error_line(run("run --model tiny-bert --backend cuda --quiet"), "cuda");
}

}  // namespace
}  // namespace fss
