#include "cuda/cuda_backend.h"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "core/error.h"
#include "cuda/device_buffer.h"
#include "cuda/devices.h"
#include "cuda/fss_gpu.h"

namespace fss::gpu {

void use_pool_for_buffers() {
  int device = 0;
  check_cuda(cudaGetDevice(&device), "cudaGetDevice");
  cudaMemPool_t pool;
  check_cuda(cudaDeviceGetDefaultMemPool(&pool, device), "cudaDeviceGetDefaultMemPool");
  uint64_t keep = std::numeric_limits<uint64_t>::max();
  check_cuda(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep),
             "cudaMemPoolSetAttribute");
}

namespace {

// A key stream in device memory for the run (plain cudaMalloc: it lives as long as the reader,
// outside the pool that the gates' short-lived buffers cycle through).
class DeviceResidentBytes final : public ResidentBytes {
 public:
  explicit DeviceResidentBytes(std::span<const uint8_t> bytes) {
    size_t free = 0, total = 0;
    check_cuda(cudaMemGetInfo(&free, &total), "cudaMemGetInfo");
    if (bytes.size() > free)
      fail(ErrorKind::kInvalidArgument,
           "resident keys need {:.2f} GB of GPU memory and {:.2f} GB are free; run with "
           "--key-memory host to stream them from host memory instead",
           bytes.size() / 1e9, free / 1e9);
    check_cuda(cudaMalloc(reinterpret_cast<void**>(&data_), std::max<size_t>(bytes.size(), 1)),
               "resident key allocation");
    try {
      // Complete before returning: the copy's reader may be another thread, on its own stream.
      staged_copy_to_device(bytes.data(), data_, bytes.size());
      synchronize_stream("resident key copy");
    } catch (...) {
      cudaFree(data_);
      throw;
    }
  }
  ~DeviceResidentBytes() override { cudaFree(data_); }
  DeviceResidentBytes(const DeviceResidentBytes&) = delete;
  DeviceResidentBytes& operator=(const DeviceResidentBytes&) = delete;
  const uint8_t* data() const override { return data_; }

 private:
  uint8_t* data_ = nullptr;
};

class CudaBackend final : public Backend {
 public:
  CudaBackend(int device, const CudaBackendOptions& options) : device_(device), options_(options) {
    select_device();
    use_pool_for_buffers();
  }

  std::string name() const override { return "cuda"; }

