// The CUDA backend against the CPU backend (crypto/backend.h): the lookup-table dot products and
// the uint64 matmul bit for bit, on shapes that do and do not fill the kernels' tiles, and whole
// models run with --backend cuda reconstructing to the clear engine with the CPU run's outputs
// and key sizes. Skips with the reason where no GPU is present. Each case prints its seed.
#include "cuda/cuda_backend.h"

#include <gtest/gtest.h>

#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "core/bitpack.h"
#include "core/error.h"
#include "core/gap_shift.h"
#include "crypto/dpf_math.h"
#include "cuda/device_buffer.h"
#include "cuda/devices.h"
#include "cuda/fss_gpu.h"
#include "cuda/launch.h"
#include "nn/model_run.h"

namespace fss::gpu {
namespace {

class CudaBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const DeviceList list = list_devices();
    if (list.devices.empty()) GTEST_SKIP() << "skipping GPU test: " << list.reason;
    gpu_ = make_cuda_backend(
        0, {.min_gpu_keys = 0, .min_gpu_leaves = 0, .min_gpu_macs = 0});  // all on the GPU
    seed_ = std::random_device{}();
    std::cout << "[   seed   ] " << seed_ << std::endl;
  }
  std::unique_ptr<Backend> gpu_;
  uint64_t seed_ = 0;
};

std::vector<uint64_t> random_words(std::mt19937_64& rng, size_t count) {
  std::vector<uint64_t> words(count);
  for (auto& w : words) w = rng();
  return words;
}

// Copies through the pinned staging buffers: sizes below, at and across the staging threshold
// and the 32 MiB pieces, unaligned ends; the host buffer is overwritten as soon as the upload
// returns (which the contract allows), and the round trip must still give the original bytes.
TEST_F(CudaBackendTest, StagedCopiesRoundTrip) {
  std::mt19937_64 rng(seed_);
  for (const size_t bytes : {size_t{1}, kStagedCopyBytes - 1, kStagedCopyBytes,
                             (size_t{32} << 20) + 8, (size_t{97} << 20) + 3}) {
    SCOPED_TRACE(::testing::Message() << bytes << " bytes");
    std::vector<uint8_t> original(bytes);
    for (uint8_t& b : original) b = static_cast<uint8_t>(rng());
    std::vector<uint8_t> host = original;
    DeviceBuffer<uint8_t> device(bytes);
    copy_to_device(std::span<const uint8_t>(host), device);
    std::fill(host.begin(), host.end(), uint8_t{0xa5});
    std::vector<uint8_t> back(bytes, 0);
    copy_to_host(device, std::span<uint8_t>(back));
    ASSERT_EQ(back, original);
  }
}

TEST_F(CudaBackendTest, FullDomainDotEqualsCpu) {
  std::mt19937_64 rng(seed_);
  for (int n : {2, 6, 7, 8, 10, 13, 16}) {
    SCOPED_TRACE("n = " + std::to_string(n) + ", seed " + std::to_string(seed_));
    const size_t count = n >= 13 ? 500 : 3000;
    std::vector<uint64_t> alphas(count), ones_beta(count, 1), offsets(count);
    for (auto& a : alphas) a = rng() & ((uint64_t{1} << n) - 1);
    const DpfKeyPair keys = cpu_backend().dpf_gen({n, 1}, alphas, ones_beta, Block{rng(), rng()});
    const uint64_t window = 64 * full_domain_words(n);
    const std::vector<uint64_t> terms = random_words(rng, 2 * window);
    for (auto& offset : offsets) offset = rng() % (window + 1);
    for (int party = 0; party < 2; ++party) {
      std::vector<uint64_t> cpu_dots(count), cpu_ones(count), gpu_dots(count), gpu_ones(count);
      cpu_backend().dpf_full_domain_dot(party, keys.party[party], terms, offsets, cpu_dots,
                                        cpu_ones);
      gpu_->dpf_full_domain_dot(party, keys.party[party], terms, offsets, gpu_dots, gpu_ones);
      EXPECT_EQ(gpu_dots, cpu_dots) << "party " << party;
      EXPECT_EQ(gpu_ones, cpu_ones) << "party " << party;
    }
  }
}

