#include "crypto/backend.h"

#include "core/error.h"

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
