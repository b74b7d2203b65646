#pragma once
// Test cases shared by the GPU FSS tests: the parameter grid, random keys' inputs with the edge
// points of a comparison, and serialized key bytes (the byte-for-byte keygen check).
#include <cstdint>
#include <random>
#include <vector>

#include "core/bytes.h"
#include "crypto/dcf.h"
#include "crypto/dpf.h"

namespace fss::gpu::cases {

inline uint64_t mask_bits(int bits) {
  return bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
}

// Every n of 1..10, then the widths the models use and the extremes.
inline std::vector<int> input_widths() { return {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 16, 37, 50, 64}; }

// Output widths: XOR-shared bits, the smallest additive group, a non-power-of-two slot width,
// one slot per leaf half, and full words.
inline std::vector<int> output_widths() { return {1, 2, 3, 8, 33, 64}; }

struct FssCase {
  std::vector<uint64_t> alphas, betas, xs;
};

// `count` random keys of (n, l) and one input per key: x = alpha, alpha - 1, alpha + 1, 0,
// 2^n - 1 and uniform, in turn, so that both sides of every comparison are hit.
inline FssCase make_case(int n, int out_bits, uint64_t count, std::mt19937_64& rng) {
  FssCase c;
  const uint64_t domain = mask_bits(n), range = mask_bits(out_bits);
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t alpha = rng() & domain;
    c.alphas.push_back(alpha);
    c.betas.push_back(out_bits == 1 ? 1 : rng() & range);
    const uint64_t candidates[] = {alpha,  (alpha - 1) & domain, (alpha + 1) & domain, 0,
                                   domain, rng() & domain};
    c.xs.push_back(candidates[i % 6]);
  }
  return c;
}

template <typename Batch>
std::vector<uint8_t> key_bytes(const Batch& keys) {
  ByteWriter writer;
  serialize(keys, writer);
  return writer.take();
}

}  // namespace fss::gpu::cases
