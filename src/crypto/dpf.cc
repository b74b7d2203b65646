#include "crypto/dpf.h"

#include <immintrin.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>

#include "core/error.h"
#include "crypto/aes_ni.h"
#include "crypto/dpf_math.h"
#include "crypto/fss_checks.h"
#include "crypto/prg.h"
#include "crypto/prg_counter.h"
#include "crypto/simd_block.h"

namespace fss {
namespace {

// Keys walked in lockstep by one thread. Two PRG streams per level give 16 independent AES
// blocks in flight, enough to cover the AES latency; the per-key choices are masks, not branches.
constexpr int kLanes = 8;

bool valid_width(uint64_t bits) { return bits >= 1 && bits <= 64; }

// Up to kLanes consecutive keys; lanes past the end repeat the last key so that full-width
// AES batches need no tail code. Their results are never stored.
struct LaneGroup {
  uint64_t key[kLanes];
  int size;
};

// Below this many groups a parallel region costs more than it saves (the threads' wake-up is
// tens of microseconds, far more on a loaded machine).
constexpr int64_t kMinParallelGroups = 64;

// Calls fn(span of LaneGroup) for tiles of up to kGroups consecutive lane groups, in parallel.
// fn returns the PRG calls it made; their sum is booked on the calling thread.
template <int kGroups, typename TileFn>
void for_each_tile(uint64_t count, const TileFn& fn) {
  constexpr uint64_t kTileKeys = uint64_t{kGroups} * kLanes;
  const int64_t tiles = static_cast<int64_t>((count + kTileKeys - 1) / kTileKeys);
  uint64_t prg_calls = 0;
#pragma omp parallel for schedule(static) reduction(+ : prg_calls) \
    if (tiles * kGroups >= kMinParallelGroups)
  for (int64_t t = 0; t < tiles; ++t) {
    LaneGroup groups[kGroups] = {};
    int size = 0;
    for (uint64_t first = t * kTileKeys; size < kGroups && first < count; first += kLanes) {
      LaneGroup& group = groups[size++];
      group.size = static_cast<int>(std::min<uint64_t>(kLanes, count - first));
      for (int j = 0; j < kLanes; ++j) group.key[j] = first + std::min(j, group.size - 1);
    }
    prg_calls += fn(std::span<const LaneGroup>(groups, size));
  }
  count_prg_calls(prg_calls);
}

template <typename GroupFn>
void for_each_lane_group(uint64_t count, const GroupFn& fn) {
  for_each_tile<1>(count, [&](std::span<const LaneGroup> tile) { return fn(tile[0]); });
}

struct PrgKeys {
  aes_ni::RoundKeys left, right, convert;
  PrgKeys()
      : left(FixedKeyPrg::instance().aes(PrgStream::kLeft)),
        right(FixedKeyPrg::instance().aes(PrgStream::kRight)),
        convert(FixedKeyPrg::instance().aes(PrgStream::kConvert)) {}
};

// The PRG input of a node: its seed without the control bit.
__m128i seed_of(SimdBlock node) { return block_with_lsb(node, 0).v; }

// Keygen walks a tile of kGenTileGroups lane groups level by level, so that each correction-word
// row receives 1 KiB at once: scattered 128-byte writes to 2 * L rows cost more than the AES.
constexpr int kGenTileGroups = 8;

// Returns the PRG calls made: 2 (2 L + 1) per key, both parties' paths. The roots come from
// AES under the dealer's seed key, not from the fixed-key PRG, and are not counted.
uint64_t gen_tile(const DpfParams& params, const DpfLeafLayout& leaf,
                  std::span<const uint64_t> alphas, std::span<const uint64_t> betas,
                  const aes_ni::RoundKeys& seed_keys, const PrgKeys& prg,
                  std::span<const LaneGroup> tile, DpfKeyPair& pair) {
  constexpr int W = kLanes;
  const int levels = params.levels();
  const uint64_t count = alphas.size();
  // node[g][p][j]: party p's node on the path of alpha[g][j]. AES batches stay W wide: wider
  // ones spill the 16 vector registers.
  SimdBlock node[kGenTileGroups][2][W];
  uint64_t alpha[kGenTileGroups][W];
  uint64_t right_bits[kGenTileGroups][W] = {};
  uint64_t tile_keys = 0;
  for (size_t g = 0; g < tile.size(); ++g) {
    const LaneGroup& group = tile[g];
    tile_keys += static_cast<uint64_t>(group.size);
    for (int j = 0; j < W; ++j) alpha[g][j] = alphas[group.key[j]];
    for (int p = 0; p < 2; ++p) {
      __m128i root[W];
      for (int j = 0; j < W; ++j)
        root[j] = _mm_set_epi64x(0, static_cast<int64_t>(2 * group.key[j] + p));
      aes_ni::encrypt_wide<W>(seed_keys, root);
      for (int j = 0; j < W; ++j) node[g][p][j] = block_with_lsb(SimdBlock{root[j]}, p);
      for (int j = 0; j < group.size; ++j)
        pair.party[p].root[group.key[j]] = to_block(node[g][p][j]);
    }
  }

  for (int level = 0; level < levels; ++level) {
    Block* const cw_row[2] = {pair.party[0].level_cw.data() + level * count,
                              pair.party[1].level_cw.data() + level * count};
    for (size_t g = 0; g < tile.size(); ++g) {
      __m128i left[2][W], right[2][W];
      for (int p = 0; p < 2; ++p) {
        for (int j = 0; j < W; ++j) left[p][j] = right[p][j] = seed_of(node[g][p][j]);
        aes_ni::mmo_wide<W>(prg.left, left[p]);
        aes_ni::mmo_wide<W>(prg.right, right[p]);
      }
      for (int j = 0; j < W; ++j) {
        const uint64_t a = tree_path_bit(alpha[g][j], params.n, level);
        const TreeLevelCw<SimdBlock> cw =
            tree_level_cw(SimdBlock{left[0][j]}, SimdBlock{right[0][j]}, SimdBlock{left[1][j]},
                          SimdBlock{right[1][j]}, a);
        if (j < tile[g].size) {
          cw_row[0][tile[g].key[j]] = to_block(cw.cw);
          cw_row[1][tile[g].key[j]] = to_block(cw.cw);
        }
        right_bits[g][j] |= cw.right_t << level;
        for (int p = 0; p < 2; ++p)
          node[g][p][j] = tree_next_on_path(cw, node[g][p][j], SimdBlock{left[p][j]},
                                            SimdBlock{right[p][j]}, a);
      }
    }
  }

  for (size_t g = 0; g < tile.size(); ++g) {
    __m128i converted[2][W];
    for (int p = 0; p < 2; ++p) {
      for (int j = 0; j < W; ++j) converted[p][j] = seed_of(node[g][p][j]);
      aes_ni::mmo_wide<W>(prg.convert, converted[p]);
    }
    for (int j = 0; j < tile[g].size; ++j) {
      const uint64_t key = tile[g].key[j];
      const Block cw = dpf_leaf_cw(leaf, params.out_bits, to_block({converted[0][j]}),
                                   to_block({converted[1][j]}), block_lsb(node[g][1][j]),
                                   alpha[g][j], betas[key]);
      for (DpfKeyBatch& keys : pair.party) {
        keys.leaf_cw[key] = cw;
        keys.right_t_cw[key] = right_bits[g][j];
      }
    }
  }
  return tile_keys * 2 * (2 * static_cast<uint64_t>(levels) + 1);
}

// Returns the PRG calls made: 2 L + 1 per key (both children at each level, then the leaf).
uint64_t compare_group(const DpfKeyBatch& keys, const DpfLeafLayout& leaf,
                       std::span<const uint64_t> xs, const PrgKeys& prg, const LaneGroup& group,
                       std::span<uint8_t> out) {
  constexpr int W = kLanes;
  const int n = keys.params.n;
  const int levels = keys.params.levels();
  DpfCompareWalk<SimdBlock> walk[W];
  uint64_t x[W], right_bits[W];
  for (int j = 0; j < W; ++j) {
    walk[j].node = to_simd(keys.root[group.key[j]]);
    x[j] = xs[group.key[j]];
    right_bits[j] = keys.right_t_cw[group.key[j]];
  }
  for (int level = 0; level < levels; ++level) {
    __m128i left[W], right[W];
    for (int j = 0; j < W; ++j) left[j] = right[j] = seed_of(walk[j].node);
    aes_ni::mmo_wide<W>(prg.left, left);
    aes_ni::mmo_wide<W>(prg.right, right);
    const Block* level_cw = keys.level_cw.data() + level * keys.count;
    for (int j = 0; j < W; ++j)
      dpf_compare_step(walk[j], SimdBlock{left[j]}, SimdBlock{right[j]},
                       to_simd(level_cw[group.key[j]]), (right_bits[j] >> level) & 1,
                       tree_path_bit(x[j], n, level));
  }
  __m128i converted[W];
  for (int j = 0; j < W; ++j) converted[j] = seed_of(walk[j].node);
  aes_ni::mmo_wide<W>(prg.convert, converted);
  for (int j = 0; j < group.size; ++j)
    out[group.key[j]] = static_cast<uint8_t>(dpf_compare_finish(
        walk[j], leaf, to_block({converted[j]}), keys.leaf_cw[group.key[j]], x[j]));
  return static_cast<uint64_t>(group.size) * (2 * static_cast<uint64_t>(levels) + 1);
}

// Returns the PRG calls made: L + 1 per key (the child on x's path at each level, then the leaf).
uint64_t eval_group(int party, const DpfKeyBatch& keys, const DpfLeafLayout& leaf,
                    std::span<const uint64_t> xs, const PrgKeys& prg, const LaneGroup& group,
                    std::span<uint64_t> out) {
  constexpr int W = kLanes;
  const int n = keys.params.n;
  const int levels = keys.params.levels();
  const aes_ni::RoundKeys* const stream_keys[2] = {&prg.left, &prg.right};
  SimdBlock node[W];
  uint64_t x[W], right_bits[W];
  for (int j = 0; j < W; ++j) {
    node[j] = to_simd(keys.root[group.key[j]]);
    x[j] = xs[group.key[j]];
    right_bits[j] = keys.right_t_cw[group.key[j]];
  }
  for (int level = 0; level < levels; ++level) {
    const aes_ni::RoundKeys* lane_keys[W];
    __m128i child[W];
    for (int j = 0; j < W; ++j) {
      lane_keys[j] = stream_keys[tree_path_bit(x[j], n, level)];
      child[j] = seed_of(node[j]);
    }
    aes_ni::mmo_per_lane<W>(lane_keys, child);
    const Block* level_cw = keys.level_cw.data() + level * keys.count;
    for (int j = 0; j < W; ++j)
      node[j] = tree_path_step(node[j], SimdBlock{child[j]}, to_simd(level_cw[group.key[j]]),
                               (right_bits[j] >> level) & 1, tree_path_bit(x[j], n, level));
  }
  __m128i converted[W];
  for (int j = 0; j < W; ++j) converted[j] = seed_of(node[j]);
  aes_ni::mmo_wide<W>(prg.convert, converted);
  for (int j = 0; j < group.size; ++j)
    out[group.key[j]] = leaf.share(party, to_block({converted[j]}), block_lsb(node[j]),
                                   keys.leaf_cw[group.key[j]], leaf.slot_of(x[j]));
  return static_cast<uint64_t>(group.size) * (static_cast<uint64_t>(levels) + 1);
}

// Expands parents[first, first + kWidth) into next[2i] (left) and next[2i + 1] (right), given
// the level's corrections of left and right children.
template <int kWidth>
void expand_nodes(const std::vector<Block>& parents, size_t first, SimdBlock left_correction,
                  SimdBlock right_correction, const PrgKeys& prg, std::vector<Block>& next) {
  __m128i left[kWidth], right[kWidth];
  for (int j = 0; j < kWidth; ++j) left[j] = right[j] = seed_of(to_simd(parents[first + j]));
  aes_ni::mmo_wide<kWidth>(prg.left, left);
  aes_ni::mmo_wide<kWidth>(prg.right, right);
  for (int j = 0; j < kWidth; ++j) {
    const uint64_t t = parents[first + j].lsb();
    next[2 * (first + j)] = to_block(tree_corrected(SimdBlock{left[j]}, left_correction, t));
    next[2 * (first + j) + 1] = to_block(tree_corrected(SimdBlock{right[j]}, right_correction, t));
  }
}

// nodes[i] = converted leaf i with the leaf CW applied: the party's 128 output bits.
template <int kWidth>
void convert_leaves(std::vector<Block>& nodes, size_t first, SimdBlock leaf_cw,
                    const PrgKeys& prg) {
  __m128i converted[kWidth];
  for (int j = 0; j < kWidth; ++j) converted[j] = seed_of(to_simd(nodes[first + j]));
  aes_ni::mmo_wide<kWidth>(prg.convert, converted);
  for (int j = 0; j < kWidth; ++j)
    nodes[first + j] =
        to_block(tree_corrected(SimdBlock{converted[j]}, leaf_cw, nodes[first + j].lsb()));
}

void fail_header(const ByteReader& in, size_t offset, const std::string& what) {
  fail(ErrorKind::kParse, "{}: DPF key batch header at offset {}: {}", in.source(), offset, what);
}

}  // namespace

int DpfParams::leaf_bits() const { return dpf_leaf_bits(n, out_bits); }

uint64_t dpf_key_bytes(const DpfParams& params) {
  const uint64_t levels = static_cast<uint64_t>(params.levels());
  return 16 + 16 * levels + (levels + 7) / 8 + 16;
}

DpfKeyPair dpf_gen(const DpfParams& params, std::span<const uint64_t> alphas,
                   std::span<const uint64_t> betas, Block seed) {
  check_fss_gen_inputs(params.n, params.out_bits, alphas, betas, "dpf_gen");
  const uint64_t count = alphas.size();
  const uint64_t levels = static_cast<uint64_t>(params.levels());
  DpfKeyPair pair;
  for (DpfKeyBatch& keys : pair.party) {
    keys.params = params;
    keys.count = count;
    keys.root.resize(count);
    keys.level_cw.resize(levels * count);
    keys.right_t_cw.resize(count);
    keys.leaf_cw.resize(count);
  }
  const DpfLeafLayout leaf(params.n, params.out_bits);
  const aes_ni::RoundKeys seed_keys{Aes128(seed)};
  const PrgKeys prg;
  for_each_tile<kGenTileGroups>(count, [&](std::span<const LaneGroup> tile) {
    return gen_tile(params, leaf, alphas, betas, seed_keys, prg, tile, pair);
  });
  return pair;
}

void dpf_eval(int party, const DpfKeyBatch& keys, std::span<const uint64_t> xs,
              std::span<uint64_t> out) {
  check_dpf_batch(party, keys, "dpf_eval");
  check_fss_eval_inputs(keys.params.n, keys.count, xs, out.size(), "dpf_eval");
  const DpfLeafLayout leaf(keys.params.n, keys.params.out_bits);
  const PrgKeys prg;
  for_each_lane_group(keys.count, [&](const LaneGroup& group) {
    return eval_group(party, keys, leaf, xs, prg, group, out);
  });
}

void dpf_compare_eval(int party, const DpfKeyBatch& keys, std::span<const uint64_t> xs,
                      std::span<uint8_t> out) {
  check_dpf_batch(party, keys, "dpf_compare_eval");
  check_fss_eval_inputs(keys.params.n, keys.count, xs, out.size(), "dpf_compare_eval");
  if (keys.params.out_bits != 1)
    fail(ErrorKind::kInvalidArgument, "dpf_compare_eval: needs l = 1 keys, got l = {}",
         keys.params.out_bits);
  const DpfLeafLayout leaf(keys.params.n, keys.params.out_bits);
  const PrgKeys prg;
  for_each_lane_group(keys.count, [&](const LaneGroup& group) {
    return compare_group(keys, leaf, xs, prg, group, out);
  });
}

namespace {

void check_full_domain_keys(const DpfKeyBatch& keys, uint64_t first, uint64_t count,
                            size_t out_words) {
  if (keys.params.out_bits != 1)
    fail(ErrorKind::kInvalidArgument, "dpf_eval_full_domain: needs l = 1 keys, got l = {}",
         keys.params.out_bits);
  if (first > keys.count || count > keys.count - first)
    fail(ErrorKind::kInvalidArgument, "dpf_eval_full_domain: keys [{}, {}) of a batch of {}", first,
         first + count, keys.count);
  const uint64_t words = full_domain_words(keys.params.n);
  if (out_words != count * words)
    fail(ErrorKind::kInvalidArgument,
         "dpf_eval_full_domain: {} keys of n = {} need {} output words, got {}", count,
         keys.params.n, count * words, out_words);
}

// masks[v] has 64-bit lane i all-ones iff bit i of the nibble v is set.
struct NibbleMasks {
  __m256i lanes[16];
  NibbleMasks() {
    for (int v = 0; v < 16; ++v) {
      auto lane = [v](int i) { return -static_cast<int64_t>((v >> i) & 1); };
      lanes[v] = _mm256_set_epi64x(lane(3), lane(2), lane(1), lane(0));
    }
  }
};

// Both children of every node above the leaves, then every leaf.
uint64_t full_domain_prg_calls(const DpfParams& params) {
  return 3 * (uint64_t{1} << params.levels()) - 2;
}

// sum_j terms[j] * (bit j of bits) mod 2^64 for j < 64 * bits.size(): four terms per AND/ADD.
uint64_t masked_sum(const uint64_t* terms, std::span<const uint64_t> bits) {
  static const NibbleMasks masks;
  __m256i even = _mm256_setzero_si256(), odd = _mm256_setzero_si256();
  for (size_t w = 0; w < bits.size(); ++w) {
    const uint64_t word = bits[w];
    const uint64_t* block = terms + 64 * w;
    for (int nibble = 0; nibble < 16; nibble += 2) {
      const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + 4 * nibble));
      const __m256i b =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + 4 * nibble + 4));
      even = _mm256_add_epi64(even, _mm256_and_si256(a, masks.lanes[(word >> (4 * nibble)) & 15]));
      odd =
          _mm256_add_epi64(odd, _mm256_and_si256(b, masks.lanes[(word >> (4 * nibble + 4)) & 15]));
    }
  }
  alignas(32) uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), _mm256_add_epi64(even, odd));
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

