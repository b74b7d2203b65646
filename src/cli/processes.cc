#include "cli/processes.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "cli/certs.h"
#include "cli/deployment.h"
#include "cli/report.h"
#include "cli/temporary_directory.h"
#include "core/error.h"

namespace fss::cli {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

nlohmann::json read_json(const fs::path& path, const std::string& role) {
  try {
    return nlohmann::json::parse(read_text(path));
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorKind::kInternal, "{} wrote unreadable JSON {}: {}", role, path.string(), e.what());
  }
}

int open_log(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) fail(ErrorKind::kIo, "cannot create {}: {}", path.string(), std::strerror(errno));
  return fd;
}

// A child process of this binary with stdout and stderr in files; killed (and reaped) when the
// object dies before the child has been waited for.
class Child {
 public:
  Child(std::string role, const std::vector<std::string>& arguments, const fs::path& dir)
      : role_(std::move(role)) {
    std::string file_name = role_;
    std::replace(file_name.begin(), file_name.end(), ' ', '_');
    stdout_path_ = dir / (file_name + ".out");
    stderr_path_ = dir / (file_name + ".err");
    const std::string exe = fs::read_symlink("/proc/self/exe").string();
    std::vector<std::string> argv_strings = {exe};
    argv_strings.insert(argv_strings.end(), arguments.begin(), arguments.end());
    std::vector<char*> argv;
    for (std::string& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);
    const int out_fd = open_log(stdout_path_);
    const int err_fd = open_log(stderr_path_);
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {
      // Only async-signal-safe calls until exec: the parent has OpenMP threads.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);  // the parent died before prctl took effect
      if (::dup2(out_fd, STDOUT_FILENO) < 0 || ::dup2(err_fd, STDERR_FILENO) < 0) ::_exit(127);
      ::execv(exe.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(out_fd);
    ::close(err_fd);
    if (pid_ < 0) fail(ErrorKind::kInternal, "cannot start {}: fork failed", role_);
  }
  ~Child() { kill(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // The exit status once the child has ended; nullopt while it runs.
  std::optional<int> poll() {
    if (status_) return status_;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_)
      status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return status_;
  }
  int wait() {
    while (!poll()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return *status_;
  }
  void kill() {
    if (poll()) return;
    ::kill(pid_, SIGKILL);
    wait();
  }
  // Throws the child's own error (its last line "fssformer: <kind>: <message>", kind kept),
  // prefixed with its role; a child that died without one is reported by its exit status.
  [[noreturn]] void fail_with_its_error() const {
    std::string line;
    std::istringstream err(read_text(stderr_path_));
    for (std::string next; std::getline(err, next);)
      if (!next.empty() && !next.starts_with("fssformer: warning")) line = next;
    constexpr std::string_view kPrefix = "fssformer: ";
    if (line.starts_with(kPrefix)) {
      line = line.substr(kPrefix.size());
      for (ErrorKind kind : {ErrorKind::kInvalidArgument, ErrorKind::kParse, ErrorKind::kMismatch,
                             ErrorKind::kNetwork, ErrorKind::kIo, ErrorKind::kInternal}) {
        const std::string name = std::string(error_kind_name(kind)) + ": ";
        if (line.starts_with(name))
          throw Error(kind, fmt::format("{}: {}", role_, line.substr(name.size())));
      }
    }
    fail(ErrorKind::kInternal, "{} (child process) failed with exit status {}{}{}", role_, *status_,
         line.empty() ? "" : ": ", line);
  }
  void expect_success() {
    if (wait() != 0) fail_with_its_error();
  }
  const fs::path& stdout_path() const { return stdout_path_; }

 private:
  std::string role_;
  fs::path stdout_path_;
  fs::path stderr_path_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// Waits for party 0's "listening on HOST:PORT" line and returns the port. No deadline of its
// own: party 0 first verifies its key file (seconds for large keys) and ends by itself on any
// error, including no peer within its --timeout-ms.
std::string wait_for_port(Child& party0) {
  constexpr std::string_view kListening = "listening on ";
  while (true) {
    const std::string text = read_text(party0.stdout_path());
    const size_t at = text.find(kListening);
    const size_t end = at == std::string::npos ? at : text.find('\n', at);
    if (end != std::string::npos) {
      const std::string address = text.substr(at + kListening.size(), end - at - kListening.size());
      return address.substr(address.rfind(':') + 1);
    }
    if (party0.poll()) party0.fail_with_its_error();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// Fills one party's side of `result` from its --json metrics.
void read_party_metrics(const nlohmann::json& json, int party, LocalRunResult& result) {
  result.party_online_seconds[party] = json.at("online_ms").get<double>() / 1e3;
  result.party_key_load_seconds[party] = json.at("key_load_ms").get<double>() / 1e3;
  // Both parties' keys resident, or the run reports host keys.
  result.keys_resident =
      (party == 0 || result.keys_resident) && json.at("key_memory") == "resident";
  result.party_channel[party] = {json.at("bytes_sent"), json.at("bytes_received"),
                                 json.at("rounds")};
  result.party_online_counters[party] =
      process_counters_from_json(json.value("online_process", nlohmann::json::object()));
  for (const auto& [phase, numbers] : json.at("phases").items()) {
    Cost cost;
    cost.bytes_sent = numbers.at("bytes_sent");
    cost.rounds = numbers.at("rounds");
    cost.key_bytes = numbers.at("key_bytes");
    cost.prg_calls = numbers.at("prg_calls");
    result.party_phase_costs[party].add(phase, cost);
    result.party_phase_seconds[party][phase] = numbers.at("ms").get<double>() / 1e3;
    result.party_phase_wait_seconds[party][phase] = numbers.at("wait_ms").get<double>() / 1e3;
  }
}

}  // namespace

LocalRunResult run_in_processes(const RunOptions& options, uint64_t seed, const Program& program,
                                std::span<const Tensor> inputs) {
  if (options.channel != "tcp")
    fail(ErrorKind::kInvalidArgument, "--processes needs --channel tcp (parties are processes)");
  LocalRunResult result;
  result.clear = clear_outputs(program, inputs);
  // The children inherit OMP_WAIT_POLICY=passive (cli/main.cc chooses it for --processes and
  // for the role programs): spinning OpenMP threads of one party would starve the other's
  // process (bert-tiny, 16 tokens, 2 cores: 2.9 s online instead of 45 ms).

  const TemporaryDirectory dir;
  const fs::path& d = dir.path();
  const std::string seed_text = std::to_string(seed);
  const std::string timeout = std::to_string(options.timeout_ms);
  const std::vector<std::string> backend_args = {"--backend", options.backend, "--device",
                                                 std::to_string(options.device)};
  std::vector<std::string> keygen_args = {"keygen",
                                          "--model",
                                          options.model,
                                          "--seq",
                                          std::to_string(options.seq_len),
                                          "--batch",
                                          std::to_string(options.batch),
                                          "--out",
                                          d.string(),
                                          "--seed",
                                          seed_text};
  const std::vector<std::string> nonlinear_args =
      nonlinear_arguments(resolve_nonlinear(options.nonlinear));
  keygen_args.insert(keygen_args.end(), nonlinear_args.begin(), nonlinear_args.end());
  keygen_args.insert(keygen_args.end(), backend_args.begin(), backend_args.end());
  if (options.quiet) keygen_args.push_back("--quiet");
  {
    Child keygen("keygen", keygen_args, d);
    keygen.expect_success();
    const nlohmann::json summary = read_json(keygen.stdout_path(), "keygen");
    result.dealer_seconds = summary.at("seconds");
    for (int party = 0; party < 2; ++party) {
      result.key_stream_bytes[party] = summary.at("key_bytes").at(party);
      result.key_bytes_held[party] = result.key_stream_bytes[party];  // the whole key file
    }
  }
  const std::string masks = (d / kClientMasksFileName).string();
  const std::string masked = (d / "masked_inputs.fss").string();
  std::vector<std::string> share_args = {"client", "share",   "--masks", masks,
                                         "--seed", seed_text, "--out",   masked};
  if (!options.weights_path.empty()) {
    share_args.push_back("--weights");
    share_args.push_back(options.weights_path);
  }
  Child("client share", share_args, d).expect_success();

  // The role programs' own default: a TLS link, here with test credentials made for this run.
  const std::string tls = tls_setting(options);
  std::optional<TestPkiFiles> pki;
  if (tls != "none") pki = write_test_pki(d / "tls", /*days=*/1);
  const auto party_args = [&](int party) {
    std::vector<std::string> args = {"party",
                                     "--party",
                                     std::to_string(party),
                                     "--keys",
                                     (d / kKeyFileNames[party]).string(),
                                     "--input",
                                     masked,
                                     "--output",
                                     (d / fmt::format("output_p{}.fss", party)).string(),
                                     "--json",
                                     (d / fmt::format("metrics_p{}.json", party)).string(),
                                     "--timeout-ms",
                                     timeout};
    args.insert(args.end(), backend_args.begin(), backend_args.end());
    args.insert(args.end(), {"--key-memory", options.key_memory});
    if (tls == "none") {
      args.push_back("--insecure-plain-tcp");
    } else {
      args.insert(args.end(),
                  {"--tls-ca", pki->ca_cert.string(), "--tls-cert", pki->party_cert[party].string(),
                   "--tls-key", pki->party_key[party].string()});
      if (tls == "no-encryption") args.push_back("--no-encryption");
    }
    return args;
  };
  std::vector<std::string> args0 = party_args(0);
  args0.insert(args0.end(), {"--listen", "127.0.0.1:0"});
  Child party0("party 0", args0, d);
  std::vector<std::string> args1 = party_args(1);
  args1.insert(args1.end(), {"--peer", "127.0.0.1:" + wait_for_port(party0)});
  Child party1("party 1", args1, d);
  // The first party to fail ends the run; its peer would only report the broken connection.
  Child* parties[2] = {&party0, &party1};
  while (!(party0.poll() && party1.poll())) {
    for (Child* party : parties)
      if (party->poll() && *party->poll() != 0) party->fail_with_its_error();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (int party = 0; party < 2; ++party)
    read_party_metrics(
        read_json(d / fmt::format("metrics_p{}.json", party), fmt::format("party {}", party)),
        party, result);

  const fs::path result_json = d / "result.json";
  Child("client reconstruct",
        {"client", "reconstruct", "--masks", masks, "--p0", (d / "output_p0.fss").string(), "--p1",
         (d / "output_p1.fss").string(), "--out", result_json.string()},
        d)
      .expect_success();
  const nlohmann::json reconstructed = read_json(result_json, "client");
  for (const nlohmann::json& tensor : reconstructed.at("outputs")) {
    const FixedPoint format{tensor.at("n"), tensor.at("f")};
    result.reconstructed.emplace_back(Shape(tensor.at("shape").get<std::vector<int64_t>>()), format,
                                      tensor.at("values").get<std::vector<uint64_t>>());
  }
  return result;
}

}  // namespace fss::cli
