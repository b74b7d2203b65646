#pragma once
// The multi-view packed comparison of SUF (PROTOCOLS.md §9): per element, T queries
//   q_t = 1{view_{k_t,c_t}(x^) < r mod 2^{k_t}},   view_{k,c}(u) = ((u mod 2^k) + c) mod 2^k,
// as XOR shares, where r is the element's n-bit mask. Every query's threshold is the mask (the
// predicate's constant lives in the public offset c_t, see compiler.h), so all queries of one
// width k share ONE key: a 1-bit DPF_{k,1} (crypto/dpf.h) for the point r mod 2^k, evaluated
// with SIGMA's comparison walk at each of its queries' points.
//
// Key per party (G distinct widths k_g): sum_g (16 + count * dpf_key_bytes({k_g, 1})) bytes,
// with dpf_key_bytes = 16 + 16 L + ceil(L / 8) + 16, L = k - min(k, 7).
// PRG calls per element: sum_t (2 L_t + 1). No interaction.
#include <cstdint>
#include <span>
#include <vector>

#include "core/bytes.h"
#include "crypto/prg.h"

namespace fss::suf {

struct Query {
  int k = 0;            // view width, 1..n
  uint64_t offset = 0;  // c < 2^k
  bool operator==(const Query&) const = default;
};

class PackedComparison {
 public:
  // Queries on views of an n-bit masked input. Throws kInvalidArgument unless 1 <= n <= 64,
  // 1 <= k_t <= n and c_t < 2^{k_t}. An empty list is allowed (no key, no work).
  PackedComparison(int n, std::vector<Query> queries);

  int n() const { return n_; }
  const std::vector<Query>& queries() const { return queries_; }
  // Distinct widths, in order of first use: one key batch each.
  const std::vector<int>& widths() const { return widths_; }

  uint64_t key_bytes(uint64_t count) const;
  uint64_t prg_calls_per_element() const;

  // Dealer: masks[e] < 2^n is element e's input mask. Writes one DPF batch per width to each key.
  void gen(std::span<const uint64_t> masks, SeededPrg& prg, ByteWriter& key0,
           ByteWriter& key1) const;
  // Party: out[e * T + t] = XOR share of q_t for element e (x_hat[e] < 2^n). Reads exactly
  // key_bytes(x_hat.size()) bytes and returns the PRG calls made; throws kParse if the batches are
  // not the expected ones.
  uint64_t eval(int party, ByteReader& key, std::span<const uint64_t> x_hat,
                std::span<uint8_t> out) const;

 private:
  int n_;
  std::vector<Query> queries_;
  std::vector<int> widths_;
  std::vector<std::vector<int>> group_queries_;  // [group] -> query indices
};

}  // namespace fss::suf
