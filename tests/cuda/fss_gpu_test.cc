// GPU DPF/DCF (cuda/fss_gpu.h) against the CPU (crypto/dpf.h, crypto/dcf.h): for the same seed,
// byte-identical keys and bit-identical shares, for both AES table variants. The GPU cases skip
// with the reason where no GPU is present; the argument checks run everywhere, as they fail
// before any CUDA call. Each GPU case prints its seed; a mismatch prints where and how many.
#include "cuda/fss_gpu.h"

#include <gtest/gtest.h>

#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "cuda/devices.h"
#include "cuda/fss_walks.h"
#include "fss_cases.h"

namespace fss::gpu {
namespace {

using cases::FssCase;
using cases::key_bytes;
using cases::make_case;
using cases::mask_bits;

const char* variant_name(AesVariant variant) {
  return variant == AesVariant::kFourTables ? "four_tables" : "banked_table";
}


uint64_t announced_seed() {
  const uint64_t seed = std::random_device{}();
  std::cout << "[   seed   ] " << seed << std::endl;
  return seed;
}

// "" when equal, else how many elements differ and the first difference.
template <typename T>
std::string mismatch(const std::vector<T>& gpu, const std::vector<T>& cpu) {
  if (gpu.size() != cpu.size())
    return "sizes differ: gpu " + std::to_string(gpu.size()) + ", cpu " +
           std::to_string(cpu.size());
  size_t differing = 0, first = 0;
  for (size_t i = gpu.size(); i-- > 0;)
    if (gpu[i] != cpu[i]) ++differing, first = i;
  if (differing == 0) return "";
  std::ostringstream message;
  message << differing << " of " << gpu.size() << " differ; first at index " << first << ": gpu "
          << +gpu[first] << ", cpu " << +cpu[first];
  return message.str();
}

class FssGpu : public ::testing::TestWithParam<AesVariant> {
 protected:
  void SetUp() override {
    const DeviceList list = list_devices();
    if (list.devices.empty()) GTEST_SKIP() << "skipping GPU test: " << list.reason;
  }
  AesVariant variant() const { return GetParam(); }
};

INSTANTIATE_TEST_SUITE_P(Variants, FssGpu,
                         ::testing::Values(AesVariant::kFourTables, AesVariant::kBankedTable),
                         [](const auto& info) { return std::string(variant_name(info.param)); });

TEST_P(FssGpu, AesMatchesTheCpu) {
  for (const DeviceInfo& device : list_devices().devices)
    std::cout << "[  device  ] " << device.index << ": " << device.name << " (sm_"
              << device.compute_major << device.compute_minor << ")" << std::endl;
  const uint64_t seed = announced_seed();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (uint64_t count : {1u, 255u, 100000u}) {
    const Aes128 aes(Block{rng(), rng()});
    std::vector<Block> in(count), gpu(count), cpu(count);
    for (Block& b : in) b = Block{rng(), rng()};
    aes.encrypt_blocks(in, cpu);
    aes_encrypt_blocks(aes, in, gpu, variant());
    std::vector<uint64_t> gpu_words, cpu_words;
    for (size_t i = 0; i < count; ++i) {
      gpu_words.insert(gpu_words.end(), {gpu[i].lo, gpu[i].hi});
      cpu_words.insert(cpu_words.end(), {cpu[i].lo, cpu[i].hi});
    }
    ASSERT_EQ(mismatch(gpu_words, cpu_words), "") << count << " blocks (words lo, hi)";
  }
}

// Keygen bytes and every evaluation of one (n, l) batch, GPU against CPU.
void check_dpf(AesVariant variant, int n, int out_bits, uint64_t count, std::mt19937_64& rng) {
  SCOPED_TRACE(::testing::Message() << "n=" << n << " l=" << out_bits << " keys=" << count);
  const DpfParams params{n, out_bits};
  const FssCase c = make_case(n, out_bits, count, rng);
  const Block seed{rng(), rng()};
  const DpfKeyPair cpu = fss::dpf_gen(params, c.alphas, c.betas, seed);
  const DpfKeyPair gpu = gpu::dpf_gen(params, c.alphas, c.betas, seed, variant);
  for (int p = 0; p < 2; ++p)
    ASSERT_EQ(mismatch(key_bytes(gpu.party[p]), key_bytes(cpu.party[p])), "")
        << "serialized keys of party " << p;
  for (int p = 0; p < 2; ++p) {
    std::vector<uint64_t> gpu_out(count), cpu_out(count);
    fss::dpf_eval(p, cpu.party[p], c.xs, cpu_out);
    gpu::dpf_eval(p, cpu.party[p], c.xs, gpu_out, variant);
    ASSERT_EQ(mismatch(gpu_out, cpu_out), "") << "dpf_eval, party " << p;
    if (out_bits != 1) continue;
    std::vector<uint8_t> gpu_bits(count), cpu_bits(count);
    fss::dpf_compare_eval(p, cpu.party[p], c.xs, cpu_bits);
    gpu::dpf_compare_eval(p, cpu.party[p], c.xs, gpu_bits, variant);
    ASSERT_EQ(mismatch(gpu_bits, cpu_bits), "") << "dpf_compare_eval, party " << p;
  }
}

void check_full_domain(AesVariant variant, int n, uint64_t count, std::mt19937_64& rng) {
  SCOPED_TRACE(::testing::Message() << "full domain n=" << n << " keys=" << count);
  const FssCase c = make_case(n, 1, count, rng);
  const DpfKeyPair keys = fss::dpf_gen({n, 1}, c.alphas, c.betas, Block{rng(), rng()});
  const uint64_t words = full_domain_words(n);
  for (int p = 0; p < 2; ++p) {
    std::vector<uint64_t> gpu_out(count * words), cpu_out(count * words);
    for (uint64_t key = 0; key < count; ++key)
      fss::dpf_eval_full_domain(p, keys.party[p], key,
                                std::span(cpu_out).subspan(key * words, words));
    gpu::dpf_eval_full_domain(p, keys.party[p], gpu_out, variant);
    ASSERT_EQ(mismatch(gpu_out, cpu_out), "")
        << "party " << p << " (index = key * " << words << " + word)";
  }
}

void check_dcf(AesVariant variant, int n, int out_bits, uint64_t count, std::mt19937_64& rng) {
  SCOPED_TRACE(::testing::Message() << "n=" << n << " l=" << out_bits << " keys=" << count);
  const DcfParams params{n, out_bits};
  const FssCase c = make_case(n, out_bits, count, rng);
  const Block seed{rng(), rng()};
  const DcfKeyPair cpu = fss::dcf_gen(params, c.alphas, c.betas, seed);
  const DcfKeyPair gpu = gpu::dcf_gen(params, c.alphas, c.betas, seed, variant);
  for (int p = 0; p < 2; ++p)
    ASSERT_EQ(mismatch(key_bytes(gpu.party[p]), key_bytes(cpu.party[p])), "")
        << "serialized keys of party " << p;
  for (int p = 0; p < 2; ++p) {
    std::vector<uint64_t> gpu_out(count), cpu_out(count);
    fss::dcf_eval(p, cpu.party[p], c.xs, cpu_out);
    gpu::dcf_eval(p, cpu.party[p], c.xs, gpu_out, variant);
    ASSERT_EQ(mismatch(gpu_out, cpu_out), "") << "dcf_eval, party " << p;
  }
}

TEST_P(FssGpu, DpfKeysAndSharesMatchTheCpu) {
  const uint64_t seed = announced_seed();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (int n : cases::input_widths())
    for (int out_bits : cases::output_widths()) {
      check_dpf(variant(), n, out_bits, 37, rng);
      if (HasFatalFailure()) return;
    }
}

TEST_P(FssGpu, DpfFullDomainMatchesTheCpu) {
  const uint64_t seed = announced_seed();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (int n : {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 16}) {
    check_full_domain(variant(), n, 9, rng);
    if (HasFatalFailure()) return;
  }
}

TEST_P(FssGpu, DcfKeysAndSharesMatchTheCpu) {
  const uint64_t seed = announced_seed();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (int n : cases::input_widths())
    for (int out_bits : cases::output_widths()) {
      check_dcf(variant(), n, out_bits, 37, rng);
      if (HasFatalFailure()) return;
    }
}

// Batches over many thread blocks, at the widths of the models.
TEST_P(FssGpu, LargeBatchesMatchTheCpu) {
  const uint64_t seed = announced_seed();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  check_dpf(variant(), 50, 1, 20000, rng);
  if (HasFatalFailure()) return;
  check_dpf(variant(), 37, 64, 5000, rng);
  if (HasFatalFailure()) return;
  check_full_domain(variant(), 13, 600, rng);
  if (HasFatalFailure()) return;
  check_dcf(variant(), 50, 50, 20000, rng);
}

TEST_P(FssGpu, EmptyBatches) {
  const std::vector<uint64_t> none;
  const DpfKeyPair dpf = gpu::dpf_gen({20, 1}, none, none, Block{1, 2}, variant());
  EXPECT_EQ(dpf.party[0].count, 0u);
  EXPECT_EQ(key_bytes(dpf.party[1]),
            key_bytes(fss::dpf_gen({20, 1}, none, none, Block{1, 2}).party[1]));
  std::vector<uint64_t> out;
  std::vector<uint8_t> bits;
  gpu::dpf_eval(0, dpf.party[0], none, out, variant());
  gpu::dpf_compare_eval(1, dpf.party[1], none, bits, variant());
  gpu::dpf_eval_full_domain(0, dpf.party[0], out, variant());
  const DcfKeyPair dcf = gpu::dcf_gen({20, 7}, none, none, Block{1, 2}, variant());
  EXPECT_EQ(key_bytes(dcf.party[0]),
            key_bytes(fss::dcf_gen({20, 7}, none, none, Block{1, 2}).party[0]));
  gpu::dcf_eval(0, dcf.party[0], none, out, variant());
}

// Expects fss::Error of kInvalidArgument whose message contains `detail`.
template <typename Fn>
void expect_invalid(Fn&& fn, const std::string& detail) {
  try {
    fn();
    ADD_FAILURE() << "no fss::Error thrown (expected one mentioning \"" << detail << "\")";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
    EXPECT_NE(std::string(e.what()).find(detail), std::string::npos) << e.what();
  }
}

TEST(FssGpuArguments, AreCheckedBeforeAnyCudaCall) {
  const std::vector<uint64_t> alphas = {3, 9}, ones = {1, 1}, xs = {0, 15};
  const DpfKeyPair dpf = fss::dpf_gen({4, 1}, alphas, ones, Block{5, 6});
  const DcfKeyPair dcf = fss::dcf_gen({4, 8}, alphas, ones, Block{5, 6});
  std::vector<uint64_t> out(2), wrong_size(3);
  std::vector<uint8_t> bits(2);
  expect_invalid(
      [&] {
        gpu::dpf_gen({4, 1}, {alphas.data(), 1}, ones, Block{});
      },
      "1 alphas but 2");
  expect_invalid(
      [&] {
        gpu::dpf_gen({4, 1}, std::vector<uint64_t>{16, 0}, ones, Block{});
      },
      "alpha 0 = 16");
  expect_invalid([&] { gpu::dpf_gen({0, 1}, alphas, ones, Block{}); }, "n = 0");
  expect_invalid([&] { gpu::dpf_eval(1, dpf.party[0], xs, out); }, "belongs to party 0");
  expect_invalid([&] { gpu::dpf_eval(2, dpf.party[0], xs, out); }, "party 2");
  expect_invalid([&] { gpu::dpf_eval(0, dpf.party[0], xs, wrong_size); }, "3 outputs");
  expect_invalid(
      [&] {
        gpu::dpf_eval(0, dpf.party[0], std::vector<uint64_t>{0, 16}, out);
      },
      "input 1 = 16");
  expect_invalid([&] { gpu::dpf_eval_full_domain(0, dpf.party[0], wrong_size); },
                 "need 2 output words");
  const DpfKeyPair wide = fss::dpf_gen({4, 2}, alphas, ones, Block{5, 6});
  expect_invalid([&] { gpu::dpf_compare_eval(0, wide.party[0], xs, bits); }, "needs l = 1");
  expect_invalid([&] { gpu::dcf_eval(1, dcf.party[0], xs, out); }, "belongs to party 0");
  expect_invalid([&] { gpu::dcf_gen({4, 65}, alphas, ones, Block{}); }, "l = 65");
  std::vector<Block> blocks(2), fewer(1);
  expect_invalid([&] { gpu::aes_encrypt_blocks(Aes128(Block{}), blocks, fewer); }, "2 inputs");
}

}  // namespace
}  // namespace fss::gpu
