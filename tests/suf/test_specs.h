#pragma once
// A specification that exercises every feature of SUF (several intervals, degree 2, two
// polynomial outputs with public and varying coefficients, an auxiliary output, every predicate,
// XOR/AND/NOT with AND depth 2, an unused AND), and its reference computed from the definition
// with 128-bit integers, independently of suf/spec.cc.
#include <cstdint>
#include <vector>

#include "suf/spec.h"

namespace fss::suf::testing {

// Interval starts of the sink spec on n >= 5 bits.
inline std::vector<uint64_t> sink_starts(int n) {
  const uint64_t half = uint64_t{1} << (n - 1);
  const uint64_t top = n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
  return {0, 3, (half >> 1) + 1, half, half + 7, top - 4};
}

inline SufSpec sink_spec(int n) {
  const uint64_t top = n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
  SufSpec spec;
  spec.name = "sink";
  spec.input = {n, 2};
  spec.output_f = 2;
  spec.degree = 2;
  spec.outputs = 2;
  spec.aux_outputs = 1;
  spec.starts = sink_starts(n);
  spec.coefficients = {
      {{5, 1, 2}, {7, 2}}, {{0, 3}, {7, 2}},    {{9, 3, 1}, {7, 2}},
      {{1}, {7, 2, 1}},    {{0, 0, 4}, {7, 2}}, {{top, 1, 2}, {7, 2}},
  };
  for (uint64_t i = 0; i < spec.starts.size(); ++i) spec.aux.push_back({i});
  std::vector<BoolNode>& nodes = spec.bool_nodes;
  const uint64_t half = uint64_t{1} << (n - 1);
  const int c = add_less(nodes, half + 7);  // a boundary as a threshold
  const int d = add_low_less(nodes, 5, 3);  // (x mod 8) < 5
  const int msb = add_msb(nodes);
  const int both = add_and(nodes, c, add_not(nodes, msb));
  const int deep = add_and(nodes, add_xor(nodes, d, msb), both);
  add_and(nodes, d, c);                        // unused: costs nothing
  const int zero = add_low_less(nodes, 1, n);  // x == 0, a full-width D
  const int never = add_less(nodes, 0);        // constant 0
  spec.bool_outputs = {both, deep, d, zero, never, add_not(nodes, msb)};
  return spec;
}

struct SinkValue {
  uint64_t y0, y1, index;
  uint8_t bits[6];
};

// The sink spec's function from its definition.
inline SinkValue sink_reference(int n, uint64_t x) {
  using u128 = unsigned __int128;
  const u128 modulus = u128{1} << n;
  const uint64_t half = uint64_t{1} << (n - 1);
  const u128 top = modulus - 1;
  const std::vector<uint64_t> starts = sink_starts(n);
  uint64_t index = 0;
  while (index + 1 < starts.size() && x >= starts[index + 1]) ++index;
  const u128 v = x;
  const u128 polys[6] = {5 + v + 2 * v * v,  3 * v, 9 + 3 * v + v * v, 1, 4 * v * v,
                         top + v + 2 * v * v};
  const u128 y1 = index == 3 ? 7 + 2 * v + v * v : 7 + 2 * v;
  const bool c = x < half + 7, d = (x % 8) < 5, msb = x >= half;
  const bool both = c && !msb;
  return {static_cast<uint64_t>(polys[index] % modulus),
          static_cast<uint64_t>(y1 % modulus),
          index,
          {both, static_cast<uint8_t>((d != msb) && both), d, x == 0, 0, !msb}};
}

}  // namespace fss::suf::testing
