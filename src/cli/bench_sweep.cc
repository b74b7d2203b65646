#include "cli/bench_sweep.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <type_traits>

#include "core/error.h"
#include "nn/model_config.h"

namespace fss::cli {
namespace {

using nlohmann::json;

struct Grid {
  std::vector<std::string> models;
  std::vector<int64_t> seq_lens;
  std::vector<int64_t> batches;
  std::vector<std::string> nonlinear;
  std::vector<std::string> backends;
  std::vector<std::string> batching;
  std::vector<std::string> tls;
  std::vector<std::string> keys;
};

template <typename T>
std::vector<T> sweep_list(const std::string& path, const json& grid, const char* key,
                          std::vector<T> fallback) {
  if (!grid.contains(key)) return fallback;
  const json& value = grid.at(key);
  if (!value.is_array() || value.empty())
    fail(ErrorKind::kParse, "sweep file {}: \"{}\" must be a non-empty list", path, key);
  try {
    return value.get<std::vector<T>>();
  } catch (const json::exception&) {
    fail(ErrorKind::kParse, "sweep file {}: \"{}\" must be a list of {}", path, key,
         std::is_same_v<T, std::string> ? "strings" : "integers");
  }
}

template <typename T>
std::optional<T> sweep_scalar(const std::string& path, const json& file, const char* key) {
  if (!file.contains(key)) return std::nullopt;
  try {
    return file.at(key).get<T>();
  } catch (const json::exception&) {
    fail(ErrorKind::kParse, "sweep file {}: \"{}\" has the wrong type", path, key);
  }
}

void require_known_keys(const std::string& path, const json& object,
                        const std::set<std::string>& known, const char* where) {
  for (const auto& [key, value] : object.items())
    if (!known.contains(key))
      fail(ErrorKind::kParse, "sweep file {}: unknown key \"{}\" in {} (known: {})", path, key,
           where, fmt::join(known, ", "));
}

// Reads docs/benchmarks.md's sweep format: {"reps", "warmup", "seed", "grids": [grid, ...]}.
std::pair<std::vector<Grid>, json> read_sweep_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail(ErrorKind::kIo, "cannot open sweep file {}", path);
  json file;
  try {
    file = json::parse(in);
  } catch (const json::parse_error& e) {
    fail(ErrorKind::kParse, "sweep file {}: not valid JSON at byte {}", path, e.byte);
  }
  if (!file.is_object() || !file.contains("grids") || !file.at("grids").is_array() ||
      file.at("grids").empty())
    fail(ErrorKind::kParse, "sweep file {}: expected an object with a non-empty \"grids\" list",
         path);
  require_known_keys(path, file, {"description", "reps", "warmup", "seed", "grids"}, "the file");
  std::vector<Grid> grids;
  for (const json& grid : file.at("grids")) {
    if (!grid.is_object() || !grid.contains("models"))
      fail(ErrorKind::kParse, "sweep file {}: every grid is an object with \"models\"", path);
    require_known_keys(
        path, grid, {"models", "seq", "batch", "nonlinear", "backend", "batching", "tls", "keys"},
        "a grid");
    grids.push_back({sweep_list<std::string>(path, grid, "models", {}),
                     sweep_list<int64_t>(path, grid, "seq", {128}),
                     sweep_list<int64_t>(path, grid, "batch", {1}),
                     sweep_list<std::string>(path, grid, "nonlinear", {"sigma"}),
                     sweep_list<std::string>(path, grid, "backend", {"cpu"}),
                     sweep_list<std::string>(path, grid, "batching", {"true"}),
                     sweep_list<std::string>(path, grid, "tls", {"none"}),
                     sweep_list<std::string>(path, grid, "keys", {"whole"})});
  }
  return {grids, file};
}

void require_member(const std::string& value, const std::set<std::string>& valid,
                    const char* what) {
  if (!valid.contains(value))
    fail(ErrorKind::kInvalidArgument, "{} '{}': valid values are {}", what, value,
         fmt::join(valid, ", "));
}

// Every configuration is validated here, before the first run, so that a typo fails at once.
}  // namespace

Sweep make_sweep(const BenchOptions& options) {
  std::vector<Grid> grids;
  Sweep sweep;
  if (!options.sweep_path.empty()) {
    auto [file_grids, file] = read_sweep_file(options.sweep_path);
    grids = std::move(file_grids);
    sweep.reps = sweep_scalar<int>(options.sweep_path, file, "reps").value_or(kDefaultReps);
    sweep.warmup = sweep_scalar<int>(options.sweep_path, file, "warmup").value_or(kDefaultWarmup);
    sweep.seed = sweep_scalar<uint64_t>(options.sweep_path, file, "seed").value_or(kDefaultSeed);
  } else {
    if (options.models.empty())
      fail(ErrorKind::kInvalidArgument, "bench needs --sweep FILE or --models NAME[,NAME...]");
    grids.push_back({options.models, options.seq_lens, options.batches, options.nonlinear,
                     options.backends,
                     options.loop_batch ? std::vector<std::string>{"loop"} : options.batching,
                     options.tls, options.keys});
  }
  sweep.reps = options.reps.value_or(sweep.reps);
  sweep.warmup = options.warmup.value_or(sweep.warmup);
  sweep.seed = options.seed.value_or(sweep.seed);
  if (sweep.reps < 1) fail(ErrorKind::kInvalidArgument, "reps {}: must be at least 1", sweep.reps);
  if (sweep.warmup < 0)
    fail(ErrorKind::kInvalidArgument, "warmup {}: must be at least 0", sweep.warmup);

  std::set<std::string> seen;
  for (const Grid& grid : grids)
    for (const std::string& model : grid.models)
      for (int64_t seq_len : grid.seq_lens)
        for (int64_t batch : grid.batches)
          for (const std::string& nonlinear : grid.nonlinear)
            for (const std::string& backend : grid.backends)
              for (const std::string& batching : grid.batching)
                for (const std::string& tls : grid.tls)
                  for (const std::string& keys : grid.keys) {
                    const ModelConfig& config = model_config(model);
                    if (seq_len < 1 || seq_len > config.max_positions)
                      fail(ErrorKind::kInvalidArgument,
                           "model '{}': sequence length {} is outside 1..{} (its positions)", model,
                           seq_len, config.max_positions);
                    if (batch < 1 || batch > 4096)
                      fail(ErrorKind::kInvalidArgument, "batch {}: must be in 1..4096", batch);
                    require_member(nonlinear, {"sigma", "suf"}, "protocol family (nonlinear)");
                    require_member(backend, {"cpu", "cuda"}, "backend");
                    require_member(batching, {"true", "loop"}, "batching");
                    require_member(tls, {"none", "on", "no-encryption"}, "TLS setting (tls)");
                    require_member(keys, {"whole", "per-layer"}, "key dealing (keys)");
                    BenchConfiguration c{config.name,        seq_len, batch, nonlinear, backend,
                                         batching == "loop", tls,     keys};
                    if (seen.insert(c.id()).second) sweep.configurations.push_back(std::move(c));
                  }
  return sweep;
}

}  // namespace fss::cli
