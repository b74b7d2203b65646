// `fssformer bench` as a user runs it: the files it writes, the statistics in them, true
// batching against the loop of batch-1 runs, unavailable configurations, bad sweeps.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "cli/fssformer_process.h"

namespace fss {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing_cli::Outcome;

class BenchTest : public testing_cli::FssformerProcessTest {
 protected:
  json read_json(const fs::path& path) {
    std::ifstream in(path);
    EXPECT_TRUE(in.good()) << path;
    return json::parse(in);
  }
  fs::path write_file(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    std::ofstream(path) << text;
    return path;
  }
  std::string out() const { return (dir_ / "out").string(); }
};

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

TEST_F(BenchTest, WritesOneFilePerConfigurationAndAMergedFile) {
  const Outcome outcome =
      run("bench --models tiny-bert --seq 6 --batch 1,3 --reps 3 --warmup 1 --channel memory "
          "--quiet --out " +
          out());
  ASSERT_EQ(outcome.exit_code, 0) << outcome.output;
  const json merged = read_json(fs::path(out()) / "bench.json");
  EXPECT_EQ(merged.at("sweep").at("reps"), 3);
  const json& configurations = merged.at("configurations");
  ASSERT_EQ(configurations.size(), 2u);
  for (const json& c : configurations) {
    SCOPED_TRACE(c.at("id").get<std::string>());
    EXPECT_EQ(c.at("status"), "ok");
    EXPECT_FALSE(c.at("keys_reused_across_reps").get<bool>());
    EXPECT_TRUE(c.at("check").at("bit_exact").get<bool>());
    EXPECT_EQ(c.at("check").at("runs_checked"), 4);  // 1 warm-up + 3 reps
    EXPECT_TRUE(fs::exists(fs::path(out()) / c.at("file").get<std::string>()));
    // The summary's statistics, recomputed from the reps it summarizes.
    const json& reps = c.at("reps_measured");
    ASSERT_EQ(reps.size(), 3u);
    std::vector<double> online;
    for (const json& rep : reps) online.push_back(rep.at("online_ms").get<double>());
    const json& stat = c.at("summary").at("online_ms");
    EXPECT_DOUBLE_EQ(stat.at("median").get<double>(), median(online));
    EXPECT_DOUBLE_EQ(stat.at("min").get<double>(), *std::min_element(online.begin(), online.end()));
    EXPECT_DOUBLE_EQ(stat.at("max").get<double>(), *std::max_element(online.begin(), online.end()));
    EXPECT_DOUBLE_EQ(c.at("summary").at("tokens_per_s").at("median").get<double>(), median([&] {
                       std::vector<double> rates;
                       for (double ms : online) rates.push_back(6 * 1e3 / ms);
                       return rates;
                     }()));
  }
  // The per-inference bytes equal what `fssformer run` measures for the same configuration.
  const fs::path run_json = dir_ / "run.json";
  ASSERT_EQ(run("run --model tiny-bert --seq 6 --batch 3 --seed 1 --channel memory --quiet "
                "--json " +
                run_json.string())
                .exit_code,
            0);
  const json single = read_json(run_json);
  const json& batch3 = configurations.at(1);
  ASSERT_EQ(batch3.at("batch"), 3);
  EXPECT_DOUBLE_EQ(
      batch3.at("summary").at("parties").at(0).at("bytes_sent").at("median").get<double>(),
      single.at("per_inference").at("parties").at(0).at("bytes_sent").get<double>());
  EXPECT_DOUBLE_EQ(
      batch3.at("summary").at("parties").at(1).at("key_bytes").at("median").get<double>(),
      single.at("per_inference").at("parties").at(1).at("key_bytes").get<double>());
  // The seed report's table shape, one row per batch.
  EXPECT_NE(outcome.output.find("| Batch | SIGMA online (ms/inf) | SUF online (ms/inf) | Speedup"),
            std::string::npos)
      << outcome.output;
  EXPECT_NE(outcome.output.find("\n| 1 | "), std::string::npos) << outcome.output;
  EXPECT_NE(outcome.output.find("\n| 3 | "), std::string::npos) << outcome.output;
}

// True batching gives every example the output of its own batch-1 run, bit for bit. The runs
// use different masks (fresh keys each): outputs reconstruct to the clear engine's, which do
// not depend on masks, so equal masks are not needed for equal outputs.
TEST_F(BenchTest, TrueBatchingEqualsTheLoopOfBatchOneRuns) {
  const Outcome outcome =
      run("bench --models tiny-bert --seq 6 --batch 3 --batching true,loop --reps 1 --warmup 0 "
          "--channel memory --quiet --out " +
          out());
  ASSERT_EQ(outcome.exit_code, 0) << outcome.output;
  const json merged = read_json(fs::path(out()) / "bench.json");
  const json& configurations = merged.at("configurations");
  ASSERT_EQ(configurations.size(), 2u);
  const json& together = configurations.at(0);
  const json& loop = configurations.at(1);
  EXPECT_EQ(together.at("batching"), "true");
  EXPECT_EQ(loop.at("batching"), "loop");
  EXPECT_EQ(together.at("runs_per_rep"), 1);
  ASSERT_EQ(loop.at("runs_per_rep"), 3);
  for (const json& r : loop.at("reps_measured").at(0).at("runs")) EXPECT_EQ(r.at("batch"), 1);
  const auto digests = together.at("check").at("example_digests").get<std::vector<std::string>>();
  ASSERT_EQ(digests.size(), 3u);
  // Different tokens give different outputs, so equal digests are not an accident.
  EXPECT_EQ(std::set<std::string>(digests.begin(), digests.end()).size(), 3u);
  EXPECT_EQ(loop.at("check").at("example_digests").get<std::vector<std::string>>(), digests);
  ASSERT_EQ(merged.at("true_vs_loop").size(), 1u);
  EXPECT_TRUE(merged.at("true_vs_loop").at(0).at("outputs_equal").get<bool>());
  EXPECT_NE(outcome.output.find("equal bit for bit"), std::string::npos) << outcome.output;
  // The loop pays the rounds of three runs per three inferences, true batching those of one.
  const auto rounds = [](const json& c) {
    return c.at("summary").at("parties").at(0).at("rounds").at("median").get<double>();
  };
  EXPECT_DOUBLE_EQ(rounds(loop), 3 * rounds(together));
}

// What this build cannot run is listed with the reason and never measured.
TEST_F(BenchTest, UnavailableConfigurationsAreReportedNotMeasured) {
  const Outcome outcome =
      run("bench --models tiny-bert --seq 4 --nonlinear sigma,suf --backend cpu,cuda --reps 1 "
          "--warmup 0 --channel memory --quiet --out " +
          out());
  ASSERT_EQ(outcome.exit_code, 0) << outcome.output;
  const json merged = read_json(fs::path(out()) / "bench.json");
  ASSERT_EQ(merged.at("configurations").size(), 4u);
  for (const json& c : merged.at("configurations")) {
    SCOPED_TRACE(c.at("id").get<std::string>());
    if (c.at("nonlinear") == "sigma" && c.at("backend") == "cpu") {
      EXPECT_EQ(c.at("status"), "ok");
    }
    if (c.at("status") == "ok") {
      EXPECT_TRUE(c.contains("summary"));
      continue;
    }
    EXPECT_EQ(c.at("status"), "unavailable");
    EXPECT_FALSE(c.contains("summary"));
    EXPECT_FALSE(c.contains("reps_measured"));
    const std::string reason = c.at("reason");
    EXPECT_FALSE(reason.empty());
    EXPECT_NE(outcome.output.find("unavailable: " + reason), std::string::npos) << outcome.output;
  }
}

// The parties' link as a sweep dimension: each setting is measured, bit-exact, with the same
// bytes and rounds (TLS framing is not counted), and labelled in ids, JSON and tables.
TEST_F(BenchTest, TlsSettingsAreMeasuredSideBySide) {
  const Outcome outcome = run(
      "bench --models tiny-bert --seq 4 --tls none,on,no-encryption --reps 1 --warmup 0 --quiet "
      "--out " +
      out());
  ASSERT_EQ(outcome.exit_code, 0) << outcome.output;
  const json merged = read_json(fs::path(out()) / "bench.json");
  const json& configurations = merged.at("configurations");
  ASSERT_EQ(configurations.size(), 3u);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"none", "tiny-bert_s4_b1_sigma_cpu_true"},
      {"on", "tiny-bert_s4_b1_sigma_cpu_true_tls-on"},
      {"no-encryption", "tiny-bert_s4_b1_sigma_cpu_true_tls-no-encryption"}};
  for (size_t i = 0; i < expected.size(); ++i) {
    const json& c = configurations.at(i);
    SCOPED_TRACE(expected[i].first);
    EXPECT_EQ(c.at("tls"), expected[i].first);
    EXPECT_EQ(c.at("id"), expected[i].second);
    EXPECT_EQ(c.at("status"), "ok");
    EXPECT_TRUE(c.at("check").at("bit_exact").get<bool>());
    EXPECT_EQ(c.at("reps_measured").at(0).at("runs").at(0).at("tls"), expected[i].first);
    for (const char* figure : {"bytes_sent", "rounds"})
      EXPECT_EQ(c.at("summary").at("parties").at(0).at(figure).at("median"),
                configurations.at(0).at("summary").at("parties").at(0).at(figure).at("median"))
          << figure;
  }
  EXPECT_NE(outcome.output.find("true batching, TLS on"), std::string::npos) << outcome.output;
}

