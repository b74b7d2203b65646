#pragma once
// One thread's work in the batched GPU DPF/DCF kernels: key generation, point evaluation, the
// comparison and full-domain evaluation of one key, over the structure-of-arrays key layout of
// crypto/dpf.h and crypto/dcf.h (level-major, so that a warp's loads of one level coalesce).
// The per-key math is the CPU's (crypto/tree_math.h, dpf_math.h, dcf_math.h); this file only
// orders the PRG calls, loads and stores. FSS_HD and generic over the PRG (cuda/table_prg.h),
// so that host tests run exactly the code the kernels run.
#include <cstdint>

#include "core/hd.h"
#include "crypto/block.h"
#include "crypto/dcf_math.h"
#include "crypto/dpf_math.h"
#include "crypto/prg.h"

// Fully unrolls the loop that follows on the GPU, where indexing a per-thread array with a
// loop variable would otherwise put the array in local memory.
#if defined(__CUDA_ARCH__)
#define FSS_UNROLL _Pragma("unroll")
#else
#define FSS_UNROLL
#endif

namespace fss::gpu {

// Path walks pick the PRG stream of a direction by index.
static_assert(static_cast<int>(PrgStream::kLeft) == 0 && static_cast<int>(PrgStream::kRight) == 1);
inline constexpr int kValueStream = static_cast<int>(PrgStream::kValueLeft);
static_assert(static_cast<int>(PrgStream::kValueRight) == kValueStream + 1);

// 16-byte loads and stores of key blocks (device pointers are 16-byte aligned).
FSS_HD Block load_block(const Block* p) {
#if defined(__CUDA_ARCH__)
  const ulonglong2 v = __ldg(reinterpret_cast<const ulonglong2*>(p));
  return {v.x, v.y};
#else
  return *p;
#endif
}
FSS_HD void store_block(Block* p, Block b) {
#if defined(__CUDA_ARCH__)
  *reinterpret_cast<ulonglong2*>(p) = make_ulonglong2(b.lo, b.hi);
#else
  *p = b;
#endif
}

// One party's DPF keys, laid out as DpfKeyBatch.
struct DpfKeysView {
  int n = 0;
  int levels = 0;
  uint64_t count = 0;
  const Block* root = nullptr;           // [count]
  const Block* level_cw = nullptr;       // [levels][count]
  const uint64_t* right_t_cw = nullptr;  // [count]
  const Block* leaf_cw = nullptr;        // [count]
};

// Key generation's output: the roots of both parties and the correction words they share.
struct DpfGenView {
  int n = 0;
  int out_bits = 0;
  int levels = 0;
  uint64_t count = 0;
  Block* root[2] = {};
  Block* level_cw = nullptr;
  uint64_t* right_t_cw = nullptr;
  Block* leaf_cw = nullptr;
};

struct DcfKeysView {
  int n = 0;
  uint64_t mask = 0;  // 2^l - 1
  uint64_t count = 0;
  const Block* root = nullptr;           // [count]
  const Block* level_cw = nullptr;       // [n][count]
  const uint64_t* right_t_cw = nullptr;  // [count]
  const uint64_t* value_cw = nullptr;    // [n][count]
  const uint64_t* final_cw = nullptr;    // [count]
};

struct DcfGenView {
  int n = 0;
  uint64_t mask = 0;
  uint64_t count = 0;
  Block* root[2] = {};
  Block* level_cw = nullptr;
  uint64_t* right_t_cw = nullptr;
  uint64_t* value_cw = nullptr;
  uint64_t* final_cw = nullptr;
};

// Party p's root for key `key`: AES_seed(2 key + p) with bit 0 set to p (crypto/dpf.h).
template <typename Prg>
FSS_HD Block root_seed(const Prg& prg, uint64_t key, uint64_t party) {
  return prg.extra_key_encrypt(Block{2 * key + party, 0}).with_lsb(party);
}

template <typename Prg>
FSS_HD void dpf_gen_key(const Prg& prg, const DpfLeafLayout& leaf, const DpfGenView& out,
                        uint64_t key, uint64_t alpha, uint64_t beta) {
  Block node[2];
  FSS_UNROLL
  for (uint64_t p = 0; p < 2; ++p) {
    node[p] = root_seed(prg, key, p);
    store_block(out.root[p] + key, node[p]);
  }
  uint64_t right_bits = 0;
  for (int level = 0; level < out.levels; ++level) {
    Block left[2], right[2];
    FSS_UNROLL
    for (int p = 0; p < 2; ++p) {
      const Block seed = node[p].without_lsb();
      left[p] = prg.mmo(PrgStream::kLeft, seed);
      right[p] = prg.mmo(PrgStream::kRight, seed);
    }
    const uint64_t a = tree_path_bit(alpha, out.n, level);
    const TreeLevelCw<Block> cw = tree_level_cw(left[0], right[0], left[1], right[1], a);
    store_block(out.level_cw + level * out.count + key, cw.cw);
    right_bits |= cw.right_t << level;
    FSS_UNROLL
    for (int p = 0; p < 2; ++p) node[p] = tree_next_on_path(cw, node[p], left[p], right[p], a);
  }
  const Block converted0 = prg.mmo(PrgStream::kConvert, node[0].without_lsb());
  const Block converted1 = prg.mmo(PrgStream::kConvert, node[1].without_lsb());
  store_block(out.leaf_cw + key,
              dpf_leaf_cw(leaf, out.out_bits, converted0, converted1, node[1].lsb(), alpha, beta));
  out.right_t_cw[key] = right_bits;
}

// Party's share of f(x) for key `key` (crypto/dpf.h dpf_eval).
template <typename Prg>
FSS_HD uint64_t dpf_eval_key(const Prg& prg, const DpfLeafLayout& leaf, const DpfKeysView& keys,
                             int party, uint64_t key, uint64_t x) {
  Block node = load_block(keys.root + key);
  const uint64_t right_bits = keys.right_t_cw[key];
  for (int level = 0; level < keys.levels; ++level) {
    const uint64_t dir = tree_path_bit(x, keys.n, level);
    const Block child = prg.mmo(static_cast<int>(dir), node.without_lsb());
    node = tree_path_step(node, child, load_block(keys.level_cw + level * keys.count + key),
                          (right_bits >> level) & 1, dir);
  }
  const Block converted = prg.mmo(PrgStream::kConvert, node.without_lsb());
  return leaf.share(party, converted, node.lsb(), load_block(keys.leaf_cw + key), leaf.slot_of(x));
}

// Party's XOR share of 1{x < alpha} (crypto/dpf.h dpf_compare_eval).
template <typename Prg>
FSS_HD uint64_t dpf_compare_key(const Prg& prg, const DpfLeafLayout& leaf, const DpfKeysView& keys,
                                uint64_t key, uint64_t x) {
  DpfCompareWalk<Block> walk{load_block(keys.root + key)};
  const uint64_t right_bits = keys.right_t_cw[key];
  for (int level = 0; level < keys.levels; ++level) {
    const Block seed = walk.node.without_lsb();
    dpf_compare_step(walk, prg.mmo(PrgStream::kLeft, seed), prg.mmo(PrgStream::kRight, seed),
                     load_block(keys.level_cw + level * keys.count + key),
                     (right_bits >> level) & 1, tree_path_bit(x, keys.n, level));
  }
  const Block converted = prg.mmo(PrgStream::kConvert, walk.node.without_lsb());
  return dpf_compare_finish(walk, leaf, converted, load_block(keys.leaf_cw + key), x);
}

// Full-domain evaluation (l = 1) is split into parts of 2^kSubtreeLevels leaves per thread:
// walking to the part's subtree and expanding it costs ~3 PRG calls per leaf, against one per
// leaf for the ideal tree expansion and levels + 1 for a thread per leaf.
inline constexpr int kMaxSubtreeLevels = 3;

FSS_HD constexpr int full_domain_subtree_levels(int levels) {
  return levels < kMaxSubtreeLevels ? levels : kMaxSubtreeLevels;
}

// Hands the outputs of leaves [part 2^G, (part + 1) 2^G) of key `key` to sink(leaf, outputs),
// G = kSubtreeLevels = full_domain_subtree_levels(keys.levels). With 128 slots a leaf's block
// holds the shares of x in [128 leaf, 128 leaf + 128), bit x % 128 (lo word first); for n < 7 the
// one leaf's block is the raw leaf output (DpfLeafLayout::pack_slots gives x's bit at x).
template <int kSubtreeLevels, typename Prg, typename Sink>
FSS_HD void dpf_full_domain_leaves(const Prg& prg, const DpfKeysView& keys, uint64_t key,
                                   uint64_t part, Sink&& sink) {
  constexpr int kLeaves = 1 << kSubtreeLevels;
  const int top_levels = keys.levels - kSubtreeLevels;
  const uint64_t right_bits = keys.right_t_cw[key];
  Block node = load_block(keys.root + key);
  for (int level = 0; level < top_levels; ++level) {
    const uint64_t dir = (part >> (top_levels - 1 - level)) & 1;
    const Block child = prg.mmo(static_cast<int>(dir), node.without_lsb());
    node = tree_path_step(node, child, load_block(keys.level_cw + level * keys.count + key),
                          (right_bits >> level) & 1, dir);
  }
  // Breadth-first in place: parents [0, 2^g) become children [0, 2^(g+1)), back to front.
  Block nodes[kLeaves];
  nodes[0] = node;
  FSS_UNROLL
  for (int g = 0; g < kSubtreeLevels; ++g) {
    const int level = top_levels + g;
    const Block cw = load_block(keys.level_cw + level * keys.count + key);
    const uint64_t right_t = (right_bits >> level) & 1;
    const Block left_correction = tree_child_correction(cw, right_t, 0);
    const Block right_correction = tree_child_correction(cw, right_t, 1);
    FSS_UNROLL
    for (int i = (1 << g) - 1; i >= 0; --i) {
      const Block parent = nodes[i];
      const Block seed = parent.without_lsb();
      nodes[2 * i + 1] =
          tree_corrected(prg.mmo(PrgStream::kRight, seed), right_correction, parent.lsb());
      nodes[2 * i] = tree_corrected(prg.mmo(PrgStream::kLeft, seed), left_correction, parent.lsb());
    }
  }
  const Block leaf_cw = load_block(keys.leaf_cw + key);
  FSS_UNROLL
  for (int i = 0; i < kLeaves; ++i)
    sink(part * kLeaves + i, tree_corrected(prg.mmo(PrgStream::kConvert, nodes[i].without_lsb()),
                                            leaf_cw, nodes[i].lsb()));
}

// Writes the outputs of leaves [part 2^G, (part + 1) 2^G) of key `key` to `out` (the key's
// full_domain_words(n) words).
template <int kSubtreeLevels, typename Prg>
FSS_HD void dpf_full_domain_part(const Prg& prg, const DpfLeafLayout& leaf, const DpfKeysView& keys,
                                 uint64_t key, uint64_t part, uint64_t* out) {
  dpf_full_domain_leaves<kSubtreeLevels>(prg, keys, key, part, [&](uint64_t index, Block outputs) {
    if (leaf.slots() < 128) {  // n < 7: one leaf, its 2^n slots fill the low bits of one word
      out[0] = leaf.pack_slots(outputs);
    } else {
      store_block(reinterpret_cast<Block*>(out) + index, outputs);
    }
  });
}

// sum_{j < 64} terms[j] * (bit j of bits) mod 2^64.
FSS_HD uint64_t word_dot(uint64_t bits, const uint64_t* terms) {
  uint64_t sum = 0;
  for (; bits != 0; bits &= bits - 1) sum += terms[fss_ctz64(bits)];
  return sum;
}

// The dot product of leaves [part 2^G, (part + 1) 2^G) of key `key`'s full-domain output with
// `terms` (terms[x] for domain point x), and the number of ones among those outputs.
template <int kSubtreeLevels, typename Prg>
FSS_HD void dpf_full_domain_dot_part(const Prg& prg, const DpfLeafLayout& leaf,
                                     const DpfKeysView& keys, uint64_t key, uint64_t part,
                                     const uint64_t* terms, uint64_t& dot, uint64_t& ones) {
  dot = 0;
  ones = 0;
  dpf_full_domain_leaves<kSubtreeLevels>(prg, keys, key, part, [&](uint64_t index, Block outputs) {
    if (leaf.slots() < 128) {
      const uint64_t bits = leaf.pack_slots(outputs);
      dot += word_dot(bits, terms);
      ones += fss_popcount64(bits);
    } else {
      dot += word_dot(outputs.lo, terms + 128 * index) +
             word_dot(outputs.hi, terms + 128 * index + 64);
      ones += fss_popcount64(outputs.lo) + fss_popcount64(outputs.hi);
    }
  });
}

template <typename Prg>
FSS_HD void dcf_gen_key(const Prg& prg, const DcfGenView& out, uint64_t key, uint64_t alpha,
                        uint64_t beta) {
  Block node[2];
  FSS_UNROLL
  for (uint64_t p = 0; p < 2; ++p) {
    node[p] = root_seed(prg, key, p);
    store_block(out.root[p] + key, node[p]);
  }
  uint64_t right_bits = 0, v_alpha = 0;
  for (int level = 0; level < out.n; ++level) {
    Block left[2], right[2];
    uint64_t value_left[2], value_right[2];
    FSS_UNROLL
    for (int p = 0; p < 2; ++p) {
      const Block seed = node[p].without_lsb();
      left[p] = prg.mmo(PrgStream::kLeft, seed);
      right[p] = prg.mmo(PrgStream::kRight, seed);
      value_left[p] = prg.mmo(PrgStream::kValueLeft, seed).lo;
      value_right[p] = prg.mmo(PrgStream::kValueRight, seed).lo;
    }
    const uint64_t a = tree_path_bit(alpha, out.n, level);
    const TreeLevelCw<Block> cw = tree_level_cw(left[0], right[0], left[1], right[1], a);
    const DcfLevelValue value =
        dcf_level_value(value_left[0], value_right[0], value_left[1], value_right[1], a, beta,
                        node[1].lsb(), v_alpha, out.mask);
    v_alpha = value.v_alpha;
    store_block(out.level_cw + level * out.count + key, cw.cw);
    out.value_cw[level * out.count + key] = value.value_cw;
    right_bits |= cw.right_t << level;
    FSS_UNROLL
    for (int p = 0; p < 2; ++p) node[p] = tree_next_on_path(cw, node[p], left[p], right[p], a);
  }
  const uint64_t converted0 = prg.mmo(PrgStream::kConvert, node[0].without_lsb()).lo;
  const uint64_t converted1 = prg.mmo(PrgStream::kConvert, node[1].without_lsb()).lo;
  out.final_cw[key] = dcf_final_cw(converted0, converted1, node[1].lsb(), v_alpha, out.mask);
  out.right_t_cw[key] = right_bits;
}

// Party's additive share of beta * 1{x < alpha} (crypto/dcf.h dcf_eval).
template <typename Prg>
FSS_HD uint64_t dcf_eval_key(const Prg& prg, const DcfKeysView& keys, int party, uint64_t key,
                             uint64_t x) {
  DcfWalk<Block> walk{load_block(keys.root + key)};
  const uint64_t right_bits = keys.right_t_cw[key];
  for (int level = 0; level < keys.n; ++level) {
    const uint64_t dir = tree_path_bit(x, keys.n, level);
    const Block seed = walk.node.without_lsb();
    const uint64_t row = level * keys.count + key;
    dcf_step(walk, prg.mmo(static_cast<int>(dir), seed),
             prg.mmo(kValueStream + static_cast<int>(dir), seed).lo,
             load_block(keys.level_cw + row), (right_bits >> level) & 1, dir, keys.value_cw[row]);
  }
  const uint64_t converted = prg.mmo(PrgStream::kConvert, walk.node.without_lsb()).lo;
  return dcf_finish(party, walk, converted, keys.final_cw[key], keys.mask);
}

}  // namespace fss::gpu
