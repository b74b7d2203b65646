#pragma once
// A backend that passes every call to another and keeps the wall time spent in them, so that a
// party can split a gate's time into its bulk operations (FSS evaluation and matrix products,
// transfers to the GPU included) and the rest: the gate's own per-element passes, key unpacking
// and exchanges (the per-gate `backend_ms` of `fssformer run --json`).
#include "crypto/backend.h"

namespace fss {

class MeteredBackend final : public Backend {
 public:
  explicit MeteredBackend(Backend& inner) : inner_(inner) {}

  // Seconds spent in the calls so far.
  double seconds() const { return seconds_; }

  std::string name() const override { return inner_.name(); }
  DpfKeyPair dpf_gen(const DpfParams& params, std::span<const uint64_t> alphas,
                     std::span<const uint64_t> betas, Block seed) override;
  void dpf_eval(int party, const DpfKeyBatch& keys, std::span<const uint64_t> xs,
                std::span<uint64_t> out) override;
  void dpf_compare_eval(int party, const DpfKeyBatch& keys, std::span<const uint64_t> xs,
                        std::span<uint8_t> out) override;
  void dpf_full_domain_dot(int party, const DpfKeyBatch& keys, std::span<const uint64_t> terms,
                           std::span<const uint64_t> offsets, std::span<uint64_t> dots,
                           std::span<uint64_t> ones) override;
  void dpf_full_domain_dot(int party, const DpfKeyRecord& keys, std::span<const uint64_t> terms,
                           std::span<const uint64_t> offsets, std::span<uint64_t> dots,
                           std::span<uint64_t> ones) override;
  uint64_t dpf_compare_offsets(int party, const DpfKeyRecord& keys, std::span<const uint64_t> x_hat,
                               const DpfOffsetQuery& query, std::span<uint8_t> out) override;
  std::unique_ptr<ResidentBytes> make_resident(std::span<const uint8_t> bytes) override;
  DcfKeyPair dcf_gen(const DcfParams& params, std::span<const uint64_t> alphas,
                     std::span<const uint64_t> betas, Block seed) override;
  void dcf_eval(int party, const DcfKeyBatch& keys, std::span<const uint64_t> xs,
                std::span<uint64_t> out) override;
  uint64_t dcf_offset_sums(int party, const DcfKeyBatch& keys, std::span<const uint64_t> x_hat,
                           const DcfOffsetQuery& query, std::span<uint64_t> sums,
                           std::span<uint8_t> bits) override;
  void matmul(std::span<const uint64_t> a, std::span<const uint64_t> b, std::span<uint64_t> c,
              const MatmulDims& dims) override;
  void masked_matmul(int party, const MaskedMatmulKey& key, std::span<const uint64_t> x_hat,
                     std::span<const uint64_t> w_hat, std::span<uint64_t> share,
                     const MatmulDims& dims) override;
  void gap_shift(const GapShiftStep& step, const GapShiftKey& key, std::span<const uint64_t> x_hat,
                 std::span<const uint8_t> carry_hat, std::span<uint64_t> share) override;

 private:
  template <typename Call>
  auto timed(const Call& call);

  Backend& inner_;
  double seconds_ = 0;
};

}  // namespace fss