// Per-layer keys as a sweep dimension: the same bytes, rounds and keys as the whole deal, and
// true batching still equals the loop of batch-1 runs, each compared within its key dealing.
TEST_F(BenchTest, PerLayerKeysAreMeasuredBesideWholeKeys) {
  const Outcome outcome =
      run("bench --models tiny-bert --seq 4 --batch 2 --batching true,loop --keys whole,per-layer "
          "--reps 1 --warmup 0 --channel memory --quiet --out " +
          out());
  ASSERT_EQ(outcome.exit_code, 0) << outcome.output;
  const json merged = read_json(fs::path(out()) / "bench.json");
  const json& configurations = merged.at("configurations");
  ASSERT_EQ(configurations.size(), 4u);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"whole", "tiny-bert_s4_b2_sigma_cpu_true"},
      {"per-layer", "tiny-bert_s4_b2_sigma_cpu_true_keys-per-layer"},
      {"whole", "tiny-bert_s4_b2_sigma_cpu_loop"},
      {"per-layer", "tiny-bert_s4_b2_sigma_cpu_loop_keys-per-layer"}};
  for (size_t i = 0; i < expected.size(); ++i) {
    const json& c = configurations.at(i);
    SCOPED_TRACE(expected[i].second);
    EXPECT_EQ(c.at("keys"), expected[i].first);
    EXPECT_EQ(c.at("id"), expected[i].second);
    EXPECT_EQ(c.at("status"), "ok");
    EXPECT_EQ(c.at("reps_measured").at(0).at("runs").at(0).at("keys"), expected[i].first);
    const json& whole = configurations.at(i / 2 * 2);  // the same batching, keys whole
    for (const char* figure : {"bytes_sent", "rounds", "key_bytes"})
      EXPECT_EQ(c.at("summary").at("parties").at(0).at(figure).at("median"),
                whole.at("summary").at("parties").at(0).at(figure).at("median"))
          << figure;
  }
  const json& comparisons = merged.at("true_vs_loop");
  ASSERT_EQ(comparisons.size(), 2u);
  EXPECT_EQ(comparisons.at(1).at("true"), expected[1].second);
  EXPECT_EQ(comparisons.at(1).at("loop"), expected[3].second);
  for (const json& comparison : comparisons)
    EXPECT_TRUE(comparison.at("outputs_equal").get<bool>());
  EXPECT_NE(outcome.output.find("true batching, keys dealt per layer"), std::string::npos)
      << outcome.output;
}