// Key `index`'s full-domain output words (the batch already checked).
void full_domain_one(const DpfKeyBatch& keys, uint64_t index, std::span<uint64_t> out) {
  const PrgKeys prg;
  std::vector<Block> nodes{keys.root[index]};
  std::vector<Block> next;
  for (int level = 0; level < keys.params.levels(); ++level) {
    const SimdBlock cw = to_simd(keys.level_cw[level * keys.count + index]);
    const uint64_t right_t = (keys.right_t_cw[index] >> level) & 1;
    const SimdBlock left_correction = tree_child_correction(cw, right_t, 0);
    const SimdBlock right_correction = tree_child_correction(cw, right_t, 1);
    next.resize(2 * nodes.size());
    size_t i = 0;
    for (; i + kLanes <= nodes.size(); i += kLanes)
      expand_nodes<kLanes>(nodes, i, left_correction, right_correction, prg, next);
    for (; i < nodes.size(); ++i)
      expand_nodes<1>(nodes, i, left_correction, right_correction, prg, next);
    nodes.swap(next);
  }
  size_t i = 0;
  for (; i + kLanes <= nodes.size(); i += kLanes)
    convert_leaves<kLanes>(nodes, i, to_simd(keys.leaf_cw[index]), prg);
  for (; i < nodes.size(); ++i) convert_leaves<1>(nodes, i, to_simd(keys.leaf_cw[index]), prg);
  const DpfLeafLayout leaf(keys.params.n, keys.params.out_bits);
  if (leaf.slots() == 128) {
    for (size_t j = 0; j < nodes.size(); ++j) {
      out[2 * j] = nodes[j].lo;
      out[2 * j + 1] = nodes[j].hi;
    }
  } else {  // n < 7: the root is the only leaf and its 2^n slots fit one word
    out[0] = leaf.pack_slots(nodes[0]);
  }
}

}  // namespace

