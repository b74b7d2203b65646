#include "cli/client.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "cli/deployment.h"
#include "cli/role_files.h"
#include "cli/single_use.h"
#include "core/error.h"
#include "mpc/engine.h"

namespace fss::cli {
namespace {

void check_same_run(const RoleFile& masks, const RoleFile& other, const std::string& path) {
  if (other.config_text != masks.config_text)
    fail(ErrorKind::kMismatch, "{} is for '{}', the client masks for '{}'", path, other.config_text,
         masks.config_text);
  if (other.run_id != masks.run_id)
    fail(ErrorKind::kMismatch, "{} is of run {}, the client masks of run {}: files of another run",
         path, short_hex(other.run_id), short_hex(masks.run_id));
}

int share(const ClientOptions& options) {
  const RoleFile masks = read_role_file(options.masks_path, RoleFileKind::kClientMasks);
  const RunConfiguration run = RunConfiguration::parse(masks.config_text, options.masks_path);
  // Masking two inputs with the same r would hand the parties their difference.
  const bool reused = is_consumed(options.masks_path);
  if (reused && !options.allow_mask_reuse) fail_already_used(options.masks_path, "client masks");
  const uint64_t seed = options.seed.value_or(std::random_device{}() * 0x100000001ULL);
  const ClientPlaintext plain =
      client_plaintext(run, seed, options.weights_path, options.token_ids);
  if (plain.inputs.size() != masks.inputs.size())
    fail(ErrorKind::kMismatch, "{} holds {} input masks, the program takes {} inputs",
         options.masks_path, masks.inputs.size(), plain.inputs.size());
  RoleFile masked{RoleFileKind::kMaskedInputs, kNoParty, masks.config_text, masks.run_id, {}, {}};
  for (size_t i = 0; i < plain.inputs.size(); ++i) {
    const Tensor& x = plain.inputs[i];
    const Tensor& r = masks.inputs[i];
    if (x.shape() != r.shape() || x.fixed_point().n != r.fixed_point().n)
      fail(ErrorKind::kMismatch, "input {}: mask {} in {} does not fit the input {}", i,
           r.shape().to_string(), options.masks_path, x.shape().to_string());
    masked.inputs.push_back(add(Masked{x}, Masked{r}).value);
  }
  if (reused) {
    warn_reuse(options.masks_path, "client masks");
  } else {
    mark_consumed(options.masks_path, "client masks",
                  fmt::format("run {} client share\n", short_hex(masks.run_id)));
  }
  write_role_file(options.masked_inputs_path, masked);
  fmt::print("fssformer client: masked {} inputs of '{}' (seed {}) into {}\n", masked.inputs.size(),
             run.text(), seed, options.masked_inputs_path);
  return 0;
}

int reconstruct(const ClientOptions& options) {
  const RoleFile masks = read_role_file(options.masks_path, RoleFileKind::kClientMasks);
  RoleFile outputs[2];
  for (int party = 0; party < 2; ++party) {
    const std::string& path = options.party_output_paths[party];
    outputs[party] = read_role_file(path, RoleFileKind::kPartyOutput);
    if (outputs[party].party != party)
      fail(ErrorKind::kMismatch, "{} holds the output of party {}, expected party {}", path,
           outputs[party].party, party);
    check_same_run(masks, outputs[party], path);
    if (outputs[party].outputs.size() != masks.outputs.size())
      fail(ErrorKind::kMismatch, "{} holds {} outputs, the client masks {}", path,
           outputs[party].outputs.size(), masks.outputs.size());
  }
  nlohmann::json tensors = nlohmann::json::array();
  for (size_t k = 0; k < masks.outputs.size(); ++k) {
    const Tensor& a = outputs[0].outputs[k];
    const Tensor& b = outputs[1].outputs[k];
    const Tensor& r = masks.outputs[k];
    // Both parties open the same masked value; a difference means a faulty or cheating party.
    if (a.shape() != b.shape() || !std::ranges::equal(a.data(), b.data()))
      fail(ErrorKind::kMismatch, "output {}: P0 and P1 returned different masked values", k);
    if (a.shape() != r.shape() || a.fixed_point().n != r.fixed_point().n)
      fail(ErrorKind::kMismatch, "output {}: shape {} does not fit the mask {}", k,
           a.shape().to_string(), r.shape().to_string());
    const Tensor y = sub(Masked{a}, Masked{r}).value;
    tensors.push_back({{"shape", y.shape().dims()},
                       {"n", y.fixed_point().n},
                       {"f", y.fixed_point().f},
                       {"values", std::vector<uint64_t>(y.data().begin(), y.data().end())}});
  }
  const nlohmann::json result = {{"configuration", masks.config_text}, {"outputs", tensors}};
  const std::string temp = options.result_path + ".tmp";
  {
    std::ofstream out(temp);
    out << result.dump() << "\n";
    if (!out) fail(ErrorKind::kIo, "cannot write {}", temp);
  }
  if (std::rename(temp.c_str(), options.result_path.c_str()) != 0)
    fail(ErrorKind::kIo, "cannot rename {} to {}: {}", temp, options.result_path,
         std::strerror(errno));
  fmt::print("fssformer client: reconstructed {} outputs of '{}' into {}\n", tensors.size(),
             masks.config_text, options.result_path);
  return 0;
}

}  // namespace

void add_client_command(CLI::App& app, ClientOptions& options) {
  CLI::App* cmd = app.add_subcommand(
      "client", "The client: masks its inputs for the parties and reconstructs their outputs.");
  cmd->require_subcommand(1);
  CLI::App* share_cmd = cmd->add_subcommand(
      "share",
      "Mask the inputs (tokens given or seeded random; weights seeded random or\n"
      "--weights) with the dealer's masks into one file for both parties.");
  share_cmd->add_option("--masks", options.masks_path, "client.fss from keygen")->required();
  share_cmd->add_option("--seed", options.seed, "seed of tokens and random weights");
  share_cmd->add_option("--weights", options.weights_path, "Hugging Face safetensors file");
  share_cmd
      ->add_option("--tokens", options.token_ids,
                   "token ids, batch * seq of them, row-major (default: seeded random)")
      ->delimiter(',');
  share_cmd->add_option("--out", options.masked_inputs_path, "masked inputs file")->required();
  share_cmd->add_flag("--allow-key-reuse", options.allow_mask_reuse,
                      "mask again with masks already used (benchmarks only: insecure)");
  CLI::App* reconstruct_cmd = cmd->add_subcommand(
      "reconstruct", "Check both parties' masked outputs and remove the output masks (JSON).");
  reconstruct_cmd->add_option("--masks", options.masks_path, "client.fss from keygen")->required();
  reconstruct_cmd->add_option("--p0", options.party_output_paths[0], "party 0's output")
      ->required();
  reconstruct_cmd->add_option("--p1", options.party_output_paths[1], "party 1's output")
      ->required();
  reconstruct_cmd->add_option("--out", options.result_path, "result JSON file")->required();
}

int run_client_command(const CLI::App& app, const ClientOptions& options) {
  const CLI::App* cmd = app.get_subcommand("client");
  if (cmd->got_subcommand("share")) return share(options);
  return reconstruct(options);
}

}  // namespace fss::cli
