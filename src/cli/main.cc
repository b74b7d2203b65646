// The fssformer command: one binary, one subcommand per job (ARCHITECTURE.md §8).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sched.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "cli/bench.h"
#include "cli/certs.h"
#include "cli/client.h"
#include "cli/costs.h"
#include "cli/keygen.h"
#include "cli/party.h"
#include "cli/run.h"
#include "cli/selftest.h"
#include "core/error.h"
#include "mpc/heap_reuse.h"

namespace {

constexpr const char* kPlanned =
    "\nPlanned commands (not in this build yet):\n"
    "  check     verify a key file or a weights file\n";

// libgomp reads its wait policy (OMP_WAIT_POLICY) when it loads, so main sets it and restarts
// the program; a value the user set is kept.
// - Both parties as threads of this program (run without --processes, bench) on a machine of 8
//   cores or more: "active". Each party's team has half the cores (mpc/local_run.cc), and a
//   region starts without waking sleeping threads: bert-base SIGMA on one H100 host (16 cores)
//   took 1 378-1 457 ms online with 7 spinning threads a party against 1 606-1 816 ms passive,
//   with 3 075 voluntary context switches a party instead of 128 551
//   (bench/results/openmp-waits-h100-20261207.json).
// - Otherwise "passive": idle threads that spin take the cores that the other party's threads or
//   process need (bert-tiny, 16 tokens, 2 cores: online time grows tenfold).
void choose_openmp_waits(char** argv, bool parties_in_this_program) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  cpu_set_t cores;
  const bool many_cores =
      sched_getaffinity(0, sizeof(cores), &cores) == 0 && CPU_COUNT(&cores) >= 8;
  setenv("OMP_WAIT_POLICY", parties_in_this_program && many_cores ? "active" : "passive", 1);
  execv("/proc/self/exe", argv);  // returns only on failure: then run with the default policy
}

}  // namespace

int main(int argc, char** argv) {
  fss::keep_freed_memory_for_reuse();
  CLI::App app{"fssformer: secure two-party transformer inference with function secret sharing"};
  app.footer(kPlanned);
  app.set_version_flag("--version", "fssformer 0.1.0");
  app.require_subcommand(1);

  fss::cli::RunOptions run;
  fss::cli::add_run_command(app, run);
  fss::cli::BenchOptions bench;
  fss::cli::add_bench_command(app, bench);
  fss::cli::SelftestOptions selftest;
  fss::cli::add_selftest_command(app, selftest);
  fss::cli::CostsOptions costs;
  fss::cli::add_costs_command(app, costs);
  fss::cli::CertsOptions certs;
  fss::cli::add_certs_command(app, certs);
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
  choose_openmp_waits(argv,
                      (app.got_subcommand("run") && !run.processes) || app.got_subcommand("bench"));
  try {
    if (app.got_subcommand("run")) return fss::cli::run_inference(run);
    if (app.got_subcommand("bench"))
      return fss::cli::run_bench(
          bench, fmt::format("fssformer {}", fmt::join(argv + 1, argv + argc, " ")));
    if (app.got_subcommand("selftest")) return fss::cli::run_selftest(selftest);
    if (app.got_subcommand("costs")) return fss::cli::run_costs(costs);
    if (app.got_subcommand("certs")) return fss::cli::run_certs(certs);
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
