#include "cuda/fss_gpu.h"

#include <vector>

#include "core/error.h"
#include "core/ring.h"
#include "crypto/fss_checks.h"
#include "crypto/prg.h"
#include "cuda/device_keys.h"
#include "cuda/fss_kernels.h"
#include "cuda/launch.h"

namespace fss::gpu {
namespace {

void synchronize(cudaError_t launch_status, const char* what) {
  check_cuda(launch_status, what);
  synchronize_stream(what);
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
                                 device_out.get(), in.size(), kStream),
              "AES kernel");
  copy_to_host(device_out, out);
}

DpfKeyPair dpf_gen(const DpfParams& params, std::span<const uint64_t> alphas,
                   std::span<const uint64_t> betas, Block seed, AesVariant variant) {
  check_fss_gen_inputs(params.n, params.out_bits, alphas, betas, "gpu::dpf_gen");
  const uint64_t count = alphas.size();
  DeviceDpfKeyPair keys(params, count);
  DeviceBuffer<uint64_t> device_alphas(allocation(count)), device_betas(allocation(count));
  copy_to_device(alphas, device_alphas);
  copy_to_device(betas, device_betas);
  synchronize(launch_dpf_gen(variant, make_prg_round_keys(Aes128(seed)), leaf_layout(params),
                             keys.gen_view(), device_alphas.get(), device_betas.get(), kStream),
              "DPF key generation kernel");
  return keys.download();
}

void dpf_eval(int party, const DpfKeyBatch& keys, std::span<const uint64_t> xs,
              std::span<uint64_t> out, AesVariant variant) {
  check_dpf_batch(party, keys, "gpu::dpf_eval");
  check_fss_eval_inputs(keys.params.n, keys.count, xs, out.size(), "gpu::dpf_eval");
  const DeviceDpfKeys device_keys(keys);
  DeviceBuffer<uint64_t> device_xs(allocation(keys.count)), device_out(allocation(keys.count));
  copy_to_device(xs, device_xs);
  synchronize(
      launch_dpf_eval(variant, evaluation_round_keys(), leaf_layout(keys.params),
                      device_keys.view(), party, device_xs.get(), device_out.get(), kStream),
      "DPF evaluation kernel");
  copy_to_host(device_out, out);
}

namespace {

void compare_on_device(const DpfKeysView& view, const DpfParams& params,
                       std::span<const uint64_t> xs, std::span<uint8_t> out, AesVariant variant) {
  DeviceBuffer<uint64_t> device_xs(allocation(xs.size()));
  DeviceBuffer<uint8_t> device_out(allocation(xs.size()));
  copy_to_device(xs, device_xs);
  synchronize(launch_dpf_compare_eval(variant, evaluation_round_keys(), leaf_layout(params), view,
                                      device_xs.get(), device_out.get(), kStream),
              "DPF comparison kernel");
  copy_to_host(device_out, out);
}

void check_compare_keys(const DpfParams& params, uint64_t count, std::span<const uint64_t> xs,
                        size_t outputs) {
  check_fss_eval_inputs(params.n, count, xs, outputs, "gpu::dpf_compare_eval");
  if (params.out_bits != 1)
    fail(ErrorKind::kInvalidArgument, "gpu::dpf_compare_eval: needs l = 1 keys, got l = {}",
         params.out_bits);
}

}  // namespace

void dpf_compare_eval(int party, const DpfKeyBatch& keys, std::span<const uint64_t> xs,
                      std::span<uint8_t> out, AesVariant variant) {
  check_dpf_batch(party, keys, "gpu::dpf_compare_eval");
  check_compare_keys(keys.params, keys.count, xs, out.size());
  const DeviceDpfKeys device_keys(keys);
  compare_on_device(device_keys.view(), keys.params, xs, out, variant);
}