void dpf_eval_full_domain(int party, const DpfKeyBatch& keys, uint64_t index,
                          std::span<uint64_t> out) {
  check_dpf_batch(party, keys, "dpf_eval_full_domain");
  if (index >= keys.count)
    fail(ErrorKind::kInvalidArgument, "dpf_eval_full_domain: key {} of a batch of {}", index,
         keys.count);
  check_full_domain_keys(keys, index, 1, out.size());
  full_domain_one(keys, index, out);
  count_prg_calls(full_domain_prg_calls(keys.params));
}

void dpf_full_domain_dot(int party, const DpfKeyBatch& keys, std::span<const uint64_t> terms,
                         std::span<const uint64_t> offsets, std::span<uint64_t> dots,
                         std::span<uint64_t> ones) {
  check_dpf_batch(party, keys, "dpf_full_domain_dot");
  check_full_domain_dot(keys.params, keys.count, terms.size(), offsets, dots.size(), ones.size(),
                        "dpf_full_domain_dot");
  const uint64_t words = full_domain_words(keys.params.n);
  const auto elements = static_cast<int64_t>(keys.count);
#pragma omp parallel if (elements >= 64)
  {
    std::vector<uint64_t> bits(words);
#pragma omp for schedule(static)
    for (int64_t i = 0; i < elements; ++i) {
      full_domain_one(keys, i, bits);
      uint64_t count = 0;
      for (uint64_t word : bits) count += std::popcount(word);
      dots[i] = masked_sum(terms.data() + offsets[i], bits);
      ones[i] = count;
    }
  }
  count_prg_calls(keys.count * full_domain_prg_calls(keys.params));
}

