#include "crypto/backend.h"

#include "core/bitpack.h"
#include "core/error.h"
#include "core/words.h"

namespace fss {
namespace {

class CpuBackend final : public Backend {
 public:
  using Backend::dpf_compare_eval;
  using Backend::dpf_full_domain_dot;

  std::string name() const override { return "cpu"; }

  DpfKeyPair dpf_gen(const DpfParams& params, std::span<const uint64_t> alphas,
                     std::span<const uint64_t> betas, Block seed) override {
    return fss::dpf_gen(params, alphas, betas, seed);
  }
  void dpf_eval(int party, const DpfKeyBatch& keys, std::span<const uint64_t> xs,
                std::span<uint64_t> out) override {
    fss::dpf_eval(party, keys, xs, out);
  }
  void dpf_compare_eval(int party, const DpfKeyBatch& keys, std::span<const uint64_t> xs,
                        std::span<uint8_t> out) override {
    fss::dpf_compare_eval(party, keys, xs, out);
  }
  void dpf_full_domain_dot(int party, const DpfKeyBatch& keys, std::span<const uint64_t> terms,
                           std::span<const uint64_t> offsets, std::span<uint64_t> dots,
                           std::span<uint64_t> ones) override {
    fss::dpf_full_domain_dot(party, keys, terms, offsets, dots, ones);
  }

  DcfKeyPair dcf_gen(const DcfParams& params, std::span<const uint64_t> alphas,
                     std::span<const uint64_t> betas, Block seed) override {
    return fss::dcf_gen(params, alphas, betas, seed);
  }
  void dcf_eval(int party, const DcfKeyBatch& keys, std::span<const uint64_t> xs,
                std::span<uint64_t> out) override {
    fss::dcf_eval(party, keys, xs, out);
  }

  void matmul(std::span<const uint64_t> a, std::span<const uint64_t> b, std::span<uint64_t> c,
              const MatmulDims& dims) override {
    fss::matmul(a, b, c, dims);
  }
};

thread_local Backend* current_backend = nullptr;

}  // namespace

void Backend::masked_matmul(int party, const MaskedMatmulKey& key, std::span<const uint64_t> x_hat,
                            std::span<const uint64_t> w_hat, std::span<uint64_t> share,
                            const MatmulDims& dims) {
  check_masked_matmul_arguments(party, key, x_hat, w_hat, share, dims, "masked_matmul");
  const auto unpacked = [&](const PackedValues& field, size_t count) {
    Words values = words_for_overwrite(count);
    unpack(field.bytes, key.n, values);
    return values;
  };
  // Two products straight from the operands (no concatenated copy of W^ and [R_W]).
  Words left = unpacked(key.r_x, dims.left_size());
  for_each_index(left.size(),
                 [&](size_t i) { left[i] = masked_matmul_left(party, x_hat[i], left[i]); });
  matmul(left, w_hat, share, dims);

  const Words r_w = unpacked(key.r_w, dims.right_size());
  Words mask_product = words_for_overwrite(dims.out_size());
  matmul(x_hat, r_w, mask_product, dims);
  const Words c = unpacked(key.c, dims.out_size());
  const Ring ring{key.n};
  for_each_index(share.size(), [&](size_t i) {
    share[i] = masked_matmul_share(ring, share[i], mask_product[i], c[i]);
  });
}

void Backend::dpf_compare_eval(int party, const DpfKeyRecord& keys, std::span<const uint64_t> xs,
                               std::span<uint8_t> out) {
  dpf_compare_eval(party, deserialize(keys), xs, out);
}

void Backend::dpf_full_domain_dot(int party, const DpfKeyRecord& keys,
                                  std::span<const uint64_t> terms,
                                  std::span<const uint64_t> offsets, std::span<uint64_t> dots,
                                  std::span<uint64_t> ones) {
  dpf_full_domain_dot(party, deserialize(keys), terms, offsets, dots, ones);
}

Backend& cpu_backend() {
  static CpuBackend backend;
  return backend;
}

Backend& backend() { return current_backend != nullptr ? *current_backend : cpu_backend(); }

BackendScope::BackendScope(Backend& backend) : previous_(current_backend) {
  current_backend = &backend;
}

BackendScope::~BackendScope() { current_backend = previous_; }

}  // namespace fss