TEST_F(CudaBackendTest, MatmulEqualsCpu) {
  std::mt19937_64 rng(seed_);
  const MatmulDims shapes[] = {{1, 1, 1, 1, false},    {1, 64, 16, 64, false},
                               {3, 70, 33, 65, false}, {12, 128, 64, 128, true},
                               {2, 5, 0, 7, false},    {1, 128, 1536, 768, false},
                               {4, 17, 100, 129, true}};
  for (const MatmulDims& dims : shapes) {
    SCOPED_TRACE(std::to_string(dims.batch) + "x" + std::to_string(dims.rows) + "x" +
                 std::to_string(dims.inner) + "x" + std::to_string(dims.cols) + ", seed " +
                 std::to_string(seed_));
    const std::vector<uint64_t> a = random_words(rng, dims.left_size());
    const std::vector<uint64_t> b = random_words(rng, dims.right_size());
    std::vector<uint64_t> cpu(dims.out_size()), gpu(dims.out_size(), 0xdead);
    cpu_backend().matmul(a, b, cpu, dims);
    gpu_->matmul(a, b, gpu, dims);
    EXPECT_EQ(gpu, cpu);
  }
}

// Both product kernels against the CPU: odd shapes (padding of the 16 x 16 limb tiles), shared
// and batched right operands, no inner dimension, inner dimensions past the 4096 a 32-bit limb
// sum holds (folded into 64 bits), and all-ones operands, whose limb sums are the largest.
TEST_F(CudaBackendTest, MatmulKernelsEqualCpu) {
  std::mt19937_64 rng(seed_);
  struct Case {
    MatmulDims dims;
    bool all_ones;
  };
  const Case cases[] = {{{1, 1, 1, 1, false}, false},       {{3, 70, 33, 65, false}, false},
                        {{4, 17, 100, 129, true}, false},   {{2, 5, 0, 7, false}, false},
                        {{1, 128, 768, 768, false}, false}, {{1, 20, 9000, 18, false}, false},
                        {{2, 16, 8200, 16, true}, true},    {{1, 33, 4096, 17, false}, true}};
  for (const gpu::MatmulKernel kernel : {gpu::MatmulKernel::kWords, gpu::MatmulKernel::kLimbs})
    for (const Case& c : cases) {
      const MatmulDims& dims = c.dims;
      SCOPED_TRACE(::testing::Message()
                   << (kernel == gpu::MatmulKernel::kLimbs ? "limbs " : "words ") << dims.batch
                   << "x" << dims.rows << "x" << dims.inner << "x" << dims.cols
                   << (c.all_ones ? " all ones" : "") << ", seed " << seed_);
      const auto operand = [&](uint64_t count) {
        return c.all_ones ? std::vector<uint64_t>(count, ~uint64_t{0}) : random_words(rng, count);
      };
      const std::vector<uint64_t> a = operand(dims.left_size()), b = operand(dims.right_size());
      std::vector<uint64_t> cpu(dims.out_size()), on_gpu(dims.out_size(), 0xdead);
      cpu_backend().matmul(a, b, cpu, dims);
      gpu::matmul(a, b, on_gpu, dims, kernel);
      EXPECT_EQ(on_gpu, cpu);
    }
}

