#include "crypto/metered_backend.h"

#include <chrono>

namespace fss {

template <typename Call>
auto MeteredBackend::timed(const Call& call) {
  struct AddOnExit {  // also when the call throws
    double& seconds;
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    ~AddOnExit() {
      seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
  } add{seconds_};
  return call();
}

DpfKeyPair MeteredBackend::dpf_gen(const DpfParams& params, std::span<const uint64_t> alphas,
                                   std::span<const uint64_t> betas, Block seed) {
  return timed([&] { return inner_.dpf_gen(params, alphas, betas, seed); });
}

void MeteredBackend::dpf_eval(int party, const DpfKeyBatch& keys, std::span<const uint64_t> xs,
                              std::span<uint64_t> out) {
  timed([&] { inner_.dpf_eval(party, keys, xs, out); });
}

void MeteredBackend::dpf_compare_eval(int party, const DpfKeyBatch& keys,
                                      std::span<const uint64_t> xs, std::span<uint8_t> out) {
  timed([&] { inner_.dpf_compare_eval(party, keys, xs, out); });
}

void MeteredBackend::dpf_full_domain_dot(int party, const DpfKeyBatch& keys,
                                         std::span<const uint64_t> terms,
                                         std::span<const uint64_t> offsets,
                                         std::span<uint64_t> dots, std::span<uint64_t> ones) {
  timed([&] { inner_.dpf_full_domain_dot(party, keys, terms, offsets, dots, ones); });
}

void MeteredBackend::dpf_full_domain_dot(int party, const DpfKeyRecord& keys,
                                         std::span<const uint64_t> terms,
                                         std::span<const uint64_t> offsets,
                                         std::span<uint64_t> dots, std::span<uint64_t> ones) {
  timed([&] { inner_.dpf_full_domain_dot(party, keys, terms, offsets, dots, ones); });
}

uint64_t MeteredBackend::dpf_compare_offsets(int party, const DpfKeyRecord& keys,
                                             std::span<const uint64_t> x_hat,
                                             const DpfOffsetQuery& query, std::span<uint8_t> out) {
  return timed([&] { return inner_.dpf_compare_offsets(party, keys, x_hat, query, out); });
}

std::unique_ptr<ResidentBytes> MeteredBackend::make_resident(std::span<const uint8_t> bytes) {
  return timed([&] { return inner_.make_resident(bytes); });
}

DcfKeyPair MeteredBackend::dcf_gen(const DcfParams& params, std::span<const uint64_t> alphas,
                                   std::span<const uint64_t> betas, Block seed) {
  return timed([&] { return inner_.dcf_gen(params, alphas, betas, seed); });
}

void MeteredBackend::dcf_eval(int party, const DcfKeyBatch& keys, std::span<const uint64_t> xs,
                              std::span<uint64_t> out) {
  timed([&] { inner_.dcf_eval(party, keys, xs, out); });
}

uint64_t MeteredBackend::dcf_offset_sums(int party, const DcfKeyBatch& keys,
                                         std::span<const uint64_t> x_hat,
                                         const DcfOffsetQuery& query, std::span<uint64_t> sums,
                                         std::span<uint8_t> bits) {
  return timed([&] { return inner_.dcf_offset_sums(party, keys, x_hat, query, sums, bits); });
}

void MeteredBackend::matmul(std::span<const uint64_t> a, std::span<const uint64_t> b,
                            std::span<uint64_t> c, const MatmulDims& dims) {
  timed([&] { inner_.matmul(a, b, c, dims); });
}

void MeteredBackend::masked_matmul(int party, const MaskedMatmulKey& key,
                                   std::span<const uint64_t> x_hat, std::span<const uint64_t> w_hat,
                                   std::span<uint64_t> share, const MatmulDims& dims) {
  timed([&] { inner_.masked_matmul(party, key, x_hat, w_hat, share, dims); });
}

void MeteredBackend::gap_shift(const GapShiftStep& step, const GapShiftKey& key,
                               std::span<const uint64_t> x_hat, std::span<const uint8_t> carry_hat,
                               std::span<uint64_t> share) {
  timed([&] { inner_.gap_shift(step, key, x_hat, carry_hat, share); });
}

}  // namespace fss
