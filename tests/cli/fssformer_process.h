#pragma once
// Runs the fssformer binary (FSSFORMER_BINARY) as a user would, in a scratch directory that
// lives as long as the fixture; captures the exit code and stdout+stderr.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fss::testing_cli {

struct Outcome {
  int exit_code;
  std::string output;  // stdout and stderr together
};

class FssformerProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("fssformer_" + std::string(test->name()) + "_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // `environment`: "NAME=value ..." assignments for this command only.
  Outcome run(const std::string& arguments, const std::string& environment = "") {
    const std::filesystem::path log = dir_ / "output.txt";
    const std::string command = environment + " " + std::string(FSSFORMER_BINARY) + " " +
                                arguments + " > " + log.string() + " 2>&1";
    const int status = std::system(command.c_str());
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text.str()};
  }

  // One error line, "fssformer: <kind>: ...", mentioning `needle`.
  static void expect_one_error_line(const Outcome& outcome, const std::string& needle) {
    EXPECT_NE(outcome.exit_code, 0) << outcome.output;
    EXPECT_EQ(outcome.output.rfind("fssformer: ", 0), 0u) << outcome.output;
    EXPECT_EQ(std::count(outcome.output.begin(), outcome.output.end(), '\n'), 1) << outcome.output;
    EXPECT_NE(outcome.output.find(needle), std::string::npos) << outcome.output;
  }

  std::filesystem::path dir_;
};

}  // namespace fss::testing_cli