// The secret-weights product with its key fields read on the GPU, resident (in place at every
// byte offset mod 8) or uploaded packed: the CPU backend's share, bit for bit.
TEST_F(CudaBackendTest, MaskedMatmulEqualsCpu) {
  std::mt19937_64 rng(seed_);
  const MatmulDims shapes[] = {{1, 1, 1, 1, false},
                               {1, 128, 96, 64, false},
                               {3, 70, 33, 65, false},
                               {4, 17, 100, 129, true}};
  for (const MatmulDims& dims : shapes)
    for (const int n : {1, 13, 50, 57, 58, 64})
      for (int party = 0; party < 2; ++party)
        for (const size_t prefix : {0, 3}) {
          SCOPED_TRACE(::testing::Message() << dims.batch << "x" << dims.rows << "x" << dims.inner
                                            << "x" << dims.cols << " n " << n << " party " << party
                                            << " prefix " << prefix << ", seed " << seed_);
          const std::vector<uint64_t> x_hat = random_words(rng, dims.left_size());
          const std::vector<uint64_t> w_hat = random_words(rng, dims.right_size());
          // The three fields back to back after `prefix` bytes, as in a key record.
          ByteWriter writer;
          for (size_t i = 0; i < prefix; ++i) writer.put<uint8_t>(0);
          for (const uint64_t count : {dims.left_size(), dims.right_size(), dims.out_size()})
            writer.put_bytes(pack(random_words(rng, count), n));
          const std::unique_ptr<ResidentBytes> copy = gpu_->make_resident(writer.data());
          MaskedMatmulKey host_key, resident_key;
          host_key.n = resident_key.n = n;
          size_t offset = prefix;
          PackedValues* fields[2][3] = {{&host_key.r_x, &host_key.r_w, &host_key.c},
                                        {&resident_key.r_x, &resident_key.r_w, &resident_key.c}};
          const uint64_t counts[] = {dims.left_size(), dims.right_size(), dims.out_size()};
          for (int f = 0; f < 3; ++f) {
            const size_t bytes = packed_bytes(counts[f], n);
            const std::span<const uint8_t> field(writer.data().data() + offset, bytes);
            *fields[0][f] = {field};
            *fields[1][f] = {field, copy->data() + offset};
            offset += bytes;
          }
          std::vector<uint64_t> cpu(dims.out_size()), uploaded(dims.out_size(), 0xdead),
              in_place(dims.out_size(), 0xbeef);
          cpu_backend().masked_matmul(party, host_key, x_hat, w_hat, cpu, dims);
          gpu_->masked_matmul(party, host_key, x_hat, w_hat, uploaded, dims);
          gpu_->masked_matmul(party, resident_key, x_hat, w_hat, in_place, dims);
          EXPECT_EQ(uploaded, cpu);
          EXPECT_EQ(in_place, cpu);
        }
}

// A gap truncation's last step (core/gap_shift.h) from fields resident at aligned and odd offsets
// and from host memory, both parties, ARS and LRS offsets, widths up to 64 and counts that end
// inside a byte: the CPU's shares.
TEST_F(CudaBackendTest, GapShiftEqualsCpu) {
  std::mt19937_64 rng(seed_);
  for (const int n : {2, 13, 50, 64})
    for (const int f : {1, n / 2 + 1, n - 1})
      for (const size_t count : {size_t{1}, size_t{4099}})
        for (const bool arithmetic : {false, true})
          for (int party = 0; party < 2; ++party)
            for (const size_t prefix : {0, 3}) {
              if (f < 1 || f >= n || (arithmetic && f > n - 2)) continue;
              SCOPED_TRACE(::testing::Message()
                           << "n " << n << " f " << f << " count " << count << " arithmetic "
                           << arithmetic << " party " << party << " prefix " << prefix << ", seed "
                           << seed_);
              const GapShiftStep step{party, Ring{n}, f, arithmetic};
              const std::vector<uint64_t> x_hat = random_words(rng, count);
              const std::vector<uint8_t> carry_hat = pack(random_words(rng, count), 1);
              ByteWriter writer;
              for (size_t i = 0; i < prefix; ++i) writer.put<uint8_t>(0);
              const int widths[] = {n, f, n};
              for (const int bits : widths) writer.put_bytes(pack(random_words(rng, count), bits));
              const std::unique_ptr<ResidentBytes> copy = gpu_->make_resident(writer.data());
              GapShiftKey host_key, resident_key;
              PackedValues* fields[2][3] = {
                  {&host_key.carry_mask, &host_key.r_msb, &host_key.correction},
                  {&resident_key.carry_mask, &resident_key.r_msb, &resident_key.correction}};
              size_t offset = prefix;
              for (int k = 0; k < 3; ++k) {
                const size_t bytes = packed_bytes(count, widths[k]);
                const std::span<const uint8_t> field(writer.data().data() + offset, bytes);
                *fields[0][k] = {field};
                *fields[1][k] = {field, copy->data() + offset};
                offset += bytes;
              }
              std::vector<uint64_t> cpu(count), uploaded(count, 0xdead), in_place(count, 0xbeef);
              cpu_backend().gap_shift(step, host_key, x_hat, carry_hat, cpu);
              gpu_->gap_shift(step, host_key, x_hat, carry_hat, uploaded);
              gpu_->gap_shift(step, resident_key, x_hat, carry_hat, in_place);
              EXPECT_EQ(uploaded, cpu);
              EXPECT_EQ(in_place, cpu);
            }
}

