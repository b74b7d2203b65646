#pragma once
// The bulk operations a backend supplies to the protocols (ARCHITECTURE.md §4): batched DPF and
// DCF key generation and evaluation, full-domain dot products (lookup tables), matrix products
// over Z_{2^64}, and the elementwise last steps of gates whose key fields a backend can read
// where they lie. Every backend computes the same bits as the CPU functions of crypto/dpf.h,
// crypto/dcf.h and core/matmul.h (keygen is byte-identical for the same seed), so a gate's result
// never depends on where it ran; argument checks are those functions' (kInvalidArgument).
//
// Gates reach the backend through backend(): the calling thread's current one, which an engine
// installs with a BackendScope for the gates it runs. The gate interface stays free of backends,
// and a thread without a scope runs on the CPU.
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/gap_shift.h"
#include "core/masked_matmul.h"
#include "core/matmul.h"
#include "crypto/compare_offsets.h"
#include "crypto/dcf.h"
#include "crypto/dpf.h"
#include "crypto/offset_sums.h"

namespace fss {

// Bytes copied into a backend's own memory, held there while this object lives.
class ResidentBytes {
 public:
  virtual ~ResidentBytes() = default;
  virtual const uint8_t* data() const = 0;  // the copy of byte 0, in the backend's memory
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;

  virtual DpfKeyPair dpf_gen(const DpfParams& params, std::span<const uint64_t> alphas,
                             std::span<const uint64_t> betas, Block seed) = 0;
  virtual void dpf_eval(int party, const DpfKeyBatch& keys, std::span<const uint64_t> xs,
                        std::span<uint64_t> out) = 0;
  virtual void dpf_compare_eval(int party, const DpfKeyBatch& keys, std::span<const uint64_t> xs,
                                std::span<uint8_t> out) = 0;
  // As crypto/dpf.h's dpf_full_domain_dot.
  virtual void dpf_full_domain_dot(int party, const DpfKeyBatch& keys,
                                   std::span<const uint64_t> terms,
                                   std::span<const uint64_t> offsets, std::span<uint64_t> dots,
                                   std::span<uint64_t> ones) = 0;

  // The same on a batch where it lies in a key record. The default parses the keys on the host
  // (crypto/dpf.h's deserialize); a backend that made the record's bytes resident evaluates them
  // in place. Corrupted keys are kParse as deserialize_dpf_keys reports them. (Comparisons on a
  // record go through dpf_compare_offsets below.)
  virtual void dpf_full_domain_dot(int party, const DpfKeyRecord& keys,
                                   std::span<const uint64_t> terms,
                                   std::span<const uint64_t> offsets, std::span<uint64_t> dots,
                                   std::span<uint64_t> ones);

  // Key e compared at the K points its masked value makes with the query's offsets
  // (crypto/compare_offsets.h): out[e * K + j] as dpf_compare_eval would give it at
  // dpf_offset_point(x_hat[e], offsets[j], n, complement), so that only x^ reaches a device. The
  // default makes the points on the host and walks them on the CPU (crypto/multi_point.h).
  // Returns the PRG calls made on the host. Throws as check_dpf_offset_query.
  virtual uint64_t dpf_compare_offsets(int party, const DpfKeyRecord& keys,
                                       std::span<const uint64_t> x_hat, const DpfOffsetQuery& query,
                                       std::span<uint8_t> out);

  // A copy of `bytes` (key streams) in this backend's memory, for records read from them to
  // carry its address (core/bytes.h's ByteReader::device_address); nullptr where the backend
  // works on host memory. Throws kInvalidArgument when the copy does not fit.
  virtual std::unique_ptr<ResidentBytes> make_resident(std::span<const uint8_t> /*bytes*/) {
    return nullptr;
  }

  virtual DcfKeyPair dcf_gen(const DcfParams& params, std::span<const uint64_t> alphas,
                             std::span<const uint64_t> betas, Block seed) = 0;
  virtual void dcf_eval(int party, const DcfKeyBatch& keys, std::span<const uint64_t> xs,
                        std::span<uint64_t> out) = 0;

  // SUF's interval lookup in one step (suf/interval_lookup.h): key e is evaluated at the P
  // points x_hat[e] + offsets[j] (mod 2^n) and its shares are combined where they are made, so
  // that only p sums and B bits per key leave the backend. With share_e(j) the party's share
  // there as dcf_eval gives it:
  //   sums[e * p + q] = sum_j weights[j * p + q] * share_e(j) mod 2^64,
  //   bits[e * B + b] = share_e(bit_points[b]) & 1 (the XOR share of a comparison).
  // The default walks each key's points together on the CPU (crypto/multi_point.h, shared tree
  // prefixes). Returns the PRG calls made on the host. Throws as check_dcf_offset_query.
  virtual uint64_t dcf_offset_sums(int party, const DcfKeyBatch& keys,
                                   std::span<const uint64_t> x_hat, const DcfOffsetQuery& query,
                                   std::span<uint64_t> sums, std::span<uint8_t> bits);

  // c = a * b mod 2^64 as core/matmul.h's matmul.
  virtual void matmul(std::span<const uint64_t> a, std::span<const uint64_t> b,
                      std::span<uint64_t> c, const MatmulDims& dims) = 0;

  // Party `party`'s share of a secret-weights product (core/masked_matmul.h): X^ has
  // dims.left_size() values, W^ dims.right_size(), the share dims.out_size(). The default
  // unpacks the key's fields on the host and multiplies through matmul; a backend with its own
  // memory reads them where they lie. Throws as check_masked_matmul_arguments.
  virtual void masked_matmul(int party, const MaskedMatmulKey& key, std::span<const uint64_t> x_hat,
                             std::span<const uint64_t> w_hat, std::span<uint64_t> share,
                             const MatmulDims& dims);

  // Party step.party's shares of a gap truncation (core/gap_shift.h): share[i] is
  // gap_shift_share at x_hat[i], bit i of carry_hat (packed) and value i of each key field. The
  // default unpacks the fields on the host; a backend with its own memory reads them where they
  // lie. Throws as check_gap_shift_arguments.
  virtual void gap_shift(const GapShiftStep& step, const GapShiftKey& key,
                         std::span<const uint64_t> x_hat, std::span<const uint8_t> carry_hat,
                         std::span<uint64_t> share);
};

// The CPU backend: the functions of crypto/dpf.h, crypto/dcf.h and core/matmul.h.
Backend& cpu_backend();

// The calling thread's current backend: the innermost live BackendScope's, else the CPU's.
Backend& backend();

// Makes `backend` the calling thread's current backend until destroyed (scopes nest).
class BackendScope {
 public:
  explicit BackendScope(Backend& backend);
  ~BackendScope();
  BackendScope(const BackendScope&) = delete;
  BackendScope& operator=(const BackendScope&) = delete;

 private:
  Backend* previous_;
};

}  // namespace fss