void dpf_compare_offsets(int party, const DpfKeyRecord& keys, std::span<const uint64_t> x_hat,
                         const DpfOffsetQuery& query, std::span<uint8_t> out, AesVariant variant) {
  check_dpf_offset_query(keys.params, keys.count, x_hat.size(), query, out.size(),
                         "gpu::dpf_compare_offsets");
  if (keys.count == 0) return;
  const DeviceDpfRecord device_keys(party, keys);
  DeviceBuffer<uint64_t> device_x_hat(allocation(x_hat.size())), offsets(query.offsets.size());
  DeviceBuffer<uint8_t> device_out(allocation(out.size()));
  copy_to_device(x_hat, device_x_hat);
  copy_to_device(query.offsets, offsets);
  const DpfOffsetsView view{query.offsets.size(), offsets.get(), query.complement};
  synchronize(launch_dpf_compare_offsets(variant, evaluation_round_keys(), leaf_layout(keys.params),
                                         device_keys.view(), device_x_hat.get(), view,
                                         device_out.get(), kStream),
              "DPF offset comparison kernel");
  copy_to_host(device_out, out);
  device_keys.check();
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
                                     device_keys.view(), device_out.get(), kStream),
              "DPF full-domain kernel");
  copy_to_host(device_out, out);
}

namespace {

void full_domain_dot_on_device(const DpfKeysView& view, const DpfParams& params,
                               std::span<const uint64_t> terms, std::span<const uint64_t> offsets,
                               std::span<uint64_t> dots, std::span<uint64_t> ones,
                               AesVariant variant) {
  DeviceBuffer<uint64_t> device_terms(allocation(terms.size())), device_offsets(view.count),
      device_dots(view.count), device_ones(view.count);
  copy_to_device(terms, device_terms);
  copy_to_device(offsets, device_offsets);
  synchronize(launch_dpf_full_domain_dot(variant, evaluation_round_keys(), leaf_layout(params),
                                         view, device_terms.get(), device_offsets.get(),
                                         device_dots.get(), device_ones.get(), kStream),
              "DPF full-domain dot kernel");
  copy_to_host(device_dots, dots);
  copy_to_host(device_ones, ones);
}

}  // namespace

void dpf_full_domain_dot(int party, const DpfKeyBatch& keys, std::span<const uint64_t> terms,
                         std::span<const uint64_t> offsets, std::span<uint64_t> dots,
                         std::span<uint64_t> ones, AesVariant variant) {
  check_dpf_batch(party, keys, "gpu::dpf_full_domain_dot");
  check_full_domain_dot(keys.params, keys.count, terms.size(), offsets, dots.size(), ones.size(),
                        "gpu::dpf_full_domain_dot");
  if (keys.count == 0) return;
  const DeviceDpfKeys device_keys(keys);
  full_domain_dot_on_device(device_keys.view(), keys.params, terms, offsets, dots, ones, variant);
}

void dpf_full_domain_dot(int party, const DpfKeyRecord& keys, std::span<const uint64_t> terms,
                         std::span<const uint64_t> offsets, std::span<uint64_t> dots,
                         std::span<uint64_t> ones, AesVariant variant) {
  check_full_domain_dot(keys.params, keys.count, terms.size(), offsets, dots.size(), ones.size(),
                        "gpu::dpf_full_domain_dot");
  if (keys.count == 0) return;
  const DeviceDpfRecord device_keys(party, keys);
  full_domain_dot_on_device(device_keys.view(), keys.params, terms, offsets, dots, ones, variant);
  device_keys.check();
}

