#include "cli/bench.h"

#include <fmt/format.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <thread>

#include "cli/bench_sweep.h"
#include "cli/build_revision.h"
#include "cli/progress_line.h"
#include "core/error.h"
#include "cuda/devices.h"

namespace fss::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// --- statistics and digests ---

json spread(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  const double median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  return {{"median", median}, {"min", values.front()}, {"max", values.back()}};
}

uint64_t fnv1a(const void* data, size_t size) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < size; ++i) {
    hash ^= static_cast<const uint8_t*>(data)[i];
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

// A fingerprint of one example's output ring values, for comparing true batching with the loop
// and reps with each other: equal outputs give equal digests.
std::string example_digest(std::span<const uint64_t> values) {
  return fmt::format("{:016x}", fnv1a(values.data(), values.size_bytes()));
}

TokenBatch example_tokens(const TokenBatch& tokens, int64_t example) {
  TokenBatch one{1, tokens.length, {}, {}, {}};
  one.token_ids.assign(tokens.token_ids.begin() + example * tokens.length,
                       tokens.token_ids.begin() + (example + 1) * tokens.length);
  return one;
}

// --- one configuration ---

// The figures of one repetition, per inference: the rep's runs added up, divided by the batch.
// Rounds too: a batch-B run's message flights serve B inferences.
json rep_figures(const std::vector<SecureInference>& runs, int64_t batch) {
  const double per = 1.0 / static_cast<double>(batch);
  double online = 0, keygen = 0;
  double party_online[2] = {}, sent[2] = {}, received[2] = {}, keys[2] = {}, rounds[2] = {};
  std::map<std::string, std::map<std::string, double>> phases;
  for (const SecureInference& inference : runs) {
    const LocalRunResult& run = inference.run;
    online += std::max(run.party_online_seconds[0], run.party_online_seconds[1]);
    keygen += run.dealer_seconds;
    for (int p = 0; p < 2; ++p) {
      party_online[p] += run.party_online_seconds[p];
      sent[p] += static_cast<double>(run.party_channel[p].bytes_sent);
      received[p] += static_cast<double>(run.party_channel[p].bytes_received);
      keys[p] += static_cast<double>(run.key_stream_bytes[p]);
      rounds[p] += static_cast<double>(run.party_channel[p].rounds);
    }
    for (const auto& [phase, cost] : run.party_phase_costs[0].entries()) {
      phases[phase]["bytes_sent"] += static_cast<double>(cost.bytes_sent);
      phases[phase]["rounds"] += static_cast<double>(cost.rounds);
      phases[phase]["key_bytes"] += static_cast<double>(cost.key_bytes);
      phases[phase]["prg_calls"] += static_cast<double>(cost.prg_calls);
    }
    for (const auto& [phase, seconds] : run.party_phase_seconds[0])
      phases[phase]["ms"] += 1e3 * seconds;
    for (const auto& [phase, seconds] : run.party_phase_wait_seconds[0])
      phases[phase]["wait_ms"] += 1e3 * seconds;
  }
  json parties = json::array();
  for (int p = 0; p < 2; ++p)
    parties.push_back({{"online_ms", 1e3 * per * party_online[p]},
                       {"bytes_sent", per * sent[p]},
                       {"bytes_received", per * received[p]},
                       {"key_bytes", per * keys[p]},
                       {"rounds", per * rounds[p]}});
  json phase_json = json::object();
  for (auto& [phase, fields] : phases)
    for (auto& [field, value] : fields) phase_json[phase][field] = per * value;
  return {{"online_ms", 1e3 * per * online},
          {"keygen_s", per * keygen},
          {"parties", parties},
          {"phases_p0", phase_json}};
}

// Median, min and max over the reps of every per-inference figure, in the reps' own layout.
json summarize(const std::vector<json>& reps, int64_t seq_len) {
  auto stat = [&](auto&& get) {
    std::vector<double> values;
    for (const json& rep : reps) values.push_back(get(rep));
    return spread(values);
  };
  json parties = json::array();
  for (int p = 0; p < 2; ++p) {
    json party;
    for (const char* field : {"online_ms", "bytes_sent", "bytes_received", "key_bytes", "rounds"})
      party[field] = stat([&](const json& r) { return r["parties"][p][field].get<double>(); });
    parties.push_back(party);
  }
  json phases = json::object();
  for (const auto& [phase, fields] : reps.front()["phases_p0"].items())
    for (const auto& [field, value] : fields.items())
      phases[phase][field] = stat([&](const json& r) {
        return r["phases_p0"].contains(phase) && r["phases_p0"][phase].contains(field)
                   ? r["phases_p0"][phase][field].get<double>()
                   : 0.0;
      });
  return {{"online_ms", stat([](const json& r) { return r["online_ms"].get<double>(); })},
          {"tokens_per_s", stat([&](const json& r) {
             return 1e3 * static_cast<double>(seq_len) / r["online_ms"].get<double>();
           })},
          {"keygen_s", stat([](const json& r) { return r["keygen_s"].get<double>(); })},
          {"parties", parties},
          {"phases_p0", phases}};
}

json configuration_header(const BenchConfiguration& c, const Sweep& sweep, const RunOptions& run) {
  return {{"id", c.id()},
          {"model", c.model},
          {"seq_len", c.seq_len},
          {"batch", c.batch},
          {"nonlinear", c.nonlinear},
          {"backend", c.backend},
          {"batching", c.batching()},
          {"channel", run.channel},
          {"tls", c.tls},
          {"keys", c.keys},
          {"seed", sweep.seed},
          {"warmup", sweep.warmup},
          {"reps", sweep.reps}};
}

RunOptions run_options_for(const BenchConfiguration& c, const BenchOptions& options) {
  RunOptions run = options.run;
  run.model = c.model;
  run.seq_len = c.seq_len;
  run.batch = c.batch;
  run.nonlinear.family = c.nonlinear;
  run.backend = c.backend;
  run.tls = c.tls;
  run.keys = c.keys;
  return run;
}

class Bench {
 public:
  Bench(const BenchOptions& options, Sweep sweep)
      : options_(options), sweep_(std::move(sweep)), progress_(!options.run.quiet) {}

  // Measures `c`, or explains why this build cannot. Throws kMismatch on a failed check.
  json measure(const BenchConfiguration& c, size_t index) {
    const RunOptions run = run_options_for(c, options_);
    json result = configuration_header(c, sweep_, run);
    const std::string prefix =
        fmt::format("bench [{}/{}] {}", index + 1, sweep_.configurations.size(), c.label());
    try {
      check_supported(run);
    } catch (const Error& e) {
      result["status"] = "unavailable";
      result["reason"] = e.what();
      fmt::print(stderr, "{}: unavailable: {}\n", prefix, e.what());
      return result;
    }
    const PreparedModel& model = prepared_model(run);
    const TokenBatch tokens = random_tokens(*model.config, c.batch, c.seq_len, sweep_.seed);
    std::vector<json> reps;
    std::vector<std::string> digests;
    std::optional<ApproximationError> float_check;
    const int total = sweep_.warmup + sweep_.reps;
    for (int rep = 0; rep < total; ++rep) {
      const bool warmup = rep < sweep_.warmup;
      const std::string step = warmup
                                   ? fmt::format("warm-up {}/{}", rep + 1, sweep_.warmup)
                                   : fmt::format("rep {}/{}", rep - sweep_.warmup + 1, sweep_.reps);
      std::vector<SecureInference> runs;
      const int64_t run_count = c.loop ? c.batch : 1;
      for (int64_t r = 0; r < run_count; ++r) {
        // Fresh masks for every run of every rep of every configuration: no key is reused.
        const std::string id = c.id();
        const Block mask_seed{sweep_.seed ^ fnv1a(id.data(), id.size()),
                              (static_cast<uint64_t>(rep) << 32) | static_cast<uint64_t>(r)};
        runs.push_back(run_secure_inference(
            run, model, c.loop ? example_tokens(tokens, r) : tokens, mask_seed,
            [&](const char* role, int layer, int layers) {
              progress_.show(fmt::format("{}: {}{}: {} layer {}/{}", prefix, step,
                                         c.loop ? fmt::format(" run {}/{}", r + 1, run_count) : "",
                                         role, layer, layers));
            }));
        const SecureInference& last = runs.back();
        if (last.differing_outputs != 0) {
          progress_.done();
          fail(ErrorKind::kMismatch,
               "bench {}: {}: {} of {} outputs differ from the clear engine (a protocol bug)",
               c.id(), step, last.differing_outputs, last.output().size());
        }
      }
      const std::vector<uint64_t> output = concatenated_output(runs);
      const std::vector<std::string> rep_digests = per_example_digests(output, c.batch);
      if (digests.empty()) digests = rep_digests;
      if (rep_digests != digests) {
        progress_.done();
        fail(ErrorKind::kMismatch, "bench {}: {} gave other outputs than the first run", c.id(),
             step);
      }
      if (warmup) continue;
      if (!float_check) float_check = float_error(model, tokens, output);
      json figures = rep_figures(runs, c.batch);
      json run_json = json::array();
      for (const SecureInference& inference : runs)
        run_json.push_back(inference_json(run, sweep_.seed, inference, std::nullopt));
      figures["runs"] = std::move(run_json);
      reps.push_back(std::move(figures));
    }
    progress_.done();
    result["status"] = "ok";
    result["keys_reused_across_reps"] = false;
    result["runs_per_rep"] = c.loop ? c.batch : 1;
    result["weights_seconds"] = model.seconds;
    result["summary"] = summarize(reps, c.seq_len);
    result["check"] = {{"bit_exact", true},
                       {"runs_checked", (c.loop ? c.batch : 1) * total},
                       {"float_max_abs_error", float_check->max_abs},
                       {"float_mean_abs_error", float_check->mean_abs},
                       {"float_cosine", float_check->cosine},
                       {"example_digests", digests}};
    result["reps_measured"] = reps;
    const json& summary = result["summary"];
    fmt::print(stderr,
               "{}: online {:.1f} ms/inf [{:.1f}, {:.1f}], keygen {:.2f} s/inf, bit-exact\n",
               prefix, summary["online_ms"]["median"].get<double>(),
               summary["online_ms"]["min"].get<double>(), summary["online_ms"]["max"].get<double>(),
               summary["keygen_s"]["median"].get<double>());
    return result;
  }

 private:
  // Weights are prepared once for consecutive configurations of one model; only the latest
  // model is kept (gpt-neo-1.3B's weights alone take ~20 GB of host memory).
  const PreparedModel& prepared_model(const RunOptions& run) {
    if (!model_ || model_->config->name != model_config(run.model).name) {
      model_.reset();  // before preparing the next, so that two never coexist
      model_ = std::make_unique<PreparedModel>(prepare_model(run, sweep_.seed));
    }
    return *model_;
  }

  static std::vector<uint64_t> concatenated_output(const std::vector<SecureInference>& runs) {
    std::vector<uint64_t> values;
    for (const SecureInference& inference : runs)
      values.insert(values.end(), inference.output().data().begin(),
                    inference.output().data().end());
    return values;
  }

  static std::vector<std::string> per_example_digests(std::span<const uint64_t> output,
                                                      int64_t batch) {
    const size_t per_example = output.size() / static_cast<size_t>(batch);
    std::vector<std::string> digests;
    for (int64_t b = 0; b < batch; ++b)
      digests.push_back(example_digest(output.subspan(b * per_example, per_example)));
    return digests;
  }

  const BenchOptions& options_;
  Sweep sweep_;
  ProgressLine progress_;
  std::unique_ptr<PreparedModel> model_;
};

// True batching must give each example the output of its batch-1 run: compares the digests of
// every configuration measured both ways.
json compare_true_and_loop(const std::vector<json>& results) {
  json comparisons = json::array();
  for (const json& loop : results) {
    if (loop["status"] != "ok" || loop["batching"] != "loop") continue;
    for (const json& together : results) {
      if (together["status"] != "ok" || together["batching"] != "true") continue;
      bool same = true;
      for (const char* key : {"model", "seq_len", "batch", "nonlinear", "backend", "tls", "keys"})
        same = same && loop[key] == together[key];
      if (!same) continue;
      comparisons.push_back({{"true", together["id"]},
                             {"loop", loop["id"]},
                             {"outputs_equal", loop["check"]["example_digests"] ==
                                                   together["check"]["example_digests"]}});
    }
  }
  return comparisons;
}

// --- output: the seed report's table ---

double median_of(const json& result, const char* what) {
  const json& summary = result["summary"];
  if (std::string(what) == "online_ms" || std::string(what) == "keygen_s")
    return summary[what]["median"];
  return std::max(summary["parties"][0][what]["median"].get<double>(),
                  summary["parties"][1][what]["median"].get<double>());
}

// A family's median figure; "n/a" when this build could not run it, "—" when not in the sweep.
std::string cell(const json* result, const char* what, double scale, int decimals) {
  if (result == nullptr) return "—";
  if ((*result)["status"] != "ok") return "n/a";
  return fmt::format("{:.{}f}", median_of(*result, what) * scale, decimals);
}

// SIGMA/SUF as "1.31x" (time) or "16.1%" (reduction) when both were measured.
std::string comparison(const json* sigma, const json* suf, const char* what, bool ratio) {
  if (sigma == nullptr || suf == nullptr || (*sigma)["status"] != "ok" || (*suf)["status"] != "ok")
    return "—";
  const double a = median_of(*sigma, what), b = median_of(*suf, what);
  return ratio ? fmt::format("{:.2f}x", a / b) : fmt::format("{:.1f}%", 100 * (1 - b / a));
}

void print_tables(const std::vector<json>& results, const Sweep& sweep) {
  // Groups in sweep order: (model, seq, backend, batching) -> batch -> family -> result.
  std::vector<std::string> group_order;
  std::map<std::string, std::map<int64_t, std::map<std::string, const json*>>> groups;
  for (const json& r : results) {
    const std::string group = fmt::format(
        "{}, sequence {}, {} backend, {}{}{}", r["model"].get<std::string>(),
        r["seq_len"].get<int64_t>(), r["backend"].get<std::string>(),
        r["batching"] == "loop" ? "loop of batch-1 runs (SIGMA_BATCH)" : "true batching",
        r["tls"] == "none" ? "" : ", TLS " + r["tls"].get<std::string>(),
        r["keys"] == "whole" ? "" : ", keys dealt per layer");
    if (!groups.contains(group)) group_order.push_back(group);
    groups[group][r["batch"].get<int64_t>()][r["nonlinear"].get<std::string>()] = &r;
  }
  fmt::print(
      "Per inference: medians of {} reps after {} warm-up; comm and key are per party; "
      "GB = 1e9 bytes.\n",
      sweep.reps, sweep.warmup);
  for (const std::string& group : group_order) {
    fmt::print("\n### {}\n\n", group);
    fmt::print(
        "| Batch | SIGMA online (ms/inf) | SUF online (ms/inf) | Speedup | SIGMA comm (GB/inf) | "
        "SUF comm (GB/inf) | Comm reduction | SIGMA keygen (s/inf) | SUF keygen (s/inf) | "
        "Keygen speedup | SIGMA key (GB/inf) | SUF key (GB/inf) | Key reduction |\n");
    fmt::print(
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | "
        "---: | ---: |\n");
    std::vector<std::string> notes;
    for (const auto& [batch, families] : groups[group]) {
      auto find = [&](const char* family) -> const json* {
        auto it = families.find(family);
        return it == families.end() ? nullptr : it->second;
      };
      const json* sigma = find("sigma");
      const json* suf = find("suf");
      fmt::print("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", batch,
                 cell(sigma, "online_ms", 1, 1), cell(suf, "online_ms", 1, 1),
                 comparison(sigma, suf, "online_ms", true), cell(sigma, "bytes_sent", 1e-9, 4),
                 cell(suf, "bytes_sent", 1e-9, 4), comparison(sigma, suf, "bytes_sent", false),
                 cell(sigma, "keygen_s", 1, 3), cell(suf, "keygen_s", 1, 3),
                 comparison(sigma, suf, "keygen_s", true), cell(sigma, "key_bytes", 1e-9, 3),
                 cell(suf, "key_bytes", 1e-9, 3), comparison(sigma, suf, "key_bytes", false));
      for (const json* r : {sigma, suf})
        if (r != nullptr && (*r)["status"] != "ok")
          notes.push_back(fmt::format("batch {} {}: unavailable: {}", batch,
                                      (*r)["nonlinear"].get<std::string>(),
                                      (*r)["reason"].get<std::string>()));
    }
    for (const std::string& note : notes) fmt::print("\n- {}", note);
    if (!notes.empty()) fmt::print("\n");
  }
  fmt::print(
      "\n| configuration | online ms/inf median [min, max] | tokens/s | rounds/inf | "
      "keygen s/inf [min, max] | float64 cosine |\n| --- | ---: | ---: | ---: | ---: | ---: |\n");
  for (const json& r : results) {
    if (r["status"] != "ok") {
      fmt::print("| {} | unavailable: {} | | | | |\n", r["id"].get<std::string>(),
                 r["reason"].get<std::string>());
      continue;
    }
    const json& s = r["summary"];
    fmt::print(
        "| {} | {:.1f} [{:.1f}, {:.1f}] | {:.0f} | {:.1f} | {:.3f} [{:.3f}, {:.3f}] | {:.6f} |\n",
        r["id"].get<std::string>(), s["online_ms"]["median"].get<double>(),
        s["online_ms"]["min"].get<double>(), s["online_ms"]["max"].get<double>(),
        s["tokens_per_s"]["median"].get<double>(),
        s["parties"][0]["rounds"]["median"].get<double>(), s["keygen_s"]["median"].get<double>(),
        s["keygen_s"]["min"].get<double>(), s["keygen_s"]["max"].get<double>(),
        r["check"]["float_cosine"].get<double>());
  }
}

// --- provenance ---

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

std::string first_line_of(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return "";
  char line[256] = {};
  if (fgets(line, sizeof line, pipe.get()) == nullptr) return "";
  std::string text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

json machine() {
  std::string cpu = "unknown CPU";
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);)
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  // Times on a shared machine mean little without its load: /proc/loadavg's 1, 5, 15 minutes.
  double load[3] = {};
  std::ifstream("/proc/loadavg") >> load[0] >> load[1] >> load[2];
  // The GPUs this process sees (none on a CPU build or machine), for runs with --backend cuda.
  json gpus = json::array();
  for (const gpu::DeviceInfo& device : gpu::list_devices().devices) gpus.push_back(device.name);
  return {{"cpu", cpu},
          {"gpus", gpus},
          {"hardware_threads", std::thread::hardware_concurrency()},
          {"omp_threads", omp_get_max_threads()},
          {"host", host},
          {"load_average_at_start", {load[0], load[1], load[2]}}};
}

