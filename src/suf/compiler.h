#pragma once
// The SUF compiler (PROTOCOLS.md §9): a validated spec becomes a plan whose shapes depend on
// the spec only; the dealer instantiates it per element mask r (SufGate::gen), the parties
// evaluate it on the public x^ = x + r (SufGate::eval).
//
// Masked rewrite. With u = x^ mod 2^k and q(k, c) = 1{view_{k,c}(x^) < r mod 2^k}, every
// predicate is an unsigned test on a public view whose threshold is the mask itself:
//   1{(x mod 2^k) < b} = 1{u < b} ^ q(k, -b mod 2^k) ^ q(k, 0)
// for C_beta (k = w, b = beta), D_{gamma,f} (k = f, b = gamma) and MSB = 1 ^ C_{2^{w-1}} (a
// public shift of the view); w is the spec's effective width (n unless the spec narrows it). It is
// PROTOCOLS' 1{x^ < theta} ^ 1{x^ < r} ^ w (theta = r + b) with 1{x^ < theta} ^ w = 1{u < b} ^ q(k,
// -b): the secret carry w turns into a public bit and every threshold of width k is r mod 2^k, so
// all queries of a width share one key (packed_compare.h).
//
// Lookup. When some payload column varies across the m intervals, the payload row of x's
// interval is shared by one of two constructions (LookupMode); otherwise it is public (M = 0).
// Queries are deduplicated by (k, c) from the spec alone, never by mask.
//
// Shapes: T = comparison queries + width-w queries on the lookup key, M = m (0 when public),
// p = r (d + 1) + p_aux.
#include <cstdint>
#include <utility>
#include <vector>

#include "suf/packed_compare.h"
#include "suf/spec.h"

namespace fss::suf {

// Where a query's XOR share comes from: the lookup's extra queries or the packed comparison.
struct QueryRef {
  bool on_lookup = false;
  int index = 0;
};

// Predicate node = 1{u < threshold} ^ flip ^ q(shifted) ^ q(base), u = x^ mod 2^k.
struct PredicateRewrite {
  int k = 0;
  uint64_t threshold = 0;
  uint64_t flip = 0;
  QueryRef shifted;
  QueryRef base;
};

enum class LookupMode {
  kPublic,  // no payload column varies: the row is public
  // IntervalLookup (one DCF_{w,n} key per element, no round), whose key also answers the
  // width-w queries; Φ opens the varying coefficients masked.
  kDcf,
  // The m - 1 boundary bits 1{x < a_i} come from the packed comparison (XOR shares, one
  // DPF_{w,1} for all of them) and become arithmetic in Φ's round: each is opened masked by a
  // fresh bit s_i, and the dealer's shares of s_i r^j make b_i r^j local (suf_gate.h).
  kComparisonBits,
};

struct SufShapes {
  int T = 0;
  int M = 0;
  int p = 0;
  bool operator==(const SufShapes&) const = default;
};

struct SufPlan {
  SufSpec spec;
  // payload[i] = coefficients of every output on interval i (output j's x^k at j (d+1) + k),
  // then the p_aux constants.
  std::vector<std::vector<uint64_t>> payload;
  LookupMode lookup_mode = LookupMode::kPublic;
  std::vector<uint64_t> lookup_queries;      // kDcf: width-w offsets evaluated on the lookup key
  std::vector<Query> comparison_queries;     // the packed comparison's queries
  std::vector<PredicateRewrite> rewrites;    // [node]; meaningful for used predicate nodes
  std::vector<uint8_t> used;                 // [node]: reachable from a boolean output
  std::vector<int> depth;                    // [node]: AND depth (predicates 0)
  std::vector<std::vector<int>> and_layers;  // and_layers[l - 1]: used AND nodes of depth l
  // Payload columns (j, k), k >= 1, that vary across intervals (kDcf: opened masked in Φ).
  std::vector<std::pair<int, int>> opened;
  // kComparisonBits: 1{x < a_i} for i = 1..m-1, and the powers r^0..r^K of every boundary
  // bit's mask the dealer shares (K = highest varying power; count = K + 1).
  std::vector<PredicateRewrite> boundary_rewrites;
  int boundary_powers = 0;

  SufShapes shapes() const;
  int coefficient_index(int output, int power) const { return output * (spec.degree + 1) + power; }
  // Whether payload column `column` is the same on every interval (then it is public).
  bool column_is_public(int column) const;
};

// Validates the spec (kInvalidArgument as validate() throws) and compiles it with the lookup
// construction `mode` (kDcf or kComparisonBits; kPublic is chosen whenever no column varies).
SufPlan compile(SufSpec spec, LookupMode mode = LookupMode::kDcf);

}  // namespace fss::suf