// Key batches of at least this many keys are written, copied and checked on OpenMP threads.
constexpr int64_t kParallelKeys = int64_t{1} << 14;

void serialize(const DpfKeyBatch& keys, ByteWriter& out) {
  check_dpf_batch(keys.count > 0 ? static_cast<int>(keys.root[0].lsb()) : 0, keys,
                  "serialize(dpf)");
  const int levels = keys.params.levels();
  const int right_bytes = (levels + 7) / 8;
  out.put<uint32_t>(static_cast<uint32_t>(keys.params.n));
  out.put<uint32_t>(static_cast<uint32_t>(keys.params.out_bits));
  out.put<uint64_t>(keys.count);
  out.put_array(std::span<const Block>(keys.root));
  out.put_array(std::span<const Block>(keys.level_cw));
  const std::span<uint8_t> right = out.grow(keys.count * right_bytes);
  const auto count = static_cast<int64_t>(keys.count);
#pragma omp parallel for schedule(static) if (count >= kParallelKeys)
  for (int64_t k = 0; k < count; ++k)
    for (int b = 0; b < right_bytes; ++b)
      right[k * right_bytes + b] = static_cast<uint8_t>(keys.right_t_cw[k] >> (8 * b));
  out.put_array(std::span<const Block>(keys.leaf_cw));
}

