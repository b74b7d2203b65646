// `fssformer certs` as a user runs it; the certificates are checked with OpenSSL's own verifier.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

struct Outcome {
  int exit_code;
  std::string output;  // stdout and stderr together
};

struct X509Free {
  void operator()(X509* certificate) const { X509_free(certificate); }
  void operator()(X509_STORE* store) const { X509_STORE_free(store); }
  void operator()(X509_STORE_CTX* context) const { X509_STORE_CTX_free(context); }
};

std::unique_ptr<X509, X509Free> read_certificate(const fs::path& path) {
  FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) return nullptr;
  std::unique_ptr<X509, X509Free> certificate(PEM_read_X509(file, nullptr, nullptr, nullptr));
  std::fclose(file);
  return certificate;
}

// X509_V_OK when `leaf` verifies against `ca` as a TLS client and as a TLS server certificate.
int verify(X509* ca, X509* leaf) {
  for (const int purpose : {X509_PURPOSE_SSL_CLIENT, X509_PURPOSE_SSL_SERVER}) {
    std::unique_ptr<X509_STORE, X509Free> store(X509_STORE_new());
    X509_STORE_add_cert(store.get(), ca);
    std::unique_ptr<X509_STORE_CTX, X509Free> context(X509_STORE_CTX_new());
    X509_STORE_CTX_init(context.get(), store.get(), leaf, nullptr);
    X509_STORE_CTX_set_purpose(context.get(), purpose);
    if (X509_verify_cert(context.get()) != 1) return X509_STORE_CTX_get_error(context.get());
  }
  return X509_V_OK;
}

class CertsCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("fssformer_certs_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  Outcome run(const std::string& arguments) {
    const fs::path log = fs::temp_directory_path() / ("certs_test_" + std::to_string(::getpid()));
    const std::string command =
        std::string(FSSFORMER_BINARY) + " " + arguments + " > " + log.string() + " 2>&1";
    const int status = std::system(command.c_str());
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    fs::remove(log);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text.str()};
  }

  fs::path dir_;
};

TEST_F(CertsCommandTest, WritesAVerifiableTestPkiWithPrivateKeysOnly0600) {
  const Outcome outcome = run("certs --out " + (dir_ / "pki").string() + " --days 2");
  ASSERT_EQ(outcome.exit_code, 0) << outcome.output;
  EXPECT_NE(outcome.output.find("WARNING: these are TEST credentials"), std::string::npos)
      << outcome.output;

  const fs::path pki = dir_ / "pki";
  const auto ca = read_certificate(pki / "ca.pem");
  ASSERT_NE(ca, nullptr);
  for (int party : {0, 1}) {
    SCOPED_TRACE(party);
    const auto leaf = read_certificate(pki / ("party" + std::to_string(party) + ".pem"));
    ASSERT_NE(leaf, nullptr);
    EXPECT_EQ(verify(ca.get(), leaf.get()), X509_V_OK);
    const std::string own = "fssformer-party-" + std::to_string(party);
    const std::string other = "fssformer-party-" + std::to_string(1 - party);
    EXPECT_EQ(X509_check_host(leaf.get(), own.c_str(), own.size(), 0, nullptr), 1);
    EXPECT_EQ(X509_check_host(leaf.get(), other.c_str(), other.size(), 0, nullptr), 0);
    // Valid now, expired three days from now (--days 2).
    EXPECT_LT(X509_cmp_current_time(X509_get0_notBefore(leaf.get())), 0);
    EXPECT_GT(X509_cmp_current_time(X509_get0_notAfter(leaf.get())), 0);
    time_t later = std::time(nullptr) + 3 * 86400;
    EXPECT_LT(X509_cmp_time(X509_get0_notAfter(leaf.get()), &later), 0);
  }
  for (const char* name : {"ca.key", "party0.key", "party1.key", "psk.hex"}) {
    struct stat info {};
    ASSERT_EQ(::stat((pki / name).c_str(), &info), 0) << name;
    EXPECT_EQ(info.st_mode & 0777, 0600u) << name;
  }
  std::ifstream psk(pki / "psk.hex");
  std::string hex;
  psk >> hex;
  EXPECT_EQ(hex.size(), 64u);
  EXPECT_TRUE(std::all_of(hex.begin(), hex.end(), [](char c) { return std::isxdigit(c); }));
  for (const auto& entry : fs::directory_iterator(pki)) {
    EXPECT_NE(entry.path().extension(), ".tmp") << entry.path();
  }
}

TEST_F(CertsCommandTest, RefusesToOverwriteWithOneErrorLine) {
  ASSERT_EQ(run("certs --out " + dir_.string()).exit_code, 0);
  const std::string before = [&] {
    std::ifstream in(dir_ / "ca.pem");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }();
  const Outcome outcome = run("certs --out " + dir_.string());
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_EQ(outcome.output, "fssformer: invalid argument: certs: " + (dir_ / "ca.pem").string() +
                                " exists already; remove it or choose another --out\n");
  std::ifstream in(dir_ / "ca.pem");
  std::stringstream after;
  after << in.rdbuf();
  EXPECT_EQ(after.str(), before);
}

TEST_F(CertsCommandTest, UnwritableDirectoryIsOneErrorLine) {
  const Outcome outcome = run("certs --out /proc/fssformer-certs");
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_EQ(outcome.output.rfind("fssformer: I/O error: cannot create directory /proc/", 0), 0u)
      << outcome.output;
  EXPECT_EQ(std::count(outcome.output.begin(), outcome.output.end(), '\n'), 1) << outcome.output;
}

TEST_F(CertsCommandTest, RejectsZeroDays) {
  const Outcome outcome = run("certs --out " + dir_.string() + " --days 0");
  EXPECT_NE(outcome.exit_code, 0);
  EXPECT_NE(outcome.output.find("--days"), std::string::npos) << outcome.output;
  EXPECT_FALSE(fs::exists(dir_ / "ca.pem"));
}

}  // namespace