// The matmul kernel with its inner dimension split over 1 to 64 blocks per tile, including
// splits that do not divide it and more splits than panels: the same bits as the CPU.
TEST_F(CudaBackendTest, MatmulInnerSplitsEqualCpu) {
  std::mt19937_64 rng(seed_);
  const MatmulDims shapes[] = {{2, 70, 333, 65, false}, {3, 9, 40, 130, true}};
  for (const MatmulDims& dims : shapes) {
    const std::vector<uint64_t> a = random_words(rng, dims.left_size());
    const std::vector<uint64_t> b = random_words(rng, dims.right_size());
    std::vector<uint64_t> cpu(dims.out_size());
    cpu_backend().matmul(a, b, cpu, dims);
    DeviceBuffer<uint64_t> device_a(a.size()), device_b(b.size()), device_c(cpu.size());
    copy_to_device(std::span<const uint64_t>(a), device_a);
    copy_to_device(std::span<const uint64_t>(b), device_b);
    for (int splits : {1, 2, 3, 5, 64}) {
      SCOPED_TRACE(std::to_string(dims.inner) + " inner, " + std::to_string(splits) +
                   " splits, seed " + std::to_string(seed_));
      std::vector<uint64_t> gpu(cpu.size(), 0xdead);
      // Garbage in C first: a split launch must clear it before adding.
      copy_to_device(std::span<const uint64_t>(gpu), device_c);
      check_cuda(
          launch_matmul(device_a.get(), device_b.get(), device_c.get(), dims.batch, dims.rows,
                        dims.inner, dims.cols, dims.batched_right, splits, kStream),
          "matmul kernel");
      copy_to_host(device_c, std::span<uint64_t>(gpu));
      synchronize_stream("matmul test");
      EXPECT_EQ(gpu, cpu);
    }
  }
}

TEST_F(CudaBackendTest, KeygenAndEvaluationEqualCpu) {
  std::mt19937_64 rng(seed_);
  const size_t count = 5000;
  std::vector<uint64_t> alphas(count), betas(count), xs(count);
  for (size_t i = 0; i < count; ++i) {
    alphas[i] = rng() & ((uint64_t{1} << 50) - 1);
    betas[i] = rng() & ((uint64_t{1} << 50) - 1);
    xs[i] = i % 3 == 0 ? alphas[i] : rng() & ((uint64_t{1} << 50) - 1);
  }
  const Block seed{rng(), rng()};
  const DcfKeyPair cpu_dcf = cpu_backend().dcf_gen({50, 50}, alphas, betas, seed);
  const DcfKeyPair gpu_dcf = gpu_->dcf_gen({50, 50}, alphas, betas, seed);
  const std::vector<uint64_t> ones(count, 1);
  const DpfKeyPair cpu_dpf = cpu_backend().dpf_gen({50, 1}, alphas, ones, seed);
  const DpfKeyPair gpu_dpf = gpu_->dpf_gen({50, 1}, alphas, ones, seed);
  for (int party = 0; party < 2; ++party) {
    EXPECT_EQ(gpu_dcf.party[party].level_cw, cpu_dcf.party[party].level_cw);
    EXPECT_EQ(gpu_dcf.party[party].value_cw, cpu_dcf.party[party].value_cw);
    EXPECT_EQ(gpu_dpf.party[party].root, cpu_dpf.party[party].root);
    EXPECT_EQ(gpu_dpf.party[party].level_cw, cpu_dpf.party[party].level_cw);
    std::vector<uint64_t> cpu_out(count), gpu_out(count);
    cpu_backend().dcf_eval(party, cpu_dcf.party[party], xs, cpu_out);
    gpu_->dcf_eval(party, cpu_dcf.party[party], xs, gpu_out);
    EXPECT_EQ(gpu_out, cpu_out);
    std::vector<uint8_t> cpu_bits(count), gpu_bits(count);
    cpu_backend().dpf_compare_eval(party, cpu_dpf.party[party], xs, cpu_bits);
    gpu_->dpf_compare_eval(party, cpu_dpf.party[party], xs, gpu_bits);
    EXPECT_EQ(gpu_bits, cpu_bits);
  }
}