namespace {

// Copies a taken byte range into blocks, in parallel chunks of 64 KiB for long ranges.
void copy_blocks(std::span<const uint8_t> bytes, std::span<Block> out) {
  FSS_CHECK(bytes.size() == out.size_bytes());
  constexpr size_t kChunkBytes = size_t{1} << 16;
  const auto chunks = static_cast<int64_t>((bytes.size() + kChunkBytes - 1) / kChunkBytes);
  auto* to = reinterpret_cast<uint8_t*>(out.data());
#pragma omp parallel for schedule(static) if (chunks >= 16)
  for (int64_t c = 0; c < chunks; ++c) {
    const size_t first = static_cast<size_t>(c) * kChunkBytes;
    std::memcpy(to + first, bytes.data() + first, std::min(kChunkBytes, bytes.size() - first));
  }
}

}  // namespace

namespace {

// Reads and checks a batch header; `in` ends at the first key byte.
DpfKeyRecord read_header(ByteReader& in) {
  DpfKeyRecord record{{}, 0, in};
  const size_t header_offset = in.offset();
  const uint32_t n = in.get<uint32_t>("DPF header n");
  const uint32_t out_bits = in.get<uint32_t>("DPF header l");
  const uint64_t count = in.get<uint64_t>("DPF header key count");
  if (!valid_width(n) || !valid_width(out_bits))
    fail_header(in, header_offset,
                fmt::format("n = {} and l = {} must both lie in 1..64", n, out_bits));
  record.params = {static_cast<int>(n), static_cast<int>(out_bits)};
  const uint64_t key_bytes = dpf_key_bytes(record.params);
  if (count > in.remaining() / key_bytes)
    fail_header(in, header_offset,
                fmt::format("{} keys of {} bytes need more than the {} bytes that follow", count,
                            key_bytes, in.remaining()));
  record.count = count;
  return record;
}

}  // namespace