void dcf_offset_sums(int party, const DcfKeyBatch& keys, std::span<const uint64_t> x_hat,
                     const DcfOffsetQuery& query, std::span<uint64_t> sums, std::span<uint8_t> bits,
                     AesVariant variant) {
  check_dcf_offset_query(party, keys, x_hat.size(), query, sums.size(), bits.size(),
                         "gpu::dcf_offset_sums");
  if (keys.count == 0) return;
  const DeviceDcfKeys device_keys(keys);
  DeviceBuffer<uint64_t> device_x_hat(keys.count), offsets(query.offsets.size()),
      weights(allocation(query.weights.size())), device_sums(allocation(sums.size()));
  DeviceBuffer<uint32_t> bit_points(allocation(query.bit_points.size()));
  DeviceBuffer<uint8_t> device_bits(allocation(bits.size()));
  copy_to_device(x_hat, device_x_hat);
  copy_to_device(query.offsets, offsets);
  copy_to_device(query.weights, weights);
  copy_to_device(query.bit_points, bit_points);
  check_cuda(cudaMemsetAsync(device_sums.get(), 0, sums.size_bytes(), kStream), "zeroing sums");
  const DcfOffsetsView view{query.offsets.size(), query.width,   query.bit_points.size(),
                            offsets.get(),        weights.get(), bit_points.get()};
  synchronize(launch_dcf_offset_sums(variant, evaluation_round_keys(), device_keys.view(), party,
                                     device_x_hat.get(), view, device_sums.get(), device_bits.get(),
                                     kStream),
              "DCF offset sums kernel");
  copy_to_host(device_sums, sums);
  copy_to_host(device_bits, bits);
}

DcfKeyPair dcf_gen(const DcfParams& params, std::span<const uint64_t> alphas,
                   std::span<const uint64_t> betas, Block seed, AesVariant variant) {
  check_fss_gen_inputs(params.n, params.out_bits, alphas, betas, "gpu::dcf_gen");
  const uint64_t count = alphas.size();
  DeviceDcfKeyPair keys(params, count);
  DeviceBuffer<uint64_t> device_alphas(allocation(count)), device_betas(allocation(count));
  copy_to_device(alphas, device_alphas);
  copy_to_device(betas, device_betas);
  synchronize(launch_dcf_gen(variant, make_prg_round_keys(Aes128(seed)), keys.gen_view(),
                             device_alphas.get(), device_betas.get(), kStream),
              "DCF key generation kernel");
  return keys.download();
}

void dcf_eval(int party, const DcfKeyBatch& keys, std::span<const uint64_t> xs,
              std::span<uint64_t> out, AesVariant variant) {
  check_dcf_batch(party, keys, "gpu::dcf_eval");
  check_fss_eval_inputs(keys.params.n, keys.count, xs, out.size(), "gpu::dcf_eval");
  const DeviceDcfKeys device_keys(keys);
  DeviceBuffer<uint64_t> device_xs(allocation(keys.count)), device_out(allocation(keys.count));
  copy_to_device(xs, device_xs);
  synchronize(launch_dcf_eval(variant, evaluation_round_keys(), device_keys.view(), party,
                              device_xs.get(), device_out.get(), kStream),
              "DCF evaluation kernel");
  copy_to_host(device_out, out);
}

namespace {

// out = left * right on device pointers, queued on kStream; the limb planes' scratch is pooled
// memory freed (stream-ordered) on return.
void multiply_on_device(const uint64_t* left, const uint64_t* right, uint64_t* out,
                        const MatmulDims& dims, MatmulKernel kernel) {
  if (kernel == MatmulKernel::kWords) {
    check_cuda(launch_matmul(left, right, out, dims.batch, dims.rows, dims.inner, dims.cols,
                             dims.batched_right, /*inner_splits=*/0, kStream),
               "matmul kernel");
    return;
  }
  DeviceBuffer<uint8_t> scratch(allocation(matmul_limbs_scratch_bytes(
      dims.batch, dims.rows, dims.inner, dims.cols, dims.batched_right)));
  check_cuda(launch_matmul_limbs(left, right, out, dims.batch, dims.rows, dims.inner, dims.cols,
                                 dims.batched_right, scratch.get(), kStream),
             "tensor-core matmul kernels");
}

}  // namespace