TEST_F(BenchTest, UnknownKeyDealing) {
  expect_one_error_line(run("bench --models tiny-bert --seq 4 --keys halves --out " + out()),
                        "halves");
}

TEST_F(BenchTest, TlsNeedsTcp) {
  const Outcome outcome =
      run("bench --models tiny-bert --seq 4 --tls on --channel memory "
          "--reps 1 --warmup 0 --quiet --out " +
          out());
  ASSERT_EQ(outcome.exit_code, 0) << outcome.output;
  const json c = read_json(fs::path(out()) / "bench.json").at("configurations").at(0);
  EXPECT_EQ(c.at("status"), "unavailable");
  EXPECT_EQ(c.at("reason"), "--tls on: TLS needs --channel tcp");
}

TEST_F(BenchTest, UnknownTlsSetting) {
  expect_one_error_line(run("bench --models tiny-bert --seq 4 --tls maybe --out " + out()),
                        "TLS setting (tls) 'maybe'");
}

TEST_F(BenchTest, SweepFileGridsAreMergedWithoutDuplicates) {
  const fs::path sweep = write_file("sweep.json", R"({
    "description": "two grids sharing tiny-bert seq 4 batch 2",
    "reps": 2, "warmup": 0, "seed": 5,
    "grids": [
      {"models": ["tiny-bert"], "seq": [4], "batch": [1, 2]},
      {"models": ["tiny-bert"], "seq": [4], "batch": [2], "batching": ["true", "loop"]}
    ]})");
  const Outcome outcome =
      run("bench --sweep " + sweep.string() + " --channel memory --quiet --out " + out());
  ASSERT_EQ(outcome.exit_code, 0) << outcome.output;
  const json merged = read_json(fs::path(out()) / "bench.json");
  std::vector<std::string> ids;
  for (const json& c : merged.at("configurations")) {
    ids.push_back(c.at("id"));
    EXPECT_EQ(c.at("reps_measured").size(), 2u);
    EXPECT_EQ(c.at("seed"), 5);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"tiny-bert_s4_b1_sigma_cpu_true",
                                           "tiny-bert_s4_b2_sigma_cpu_true",
                                           "tiny-bert_s4_b2_sigma_cpu_loop"}));
}

