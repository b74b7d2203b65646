#include "crypto/fss_checks.h"

#include "core/error.h"
#include "core/ring.h"
#include "core/words.h"
#include "crypto/dpf_math.h"

namespace fss {
namespace {

void check_party(int party, const char* where) {
  if (party != 0 && party != 1)
    fail(ErrorKind::kInvalidArgument, "{}: party {} is not 0 or 1", where, party);
}

void check_roots(int party, std::span<const Block> roots, const char* where) {
  for (size_t i = 0; i < roots.size(); ++i)
    if (roots[i].lsb() != static_cast<uint64_t>(party))
      fail(ErrorKind::kInvalidArgument, "{}: key {} belongs to party {}, evaluated as party {}",
           where, i, roots[i].lsb(), party);
}

}  // namespace

void check_fss_widths(int n, int out_bits, const char* where) {
  if (n < 1 || n > 64 || out_bits < 1 || out_bits > 64)
    fail(ErrorKind::kInvalidArgument, "{}: n = {} and l = {} must both lie in 1..64", where, n,
         out_bits);
}

void check_fss_gen_inputs(int n, int out_bits, std::span<const uint64_t> alphas,
                          std::span<const uint64_t> betas, const char* where) {
  check_fss_widths(n, out_bits, where);
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

void check_fss_eval_inputs(int n, uint64_t count, std::span<const uint64_t> xs, size_t out_size,
                           const char* where) {
  if (xs.size() != count || out_size != count)
    fail(ErrorKind::kInvalidArgument, "{}: {} keys, {} inputs, {} outputs", where, count, xs.size(),
         out_size);
  // Bits above the domain, ORed over all inputs without a branch (vectorised, and on every
  // thread for large batches); the offending input is looked for only when there is one.
  const uint64_t outside = ~Ring{n}.mask();
  const auto count_xs = static_cast<int64_t>(xs.size());
  uint64_t above = 0;
#pragma omp parallel for schedule(static) reduction(| : above) if (count_xs >= kParallelElements)
  for (int64_t i = 0; i < count_xs; ++i) above |= xs[i] & outside;
  if (above == 0) return;
  for (size_t i = 0; i < xs.size(); ++i)
    if ((xs[i] & outside) != 0)
      fail(ErrorKind::kInvalidArgument, "{}: input {} = {} is not below 2^{}", where, i, xs[i], n);
}

void check_dpf_batch(int party, const DpfKeyBatch& keys, const char* where) {
  check_party(party, where);
  check_fss_widths(keys.params.n, keys.params.out_bits, where);
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
  check_fss_widths(keys.params.n, keys.params.out_bits, where);
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

void check_full_domain_dot(const DpfParams& params, uint64_t count, size_t terms,
                           std::span<const uint64_t> offsets, size_t dots, size_t ones,
                           const char* where) {
  if (params.out_bits != 1)
    fail(ErrorKind::kInvalidArgument, "{}: needs l = 1 keys, got l = {}", where, params.out_bits);
  if (offsets.size() != count || dots != count || ones != count)
    fail(ErrorKind::kInvalidArgument, "{}: {} keys with {} offsets, {} dots and {} counts", where,
         count, offsets.size(), dots, ones);
  const uint64_t window = 64 * full_domain_words(params.n);
  for (size_t i = 0; i < offsets.size(); ++i)
    if (offsets[i] > terms || terms - offsets[i] < window)
      fail(ErrorKind::kInvalidArgument,
           "{}: key {}'s window of {} terms at offset {} exceeds the {} terms", where, i, window,
           offsets[i], terms);
}

}  // namespace fss