// The revision of the working directory's git checkout ("-dirty" with uncommitted changes to
// tracked files), or null outside one.
json git_revision() {
  const std::string revision = first_line_of("git rev-parse HEAD 2>/dev/null");
  if (revision.empty()) return nullptr;
  const bool dirty =
      !first_line_of("git status --porcelain --untracked-files=no 2>/dev/null").empty();
  return revision + (dirty ? "-dirty" : "");
}

}  // namespace

void add_bench_command(CLI::App& app, BenchOptions& options) {
  CLI::App* cmd = app.add_subcommand(
      "bench",
      "Sweeps models x sequence lengths x batch sizes x protocol families x backends: warm-up\n"
      "runs, then measured reps (fresh keys each, every run checked bit for bit); writes JSON per\n"
      "configuration and a merged bench.json to --out, and prints the seed report's table.");
  auto* sweep = cmd->add_option("--sweep", options.sweep_path,
                                "sweep file (JSON, docs/benchmarks.md) instead of the grid flags");
  const std::vector<CLI::Option*> grid = {
      cmd->add_option("--models", options.models, "models, comma-separated (docs/models.md)")
          ->delimiter(','),
      cmd->add_option("--seq", options.seq_lens, "sequence lengths")
          ->delimiter(',')
          ->capture_default_str(),
      cmd->add_option("--batch", options.batches, "batch sizes")
          ->delimiter(',')
          ->capture_default_str(),
      cmd->add_option("--nonlinear", options.nonlinear, "protocol families: sigma, suf")
          ->delimiter(',')
          ->capture_default_str(),
      cmd->add_option("--backend", options.backends, "backends: cpu, cuda")
          ->delimiter(',')
          ->capture_default_str(),
      cmd->add_option("--batching", options.batching,
                      "true (one batch-B inference), loop (B batch-1 inferences)")
          ->delimiter(',')
          ->capture_default_str(),
      cmd->add_flag("--loop-batch", options.loop_batch,
                    "the reference's SIGMA_BATCH mode: same as --batching loop"),
      cmd->add_option("--tls", options.tls,
                      "the parties' TCP link: none (plain), on (TLS 1.3), no-encryption (TLS "
                      "handshake, then plain TCP); test credentials are made for each run")
          ->delimiter(',')
          ->capture_default_str(),
      cmd->add_option("--keys", options.keys,
                      "key dealing: whole (every key before the parties start), per-layer (one "
                      "layer's keys at a time, dealer and parties alternating)")
          ->delimiter(',')
          ->capture_default_str()};
  for (CLI::Option* option : grid) option->excludes(sweep);
  grid[5]->excludes(grid[6]);
  cmd->add_option("--reps", options.reps, "measured repetitions per configuration (default 3)")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--warmup", options.warmup, "unmeasured runs first (default 1)")
      ->check(CLI::Range(0, 1000));
  cmd->add_option("--seed", options.seed, "seed of weights and tokens (default 1)");
  cmd->add_option("--channel", options.run.channel, "tcp (loopback) or memory")
      ->check(CLI::IsMember({"tcp", "memory"}))
      ->capture_default_str();
  cmd->add_option("--timeout-ms", options.run.timeout_ms, "network timeout")->capture_default_str();
  cmd->add_option("--out", options.out_dir, "directory for the JSON files")->capture_default_str();
  cmd->add_flag("--quiet", options.run.quiet, "no progress line (per-configuration lines stay)");
}

