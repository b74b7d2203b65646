// The fssformer command: one binary, one subcommand per job (ARCHITECTURE.md §8).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <exception>

#include "cli/client.h"
#include "cli/keygen.h"
#include "cli/party.h"
#include "cli/run.h"
#include "cli/selftest.h"
#include "core/error.h"

namespace {

constexpr const char* kPlanned =
    "\nPlanned commands (not in this build yet):\n"
    "  bench     sweep models, sequence lengths, batch sizes and protocol families\n"
    "  check     verify a key file or a weights file\n";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "fssformer: secure two-party transformer inference with function secret sharing"};
  app.footer(kPlanned);
  app.set_version_flag("--version", "fssformer 0.1.0");
  app.require_subcommand(1);

  fss::cli::RunOptions run;
  fss::cli::add_run_command(app, run);
  fss::cli::SelftestOptions selftest;
  fss::cli::add_selftest_command(app, selftest);
  fss::cli::KeygenOptions keygen;
  fss::cli::add_keygen_command(app, keygen);
  fss::cli::PartyOptions party;
  fss::cli::add_party_command(app, party);
  fss::cli::ClientOptions client;
  fss::cli::add_client_command(app, client);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (app.got_subcommand("run")) return fss::cli::run_inference(run);
    if (app.got_subcommand("selftest")) return fss::cli::run_selftest(selftest);
    if (app.got_subcommand("keygen")) return fss::cli::run_keygen(keygen);
    if (app.got_subcommand("party")) return fss::cli::run_party_command(party);
    if (app.got_subcommand("client")) return fss::cli::run_client_command(app, client);
  } catch (const fss::Error& e) {
    fmt::print(stderr, "fssformer: {}: {}\n", fss::error_kind_name(e.kind()), e.what());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "fssformer: unexpected error: {}\n", e.what());
    return 1;
  }
  return 0;
}