  DpfKeyPair dpf_gen(const DpfParams& params, std::span<const uint64_t> alphas,
                     std::span<const uint64_t> betas, Block seed) override {
    if (small(alphas.size())) return cpu_backend().dpf_gen(params, alphas, betas, seed);
    select_device();
    return gpu::dpf_gen(params, alphas, betas, seed);
  }
  void dpf_eval(int party, const DpfKeyBatch& keys, std::span<const uint64_t> xs,
                std::span<uint64_t> out) override {
    if (small(keys.count)) return cpu_backend().dpf_eval(party, keys, xs, out);
    select_device();
    gpu::dpf_eval(party, keys, xs, out);
  }
  void dpf_compare_eval(int party, const DpfKeyBatch& keys, std::span<const uint64_t> xs,
                        std::span<uint8_t> out) override {
    if (small(keys.count)) return cpu_backend().dpf_compare_eval(party, keys, xs, out);
    select_device();
    gpu::dpf_compare_eval(party, keys, xs, out);
  }
  void dpf_full_domain_dot(int party, const DpfKeyBatch& keys, std::span<const uint64_t> terms,
                           std::span<const uint64_t> offsets, std::span<uint64_t> dots,
                           std::span<uint64_t> ones) override {
    if (small_full_domain(keys.count, keys.params.n))
      return cpu_backend().dpf_full_domain_dot(party, keys, terms, offsets, dots, ones);
    select_device();
    gpu::dpf_full_domain_dot(party, keys, terms, offsets, dots, ones);
  }
  void dpf_full_domain_dot(int party, const DpfKeyRecord& keys, std::span<const uint64_t> terms,
                           std::span<const uint64_t> offsets, std::span<uint64_t> dots,
                           std::span<uint64_t> ones) override {
    if (small_full_domain(keys.count, keys.params.n))
      return cpu_backend().dpf_full_domain_dot(party, keys, terms, offsets, dots, ones);
    select_device();
    gpu::dpf_full_domain_dot(party, keys, terms, offsets, dots, ones);
  }
  uint64_t dpf_compare_offsets(int party, const DpfKeyRecord& keys, std::span<const uint64_t> x_hat,
                               const DpfOffsetQuery& query, std::span<uint8_t> out) override {
    if (small(out.size())) return Backend::dpf_compare_offsets(party, keys, x_hat, query, out);
    select_device();
    gpu::dpf_compare_offsets(party, keys, x_hat, query, out);
    return 0;
  }
  std::unique_ptr<ResidentBytes> make_resident(std::span<const uint8_t> bytes) override {
    select_device();
    return std::make_unique<DeviceResidentBytes>(bytes);
  }
  DcfKeyPair dcf_gen(const DcfParams& params, std::span<const uint64_t> alphas,
                     std::span<const uint64_t> betas, Block seed) override {
    if (small(alphas.size())) return cpu_backend().dcf_gen(params, alphas, betas, seed);
    select_device();
    return gpu::dcf_gen(params, alphas, betas, seed);
  }
  void dcf_eval(int party, const DcfKeyBatch& keys, std::span<const uint64_t> xs,
                std::span<uint64_t> out) override {
    if (small(keys.count)) return cpu_backend().dcf_eval(party, keys, xs, out);
    select_device();
    gpu::dcf_eval(party, keys, xs, out);
  }
  uint64_t dcf_offset_sums(int party, const DcfKeyBatch& keys, std::span<const uint64_t> x_hat,
                           const DcfOffsetQuery& query, std::span<uint64_t> sums,
                           std::span<uint8_t> bits) override {
    // The CPU's walk shares tree prefixes between a key's points; few points gain nothing here.
    if (small(keys.count * query.offsets.size()))
      return Backend::dcf_offset_sums(party, keys, x_hat, query, sums, bits);
    select_device();
    gpu::dcf_offset_sums(party, keys, x_hat, query, sums, bits);
    return 0;
  }
  void matmul(std::span<const uint64_t> a, std::span<const uint64_t> b, std::span<uint64_t> c,
              const MatmulDims& dims) override {
    if (small_matmul(dims)) return cpu_backend().matmul(a, b, c, dims);
    select_device();
    gpu::matmul(a, b, c, dims);
  }
  void masked_matmul(int party, const MaskedMatmulKey& key, std::span<const uint64_t> x_hat,
                     std::span<const uint64_t> w_hat, std::span<uint64_t> share,
                     const MatmulDims& dims) override {
    if (small_matmul(dims)) return Backend::masked_matmul(party, key, x_hat, w_hat, share, dims);
    select_device();
    gpu::masked_matmul(party, key, x_hat, w_hat, share, dims);
  }
  void gap_shift(const GapShiftStep& step, const GapShiftKey& key, std::span<const uint64_t> x_hat,
                 std::span<const uint8_t> carry_hat, std::span<uint64_t> share) override {
    if (small(x_hat.size())) return Backend::gap_shift(step, key, x_hat, carry_hat, share);
    select_device();
    gpu::gap_shift(step, key, x_hat, carry_hat, share);
  }

 private:
  // The current device is per host thread; engines call from their own threads.
  void select_device() const { check_cuda(cudaSetDevice(device_), "cudaSetDevice"); }
  bool small(uint64_t keys) const { return keys < options_.min_gpu_keys; }
  bool small_matmul(const MatmulDims& dims) const {
    return static_cast<uint64_t>(dims.batch * dims.rows) * dims.inner * dims.cols <
           options_.min_gpu_macs;
  }
  // A full-domain evaluation of `keys` keys, 2^n leaves each.
  bool small_full_domain(uint64_t keys, int n) const {
    return small(keys) && n < 40 && (keys << n) < options_.min_gpu_leaves;
  }

  int device_;
  CudaBackendOptions options_;
};

}  // namespace

std::unique_ptr<Backend> make_cuda_backend(int device, const CudaBackendOptions& options) {
  const DeviceList list = list_devices();
  if (list.devices.empty())
    fail(ErrorKind::kInvalidArgument, "--backend cuda: no usable GPU ({})", list.reason);
  if (device < 0 || device >= static_cast<int>(list.devices.size()))
    fail(ErrorKind::kInvalidArgument, "--device {}: this machine has GPUs 0..{}", device,
         list.devices.size() - 1);
  return std::make_unique<CudaBackend>(device, options);
}

}  // namespace fss::gpu
