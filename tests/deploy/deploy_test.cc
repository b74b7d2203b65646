// The three roles (keygen, party 0, party 1, client) as separate processes of the built binary,
// as docs/deployment.md runs them: the loopback flow over TLS (certificates from `fssformer
// certs`, a pre-shared key, encryption off, SUF) is bit-exact with the clear engine, and every
// fault of issue 8 (wrong peer certificate, PSK mismatch, ...) ends the affected party with one
// clear error line and a non-zero exit within its timeout, leaving no output file.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "mpc/clear_engine.h"
#include "nn/embedding.h"
#include "nn/nonlinear.h"
#include "nn/transformer.h"
#include "nn/weights.h"

namespace fss {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr uint64_t kWeightSeed = 11;
const std::vector<int64_t> kTokens = {3, 1, 4, 1};  // one sequence of 4 tokens
constexpr int kTimeoutMs = 3000;                    // the parties' --timeout-ms in fault tests
constexpr milliseconds kMargin{5000};               // process start-up and teardown on a busy CI

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string join(const std::vector<int64_t>& values) {
  std::string text;
  for (int64_t v : values) {
    if (!text.empty()) text += ',';
    text += std::to_string(v);
  }
  return text;
}

struct Finished {
  int exit_code = -1;  // 128 + signal if killed
  std::string out;
  std::string err;
  milliseconds elapsed{0};
};

// A child process of the fssformer binary (optionally behind a command prefix such as
// `ip netns exec NS`), stdout and stderr in files; killed if still running at destruction.
class Process {
 public:
  Process(const std::vector<std::string>& arguments, const fs::path& log_stem,
          const std::vector<std::string>& prefix = {},
          std::optional<rlim_t> file_size_limit = std::nullopt)
      : out_path_(log_stem.string() + ".out"), err_path_(log_stem.string() + ".err") {
    std::vector<std::string> all = prefix;
    all.push_back(FSSFORMER_BINARY);
    all.insert(all.end(), arguments.begin(), arguments.end());
    std::vector<char*> argv;
    for (std::string& s : all) argv.push_back(s.data());
    argv.push_back(nullptr);
    start_ = Clock::now();
    pid_ = ::fork();
    if (pid_ == 0) {
      if (!std::freopen(out_path_.c_str(), "w", stdout) ||
          !std::freopen(err_path_.c_str(), "w", stderr))
        ::_exit(126);
      if (file_size_limit) {
        const rlimit limit{*file_size_limit, *file_size_limit};
        if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(126);
      }
      ::execvp(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~Process() {
    if (!finished_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  // Polls stdout for `needle` (1 ms steps); false if the process ends or `limit` passes first.
  bool wait_for_stdout(const std::string& needle, milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      if (read_text(out_path_).find(needle) != std::string::npos) return true;
      if (!finished_ && ::waitpid(pid_, &status_, WNOHANG) == pid_) finished_ = true;
      if (finished_) return read_text(out_path_).find(needle) != std::string::npos;
      std::this_thread::sleep_for(milliseconds(1));
    }
    return false;
  }
  void signal(int number) { ::kill(pid_, number); }
  pid_t pid() const { return pid_; }

  // Waits up to `limit` (a failure if it takes longer: the process is then killed).
  Finished finish(milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    while (!finished_ && Clock::now() < deadline) {
      if (::waitpid(pid_, &status_, WNOHANG) == pid_) {
        finished_ = true;
        break;
      }
      std::this_thread::sleep_for(milliseconds(2));
    }
    Finished result;
    result.elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - start_);
    if (!finished_) {
      ADD_FAILURE() << "process did not end within " << limit.count() << " ms";
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status_, 0);
      finished_ = true;
    }
    result.exit_code = WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
    result.out = read_text(out_path_);
    result.err = read_text(err_path_);
    return result;
  }
  std::string stdout_text() const { return read_text(out_path_); }

 private:
  fs::path out_path_;
  fs::path err_path_;
  pid_t pid_ = -1;
  int status_ = 0;
  bool finished_ = false;
  Clock::time_point start_;
};

// Exit non-zero, stderr exactly one line "fssformer: <kind>: ..." containing `needle`, no result
// printed, finished within `limit`.
void expect_one_error_line(const Finished& run, const std::string& needle, milliseconds limit) {
  EXPECT_NE(run.exit_code, 0) << run.err;
  EXPECT_LT(run.exit_code, 128) << "killed by a signal: " << run.err;
  EXPECT_EQ(run.err.rfind("fssformer: ", 0), 0u) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  EXPECT_NE(run.err.find(needle), std::string::npos)
      << "expected '" << needle << "' in " << run.err;
  EXPECT_EQ(run.out.find("online ms"), std::string::npos) << run.out;
  EXPECT_LE(run.elapsed, limit);
}

// The clear engine's output, from inputs built here with the nn library alone.
std::vector<uint64_t> clear_reference(const std::string& model, int64_t seq_len,
                                      const std::vector<int64_t>& tokens, uint64_t weight_seed,
                                      const NonlinearChoice& nonlinear = {}) {
  const ModelConfig& config = model_config(model);
  const ModelWeights weights =
      to_fixed_point(random_float_weights(config, weight_seed), config.fixed_point);
  ClearEngine clear;
  clear.provide_input(embed_tokens(config, weights, TokenBatch{1, seq_len, tokens, {}, {}}));
  for (Tensor& w : secret_weight_values(config, weights)) clear.provide_input(std::move(w));
  const Masked output = transformer_forward(clear, config, 1, seq_len, nonlinear);
  return {output.value.data().begin(), output.value.data().end()};
}

struct KeySet {
  fs::path dir;
  fs::path keys[2];
  fs::path masks;
  fs::path masked_inputs;
};

// The output of `fssformer certs --out dir`: a CA, both parties' certificates and keys, a PSK.
struct Pki {
  fs::path dir;
  fs::path ca() const { return dir / "ca.pem"; }
  fs::path cert(int party) const { return dir / fmt::format("party{}.pem", party); }
  fs::path key(int party) const { return dir / fmt::format("party{}.key", party); }
  fs::path psk() const { return dir / "psk.hex"; }
};

class DeployTest : public testing::Test {
 protected:
  // Two independent test PKIs, made once with the binary as a user makes them.
  static void SetUpTestSuite() {
    pki_dir_ = fs::temp_directory_path() / fmt::format("fssformer_deploy_pki_{}", ::getpid());
    fs::remove_all(pki_dir_);
    for (const char* name : {"pki", "other_pki"}) {
      const std::string command = fmt::format("{} certs --out {} > /dev/null 2>&1",
                                              FSSFORMER_BINARY, (pki_dir_ / name).string());
      ASSERT_EQ(std::system(command.c_str()), 0) << command;
    }
  }
  static void TearDownTestSuite() { fs::remove_all(pki_dir_); }
  static Pki pki() { return {pki_dir_ / "pki"}; }
  static Pki other_pki() { return {pki_dir_ / "other_pki"}; }

  // Certificate mode with party `party`'s own certificate and key from `from`.
  static std::vector<std::string> certificate_link(int party, const Pki& from = pki()) {
    return {"--tls-ca",  from.ca().string(),      "--tls-cert", from.cert(party).string(),
            "--tls-key", from.key(party).string()};
  }

  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt::format("fssformer_deploy_test_{}_{}", ::getpid(),
                       testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path log(const std::string& name) const { return dir_ / name; }

  Finished run_to_end(const std::vector<std::string>& arguments, const std::string& name) {
    return Process(arguments, log(name)).finish(milliseconds(30'000));
  }

  // keygen into dir_/name and client share of kTokens with the seeded weights.
  // `keygen_extra`: more keygen options (the nonlinear choice, the backend).
  KeySet make_keys(const std::string& name, const std::string& model = "tiny-bert",
                   int64_t seq_len = 4, const std::vector<int64_t>& tokens = kTokens,
                   const std::vector<std::string>& keygen_extra = {}) {
    KeySet set;
    set.dir = dir_ / name;
    std::vector<std::string> keygen_arguments = {
        "keygen", "--model",        model,    "--seq", std::to_string(seq_len),
        "--out",  set.dir.string(), "--quiet"};
    keygen_arguments.insert(keygen_arguments.end(), keygen_extra.begin(), keygen_extra.end());
    const Finished keygen = run_to_end(keygen_arguments, name + "_keygen");
    EXPECT_EQ(keygen.exit_code, 0) << keygen.err;
    set.keys[0] = set.dir / "keys_p0.fss";
    set.keys[1] = set.dir / "keys_p1.fss";
    set.masks = set.dir / "client.fss";
    set.masked_inputs = set.dir / "masked_inputs.fss";
    const Finished share = run_to_end(
        {"client", "share", "--masks", set.masks.string(), "--seed", std::to_string(kWeightSeed),
         "--tokens", join(tokens), "--out", set.masked_inputs.string()},
        name + "_share");
    EXPECT_EQ(share.exit_code, 0) << share.err;
    return set;
  }

  // `link`: the TLS options; by default this party's certificate from pki().
  std::vector<std::string> party_arguments(
      int party, const fs::path& keys, const fs::path& input, const fs::path& output,
      int timeout_ms = kTimeoutMs, const std::optional<std::vector<std::string>>& link = {}) {
    std::vector<std::string> arguments = {"party",
                                          "--party",
                                          std::to_string(party),
                                          "--keys",
                                          keys.string(),
                                          "--input",
                                          input.string(),
                                          "--output",
                                          output.string(),
                                          "--timeout-ms",
                                          std::to_string(timeout_ms)};
    const std::vector<std::string> tls = link.value_or(certificate_link(party));
    arguments.insert(arguments.end(), tls.begin(), tls.end());
    return arguments;
  }

  // Party `first` listens on an ephemeral loopback port, the other party connects to it.
  std::pair<std::unique_ptr<Process>, std::unique_ptr<Process>> start_pair(
      std::vector<std::string> listener, std::vector<std::string> connector) {
    listener.insert(listener.end(), {"--listen", "127.0.0.1:0"});
    ++pairs_started_;  // fresh log files: a reused name could show the last run's port
    auto first =
        std::make_unique<Process>(listener, log(fmt::format("listener{}", pairs_started_)));
    EXPECT_TRUE(first->wait_for_stdout("listening on 127.0.0.1:", milliseconds(10'000)))
        << first->stdout_text();
    const std::string out = first->stdout_text();
    const size_t colon = out.find(':', out.find("listening on"));
    const std::string port = out.substr(colon + 1, out.find('\n', colon) - colon - 1);
    connector.insert(connector.end(), {"--peer", "127.0.0.1:" + port});
    auto second =
        std::make_unique<Process>(connector, log(fmt::format("connector{}", pairs_started_)));
    return {std::move(first), std::move(second)};
  }

  // A party that must fail before it connects (it would wait for a peer on a free port).
  Finished run_alone(std::vector<std::string> arguments) {
    arguments.insert(arguments.end(), {"--listen", "127.0.0.1:0"});
    return Process(arguments, log("alone")).finish(milliseconds(kTimeoutMs) + kMargin);
  }

  fs::path output(int party) const { return dir_ / fmt::format("output_p{}.fss", party); }

  static void expect_no_file(const fs::path& path) {
    EXPECT_FALSE(fs::exists(path)) << path;
    EXPECT_FALSE(fs::exists(path.string() + ".tmp")) << path;
  }

  // The full flow with `set`, each party with `extra` options and the TLS options `link(party)`
  // (default: its certificate); returns the reconstructed output values.
  std::vector<uint64_t> run_flow(
      const KeySet& set, const std::vector<std::string>& extra = {},
      const std::function<std::vector<std::string>(int)>& link = [](int party) {
        return certificate_link(party);
      }) {
    auto arguments0 =
        party_arguments(0, set.keys[0], set.masked_inputs, output(0), kTimeoutMs, link(0));
    auto arguments1 =
        party_arguments(1, set.keys[1], set.masked_inputs, output(1), kTimeoutMs, link(1));
    arguments0.insert(arguments0.end(), extra.begin(), extra.end());
    arguments1.insert(arguments1.end(), extra.begin(), extra.end());
    auto [p0, p1] = start_pair(arguments0, arguments1);
    const Finished f0 = p0->finish(milliseconds(30'000));
    const Finished f1 = p1->finish(milliseconds(30'000));
    EXPECT_EQ(f0.exit_code, 0) << f0.err;
    EXPECT_EQ(f1.exit_code, 0) << f1.err;
    last_party_stderr_[0] = f0.err;
    last_party_stderr_[1] = f1.err;
    last_party_stdout_[0] = f0.out;
    last_party_stdout_[1] = f1.out;
    const fs::path result = dir_ / "result.json";
    const Finished reconstruct =
        run_to_end({"client", "reconstruct", "--masks", set.masks.string(), "--p0",
                    output(0).string(), "--p1", output(1).string(), "--out", result.string()},
                   "reconstruct");
    EXPECT_EQ(reconstruct.exit_code, 0) << reconstruct.err;
    if (!fs::exists(result)) return {};
    const nlohmann::json json = nlohmann::json::parse(read_text(result));
    return json.at("outputs").at(0).at("values").get<std::vector<uint64_t>>();
  }

  // Both parties of `listener` and `connector` end non-zero with one error line within the
  // timeout, write no output, and leave their key files unused; returns their stderr.
  std::pair<std::string, std::string> expect_both_refused(std::vector<std::string> listener,
                                                          std::vector<std::string> connector,
                                                          const KeySet& set) {
    auto [p0, p1] = start_pair(std::move(listener), std::move(connector));
    const milliseconds limit = milliseconds(kTimeoutMs) + kMargin;
    const Finished f0 = p0->finish(limit);
    const Finished f1 = p1->finish(limit);
    expect_one_error_line(f0, "fssformer: network error: TLS handshake with 127.0.0.1:", limit);
    expect_one_error_line(f1, "fssformer: network error: TLS handshake with 127.0.0.1:", limit);
    expect_no_file(output(0));
    expect_no_file(output(1));
    for (const fs::path& keys : set.keys) EXPECT_FALSE(fs::exists(keys.string() + ".consumed"));
    return {f0.err, f1.err};
  }

  static inline fs::path pki_dir_;
  fs::path dir_;
  int pairs_started_ = 0;
  std::string last_party_stderr_[2];
  std::string last_party_stdout_[2];
};

TEST_F(DeployTest, ThreeRolesOnLoopbackAreBitExactWithTheClearEngine) {
  const KeySet set = make_keys("keys");
  const std::vector<uint64_t> secure = run_flow(set);
  const std::vector<uint64_t> expected = clear_reference("tiny-bert", 4, kTokens, kWeightSeed);
  ASSERT_EQ(secure.size(), expected.size());
  EXPECT_EQ(secure, expected);
  EXPECT_EQ(last_party_stderr_[0], "");
  EXPECT_EQ(last_party_stderr_[1], "");
  for (int party : {0, 1})
    EXPECT_NE(last_party_stdout_[party].find(fmt::format(
                  "over TLS 1.3, certificate of fssformer-party-{}, handshake ok", 1 - party)),
              std::string::npos)
        << last_party_stdout_[party];
  for (const fs::path& keys : set.keys) EXPECT_TRUE(fs::exists(keys.string() + ".consumed"));
}

TEST_F(DeployTest, PeerCertificateFromAnotherCaIsRefusedByBothParties) {
  const KeySet set = make_keys("keys");
  const auto [err0, err1] =
      expect_both_refused(party_arguments(0, set.keys[0], set.masked_inputs, output(0)),
                          party_arguments(1, set.keys[1], set.masked_inputs, output(1), kTimeoutMs,
                                          certificate_link(1, other_pki())),
                          set);
  // P1 checks P0's certificate chain first and refuses it; P0 learns it from P1's alert.
  EXPECT_NE(err1.find("is not signed by the CA in " + other_pki().ca().string()), std::string::npos)
      << err1;
  EXPECT_NE(err0.find("alert 'unknown CA'"), std::string::npos) << err0;
}

TEST_F(DeployTest, CertificateOfTheOtherPartyIsRefused) {
  // Party 1 is given party 0's certificate and key: a valid chain naming the wrong party.
  const KeySet set = make_keys("keys");
  const auto [err0, err1] =
      expect_both_refused(party_arguments(0, set.keys[0], set.masked_inputs, output(0)),
                          party_arguments(1, set.keys[1], set.masked_inputs, output(1), kTimeoutMs,
                                          certificate_link(0)),
                          set);
  EXPECT_NE(err0.find("peer presented the certificate of 'fssformer-party-0', expected "
                      "'fssformer-party-1'"),
            std::string::npos)
      << err0;
}

TEST_F(DeployTest, PreSharedKeyLinkIsBitExact) {
  const KeySet set = make_keys("keys");
  const std::vector<uint64_t> secure = run_flow(set, {}, [](int) {
    return std::vector<std::string>{"--tls-psk", pki().psk().string()};
  });
  EXPECT_EQ(secure, clear_reference("tiny-bert", 4, kTokens, kWeightSeed));
  EXPECT_NE(last_party_stdout_[0].find("over TLS 1.3, pre-shared key"), std::string::npos)
      << last_party_stdout_[0];
}

TEST_F(DeployTest, PreSharedKeyMismatchIsRefused) {
  const KeySet set = make_keys("keys");
  const auto [err0, err1] = expect_both_refused(
      party_arguments(0, set.keys[0], set.masked_inputs, output(0), kTimeoutMs,
                      std::vector<std::string>{"--tls-psk", pki().psk().string()}),
      party_arguments(1, set.keys[1], set.masked_inputs, output(1), kTimeoutMs,
                      std::vector<std::string>{"--tls-psk", other_pki().psk().string()}),
      set);
  EXPECT_NE(err1.find("same PSK identity and key"), std::string::npos) << err1;
}

TEST_F(DeployTest, NoEncryptionRunsWithOneWarningLine) {
  const KeySet set = make_keys("keys");
  const std::vector<uint64_t> secure = run_flow(set, {"--no-encryption"});
  EXPECT_EQ(secure, clear_reference("tiny-bert", 4, kTokens, kWeightSeed));
  for (int party : {0, 1}) {
    const std::string& err = last_party_stderr_[party];
    EXPECT_EQ(err.rfind("fssformer: warning: --no-encryption:", 0), 0u) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_NE(last_party_stdout_[party].find("then unencrypted, handshake ok"), std::string::npos)
        << last_party_stdout_[party];
  }
}

TEST_F(DeployTest, EncryptionSettingsThatDifferAreRefused) {
  const KeySet set = make_keys("keys");
  auto arguments1 = party_arguments(1, set.keys[1], set.masked_inputs, output(1));
  arguments1.push_back("--no-encryption");
  auto [p0, p1] =
      start_pair(party_arguments(0, set.keys[0], set.masked_inputs, output(0)), arguments1);
  const milliseconds limit = milliseconds(kTimeoutMs) + kMargin;
  expect_one_error_line(p0->finish(limit), "both parties must use the same setting", limit);
  const Finished f1 = p1->finish(limit);
  EXPECT_NE(f1.exit_code, 0);
  EXPECT_NE(f1.err.find("both parties must use the same setting"), std::string::npos) << f1.err;
  expect_no_file(output(0));
  expect_no_file(output(1));
}

TEST_F(DeployTest, PartyWithoutTlsOptionsIsRefused) {
  const KeySet set = make_keys("keys");
  const Finished run = run_alone(party_arguments(0, set.keys[0], set.masked_inputs, output(0),
                                                 kTimeoutMs, std::vector<std::string>{}));
  expect_one_error_line(run, "the link to the other party must be authenticated",
                        milliseconds(10'000));
  EXPECT_EQ(run.out.find("listening"), std::string::npos) << run.out;
  EXPECT_FALSE(fs::exists(set.keys[0].string() + ".consumed"));
}

TEST_F(DeployTest, IncompleteCertificateOptionsAreRefused) {
  const KeySet set = make_keys("keys");
  const Finished run =
      run_alone(party_arguments(0, set.keys[0], set.masked_inputs, output(0), kTimeoutMs,
                                std::vector<std::string>{"--tls-ca", pki().ca().string(),
                                                         "--tls-cert", pki().cert(0).string()}));
  expect_one_error_line(run, "--tls-key is missing", milliseconds(10'000));
}

TEST_F(DeployTest, InsecurePlainTcpRunsWithOneWarningLine) {
  const KeySet set = make_keys("keys");
  const std::vector<uint64_t> secure =
      run_flow(set, {}, [](int) { return std::vector<std::string>{"--insecure-plain-tcp"}; });
  EXPECT_EQ(secure, clear_reference("tiny-bert", 4, kTokens, kWeightSeed));
  for (const std::string& err : last_party_stderr_) {
    EXPECT_EQ(err.rfind("fssformer: warning: --insecure-plain-tcp:", 0), 0u) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  }
}

TEST_F(DeployTest, SufOverTheThreeRolesIsBitExact) {
  const KeySet set = make_keys("keys", "tiny-bert", 4, kTokens, {"--nonlinear", "suf"});
  EXPECT_EQ(run_flow(set), clear_reference("tiny-bert", 4, kTokens, kWeightSeed,
                                           NonlinearChoice::all(NonlinearFamily::kSuf)));
  EXPECT_NE(last_party_stdout_[0].find("nonlinear=softmax=suf(nexp_bits=10,inv_bits=10)"),
            std::string::npos)
      << last_party_stdout_[0];
}

TEST_F(DeployTest, MixedNonlinearChoiceWithParametersIsBitExact) {
  NonlinearChoice choice;
  choice.activation = NonlinearFamily::kSuf;
  choice.gelu_intervals = 64;
  const KeySet set = make_keys("keys", "tiny-gpt2", 4, kTokens,
                               {"--suf", "activation", "--suf-gelu-intervals", "64"});
  EXPECT_EQ(run_flow(set), clear_reference("tiny-gpt2", 4, kTokens, kWeightSeed, choice));
}

TEST_F(DeployTest, SigmaAndSufKeysAreRefusedAtTheHandshake) {
  const KeySet sigma = make_keys("sigma");
  const KeySet suf = make_keys("suf", "tiny-bert", 4, kTokens, {"--nonlinear", "suf"});
  auto [p0, p1] = start_pair(party_arguments(0, sigma.keys[0], sigma.masked_inputs, output(0)),
                             party_arguments(1, suf.keys[1], suf.masked_inputs, output(1)));
  const milliseconds limit = milliseconds(kTimeoutMs) + kMargin;
  expect_one_error_line(p0->finish(limit), "nonlinear=softmax=suf(", limit);
  expect_one_error_line(p1->finish(limit), "nonlinear=sigma'", limit);
}

// With a GPU the CUDA backend's keys and online phase must agree with the clear engine; without
// one (or in a build without CUDA) keygen and party each refuse with one line naming the option.
TEST_F(DeployTest, CudaBackendRunsBitExactOrIsRefusedClearly) {
  const fs::path out = dir_ / "cuda_keys";
  const Finished keygen = run_to_end({"keygen", "--model", "tiny-bert", "--seq", "4", "--out",
                                      out.string(), "--quiet", "--backend", "cuda"},
                                     "keygen_cuda");
  if (keygen.exit_code != 0) {
    expect_one_error_line(keygen, "--backend cuda", milliseconds(30'000));
    EXPECT_FALSE(fs::exists(out / "keys_p0.fss"));
    const KeySet set = make_keys("keys");
    auto arguments = party_arguments(0, set.keys[0], set.masked_inputs, output(0));
    arguments.insert(arguments.end(), {"--backend", "cuda"});
    expect_one_error_line(run_alone(arguments), "--backend cuda", milliseconds(10'000));
    EXPECT_FALSE(fs::exists(set.keys[0].string() + ".consumed"));
    return;
  }
  const KeySet set = make_keys("keys", "tiny-bert", 4, kTokens, {"--backend", "cuda"});
  EXPECT_EQ(run_flow(set, {"--backend", "cuda"}),
            clear_reference("tiny-bert", 4, kTokens, kWeightSeed));
}

TEST_F(DeployTest, MismatchedModelIsRefusedAtTheHandshake) {
  const KeySet bert = make_keys("bert");
  const KeySet gpt2 = make_keys("gpt2", "tiny-gpt2");
  auto [p0, p1] = start_pair(party_arguments(0, bert.keys[0], bert.masked_inputs, output(0)),
                             party_arguments(1, gpt2.keys[1], gpt2.masked_inputs, output(1)));
  const milliseconds limit = milliseconds(kTimeoutMs) + kMargin;
  expect_one_error_line(p0->finish(limit), "runs 'run model=tiny-gpt2 batch=1 seq=4", limit);
  expect_one_error_line(p1->finish(limit), "runs 'run model=tiny-bert batch=1 seq=4", limit);
  expect_no_file(output(0));
  expect_no_file(output(1));
  // Nothing key-dependent was sent, so the keys are still unused.
  EXPECT_FALSE(fs::exists(bert.keys[0].string() + ".consumed"));
}

TEST_F(DeployTest, MismatchedConfigurationIsRefusedAtTheHandshake) {
  const KeySet four = make_keys("seq4");
  const KeySet five = make_keys("seq5", "tiny-bert", 5, {3, 1, 4, 1, 5});
  auto [p0, p1] = start_pair(party_arguments(0, four.keys[0], four.masked_inputs, output(0)),
                             party_arguments(1, five.keys[1], five.masked_inputs, output(1)));
  const milliseconds limit = milliseconds(kTimeoutMs) + kMargin;
  expect_one_error_line(p0->finish(limit), "seq=5", limit);
  expect_one_error_line(p1->finish(limit), "config hash", limit);
  expect_no_file(output(0));
}

TEST_F(DeployTest, InputsOfAnotherConfigurationAreRefusedBeforeConnecting) {
  const KeySet four = make_keys("seq4");
  const KeySet five = make_keys("seq5", "tiny-bert", 5, {3, 1, 4, 1, 5});
  const Finished run = run_alone(party_arguments(0, four.keys[0], five.masked_inputs, output(0)));
  expect_one_error_line(run, "was made for another configuration", milliseconds(10'000));
  expect_no_file(output(0));
}

// With certificates the TLS layer already refuses a second party 0 (its certificate names the
// wrong party, CertificateOfTheOtherPartyIsRefused); a pre-shared key authenticates both sides
// alike, so here the party handshake is what refuses it.
TEST_F(DeployTest, BothSidesClaimingPartyZeroIsRefused) {
  const KeySet set = make_keys("keys");
  const std::vector<std::string> psk = {"--tls-psk", pki().psk().string()};
  auto [first, second] =
      start_pair(party_arguments(0, set.keys[0], set.masked_inputs, output(0), kTimeoutMs, psk),
                 party_arguments(0, set.keys[0], set.masked_inputs, output(1), kTimeoutMs, psk));
  const milliseconds limit = milliseconds(kTimeoutMs) + kMargin;
  expect_one_error_line(first->finish(limit), "both sides claim party 0", limit);
  expect_one_error_line(second->finish(limit), "both sides claim party 0", limit);
  expect_no_file(output(0));
  expect_no_file(output(1));
}

TEST_F(DeployTest, KeyFileOfTheOtherPartyIsRefused) {
  const KeySet set = make_keys("keys");
  const Finished run = run_alone(party_arguments(0, set.keys[1], set.masked_inputs, output(0)));
  expect_one_error_line(run, "is for party 1, this is party 0", milliseconds(10'000));
  expect_no_file(output(0));
}

TEST_F(DeployTest, KeyFilesOfDifferentRunsAreRefusedAtTheHandshake) {
  const KeySet first_run = make_keys("first");
  const KeySet second_run = make_keys("second");
  auto [p0, p1] =
      start_pair(party_arguments(0, first_run.keys[0], first_run.masked_inputs, output(0)),
                 party_arguments(1, second_run.keys[1], second_run.masked_inputs, output(1)));
  const milliseconds limit = milliseconds(kTimeoutMs) + kMargin;
  expect_one_error_line(p0->finish(limit), "key files of different runs", limit);
  expect_one_error_line(p1->finish(limit), "key files of different runs", limit);
  expect_no_file(output(0));
}

TEST_F(DeployTest, KeyFileOfAnotherRunThanTheInputsIsRefused) {
  const KeySet first_run = make_keys("first");
  const KeySet second_run = make_keys("second");
  const Finished run =
      run_alone(party_arguments(0, first_run.keys[0], second_run.masked_inputs, output(0)));
  expect_one_error_line(run, "files of another run", milliseconds(10'000));
  expect_no_file(output(0));
}

TEST_F(DeployTest, ReusedKeyFileIsRefused) {
  const KeySet set = make_keys("keys");
  run_flow(set);
  fs::remove(output(0));
  const Finished again = run_alone(party_arguments(0, set.keys[0], set.masked_inputs, output(0)));
  expect_one_error_line(again, "was already used", milliseconds(10'000));
  expect_no_file(output(0));
}

TEST_F(DeployTest, ClientMasksAreSingleUse) {
  const KeySet set = make_keys("keys");
  const fs::path again = dir_ / "masked_again.fss";
  const Finished run = run_to_end({"client", "share", "--masks", set.masks.string(), "--tokens",
                                   "5,9,2,6", "--out", again.string()},
                                  "share_again");
  expect_one_error_line(run, "client masks " + set.masks.string() + " was already used",
                        milliseconds(10'000));
  expect_no_file(again);
}

TEST_F(DeployTest, AllowKeyReuseRunsWithOneWarningLine) {
  const KeySet set = make_keys("keys");
  const std::vector<uint64_t> first = run_flow(set);
  const std::vector<uint64_t> second = run_flow(set, {"--allow-key-reuse"});
  EXPECT_EQ(first, second);
  for (const std::string& err : last_party_stderr_) {
    EXPECT_EQ(err.rfind("fssformer: warning: reusing key file", 0), 0u) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  }
}

TEST_F(DeployTest, TruncatedKeyFileIsRefused) {
  const KeySet set = make_keys("keys");
  fs::resize_file(set.keys[0], fs::file_size(set.keys[0]) / 2);
  const Finished run = run_alone(party_arguments(0, set.keys[0], set.masked_inputs, output(0)));
  expect_one_error_line(run, set.keys[0].string() + " is corrupted", milliseconds(10'000));
  expect_no_file(output(0));
}

TEST_F(DeployTest, BitFlippedKeyFileIsRefused) {
  const KeySet set = make_keys("keys");
  {
    std::fstream file(set.keys[1], std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(static_cast<std::streamoff>(fs::file_size(set.keys[1]) / 2));
    char byte = 0;
    file.read(&byte, 1);
    file.seekp(static_cast<std::streamoff>(fs::file_size(set.keys[1]) / 2));
    byte = static_cast<char>(byte ^ 0x10);
    file.write(&byte, 1);
  }
  const Finished run = run_alone(party_arguments(1, set.keys[1], set.masked_inputs, output(1)));
  expect_one_error_line(run, "checksum mismatch", milliseconds(10'000));
  expect_no_file(output(1));
}

TEST_F(DeployTest, TruncatedMaskedInputsAreRefused) {
  const KeySet set = make_keys("keys");
  fs::resize_file(set.masked_inputs, fs::file_size(set.masked_inputs) - 1);
  const Finished run = run_alone(party_arguments(0, set.keys[0], set.masked_inputs, output(0)));
  expect_one_error_line(run, set.masked_inputs.string() + " is corrupted or truncated",
                        milliseconds(10'000));
  expect_no_file(output(0));
  EXPECT_FALSE(fs::exists(set.keys[0].string() + ".consumed"));
}

// The survivor is stopped as soon as it enters the online phase, so that neither party can
// finish; the victim is then killed and the survivor let go on.
TEST_F(DeployTest, PeerKilledMidInferenceEndsTheOtherParty) {
  const KeySet set = make_keys("keys");
  auto [survivor, victim] =
      start_pair(party_arguments(0, set.keys[0], set.masked_inputs, output(0)),
                 party_arguments(1, set.keys[1], set.masked_inputs, output(1)));
  ASSERT_TRUE(survivor->wait_for_stdout("online phase", milliseconds(10'000)));
  survivor->signal(SIGSTOP);
  victim->signal(SIGKILL);
  EXPECT_EQ(victim->finish(milliseconds(5000)).exit_code, 128 + SIGKILL);
  survivor->signal(SIGCONT);
  const milliseconds limit = milliseconds(kTimeoutMs) + kMargin;
  expect_one_error_line(survivor->finish(limit), "peer closed", limit);
  expect_no_file(output(0));
}

// The victim is stopped as soon as the survivor enters the online phase.
TEST_F(DeployTest, PeerThatStopsSendingEndsTheOtherPartyWithinItsTimeout) {
  const KeySet set = make_keys("keys");
  auto [survivor, victim] =
      start_pair(party_arguments(0, set.keys[0], set.masked_inputs, output(0)),
                 party_arguments(1, set.keys[1], set.masked_inputs, output(1)));
  ASSERT_TRUE(survivor->wait_for_stdout("online phase", milliseconds(10'000)));
  victim->signal(SIGSTOP);
  const milliseconds limit = milliseconds(kTimeoutMs) + kMargin;
  const Finished run = survivor->finish(limit);
  expect_one_error_line(run, fmt::format("timed out after {} ms", kTimeoutMs), limit);
  EXPECT_GE(run.elapsed, milliseconds(kTimeoutMs));
  expect_no_file(output(0));
  victim->signal(SIGKILL);
}

TEST_F(DeployTest, DiskFullWhileWritingKeysLeavesNoFiles) {
  const fs::path out = dir_ / "keys";
  constexpr rlim_t kFileSizeLimit = 64 * 1024;  // the key files of tiny-bert seq 4 are ~800 kB
  Process keygen({"keygen", "--model", "tiny-bert", "--seq", "4", "--out", out.string(), "--quiet"},
                 log("keygen"), {}, kFileSizeLimit);
  const Finished run = keygen.finish(milliseconds(30'000));
  expect_one_error_line(run, "File too large", milliseconds(30'000));
  ASSERT_TRUE(fs::exists(out));
  EXPECT_TRUE(fs::is_empty(out)) << "keygen left files in " << out;
}

TEST_F(DeployTest, KeygenRefusesUpFrontWhenTheDiskIsTooSmall) {
  const fs::path small = dir_ / "small_disk";
  fs::create_directories(small);
  if (::geteuid() != 0 || ::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=256k") != 0)
    GTEST_SKIP() << "cannot mount a small tmpfs here (needs root)";
  const Finished run = run_to_end(
      {"keygen", "--model", "tiny-bert", "--seq", "4", "--out", small.string(), "--quiet"},
      "keygen");
  const bool empty = fs::is_empty(small);
  ::umount(small.c_str());
  expect_one_error_line(run, "not enough disk space in " + small.string(), milliseconds(30'000));
  EXPECT_TRUE(empty) << "keygen wrote into the too small file system";
}

TEST_F(DeployTest, KeygenRefusesUpFrontWhenMemoryIsTooSmall) {
  // bert-large, 4096 sequences of 512 tokens: terabytes of activations on any machine.
  const fs::path out = dir_ / "keys";
  const Finished run = run_to_end({"keygen", "--model", "bert-large", "--seq", "512", "--batch",
                                   "4096", "--out", out.string(), "--quiet"},
                                  "keygen");
  expect_one_error_line(run, "not enough memory for keygen: needs", milliseconds(10'000));
  EXPECT_NE(run.err.find("MemAvailable is"), std::string::npos) << run.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(DeployTest, KeygenPlansTheKeyFileSizeExactly) {
  const fs::path out = dir_ / "keys";
  const Finished run = run_to_end({"keygen", "--model", "tiny-llama", "--seq", "3", "--batch", "2",
                                   "--out", out.string(), "--quiet"},
                                  "keygen");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json summary = nlohmann::json::parse(run.out);
  for (const char* name : {"keys_p0.fss", "keys_p1.fss"})
    EXPECT_EQ(summary.at("planned_key_bytes").get<uint64_t>(), fs::file_size(out / name)) << name;
}

TEST_F(DeployTest, RunWithProcessesIsBitExact) {
  const Finished run = run_to_end(
      {"run", "--model", "tiny-bert", "--seq", "4", "--seed", "3", "--processes", "--quiet"},
      "run");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("separate processes"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("check vs clear engine: bit-exact"), std::string::npos) << run.out;
}

TEST_F(DeployTest, RunWithProcessesRunsSufOverTlsBitExact) {
  const Finished run = run_to_end({"run", "--model", "tiny-gpt2", "--seq", "4", "--seed", "3",
                                   "--processes", "--nonlinear", "suf", "--quiet"},
                                  "run");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("separate processes, TLS on"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("nonlinear: softmax=suf("), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("check vs clear engine: bit-exact"), std::string::npos) << run.out;
}

TEST_F(DeployTest, RunWithProcessesTakesEachTlsSetting) {
  for (const char* tls : {"none", "no-encryption"}) {
    SCOPED_TRACE(tls);
    const Finished run = run_to_end({"run", "--model", "tiny-bert", "--seq", "4", "--seed", "3",
                                     "--processes", "--tls", tls, "--quiet"},
                                    fmt::format("run_{}", tls));
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_NE(run.out.find(fmt::format("separate processes, TLS {}", tls)), std::string::npos)
        << run.out;
    EXPECT_NE(run.out.find("check vs clear engine: bit-exact"), std::string::npos) << run.out;
  }
}

TEST_F(DeployTest, RunWithProcessesNeedsTcp) {
  // Party processes cannot share an in-process channel.
  const Finished run = run_to_end({"run", "--model", "tiny-bert", "--seq", "4", "--processes",
                                   "--channel", "memory", "--quiet"},
                                  "run");
  expect_one_error_line(run, "--processes needs --channel tcp", milliseconds(30'000));
}

TEST_F(DeployTest, RunWithProcessesReportsTheFailingChildsError) {
  // Party 0 gives up on its peer after 1 ms, long before party 1 has started.
  const Finished run = run_to_end(
      {"run", "--model", "tiny-bert", "--seq", "4", "--processes", "--timeout-ms", "1", "--quiet"},
      "run");
  expect_one_error_line(run, "fssformer: network error: party ", milliseconds(30'000));
  EXPECT_NE(run.err.find(" 1 ms"), std::string::npos) << run.err;
}

// True while `pid` exists and is not a zombie.
bool is_running(pid_t pid) {
  const std::string stat = read_text(fmt::format("/proc/{}/stat", pid));
  if (stat.empty()) return false;
  const size_t state = stat.rfind(')') + 2;
  return state < stat.size() && stat[state] != 'Z';
}

TEST_F(DeployTest, RunWithProcessesLeavesNoOrphansWhenKilled) {
  // The first child is keygen, which takes seconds for bert-tiny at 64 tokens: a child still
  // alive a second after its parent's death was not taken down with it.
  // Its temporary directory, which a killed parent cannot remove, goes under dir_.
  const char* tmpdir = std::getenv("TMPDIR");
  const std::optional<std::string> saved_tmpdir =
      tmpdir ? std::optional<std::string>(tmpdir) : std::nullopt;
  ::setenv("TMPDIR", dir_.c_str(), 1);
  Process run({"run", "--model", "bert-tiny", "--seq", "64", "--processes", "--quiet"}, log("run"));
  if (saved_tmpdir) {
    ::setenv("TMPDIR", saved_tmpdir->c_str(), 1);
  } else {
    ::unsetenv("TMPDIR");
  }
  const fs::path children = fmt::format("/proc/{}/task/{}/children", run.pid(), run.pid());
  std::vector<pid_t> pids;
  const auto deadline = Clock::now() + milliseconds(20'000);
  while (pids.empty() && Clock::now() < deadline) {
    std::istringstream list(read_text(children));
    for (pid_t pid; list >> pid;) pids.push_back(pid);
    std::this_thread::sleep_for(milliseconds(1));
  }
  ASSERT_FALSE(pids.empty()) << "no child process seen";
  run.signal(SIGKILL);
  run.finish(milliseconds(5000));
  const auto gone_by = Clock::now() + milliseconds(1000);
  for (pid_t pid : pids) {
    while (is_running(pid) && Clock::now() < gone_by) std::this_thread::sleep_for(milliseconds(5));
    EXPECT_FALSE(is_running(pid)) << "child " << pid << " outlived its parent";
  }
}

// Three hosts: party 0 and party 1 in their own network namespaces joined by a veth pair
// (10.231.7.1 and 10.231.7.2), keygen and the client in a third with no route to either.
class NetworkNamespaces {
 public:
  explicit NetworkNamespaces(const std::string& tag) {
    for (const char* host : {"p0", "p1", "client"}) names_.push_back("fss" + tag + host);
  }
  ~NetworkNamespaces() {
    for (const std::string& name : names_) sh("ip netns del " + name + " 2>/dev/null");
  }
  bool create(const std::string& tag) {
    const std::string a = names_[0], b = names_[1];
    const std::string veth_a = "fv" + tag + "a", veth_b = "fv" + tag + "b";
    return sh("ip netns add " + a) && sh("ip netns add " + b) && sh("ip netns add " + names_[2]) &&
           sh("ip link add " + veth_a + " type veth peer name " + veth_b) &&
           sh("ip link set " + veth_a + " netns " + a) &&
           sh("ip link set " + veth_b + " netns " + b) &&
           sh("ip -n " + a + " addr add 10.231.7.1/24 dev " + veth_a) &&
           sh("ip -n " + b + " addr add 10.231.7.2/24 dev " + veth_b) &&
           sh("ip -n " + a + " link set " + veth_a + " up") &&
           sh("ip -n " + b + " link set " + veth_b + " up") &&
           sh("ip -n " + a + " link set lo up") && sh("ip -n " + b + " link set lo up") &&
           sh("ip -n " + names_[2] + " link set lo up");
  }
  std::vector<std::string> exec_in(int host) const { return {"ip", "netns", "exec", names_[host]}; }

 private:
  static bool sh(const std::string& command) {
    return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
  }
  std::vector<std::string> names_;
};

TEST_F(DeployTest, ThreeHostsInNetworkNamespaces) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create network namespaces";
  if (std::system("ip netns list >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "`ip netns` is not available";
  const std::string tag = std::to_string(::getpid() % 100000);
  NetworkNamespaces hosts(tag);
  if (!hosts.create(tag)) GTEST_SKIP() << "cannot create network namespaces and a veth pair here";

  const fs::path keys = dir_ / "keys";
  const auto on = [&](int host, std::vector<std::string> arguments, const std::string& name) {
    return std::make_unique<Process>(arguments, log(name), hosts.exec_in(host));
  };
  ASSERT_EQ(
      on(2, {"keygen", "--model", "tiny-bert", "--seq", "4", "--out", keys.string(), "--quiet"},
         "keygen")
          ->finish(milliseconds(30'000))
          .exit_code,
      0);
  const fs::path masked = dir_ / "masked_inputs.fss";
  ASSERT_EQ(on(2,
               {"client", "share", "--masks", (keys / "client.fss").string(), "--seed",
                std::to_string(kWeightSeed), "--tokens", join(kTokens), "--out", masked.string()},
               "share")
                ->finish(milliseconds(30'000))
                .exit_code,
            0);
  auto arguments0 = party_arguments(0, keys / "keys_p0.fss", masked, output(0), 10'000);
  arguments0.insert(arguments0.end(), {"--listen", "10.231.7.1:7301"});
  auto p0 = on(0, arguments0, "p0");
  ASSERT_TRUE(p0->wait_for_stdout("listening on", milliseconds(10'000)));
  auto arguments1 = party_arguments(1, keys / "keys_p1.fss", masked, output(1), 10'000);
  arguments1.insert(arguments1.end(), {"--peer", "10.231.7.1:7301"});
  auto p1 = on(1, arguments1, "p1");
  const Finished f0 = p0->finish(milliseconds(30'000));
  const Finished f1 = p1->finish(milliseconds(30'000));
  ASSERT_EQ(f0.exit_code, 0) << f0.err;
  ASSERT_EQ(f1.exit_code, 0) << f1.err;
  EXPECT_NE(f0.out.find("connected to 10.231.7.2:"), std::string::npos) << f0.out;

  const fs::path result = dir_ / "result.json";
  ASSERT_EQ(on(2,
               {"client", "reconstruct", "--masks", (keys / "client.fss").string(), "--p0",
                output(0).string(), "--p1", output(1).string(), "--out", result.string()},
               "reconstruct")
                ->finish(milliseconds(30'000))
                .exit_code,
            0);
  const nlohmann::json json = nlohmann::json::parse(read_text(result));
  EXPECT_EQ(json.at("outputs").at(0).at("values").get<std::vector<uint64_t>>(),
            clear_reference("tiny-bert", 4, kTokens, kWeightSeed));
}

}  // namespace
}  // namespace fss
