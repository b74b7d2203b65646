// GPU FSS throughput: AES blocks/s, DPF comparison and point evaluations/s at n = 50 (2^20
// keys), full-domain evaluation of 2^13-point DPFs, DCF evaluations/s (n = l = 50) and key
// generation keys/s, uint64 matrix products in multiply-accumulates/s. "Kernel" rows time the
// kernel alone with CUDA events, keys resident in GPU memory; "WithTransfers" rows add the host <->
// device copies from pageable host memory (what cuda/fss_gpu.h does), buffers preallocated. Both
// AES table variants (variant:0 four tables, variant:1 banked table); copy bandwidth rows give the
// ceilings. DreluCompareCall splits one of bert-base's DReLU comparison calls into its kernel and
// the rest of the backend call. Prints why and exits 0 where no GPU is present.
//   bench_fss_gpu_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <cuda_runtime.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <random>
#include <vector>

#include "core/bytes.h"
#include "crypto/dpf.h"
#include "cuda/cuda_backend.h"
#include "cuda/device_buffer.h"
#include "cuda/device_keys.h"
#include "cuda/devices.h"
#include "cuda/fss_kernels.h"
#include "cuda/launch.h"

namespace fss::gpu {
namespace {

constexpr uint64_t kEvalKeys = uint64_t{1} << 20;
constexpr uint64_t kAesBlocks = uint64_t{1} << 24;
constexpr uint64_t kFullDomainKeys = uint64_t{1} << 14;
constexpr uint64_t kCopyBytes = uint64_t{1} << 28;

class EventTimer {
 public:
  EventTimer() {
    check_cuda(cudaEventCreate(&start_), "cudaEventCreate");
    check_cuda(cudaEventCreate(&stop_), "cudaEventCreate");
  }
  ~EventTimer() {
    cudaEventDestroy(start_);
    cudaEventDestroy(stop_);
  }
  EventTimer(const EventTimer&) = delete;
  EventTimer& operator=(const EventTimer&) = delete;

  void start() { check_cuda(cudaEventRecord(start_), "cudaEventRecord"); }
  double stop_seconds() {
    check_cuda(cudaEventRecord(stop_), "cudaEventRecord");
    check_cuda(cudaEventSynchronize(stop_), "cudaEventSynchronize");
    float ms = 0;
    check_cuda(cudaEventElapsedTime(&ms, start_, stop_), "cudaEventElapsedTime");
    return ms / 1e3;
  }

 private:
  cudaEvent_t start_, stop_;
};

AesVariant variant_arg(const benchmark::State& state, int index) {
  return state.range(index) == 0 ? AesVariant::kFourTables : AesVariant::kBankedTable;
}

std::vector<uint64_t> random_values(int bits, uint64_t count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> values(count);
  for (auto& v : values) v = bits >= 64 ? rng() : rng() & ((uint64_t{1} << bits) - 1);
  return values;
}

// A device copy of host values (DeviceBuffer cannot be returned by value).
struct DeviceValues {
  DeviceBuffer<uint64_t> buffer;
  explicit DeviceValues(std::span<const uint64_t> values) : buffer(allocation(values.size())) {
    copy_to_device(values, buffer);
  }
  const uint64_t* get() const { return buffer.get(); }
};

// Runs `body` (which enqueues work on the default stream) once per iteration and reports the
// event-timed seconds; items per iteration set by the caller.
template <typename Body>
void time_iterations(benchmark::State& state, const Body& body) {
  EventTimer timer;
  for (auto _ : state) {
    timer.start();
    body();
    state.SetIterationTime(timer.stop_seconds());
  }
}

void BM_GpuAes(benchmark::State& state) {
  const AesVariant variant = variant_arg(state, 0);
  const PrgRoundKeys keys = make_prg_round_keys(Aes128(Block{1, 2}));
  DeviceBuffer<Block> in(kAesBlocks), out(kAesBlocks);
  check_cuda(cudaMemset(in.get(), 7, kAesBlocks * sizeof(Block)), "cudaMemset");
  time_iterations(state, [&] {
    check_cuda(launch_aes_encrypt(variant, keys, in.get(), out.get(), kAesBlocks, nullptr),
               "AES kernel");
  });
  state.SetItemsProcessed(state.iterations() * kAesBlocks);
}
BENCHMARK(BM_GpuAes)->ArgName("variant")->Arg(0)->Arg(1)->UseManualTime();

// Keys for dpf_eval / dcf_eval benchmarks: generated on the GPU, left resident.
struct DpfWorkload {
  DpfParams params;
  DeviceDpfKeyPair keys;
  std::vector<uint64_t> xs;
  DeviceValues device_xs;