// SUF's interval lookup step: the GPU's sums and bits equal the CPU's memoised walk, for one key
// per warp (many points), several keys per warp (few points, each term its own atomic), no sums,
// and points clustered as SUF's boundaries are.
TEST_F(CudaBackendTest, DcfOffsetSumsEqualCpu) {
  std::mt19937_64 rng(seed_);
  struct Case {
    int n;
    uint64_t points, width;
  };
  for (const Case c :
       {Case{39, 300, 3}, Case{20, 1024, 2}, Case{8, 5, 1}, Case{50, 1, 0}, Case{64, 33, 4}}) {
    SCOPED_TRACE("n = " + std::to_string(c.n) + ", points " + std::to_string(c.points) +
                 ", width " + std::to_string(c.width) + ", seed " + std::to_string(seed_));
    const uint64_t count = 700, mask = c.n == 64 ? ~uint64_t{0} : (uint64_t{1} << c.n) - 1;
    std::vector<uint64_t> alphas(count), betas(count), x_hat(count), offsets(c.points);
    std::vector<uint64_t> weights(c.points * c.width);
    for (auto& a : alphas) a = rng() & mask;
    for (auto& b : betas) b = rng() & ((uint64_t{1} << 50) - 1);
    for (uint64_t e = 0; e < count; ++e) x_hat[e] = alphas[e] + rng() % 4096 - 2048;
    for (uint64_t j = 0; j < c.points; ++j)
      offsets[j] = (j * 37 + rng() % 5 - c.points * 18) & mask;
    for (auto& w : weights) w = rng();
    const std::vector<uint32_t> bit_points = {0, static_cast<uint32_t>(c.points / 2)};
    const DcfOffsetQuery query{offsets, c.width, weights, bit_points};
    const DcfKeyPair keys = cpu_backend().dcf_gen({c.n, 50}, alphas, betas, Block{rng(), rng()});
    for (int party = 0; party < 2; ++party) {
      std::vector<uint64_t> cpu_sums(count * c.width), gpu_sums(count * c.width);
      std::vector<uint8_t> cpu_bits(count * 2), gpu_bits(count * 2);
      cpu_backend().dcf_offset_sums(party, keys.party[party], x_hat, query, cpu_sums, cpu_bits);
      EXPECT_EQ(gpu_->dcf_offset_sums(party, keys.party[party], x_hat, query, gpu_sums, gpu_bits),
                0u);
      EXPECT_EQ(gpu_sums, cpu_sums) << "party " << party;
      EXPECT_EQ(gpu_bits, cpu_bits) << "party " << party;
    }
  }
}

