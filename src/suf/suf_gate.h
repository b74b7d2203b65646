#pragma once
// A compiled SUF gate (PROTOCOLS.md §9): one packed comparison and one interval lookup on the
// public x^, then the post-processing Φ (Horner, AND, output masks). Outputs, in order: the r
// polynomial outputs {n, output_f}, the p_aux auxiliary outputs {n, 0}, the l boolean outputs
// {1, 0} (XOR-shared bits); each is shared as value + its output mask.
//
// Effective width: the lookup and the predicates read the view x mod 2^w (spec.h), so their
// keys are w bits deep (DCF_{w,n}, DPF_{k,1} with k <= w) while Φ works on the full x^ and r in
// Z_{2^n}; nothing else changes.
//
// Eval. (1) The payload row [c] of x's interval (compiler.h's LookupMode) and the predicates'
// query shares. (2) Φ for output j of P(x) = sum_k c_k x^k with x = x^ - r:
//   P(x) = sum_t (x^)^t sum_{k>=t} C(k, k-t) (-1)^{k-t} c_k r^{k-t},
// Horner in the public x^, from shares of c_k r^i; public coefficients multiply [r^i]. With
//  - kDcf: IntervalLookup gives [c]; each varying c_k (k >= 1) is opened masked, e_k = c_k - a_k
//    (one round for all), so c_k r^i = e_k [r^i] + [a_k r^i]; the terms a_k r^k are folded with
//    the output mask into kappa_j = r_out_j + sum_k (-1)^k a_k r^k.
//  - kComparisonBits: c = v_{m-1} + sum_i (v_{i-1} - v_i) b_i with b_i = 1{x < a_i} XOR-shared
//    from the packed comparison; each b_i is opened masked, b^_i = b_i ^ s_i (one round, one bit
//    each), and b_i r^j = b^_i r^j + (1 - 2 b^_i) s_i r^j is local given [s_i r^j]
//    (j = 0..K); kappa_j = r_out_j.
// (3) Predicates from their rewrites (compiler.h); XOR and NOT local; AND with Beaver triples,
// one round per AND depth level.
//
// Costs per party for `count` elements, P(b) = ceil(count * b / 8), m intervals, O = opened
// coefficients (kDcf), K1 = K + 1 mask powers per boundary (kComparisonBits), A = AND nodes used,
// D = AND depth, widths = the packed comparison's (kComparisonBits adds width w):
//   key  = [kDcf] (16 + count * dcf_key_bytes({w, n}))
//        + sum over widths k (16 + count * dpf_key_bytes({k, 1}))
//        + P(n) * ([r >= 1] d + r + p_aux
//                  + [kDcf] (|O| + sum_{(j,k) in O} (k - 1)) + [kComparisonBits] (m - 1) K1)
//        + P(1) * (3 A + l + [kComparisonBits] (m - 1))
//   sent = [kDcf, |O| > 0] P(|O| n) + [kComparisonBits] P(m - 1) + sum_{layers L} P(2 |L|)
//   rounds = [kDcf and |O| > 0, or kComparisonBits] + D
// The default construction is the one with the smaller key (kComparisonBits for few intervals,
// e.g. ReLU; kDcf for splines).
#include <string>
#include <vector>

#include "core/hd.h"
#include "mpc/gate.h"
#include "suf/compiler.h"
#include "suf/interval_lookup.h"
#include "suf/packed_compare.h"

namespace fss::suf {

// C(k, i) for the small degrees of Φ.
FSS_HD constexpr uint64_t binomial(int k, int i) {
  uint64_t c = 1;
  for (int j = 0; j < i; ++j) c = c * static_cast<uint64_t>(k - j) / static_cast<uint64_t>(j + 1);
  return c;
}

// Φ's Horner step for one output of one element: w[k * (d + 1) + i] is the party's share of
// c_k r^i (i <= k) and kappa its share of kappa_j; returns its share of P(x) + r_out mod 2^n.
FSS_HD uint64_t horner_share(uint64_t x_hat, int d, const uint64_t* w, uint64_t kappa,
                             uint64_t mask) {
  uint64_t y = 0;
  for (int t = d; t >= 0; --t) {
    uint64_t s = 0;
    for (int k = t; k <= d; ++k) {
      const int i = k - t;
      const uint64_t term = binomial(k, i) * w[k * (d + 1) + i];
      s += (i & 1) ? uint64_t{0} - term : term;
    }
    y = y * x_hat + s;
  }
  return (y + kappa) & mask;
}

// The lookup construction of a gate: the one with the smaller key, or a fixed one.
enum class LookupChoice { kSmallerKey, kDcf, kComparisonBits };

class SufGate final : public Gate {
 public:
  // Compiles `spec` (throws kInvalidArgument as validate() does). `kind` names the key records;
  // it must be one of the SUF kinds (64..79).
  explicit SufGate(SufSpec spec, GateKind kind = GateKind::kSuf,
                   LookupChoice lookup = LookupChoice::kSmallerKey);

  GateKind kind() const override { return kind_; }
  std::string describe() const override;
  std::vector<FixedPoint> input_formats() const override { return {plan_.spec.input}; }
  std::vector<FixedPoint> output_formats() const override;
  uint64_t key_bytes(uint64_t count) const override;
  int rounds() const override;
  // Bytes one party sends inside the gate for `count` elements (the formula above).
  uint64_t bytes_sent(uint64_t count) const;

  void clear(InColumns in, OutColumns out) const override;
  void gen(InColumns r_in, InColumns r_out, SeededPrg& prg, ByteWriter& key0,
           ByteWriter& key1) const override;
  void eval(int party, ByteReader& key, InColumns x_hat, OutColumns share,
            Opener& opener) const override;

  const SufPlan& plan() const { return plan_; }

 private:
  SufPlan plan_;
  GateKind kind_;
  PackedComparison comparison_;
  std::vector<IntervalLookup> lookup_;  // one with kDcf, else empty
  // kComparisonBits: weights_[(i - 1) * p + q] = v_{i-1}[q] - v_i[q], i = 1..m-1.
  std::vector<uint64_t> boundary_weights_;
};

// Gates for the builders' specs, with their own key-record kinds.
SufGate relu_gate(FixedPoint input);
SufGate drelu_gate(FixedPoint input);
SufGate gelu_spline_gate(FixedPoint input, int intervals = 256, double bound = 4.0);

}  // namespace fss::suf
