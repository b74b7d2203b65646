#include "cli/keygen.h"

#include <chrono>
#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "cli/backend_options.h"
#include "cli/deployment.h"
#include "cli/key_plan.h"
#include "cli/model_options.h"
#include "cli/preflight.h"
#include "cli/progress_line.h"
#include "cli/role_files.h"
#include "cli/single_use.h"
#include "core/error.h"
#include "cuda/devices.h"
#include "mpc/dealer_engine.h"

namespace fss::cli {
namespace {

namespace fs = std::filesystem;

std::string hex(std::span<const uint8_t> bytes) {
  std::string text;
  for (uint8_t byte : bytes) text += fmt::format("{:02x}", byte);
  return text;
}

// Removes the files of a key set that did not complete, so that no partial set is left.
class KeySetRollback {
 public:
  void track(fs::path path) { paths_.push_back(std::move(path)); }
  void release() { paths_.clear(); }
  ~KeySetRollback() {
    for (const fs::path& path : paths_) {
      std::error_code ignored;  // best effort: the error being reported matters more
      fs::remove(path, ignored);
    }
  }

 private:
  std::vector<fs::path> paths_;
};

}  // namespace

void add_keygen_command(CLI::App& app, KeygenOptions& options) {
  CLI::App* cmd = app.add_subcommand(
      "keygen",
      "The dealer: writes keys_p0.fss and keys_p1.fss (one key file per party) and client.fss\n"
      "(the client's input and output masks) into --out, all tagged with a fresh run id.");
  add_model_options(*cmd, options.model, options.seq_len, options.batch);
  add_nonlinear_options(*cmd, options.nonlinear, /*with_families=*/true);
  add_backend_options(*cmd, options.backend, options.device);
  cmd->add_option("--out", options.out_dir, "directory for the three files")->required();
  cmd->add_option("--seed", options.seed, "seed of the dealer's masks (default: random)");
  cmd->add_flag("--quiet", options.quiet, "no progress line");
}

int run_keygen(const KeygenOptions& options) {
  // A file size limit must end keygen with an error, not kill it with SIGXFSZ.
  std::signal(SIGXFSZ, SIG_IGN);
  const RunConfiguration run{options.model, options.batch, options.seq_len,
                             resolve_nonlinear(options.nonlinear)};
  const ModelConfig& config = run.validated_model();
  std::unique_ptr<Backend> gpu_backend;
  Backend& backend = select_backend(options.backend, options.device, gpu_backend);
  const uint64_t activations = activation_bytes_estimate(config, run.batch, run.seq_len);
  require_memory("keygen", activations,
                 fmt::format("activation estimate {:.3f} GB", activations / 1e9));
  ProgressLine progress(!options.quiet);
  progress.show("keygen: planning the key sizes");
  const KeyPlan plan = plan_keys(transformer_program(run));
  progress.done();
  // The dealer builds one gate's keys for both parties in memory before writing them; with
  // buffer growth and the gate's own scratch that peaks near 6 copies of the largest record
  // (bert-tiny, 128 tokens: 123 MB planned, 113 MB peak RSS measured).
  constexpr uint64_t kLargestRecordCopies = 6;
  const uint64_t planned_memory = activations + kLargestRecordCopies * plan.largest_record_bytes;
  require_memory(
      "keygen", planned_memory,
      fmt::format("activation estimate {:.3f} GB + the largest gate's keys {} x {:.3f} GB",
                  activations / 1e9, kLargestRecordCopies, plan.largest_record_bytes / 1e9));
  if (options.backend == "cuda") {
    const uint64_t gpu_needed = gpu_bytes_estimate(2 * plan.largest_record_bytes, activations);
    require_gpu_memory("keygen", options.device, gpu_needed, gpu::free_memory_bytes(options.device),
                       fmt::format("both parties' largest gate keys {:.3f} GB, streamed",
                                   2 * plan.largest_record_bytes / 1e9));
  }
  const fs::path dir = options.out_dir;
  std::error_code error;
  fs::create_directories(dir, error);
  if (error)
    fail(ErrorKind::kIo, "cannot create the output directory {}: {}", dir.string(),
         error.message());
  // Both key files and the client's masks go to DIR.
  require_disk(dir, "the key files and the client masks",
               2 * plan.key_file_bytes + plan.mask_bytes);

  const uint64_t seed = options.seed.value_or(std::random_device{}() * 0x100000001ULL);
  const RunId run_id = random_run_id();
  const ConfigHash hash = config_hash(run.text());
  const auto start = std::chrono::steady_clock::now();
  KeySetRollback rollback;
  KeyStreamWriter writers[2] = {KeyStreamWriter::to_file(dir / kKeyFileNames[0], 0, hash, run_id),
                                KeyStreamWriter::to_file(dir / kKeyFileNames[1], 1, hash, run_id)};
  DealerEngine dealer(Block{seed, 0x72756e}, writers[0], writers[1]);
  const Program program = transformer_program(run, [&](int layer, int layers) {
    progress.show(fmt::format("keygen: layer {}/{}", layer, layers));
  });
  const std::vector<Masked> output_masks = [&] {
    const BackendScope on_backend(backend);
    return program(dealer);
  }();
  progress.done();
  uint64_t key_bytes[2];
  for (int party = 0; party < 2; ++party) {
    rollback.track(dir / kKeyFileNames[party]);
    writers[party].commit();
    key_bytes[party] = writers[party].bytes_written();
  }
  RoleFile client{RoleFileKind::kClientMasks, kNoParty, run.text(), run_id,
                  dealer.input_masks(),       {}};
  for (const Masked& mask : output_masks) client.outputs.push_back(mask.value);
  rollback.track(dir / kClientMasksFileName);
  write_role_file(dir / kClientMasksFileName, client);
  // Markers of an earlier key set in DIR would wrongly refuse the new, unused files.
  for (const char* name : kKeyFileNames) fs::remove(consumed_marker(dir / name), error);
  fs::remove(consumed_marker(dir / kClientMasksFileName), error);
  rollback.release();

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const nlohmann::json summary = {
      {"command", "keygen"},
      {"configuration", run.text()},
      {"backend", backend.name()},
      {"run_id", hex(run_id)},
      {"key_bytes", {key_bytes[0], key_bytes[1]}},
      {"planned_key_bytes", plan.key_file_bytes},
      {"planned_memory_bytes", planned_memory},
      {"client_bytes", fs::file_size(dir / kClientMasksFileName)},
      {"seconds", seconds},
      {"files",
       {(dir / kKeyFileNames[0]).string(), (dir / kKeyFileNames[1]).string(),
        (dir / kClientMasksFileName).string()}}};
  fmt::print("{}\n", summary.dump(2));
  return 0;
}

}  // namespace fss::cli