// Every tiny family in both protocol families on the GPU equals the CPU run and the clear engine,
// with keys resident in GPU memory (the default) or sent with each call from host memory.
void expect_models_run_as_on_the_cpu(Backend& gpu, bool resident_keys, bool tcp) {
  for (const NonlinearFamily family : {NonlinearFamily::kSigma, NonlinearFamily::kSuf})
    for (const char* model : {"tiny-bert", "tiny-gpt2", "tiny-gpt-neo", "tiny-llama"}) {
      SCOPED_TRACE(std::string(model) + " " + nonlinear_family_name(family));
      const ModelConfig& config = model_config(model);
      const NonlinearChoice nonlinear = NonlinearChoice::all(family);
      const LocalRunResult on_gpu =
          testing::run_model(config, 2, 4, 21, &gpu, tcp, nonlinear, false, resident_keys);
      const LocalRunResult cpu = testing::run_model(config, 2, 4, 21, nullptr, false, nonlinear);
      EXPECT_EQ(on_gpu.keys_resident, resident_keys);
      EXPECT_EQ(testing::values(on_gpu.reconstructed.at(0)), testing::values(on_gpu.clear.at(0)));
      EXPECT_EQ(testing::values(on_gpu.reconstructed.at(0)),
                testing::values(cpu.reconstructed.at(0)));
      EXPECT_EQ(on_gpu.key_stream_bytes[0], cpu.key_stream_bytes[0]);
      EXPECT_EQ(on_gpu.party_channel[0].bytes_sent, cpu.party_channel[0].bytes_sent);
    }
}

TEST_F(CudaBackendTest, ModelsRunOnTheGpuAsOnTheCpu) {
  expect_models_run_as_on_the_cpu(*gpu_, /*resident_keys=*/true, /*tcp=*/false);
}

TEST_F(CudaBackendTest, ModelsRunOnTheGpuWithKeysInHostMemory) {
  expect_models_run_as_on_the_cpu(*gpu_, /*resident_keys=*/false, /*tcp=*/false);
}

TEST_F(CudaBackendTest, ModelsRunOnTheGpuOverTcp) {
  expect_models_run_as_on_the_cpu(*gpu_, /*resident_keys=*/true, /*tcp=*/true);
}

// Serialized batches evaluated where they lie: resident (in GPU memory) at aligned and odd
// offsets, and from host memory, give the CPU's bits.
TEST_F(CudaBackendTest, KeyRecordsEvaluateInPlaceAsTheCpu) {
  std::mt19937_64 rng(seed_);
  for (const int n : {8, 13, 37}) {
    const size_t count = 4001;  // right-bit bytes leave the leaf CWs misaligned
    std::vector<uint64_t> alphas(count), xs(count), offsets(count);
    for (size_t i = 0; i < count; ++i) {
      alphas[i] = rng() & ((uint64_t{1} << n) - 1);
      xs[i] = i % 5 == 0 ? alphas[i] : rng() & ((uint64_t{1} << n) - 1);
    }
    const DpfKeyPair keys =
        cpu_backend().dpf_gen({n, 1}, alphas, std::vector<uint64_t>(count, 1), {rng(), rng()});
    // Lookup-table dot products only where a table of 2^n terms is small.
    const bool tables = n <= 13;
    const uint64_t window = tables ? 64 * full_domain_words(n) : 0;
    const std::vector<uint64_t> terms = random_words(rng, 2 * window);
    for (auto& offset : offsets) offset = rng() % (window + 1);
    for (int party = 0; party < 2; ++party)
      for (const size_t prefix : {0, 3, 8})
        for (const bool resident : {true, false}) {
          SCOPED_TRACE(::testing::Message()
                       << "n " << n << " party " << party << " prefix " << prefix << " resident "
                       << resident << ", seed " << seed_);
          ByteWriter writer;
          for (size_t i = 0; i < prefix; ++i) writer.put<uint8_t>(0);
          serialize(keys.party[party], writer);
          const std::unique_ptr<ResidentBytes> copy =
              resident ? gpu_->make_resident(writer.data()) : nullptr;
          ByteReader reader(writer.data(), "test record", copy ? copy->data() : nullptr);
          reader.take(prefix, "prefix");
          const DpfKeyRecord record = read_dpf_record(reader);
          std::vector<uint8_t> cpu_bits(count), gpu_bits(count);
          cpu_backend().dpf_compare_eval(party, keys.party[party], xs, cpu_bits);
          const uint64_t no_offset[] = {0};  // the points are xs themselves
          gpu_->dpf_compare_offsets(party, record, xs, {no_offset}, gpu_bits);
          EXPECT_EQ(gpu_bits, cpu_bits);
          // Points made from x^ and offsets on the device, as DReLU (complemented) and SUF's
          // packed comparison ask: against the CPU's comparison at each point, written out.
          const uint64_t mask = (uint64_t{1} << n) - 1;
          const std::vector<uint64_t> compare_offsets = {0, rng() & mask, mask};
          for (const size_t per_key : {size_t{1}, size_t{3}})
            for (const bool complement : {false, true}) {
              std::vector<uint8_t> expected(count * per_key), got(count * per_key, 2);
              for (size_t j = 0; j < per_key; ++j) {
                std::vector<uint64_t> points(count);
                for (size_t e = 0; e < count; ++e) {
                  const uint64_t y = (xs[e] + compare_offsets[j]) & mask;
                  points[e] = complement ? mask - y : y;
                }
                std::vector<uint8_t> bits(count);
                cpu_backend().dpf_compare_eval(party, keys.party[party], points, bits);
                for (size_t e = 0; e < count; ++e) expected[e * per_key + j] = bits[e];
              }
              const std::vector<uint64_t> query_offsets(compare_offsets.begin(),
                                                        compare_offsets.begin() + per_key);
              gpu_->dpf_compare_offsets(party, record, xs, {query_offsets, complement}, got);
              EXPECT_EQ(got, expected) << per_key << " offsets, complement " << complement;
            }
          if (!tables) continue;
          std::vector<uint64_t> cpu_dots(count), cpu_ones(count), gpu_dots(count), gpu_ones(count);
          cpu_backend().dpf_full_domain_dot(party, keys.party[party], terms, offsets, cpu_dots,
                                            cpu_ones);
          gpu_->dpf_full_domain_dot(party, record, terms, offsets, gpu_dots, gpu_ones);
          EXPECT_EQ(gpu_dots, cpu_dots);
          EXPECT_EQ(gpu_ones, cpu_ones);
        }
  }
}

