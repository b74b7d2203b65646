#pragma once
// Many evaluation points per FSS key (CPU backend). SUF gives each element ONE key per view width,
// for the point r (its mask), and evaluates it at every public point x^ + c of its query list
// (PROTOCOLS.md §9). Keys come from dpf_gen / dcf_gen unchanged, only the evaluation differs
// from the one-point-per-key batches. The per-level math is crypto's own
// (crypto/dpf_math.h, dcf_math.h); this file schedules it 8 tree steps at a time with AES-NI,
// on the OpenMP team for large batches.
//
// PRG calls (AES blocks). DPF comparison: 2L + 1 per point (both children at each of the
// L = k - min(k, 7) levels, one leaf conversion). DCF: the points of one key are walked together
// (Grotto's memoised prefixes): a tree node shared by several points is expanded once, so a key
// costs 2 E + D, with E the number of distinct prefixes of lengths 1..n among its points (one
// child expansion each: path seed + value word) and D the number of distinct points (leaf
// conversions); at most P (2n + 1) for P points, far less for clustered points such as the
// boundaries of a uniform spline.
#include <cstdint>
#include <span>

#include "crypto/dcf.h"
#include "crypto/dpf.h"

namespace fss {

// out[e * per_key + j] = party's XOR share (0/1) of 1{points[e * per_key + j] < alpha_e} for the
// 1-bit DPF keys e < keys.count (SIGMA's comparison, one path per point). Returns the PRG calls
// made. Throws kInvalidArgument unless points.size() == out.size() == keys.count * per_key, every
// point is below 2^n, keys have l = 1 and belong to `party`.
uint64_t dpf_compare_points(int party, const DpfKeyBatch& keys, std::span<const uint64_t> points,
                            uint64_t per_key, std::span<uint8_t> out);

// out[e * per_key + j] = party's additive share mod 2^l of beta_e * 1{points[...] < alpha_e}.
// Returns the PRG calls made (2 E + D summed over the keys). Throws kInvalidArgument like
// dpf_compare_points.
uint64_t dcf_eval_points(int party, const DcfKeyBatch& keys, std::span<const uint64_t> points,
                         uint64_t per_key, std::span<uint64_t> out);

}  // namespace fss
