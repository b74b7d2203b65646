#include "cuda/fss_gpu.h"

#include <vector>

#include "core/error.h"
#include "core/ring.h"
#include "crypto/prg.h"
#include "cuda/device_keys.h"
#include "cuda/fss_kernels.h"

namespace fss::gpu {
namespace {

// The host-side checks of crypto/dpf.h and crypto/dcf.h, repeated at this boundary because
// the kernels trust their inputs.
void check_width(int bits, const char* name, const char* where) {
  if (bits < 1 || bits > 64)
    fail(ErrorKind::kInvalidArgument, "{}: {} = {} outside 1..64", where, name, bits);
}

void check_party(int party, const char* where) {
  if (party != 0 && party != 1)
    fail(ErrorKind::kInvalidArgument, "{}: party {} is not 0 or 1", where, party);
}

void check_gen_inputs(int n, int out_bits, std::span<const uint64_t> alphas,
                      std::span<const uint64_t> betas, const char* where) {
  check_width(n, "n", where);
  check_width(out_bits, "l", where);
  if (alphas.size() != betas.size())
    fail(ErrorKind::kInvalidArgument, "{}: {} alphas but {} betas", where, alphas.size(),
         betas.size());
  for (size_t i = 0; i < alphas.size(); ++i) {
    if (alphas[i] > Ring{n}.mask())
      fail(ErrorKind::kInvalidArgument, "{}: alpha {} = {} is not below 2^{}", where, i, alphas[i],
           n);
    if (betas[i] > Ring{out_bits}.mask())
      fail(ErrorKind::kInvalidArgument, "{}: beta {} = {} is not below 2^{}", where, i, betas[i],
           out_bits);
  }
}

void check_roots(int party, std::span<const Block> roots, const char* where) {
  for (size_t i = 0; i < roots.size(); ++i)
    if (roots[i].lsb() != static_cast<uint64_t>(party))
      fail(ErrorKind::kInvalidArgument, "{}: key {} belongs to party {}, evaluated as party {}",
           where, i, roots[i].lsb(), party);
}

void check_inputs(int n, uint64_t count, std::span<const uint64_t> xs, size_t out_size,
                  const char* where) {
  if (xs.size() != count || out_size != count)
    fail(ErrorKind::kInvalidArgument, "{}: {} keys, {} inputs, {} outputs", where, count, xs.size(),
         out_size);
  for (size_t i = 0; i < xs.size(); ++i)
    if (xs[i] > Ring{n}.mask())
      fail(ErrorKind::kInvalidArgument, "{}: input {} = {} is not below 2^{}", where, i, xs[i], n);
}

void check_dpf_batch(int party, const DpfKeyBatch& keys, const char* where) {
  check_party(party, where);
  check_width(keys.params.n, "n", where);
  check_width(keys.params.out_bits, "l", where);
  const uint64_t levels = static_cast<uint64_t>(keys.params.levels());
  if (keys.root.size() != keys.count || keys.level_cw.size() != levels * keys.count ||
      keys.right_t_cw.size() != keys.count || keys.leaf_cw.size() != keys.count)
    fail(ErrorKind::kInvalidArgument,
         "{}: malformed batch of {} keys with {} levels: {} roots, {} level CWs, {} right-bit "
         "CWs, {} leaf CWs",
         where, keys.count, levels, keys.root.size(), keys.level_cw.size(), keys.right_t_cw.size(),
         keys.leaf_cw.size());
  check_roots(party, keys.root, where);
}

void check_dcf_batch(int party, const DcfKeyBatch& keys, const char* where) {
  check_party(party, where);
  check_width(keys.params.n, "n", where);
  check_width(keys.params.out_bits, "l", where);
  const uint64_t per_level = static_cast<uint64_t>(keys.params.n) * keys.count;
  if (keys.root.size() != keys.count || keys.level_cw.size() != per_level ||
      keys.right_t_cw.size() != keys.count || keys.value_cw.size() != per_level ||
      keys.final_cw.size() != keys.count)
    fail(ErrorKind::kInvalidArgument,
         "{}: key batch arrays (root {}, level_cw {}, right_t_cw {}, value_cw {}, final_cw {}) "
         "do not match count {} and n {}",
         where, keys.root.size(), keys.level_cw.size(), keys.right_t_cw.size(),
         keys.value_cw.size(), keys.final_cw.size(), keys.count, keys.params.n);
  check_roots(party, keys.root, where);
}

void synchronize(cudaError_t launch_status, const char* what) {
  check_cuda(launch_status, what);
  check_cuda(cudaDeviceSynchronize(), what);
}

// Key evaluation never uses the extra key slot; any key fills it.
const PrgRoundKeys& evaluation_round_keys() {
  static const PrgRoundKeys keys =
      make_prg_round_keys(FixedKeyPrg::instance().aes(PrgStream::kLeft));
  return keys;
}

DpfLeafLayout leaf_layout(const DpfParams& params) {
  return DpfLeafLayout(params.n, params.out_bits);
}

}  // namespace

void aes_encrypt_blocks(const Aes128& aes, std::span<const Block> in, std::span<Block> out,
                        AesVariant variant) {
  if (in.size() != out.size())
    fail(ErrorKind::kInvalidArgument, "gpu::aes_encrypt_blocks: {} inputs, {} outputs", in.size(),
         out.size());
  if (in.empty()) return;
  DeviceBuffer<Block> device_in(in.size()), device_out(in.size());
  copy_to_device(in, device_in);
  synchronize(launch_aes_encrypt(variant, make_prg_round_keys(aes), device_in.get(),
                                 device_out.get(), in.size(), nullptr),
              "AES kernel");
  copy_to_host(device_out, out);
}

DpfKeyPair dpf_gen(const DpfParams& params, std::span<const uint64_t> alphas,
                   std::span<const uint64_t> betas, Block seed, AesVariant variant) {
  check_gen_inputs(params.n, params.out_bits, alphas, betas, "gpu::dpf_gen");
  const uint64_t count = alphas.size();
  DeviceDpfKeyPair keys(params, count);
  DeviceBuffer<uint64_t> device_alphas(allocation(count)), device_betas(allocation(count));
  copy_to_device(alphas, device_alphas);
  copy_to_device(betas, device_betas);
  synchronize(launch_dpf_gen(variant, make_prg_round_keys(Aes128(seed)), leaf_layout(params),
                             keys.gen_view(), device_alphas.get(), device_betas.get(), nullptr),
              "DPF key generation kernel");
  return keys.download();
}

void dpf_eval(int party, const DpfKeyBatch& keys, std::span<const uint64_t> xs,
              std::span<uint64_t> out, AesVariant variant) {
  check_dpf_batch(party, keys, "gpu::dpf_eval");
  check_inputs(keys.params.n, keys.count, xs, out.size(), "gpu::dpf_eval");
  const DeviceDpfKeys device_keys(keys);
  DeviceBuffer<uint64_t> device_xs(allocation(keys.count)), device_out(allocation(keys.count));
  copy_to_device(xs, device_xs);
  synchronize(
      launch_dpf_eval(variant, evaluation_round_keys(), leaf_layout(keys.params),
                      device_keys.view(), party, device_xs.get(), device_out.get(), nullptr),
      "DPF evaluation kernel");
  copy_to_host(device_out, out);
}

void dpf_compare_eval(int party, const DpfKeyBatch& keys, std::span<const uint64_t> xs,
                      std::span<uint8_t> out, AesVariant variant) {
  check_dpf_batch(party, keys, "gpu::dpf_compare_eval");
  check_inputs(keys.params.n, keys.count, xs, out.size(), "gpu::dpf_compare_eval");
  if (keys.params.out_bits != 1)
    fail(ErrorKind::kInvalidArgument, "gpu::dpf_compare_eval: needs l = 1 keys, got l = {}",
         keys.params.out_bits);
  const DeviceDpfKeys device_keys(keys);
  DeviceBuffer<uint64_t> device_xs(allocation(keys.count));
  DeviceBuffer<uint8_t> device_out(allocation(keys.count));
  copy_to_device(xs, device_xs);
  synchronize(
      launch_dpf_compare_eval(variant, evaluation_round_keys(), leaf_layout(keys.params),
                              device_keys.view(), device_xs.get(), device_out.get(), nullptr),
      "DPF comparison kernel");
  copy_to_host(device_out, out);
}

void dpf_eval_full_domain(int party, const DpfKeyBatch& keys, std::span<uint64_t> out,
                          AesVariant variant) {
  check_dpf_batch(party, keys, "gpu::dpf_eval_full_domain");
  if (keys.params.out_bits != 1)
    fail(ErrorKind::kInvalidArgument, "gpu::dpf_eval_full_domain: needs l = 1 keys, got l = {}",
         keys.params.out_bits);
  const uint64_t words = full_domain_words(keys.params.n);
  if (out.size() != keys.count * words)
    fail(ErrorKind::kInvalidArgument,
         "gpu::dpf_eval_full_domain: {} keys of n = {} need {} output words, got {}", keys.count,
         keys.params.n, keys.count * words, out.size());
  const DeviceDpfKeys device_keys(keys);
  DeviceBuffer<uint64_t> device_out(allocation(out.size()));
  synchronize(launch_dpf_full_domain(variant, evaluation_round_keys(), leaf_layout(keys.params),
                                     device_keys.view(), device_out.get(), nullptr),
              "DPF full-domain kernel");
  copy_to_host(device_out, out);
}

DcfKeyPair dcf_gen(const DcfParams& params, std::span<const uint64_t> alphas,
                   std::span<const uint64_t> betas, Block seed, AesVariant variant) {
  check_gen_inputs(params.n, params.out_bits, alphas, betas, "gpu::dcf_gen");
  const uint64_t count = alphas.size();
  DeviceDcfKeyPair keys(params, count);
  DeviceBuffer<uint64_t> device_alphas(allocation(count)), device_betas(allocation(count));
  copy_to_device(alphas, device_alphas);
  copy_to_device(betas, device_betas);
  synchronize(launch_dcf_gen(variant, make_prg_round_keys(Aes128(seed)), keys.gen_view(),
                             device_alphas.get(), device_betas.get(), nullptr),
              "DCF key generation kernel");
  return keys.download();
}

void dcf_eval(int party, const DcfKeyBatch& keys, std::span<const uint64_t> xs,
              std::span<uint64_t> out, AesVariant variant) {
  check_dcf_batch(party, keys, "gpu::dcf_eval");
  check_inputs(keys.params.n, keys.count, xs, out.size(), "gpu::dcf_eval");
  const DeviceDcfKeys device_keys(keys);
  DeviceBuffer<uint64_t> device_xs(allocation(keys.count)), device_out(allocation(keys.count));
  copy_to_device(xs, device_xs);
  synchronize(launch_dcf_eval(variant, evaluation_round_keys(), device_keys.view(), party,
                              device_xs.get(), device_out.get(), nullptr),
              "DCF evaluation kernel");
  copy_to_host(device_out, out);
}

}  // namespace fss::gpu
