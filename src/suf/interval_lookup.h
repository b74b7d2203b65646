#pragma once
// The interval lookup of SUF (PROTOCOLS.md §1, §9): additive shares (mod 2^l) of the payload row
// v_{i(x)} in Z_{2^l}^p of the interval [a_i, a_{i+1}) holding x mod 2^n, from the public
// x^ = x + r (read mod 2^n: the lookup's domain n may be an effective width below the ring's).
//
// Construction: DCF differences at the mask. For a public boundary a and s(c) = 1{x^ + c < r}
// (mod 2^n), the integer identity
//   1{x < a} = 1{x^ < a} + s(-a) - s(0)
// holds for all x^, r, a < 2^n (both sides count the wrap of x - a). Hence, with public rows,
//   v_{i(x)} = v_{i(x^)} + sum_{i=1}^{m-1} (v_{i-1} - v_i) s(-a_i) + (v_{m-1} - v_0) s(0),
// (an identity between integers, so the payload group Z_{2^l} is free: l >= n is the caller's
// output ring), so ONE DCF_{n,l} key per element (point r mod 2^n, payload 1) evaluated at the M =
// m public points x^, x^ - a_1, ..., x^ - a_{m-1} gives the shares without interaction; the
// dealer's work and the key do not depend on m or p. The same key also answers extra full-width
// comparison queries 1{x^ + c < r} (the low bit of an additive share is an XOR share), so a gate's
// width-n predicates cost no second key.
//
// Key per party: 16 + count * dcf_key_bytes({n, l}) bytes, dcf_key_bytes({n, l}) =
// 16 + 16 n + ceil(n / 8) + ceil(n l / 8) + ceil(l / 8). PRG calls per element: 2 E + D over its
// P = m + (extra offsets not among the lookup points) points (multi_point.h: E distinct prefixes,
// D distinct points), at most P (2n + 1); a uniform spline of 2^b pieces 2^s apart needs about
// 2^b (2s + 5) + 4 (n - s - b). No interaction.
#include <cstdint>
#include <span>
#include <vector>

#include "core/bytes.h"
#include "core/hd.h"
#include "crypto/prg.h"

namespace fss::suf {

// Party's share of the payload row of one element from its weighted sums (crypto/offset_sums.h:
// sums[q] = sum over the lookup points of weight * share, the weights of point s(-a_i), i >= 1,
// being v_{i-1} - v_i and those of s(0) v_{m-1} - v_0): out[q] = public_row[q] (party 0 adds
// v_{i(x^)}) + sums[q], mod 2^l (mask), for q < p.
FSS_HD constexpr void finish_payload(int party, int p, const uint64_t* public_row,
                                     const uint64_t* sums, uint64_t mask, uint64_t* out) {
  for (int q = 0; q < p; ++q) out[q] = ((party == 0 ? public_row[q] : 0) + sums[q]) & mask;
}

class IntervalLookup {
 public:
  // starts: a_0 = 0 < a_1 < ... < a_{m-1} < 2^n with m >= 2; payload: m rows of p >= 0 values
  // < 2^l; extra_offsets: width-n queries (c < 2^n); payload_bits l in n..64 (0 means l = n).
  // Throws kInvalidArgument otherwise.
  IntervalLookup(int n, std::vector<uint64_t> starts, std::vector<std::vector<uint64_t>> payload,
                 std::vector<uint64_t> extra_offsets = {}, int payload_bits = 0);

  int n() const { return n_; }
  int payload_bits() const { return l_; }
  int intervals() const { return static_cast<int>(starts_.size()); }  // m = M
  int payload_size() const { return p_; }                             // p
  int points() const { return static_cast<int>(offsets_.size()); }    // P
  const std::vector<uint64_t>& extra_offsets() const { return extra_offsets_; }

  uint64_t key_bytes(uint64_t count) const;
  uint64_t max_prg_calls_per_element() const;

  // Dealer: one DCF_{n,l} key per element for the point masks[e] mod 2^n, payload 1.
  void gen(std::span<const uint64_t> masks, SeededPrg& prg, ByteWriter& key0,
           ByteWriter& key1) const;
  // Party, on the current backend (crypto/backend.h's dcf_offset_sums): payload_shares[e * p + q]
  // = additive share of v_{i(x)}[q]; extra_bits[e * E + j] = XOR share of 1{x^ + c_j < r} for the
  // E extra offsets. Returns the PRG calls made on the host. Throws kParse on an unexpected key
  // batch.
  uint64_t eval(int party, ByteReader& key, std::span<const uint64_t> x_hat,
                std::span<uint64_t> payload_shares, std::span<uint8_t> extra_bits) const;

 private:
  int n_;
  int l_;
  int p_;
  std::vector<uint64_t> starts_;
  std::vector<std::vector<uint64_t>> payload_;
  std::vector<uint64_t> extra_offsets_;
  std::vector<uint64_t> offsets_;  // distinct evaluation offsets {0, -a_i, extras}, ascending
  std::vector<uint32_t> extra_point_;    // extra j -> index into offsets_
  std::vector<uint64_t> point_weights_;  // [P][p]: the weights of finish_payload, 0 for extras
};

}  // namespace fss::suf