int run_bench(const BenchOptions& options, const std::string& command_line) {
  Sweep sweep = make_sweep(options);
  std::error_code error;
  fs::create_directories(options.out_dir, error);
  if (error || !fs::is_directory(options.out_dir))
    fail(ErrorKind::kIo, "cannot create the output directory {}", options.out_dir);

  json merged = {{"schema", "fssformer-bench/1"},
                 {"command", command_line},
                 {"git_revision", git_revision()},
                 {"build_revision", build_revision()},
                 {"machine", machine()},
                 {"started_utc", utc_now()},
                 {"sweep",
                  {{"file", options.sweep_path.empty() ? json(nullptr) : json(options.sweep_path)},
                   {"reps", sweep.reps},
                   {"warmup", sweep.warmup},
                   {"seed", sweep.seed},
                   {"channel", options.run.channel}}}};
  Bench bench(options, sweep);
  std::vector<json> results;
  for (size_t i = 0; i < sweep.configurations.size(); ++i) {
    json result = bench.measure(sweep.configurations[i], i);
    const std::string file = result["id"].get<std::string>() + ".json";
    result["file"] = file;
    json standalone = result;
    standalone["schema"] = "fssformer-bench-configuration/1";
    standalone["command"] = command_line;
    standalone["git_revision"] = merged["git_revision"];
    standalone["build_revision"] = merged["build_revision"];
    standalone["machine"] = merged["machine"];
    write_json_file((fs::path(options.out_dir) / file).string(), standalone);
    results.push_back(std::move(result));
  }
  const json comparisons = compare_true_and_loop(results);
  merged["finished_utc"] = utc_now();
  merged["true_vs_loop"] = comparisons;
  merged["configurations"] = results;
  write_json_file((fs::path(options.out_dir) / "bench.json").string(), merged);

  print_tables(results, sweep);
  for (const json& comparison : comparisons) {
    fmt::print("\ntrue batching {} vs loop {}: per-example outputs {}\n",
               comparison["true"].get<std::string>(), comparison["loop"].get<std::string>(),
               comparison["outputs_equal"] ? "equal bit for bit" : "DIFFER");
    if (!comparison["outputs_equal"])
      fail(ErrorKind::kMismatch, "bench: true batching {} gave other outputs than the loop {}",
           comparison["true"].get<std::string>(), comparison["loop"].get<std::string>());
  }
  fmt::print("\nJSON: {}/bench.json and one file per configuration\n", options.out_dir);
  return 0;
}

}  // namespace fss::cli
