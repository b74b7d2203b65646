#pragma once
// A test backend: the CPU backend under another name, counting the calls of each kind that
// reach it, so that a test can show which bulk operations a program sends to its backend.
#include <atomic>

#include "crypto/backend.h"

namespace fss::testing {

class CountingBackend final : public Backend {
 public:
  using Backend::dpf_full_domain_dot;

  std::string name() const override { return "counting"; }
  DpfKeyPair dpf_gen(const DpfParams& params, std::span<const uint64_t> alphas,
                     std::span<const uint64_t> betas, Block seed) override {
    ++dpf_gens;
    return cpu_backend().dpf_gen(params, alphas, betas, seed);
  }
  void dpf_eval(int party, const DpfKeyBatch& keys, std::span<const uint64_t> xs,
                std::span<uint64_t> out) override {
    ++dpf_evals;
    cpu_backend().dpf_eval(party, keys, xs, out);
  }
  void dpf_compare_eval(int party, const DpfKeyBatch& keys, std::span<const uint64_t> xs,
                        std::span<uint8_t> out) override {
    ++compares;
    cpu_backend().dpf_compare_eval(party, keys, xs, out);
  }
  void dpf_full_domain_dot(int party, const DpfKeyBatch& keys, std::span<const uint64_t> terms,
                           std::span<const uint64_t> offsets, std::span<uint64_t> dots,
                           std::span<uint64_t> ones) override {
    ++full_domain_dots;
    cpu_backend().dpf_full_domain_dot(party, keys, terms, offsets, dots, ones);
  }
  DcfKeyPair dcf_gen(const DcfParams& params, std::span<const uint64_t> alphas,
                     std::span<const uint64_t> betas, Block seed) override {
    ++dcf_gens;
    return cpu_backend().dcf_gen(params, alphas, betas, seed);
  }
  void dcf_eval(int party, const DcfKeyBatch& keys, std::span<const uint64_t> xs,
                std::span<uint64_t> out) override {
    ++dcf_evals;
    cpu_backend().dcf_eval(party, keys, xs, out);
  }
  void matmul(std::span<const uint64_t> a, std::span<const uint64_t> b, std::span<uint64_t> c,
              const MatmulDims& dims) override {
    ++matmuls;
    cpu_backend().matmul(a, b, c, dims);
  }
  void gap_shift(const GapShiftStep& step, const GapShiftKey& key, std::span<const uint64_t> x_hat,
                 std::span<const uint8_t> carry_hat, std::span<uint64_t> share) override {
    ++gap_shifts;
    cpu_backend().gap_shift(step, key, x_hat, carry_hat, share);
  }

  // Atomic: the dealer and both parties may share one backend from their threads.
  std::atomic<int> dpf_gens = 0, dpf_evals = 0, compares = 0, full_domain_dots = 0, dcf_gens = 0,
                   dcf_evals = 0, matmuls = 0, gap_shifts = 0;
};

}  // namespace fss::testing