void matmul(std::span<const uint64_t> a, std::span<const uint64_t> b, std::span<uint64_t> c,
            const MatmulDims& dims, MatmulKernel kernel) {
  check_matmul_arguments(a, b, c, dims, "gpu::matmul");
  if (c.empty()) return;
  DeviceBuffer<uint64_t> device_a(allocation(a.size())), device_b(allocation(b.size())),
      device_c(c.size());
  copy_to_device(a, device_a);
  copy_to_device(b, device_b);
  multiply_on_device(device_a.get(), device_b.get(), device_c.get(), dims, kernel);
  copy_to_host(device_c, c);
}

namespace {

// The field's bytes in device memory: where they lie if resident, else uploaded into `upload`.
const uint8_t* device_packed(const PackedValues& field, DeviceBuffer<uint8_t>& upload) {
  if (field.device != nullptr) return field.device;
  upload = DeviceBuffer<uint8_t>(allocation(field.bytes.size()));
  copy_to_device(field.bytes, upload);
  return upload.get();
}

}  // namespace

void masked_matmul(int party, const MaskedMatmulKey& key, std::span<const uint64_t> x_hat,
                   std::span<const uint64_t> w_hat, std::span<uint64_t> share,
                   const MatmulDims& dims, MatmulKernel kernel) {
  check_masked_matmul_arguments(party, key, x_hat, w_hat, share, dims, "gpu::masked_matmul");
  if (share.empty()) return;
  DeviceBuffer<uint64_t> device_x(allocation(x_hat.size())), device_w(allocation(w_hat.size()));
  copy_to_device(x_hat, device_x);
  copy_to_device(w_hat, device_w);
  DeviceBuffer<uint8_t> uploads[3];
  const uint8_t* r_x = device_packed(key.r_x, uploads[0]);
  const uint8_t* r_w = device_packed(key.r_w, uploads[1]);
  const uint8_t* c = device_packed(key.c, uploads[2]);

  const auto product = [&](const uint64_t* left, const uint64_t* right, uint64_t* out) {
    multiply_on_device(left, right, out, dims, kernel);
  };
  DeviceBuffer<uint64_t> left(allocation(x_hat.size())), left_product(share.size());
  check_cuda(launch_masked_matmul_left(party, device_x.get(), r_x, key.n, left.get(), x_hat.size(),
                                       kStream),
             "masked matmul left operand kernel");
  product(left.get(), device_w.get(), left_product.get());
  DeviceBuffer<uint64_t> r_w_words(allocation(w_hat.size())), mask_product(share.size());
  check_cuda(launch_unpack(r_w, key.n, r_w_words.get(), w_hat.size(), kStream), "unpack kernel");
  product(device_x.get(), r_w_words.get(), mask_product.get());
  // The share overwrites the left product in place.
  check_cuda(launch_masked_matmul_share(key.n, left_product.get(), mask_product.get(), c,
                                        left_product.get(), share.size(), kStream),
             "masked matmul share kernel");
  copy_to_host(left_product, share);
}

void gap_shift(const GapShiftStep& step, const GapShiftKey& key, std::span<const uint64_t> x_hat,
               std::span<const uint8_t> carry_hat, std::span<uint64_t> share) {
  check_gap_shift_arguments(step, key, x_hat, carry_hat, share, "gpu::gap_shift");
  if (share.empty()) return;
  DeviceBuffer<uint64_t> device_x(x_hat.size()), device_share(share.size());
  DeviceBuffer<uint8_t> device_carry(carry_hat.size());
  copy_to_device(x_hat, device_x);
  copy_to_device(carry_hat, device_carry);
  DeviceBuffer<uint8_t> uploads[3];
  const uint8_t* carry_mask = device_packed(key.carry_mask, uploads[0]);
  const uint8_t* r_msb = device_packed(key.r_msb, uploads[1]);
  const uint8_t* correction = device_packed(key.correction, uploads[2]);
  check_cuda(launch_gap_shift(step, device_x.get(), device_carry.get(), carry_mask, r_msb,
                              correction, device_share.get(), share.size(), kStream),
             "gap shift kernel");
  copy_to_host(device_share, share);
}

}  // namespace fss::gpu