  DpfWorkload(int n, uint64_t count)
      : params{n, 1}, keys(params, count), xs(random_values(n, count, 3)), device_xs(xs) {
    const DeviceValues device_alphas(random_values(n, count, 1));
    const DeviceValues device_betas(std::vector<uint64_t>(count, 1));
    check_cuda(launch_dpf_gen(kDefaultAesVariant, make_prg_round_keys(Aes128(Block{2, 3})),
                              DpfLeafLayout(n, 1), keys.gen_view(), device_alphas.get(),
                              device_betas.get(), nullptr),
               "DPF keygen");
    check_cuda(cudaDeviceSynchronize(), "DPF keygen");
  }
};

const PrgRoundKeys& evaluation_keys() {
  static const PrgRoundKeys keys = make_prg_round_keys(Aes128(Block{}));
  return keys;
}

// Arguments: n, variant.
void BM_GpuDpfCompareKernel(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const AesVariant variant = variant_arg(state, 1);
  const DpfWorkload work(n, kEvalKeys);
  DeviceBuffer<uint8_t> out(kEvalKeys);
  time_iterations(state, [&] {
    check_cuda(launch_dpf_compare_eval(variant, evaluation_keys(), DpfLeafLayout(n, 1),
                                       work.keys.view(0), work.device_xs.get(), out.get(), nullptr),
               "compare kernel");
  });
  state.SetItemsProcessed(state.iterations() * kEvalKeys);
}
BENCHMARK(BM_GpuDpfCompareKernel)
    ->ArgNames({"n", "variant"})
    ->Args({50, 0})
    ->Args({50, 1})
    ->Args({37, 1})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

void BM_GpuDpfCompareWithTransfers(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const AesVariant variant = variant_arg(state, 1);
  const DpfWorkload work(n, kEvalKeys);
  const DpfKeyBatch host_keys = work.keys.download().party[0];
  DeviceDpfKeys device_keys(host_keys);
  DeviceBuffer<uint64_t> xs(kEvalKeys);
  DeviceBuffer<uint8_t> out(kEvalKeys);
  std::vector<uint8_t> host_out(kEvalKeys);
  time_iterations(state, [&] {
    device_keys.upload(host_keys);
    copy_to_device<uint64_t>(work.xs, xs);
    check_cuda(launch_dpf_compare_eval(variant, evaluation_keys(), DpfLeafLayout(n, 1),
                                       device_keys.view(), xs.get(), out.get(), nullptr),
               "compare kernel");
    copy_to_host(out, std::span(host_out));
  });
  state.SetItemsProcessed(state.iterations() * kEvalKeys);
}
BENCHMARK(BM_GpuDpfCompareWithTransfers)
    ->ArgNames({"n", "variant"})
    ->Args({50, 1})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// DReLU's comparisons as bert-base asks for them, on keys of `bits` bits: its GeLU's 393 216 keys
// of n = 32 at 1 or 3 offsets each, and a softmax maximum's 24 576 keys of n = 38 at one. part 0
// times the kernel alone (x^ and offsets already on the device); part 1 the whole backend call
// on a serialized key record in resident memory, as a gate makes it (the record's check, the
// uploads, the kernel, the result's download and the synchronisations), by wall clock.
void BM_GpuDreluCompareCall(benchmark::State& state) {
  const int bits = static_cast<int>(state.range(0));
  const auto keys = static_cast<uint64_t>(state.range(1));
  const auto per_key = static_cast<uint64_t>(state.range(2));
  const bool whole_call = state.range(3) != 0;
  const DpfWorkload work(bits, keys);
  const std::vector<uint64_t> x_hat = random_values(bits, keys, 5);
  const uint64_t mask = (uint64_t{1} << bits) - 1;
  const std::vector<uint64_t> gelu_offsets{0, 255, mask - 255};  // per_key <= 3: its first ones
  const std::vector<uint64_t> offsets(gelu_offsets.begin(), gelu_offsets.begin() + per_key);
  if (!whole_call) {
    const DeviceValues device_x_hat(x_hat), device_offsets(offsets);
    DeviceBuffer<uint8_t> out(keys * per_key);
    const DpfOffsetsView query{per_key, device_offsets.get(), /*complement=*/true};
    time_iterations(state, [&] {
      check_cuda(launch_dpf_compare_offsets(kDefaultAesVariant, evaluation_keys(),
                                            DpfLeafLayout(bits, 1), work.keys.view(0),
                                            device_x_hat.get(), query, out.get(), nullptr),
                 "compare kernel");
    });
  } else {
    const std::unique_ptr<Backend> backend = make_cuda_backend(0);
    ByteWriter writer;
    serialize(work.keys.download().party[0], writer);
    const std::unique_ptr<ResidentBytes> resident = backend->make_resident(writer.data());
    ByteReader reader(writer.data(), "bench record", resident->data());
    const DpfKeyRecord record = read_dpf_record(reader);
    std::vector<uint8_t> out(keys * per_key);
    for (auto _ : state) {
      const auto start = std::chrono::steady_clock::now();
      backend->dpf_compare_offsets(0, record, x_hat, {offsets, /*complement=*/true}, out);
      state.SetIterationTime(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(keys * per_key));
}
BENCHMARK(BM_GpuDreluCompareCall)
    ->ArgNames({"bits", "keys", "points", "whole_call"})
    ->Args({32, 393216, 1, 0})
    ->Args({32, 393216, 1, 1})
    ->Args({32, 393216, 3, 0})
    ->Args({32, 393216, 3, 1})
    ->Args({38, 24576, 1, 0})
    ->Args({38, 24576, 1, 1})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

void BM_GpuDpfEvalKernel(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const AesVariant variant = variant_arg(state, 1);
  const DpfWorkload work(n, kEvalKeys);
  DeviceBuffer<uint64_t> out(kEvalKeys);
  time_iterations(state, [&] {
    check_cuda(launch_dpf_eval(variant, evaluation_keys(), DpfLeafLayout(n, 1), work.keys.view(0),
                               0, work.device_xs.get(), out.get(), nullptr),
               "eval kernel");
  });
  state.SetItemsProcessed(state.iterations() * kEvalKeys);
}
BENCHMARK(BM_GpuDpfEvalKernel)
    ->ArgNames({"n", "variant"})
    ->Args({50, 0})
    ->Args({50, 1})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// Items are domain points (keys x 2^n); keys/s in the counter.
void BM_GpuDpfFullDomainKernel(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const AesVariant variant = variant_arg(state, 1);
  const DpfWorkload work(n, kFullDomainKeys);
  DeviceBuffer<uint64_t> out(kFullDomainKeys * full_domain_words(n));
  time_iterations(state, [&] {
    check_cuda(launch_dpf_full_domain(variant, evaluation_keys(), DpfLeafLayout(n, 1),
                                      work.keys.view(0), out.get(), nullptr),
               "full-domain kernel");
  });
  state.SetItemsProcessed(state.iterations() * kFullDomainKeys * (int64_t{1} << n));
  state.counters["keys/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kFullDomainKeys), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_GpuDpfFullDomainKernel)
    ->ArgNames({"n", "variant"})
    ->Args({13, 0})
    ->Args({13, 1})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// Arguments: n, variant; transfers = 1 adds the download of both parties' keys.
void BM_GpuDpfGen(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const AesVariant variant = variant_arg(state, 1);
  const bool transfers = state.range(2) != 0;
  const DeviceValues device_alphas(random_values(n, kEvalKeys, 1));
  const DeviceValues device_betas(std::vector<uint64_t>(kEvalKeys, 1));
  const DpfParams params{n, 1};
  DeviceDpfKeyPair keys(params, kEvalKeys);
  const PrgRoundKeys round_keys = make_prg_round_keys(Aes128(Block{2, 3}));
  time_iterations(state, [&] {
    check_cuda(launch_dpf_gen(variant, round_keys, DpfLeafLayout(n, 1), keys.gen_view(),
                              device_alphas.get(), device_betas.get(), nullptr),
               "DPF keygen");
    if (transfers) benchmark::DoNotOptimize(keys.download());
  });
  state.SetItemsProcessed(state.iterations() * kEvalKeys);
}
BENCHMARK(BM_GpuDpfGen)
    ->ArgNames({"n", "variant", "transfers"})
    ->Args({50, 0, 0})
    ->Args({50, 1, 0})
    ->Args({50, 1, 1})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

struct DcfWorkload {
  DcfParams params;
  DeviceDcfKeyPair keys;
  std::vector<uint64_t> xs;
  DeviceValues device_xs;

  DcfWorkload(int n, int out_bits, uint64_t count)
      : params{n, out_bits}, keys(params, count), xs(random_values(n, count, 3)), device_xs(xs) {
    const DeviceValues device_alphas(random_values(n, count, 1));
    const DeviceValues device_betas(random_values(out_bits, count, 2));
    check_cuda(launch_dcf_gen(kDefaultAesVariant, make_prg_round_keys(Aes128(Block{2, 3})),
                              keys.gen_view(), device_alphas.get(), device_betas.get(), nullptr),
               "DCF keygen");
    check_cuda(cudaDeviceSynchronize(), "DCF keygen");
  }
};

// Arguments: n (= l), variant, transfers.
void BM_GpuDcfEval(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const AesVariant variant = variant_arg(state, 1);
  const bool transfers = state.range(2) != 0;
  const DcfWorkload work(n, n, kEvalKeys);
  const DcfKeyBatch host_keys = work.keys.download().party[0];
  const std::unique_ptr<DeviceDcfKeys> device_keys =
      transfers ? std::make_unique<DeviceDcfKeys>(host_keys) : nullptr;
  DeviceBuffer<uint64_t> xs(kEvalKeys), out(kEvalKeys);
  std::vector<uint64_t> host_out(kEvalKeys);
  time_iterations(state, [&] {
    if (transfers) {
      device_keys->upload(host_keys);
      copy_to_device<uint64_t>(work.xs, xs);
      check_cuda(launch_dcf_eval(variant, evaluation_keys(), device_keys->view(), 0, xs.get(),
                                 out.get(), nullptr),
                 "DCF eval kernel");
      copy_to_host(out, std::span(host_out));
    } else {
      check_cuda(launch_dcf_eval(variant, evaluation_keys(), work.keys.view(0), 0,
                                 work.device_xs.get(), out.get(), nullptr),
                 "DCF eval kernel");
    }
  });
  state.SetItemsProcessed(state.iterations() * kEvalKeys);
}
BENCHMARK(BM_GpuDcfEval)
    ->ArgNames({"n", "variant", "transfers"})
    ->Args({50, 0, 0})
    ->Args({50, 1, 0})
    ->Args({50, 1, 1})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

void BM_GpuDcfGen(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const AesVariant variant = variant_arg(state, 1);
  const DeviceValues device_alphas(random_values(n, kEvalKeys, 1));
  const DeviceValues device_betas(random_values(n, kEvalKeys, 2));
  DeviceDcfKeyPair keys({n, n}, kEvalKeys);
  const PrgRoundKeys round_keys = make_prg_round_keys(Aes128(Block{2, 3}));
  time_iterations(state, [&] {
    check_cuda(launch_dcf_gen(variant, round_keys, keys.gen_view(), device_alphas.get(),
                              device_betas.get(), nullptr),
               "DCF keygen");
  });
  state.SetItemsProcessed(state.iterations() * kEvalKeys);
}
BENCHMARK(BM_GpuDcfGen)
    ->ArgNames({"n", "variant"})
    ->Args({50, 0})
    ->Args({50, 1})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// uint64 matrix products mod 2^64 (items: multiply-accumulates), operands resident. Arguments:
// rows, inner, cols, splits: the 64-bit word kernel with that many inner splits (0: as many as
// fill the GPU, what the backend used; 1: one block per output tile), or -1: the 8-bit limb
// kernel on the tensor cores, its limb split included. bert-base's shapes at sequence 128 and
// one square product.
void BM_GpuMatmul(benchmark::State& state) {
  const int64_t rows = state.range(0), inner = state.range(1), cols = state.range(2);
  const int splits = static_cast<int>(state.range(3));
  const DeviceValues a(random_values(64, rows * inner, 1)), b(random_values(64, inner * cols, 2));
  DeviceBuffer<uint64_t> c(rows * cols);
  DeviceBuffer<uint8_t> scratch(matmul_limbs_scratch_bytes(1, rows, inner, cols, false));
  time_iterations(state, [&] {
    check_cuda(splits < 0 ? launch_matmul_limbs(a.get(), b.get(), c.get(), 1, rows, inner, cols,
                                                false, scratch.get(), kStream)
                          : launch_matmul(a.get(), b.get(), c.get(), 1, rows, inner, cols, false,
                                          splits, kStream),
               "matmul kernel");
  });
  state.SetItemsProcessed(state.iterations() * rows * inner * cols);
}
BENCHMARK(BM_GpuMatmul)
    ->ArgNames({"rows", "inner", "cols", "splits"})
    ->ArgsProduct({{128}, {768}, {768, 3072}, {1, 0, -1}})
    ->ArgsProduct({{128}, {3072}, {768}, {1, 0, -1}})
    ->ArgsProduct({{2048}, {2048}, {2048}, {0, -1}})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// Copy ceilings: bytes/s host -> device and back, pageable (std::vector) and pinned host memory.
// Arguments: to_device, pinned.
void BM_CopyBandwidth(benchmark::State& state) {
  const bool to_device = state.range(0) != 0, pinned = state.range(1) != 0;
  DeviceBuffer<uint8_t> device(kCopyBytes);
  std::vector<uint8_t> pageable;
  uint8_t* host = nullptr;
  if (pinned) {
    check_cuda(cudaMallocHost(&host, kCopyBytes), "cudaMallocHost");
  } else {
    pageable.assign(kCopyBytes, 1);
    host = pageable.data();
  }
  time_iterations(state, [&] {
    check_cuda(to_device ? cudaMemcpy(device.get(), host, kCopyBytes, cudaMemcpyHostToDevice)
                         : cudaMemcpy(host, device.get(), kCopyBytes, cudaMemcpyDeviceToHost),
               "cudaMemcpy");
  });
  if (pinned) cudaFreeHost(host);
  state.SetBytesProcessed(state.iterations() * kCopyBytes);
}
BENCHMARK(BM_CopyBandwidth)
    ->ArgNames({"to_device", "pinned"})
    ->Args({1, 0})
    ->Args({0, 0})
    ->Args({1, 1})
    ->Args({0, 1})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace fss::gpu

int main(int argc, char** argv) {
  const fss::gpu::DeviceList list = fss::gpu::list_devices();
  if (list.devices.empty()) {
    std::cout << "skipping GPU benchmarks: " << list.reason << std::endl;
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("gpu", list.devices[0].name);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