// A corrupted key is named, and keys of the other party are refused, as the host parse does.
TEST_F(CudaBackendTest, CorruptedKeyRecordsAreRefused) {
  std::mt19937_64 rng(seed_);
  const DpfKeyPair keys = cpu_backend().dpf_gen({12, 1}, std::vector<uint64_t>{1, 2, 3},
                                                std::vector<uint64_t>{1, 1, 1}, {rng(), rng()});
  ByteWriter writer;
  serialize(keys.party[0], writer);
  const std::vector<uint64_t> xs = {0, 1, 2};
  std::vector<uint8_t> bits(3);
  const auto expect_error = [&](const std::vector<uint8_t>& bytes, int party, ErrorKind kind,
                                const std::string& part) {
    const std::unique_ptr<ResidentBytes> copy = gpu_->make_resident(bytes);
    ByteReader reader(bytes, "bad record", copy->data());
    const DpfKeyRecord record = read_dpf_record(reader);
    try {
      const uint64_t no_offset[] = {0};
      gpu_->dpf_compare_offsets(party, record, xs, {no_offset}, bits);
      ADD_FAILURE() << "no error for " << part;
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), kind) << error.what();
      EXPECT_NE(std::string(error.what()).find(part), std::string::npos) << error.what();
    }
  };
  std::vector<uint8_t> right_padding = writer.data();
  const size_t levels = DpfParams{12, 1}.levels();  // 5: the top bits of each byte are padding
  const size_t right_bytes = (levels + 7) / 8;
  right_padding[kDpfBatchHeaderBytes + 3 * 16 + levels * 3 * 16 + 3 * right_bytes - 1] |= 0x80;
  expect_error(right_padding, 0, ErrorKind::kParse, "key 2 of the batch");
  expect_error(writer.data(), 1, ErrorKind::kInvalidArgument, "not party 1's");
}

}  // namespace
}  // namespace fss::gpu