const char* dpf_key_problem_text(uint64_t problem) {
  switch (problem) {
    case kDpfRootOfOtherParty:
      return "its root's party bit differs from key 0's";
    case kDpfRightPaddingSet:
      return "padding bits of its right control-bit CWs are set";
    case kDpfLeafBitsOutsideSlots:
      return "its leaf CW has bits set outside the output slots";
    default:
      return "no problem";
  }
}

DpfKeyRecord read_dpf_record(ByteReader& in) {
  DpfKeyRecord record = read_header(in);
  in.take(record.count * dpf_key_bytes(record.params), "DPF keys");
  return record;
}

int DpfKeyRecord::root_party() const { return count == 0 ? 0 : bytes()[kDpfBatchHeaderBytes] & 1; }

std::span<const uint8_t> DpfKeyRecord::bytes() const {
  ByteReader copy = batch;
  return copy.take(kDpfBatchHeaderBytes + count * dpf_key_bytes(params), "DPF batch");
}

DpfKeyBatch deserialize(const DpfKeyRecord& record) {
  ByteReader copy = record.batch;
  return deserialize_dpf_keys(copy);
}

DpfKeyBatch deserialize_dpf_keys(ByteReader& in) {
  const size_t header_offset = in.offset();
  const DpfKeyRecord header = read_header(in);
  const uint64_t count = header.count;
  DpfKeyBatch keys;
  keys.params = header.params;
  keys.count = count;
  const int levels = keys.params.levels();
  keys.root.resize(count);
  keys.level_cw.resize(static_cast<uint64_t>(levels) * count);
  keys.right_t_cw.resize(count);
  keys.leaf_cw.resize(count);
  copy_blocks(in.take(count * sizeof(Block), "DPF root seeds"), keys.root);
  copy_blocks(in.take(keys.level_cw.size() * sizeof(Block), "DPF level correction words"),
              keys.level_cw);
  const int right_bytes = (levels + 7) / 8;
  const uint8_t* right_cws =
      in.take(count * right_bytes, "DPF right control-bit correction words").data();
  copy_blocks(in.take(count * sizeof(Block), "DPF leaf correction words"), keys.leaf_cw);

  // Every key of a batch belongs to one party, and unused bits are zero: anything else is a
  // corrupted record. The first bad key is found in parallel and reported after the loop.
  const DpfLeafLayout leaf(keys.params.n, keys.params.out_bits);
  const Block unused_leaf_bits = leaf.used_bits() ^ Block::fill(1);
  const uint64_t party_bit = count > 0 ? keys.root[0].lsb() : 0;
  const auto total = static_cast<int64_t>(count);
  int64_t first_bad = total;
#pragma omp parallel for schedule(static) reduction(min : first_bad) if (total >= kParallelKeys)
  for (int64_t i = 0; i < total; ++i) {
    keys.right_t_cw[i] = dpf_right_bits(right_cws + i * right_bytes, right_bytes);
    if (dpf_key_problem(keys.root[i], keys.right_t_cw[i], keys.leaf_cw[i], levels, unused_leaf_bits,
                        party_bit) != kDpfKeyOk)
      first_bad = std::min(first_bad, i);
  }
  if (first_bad < total) {
    const uint64_t i = static_cast<uint64_t>(first_bad);
    fail(ErrorKind::kParse, "{}: DPF key {} of the batch at offset {} is corrupted: {}",
         in.source(), i, header_offset,
         dpf_key_problem_text(dpf_key_problem(keys.root[i], keys.right_t_cw[i], keys.leaf_cw[i],
                                              levels, unused_leaf_bits, party_bit)));
  }
  return keys;
}

}  // namespace fss
