#pragma once
// Argument checks of the batched FSS entry points, shared by the CPU (dpf.cc, dcf.cc) and the
// GPU host API (cuda/fss_gpu.cc): each throws fss::Error(kInvalidArgument) naming `where`.
#include <cstdint>
#include <span>

#include "crypto/dcf.h"
#include "crypto/dpf.h"

namespace fss {

// n and l in 1..64.
void check_fss_widths(int n, int out_bits, const char* where);
// Widths, equal sizes, alphas[i] < 2^n and betas[i] < 2^l.
void check_fss_gen_inputs(int n, int out_bits, std::span<const uint64_t> alphas,
                          std::span<const uint64_t> betas, const char* where);
// xs.size() == out_size == count and every xs[i] < 2^n.
void check_fss_eval_inputs(int n, uint64_t count, std::span<const uint64_t> xs, size_t out_size,
                           const char* where);
// Party 0 or 1, widths, array sizes consistent with count, every root of `party`.
void check_dpf_batch(int party, const DpfKeyBatch& keys, const char* where);
void check_dcf_batch(int party, const DcfKeyBatch& keys, const char* where);
// dpf_full_domain_dot's arguments besides the batch: l = 1 keys, one offset, dot and count per
// key, and every window [offsets[i], offsets[i] + 64 full_domain_words(n)) inside terms.
void check_full_domain_dot(const DpfParams& params, uint64_t count, size_t terms,
                           std::span<const uint64_t> offsets, size_t dots, size_t ones,
                           const char* where);

}  // namespace fss