TEST_F(BenchTest, CommandLineRepsOverrideTheSweepFile) {
  const fs::path sweep =
      write_file("sweep.json",
                 R"({"reps": 4, "warmup": 0, "grids": [{"models": ["tiny-bert"], "seq": [4]}]})");
  ASSERT_EQ(
      run("bench --sweep " + sweep.string() + " --reps 1 --channel memory --quiet --out " + out())
          .exit_code,
      0);
  const json merged = read_json(fs::path(out()) / "bench.json");
  EXPECT_EQ(merged.at("configurations").at(0).at("reps_measured").size(), 1u);
}

TEST_F(BenchTest, MissingSweepFile) {
  const std::string missing = (dir_ / "missing.json").string();
  expect_one_error_line(run("bench --sweep " + missing + " --out " + out()), missing);
}

TEST_F(BenchTest, MalformedSweepFile) {
  const fs::path sweep = write_file("sweep.json", R"({"grids": [{"models": ["tiny-bert"],)");
  expect_one_error_line(run("bench --sweep " + sweep.string() + " --out " + out()), sweep.string());
}

TEST_F(BenchTest, UnknownKeyInSweepFile) {
  const fs::path sweep =
      write_file("sweep.json", R"({"grids": [{"models": ["tiny-bert"], "batches": [2]}]})");
  expect_one_error_line(run("bench --sweep " + sweep.string() + " --out " + out()), "batches");
}

// A bad configuration anywhere in the sweep fails before anything runs or is written.
TEST_F(BenchTest, UnknownModelFailsBeforeAnythingRuns) {
  expect_one_error_line(run("bench --models tiny-bert,no-such-model --seq 4 --out " + out()),
                        "no-such-model");
  EXPECT_FALSE(fs::exists(fs::path(out()) / "tiny-bert_s4_b1_sigma_cpu_true.json"));
  EXPECT_FALSE(fs::exists(fs::path(out()) / "bench.json"));
}

TEST_F(BenchTest, SequenceLongerThanTheModelAllows) {
  expect_one_error_line(run("bench --models tiny-bert --seq 4,65 --out " + out()), "65");
}

TEST_F(BenchTest, OutputDirectoryIsAFile) {
  const fs::path file = write_file("not-a-directory", "x");
  expect_one_error_line(run("bench --models tiny-bert --seq 4 --out " + file.string()),
                        file.string());
}

TEST_F(BenchTest, NeitherSweepNorModels) {
  expect_one_error_line(run("bench --out " + out()), "--models");
}

}  // namespace
}  // namespace fss
