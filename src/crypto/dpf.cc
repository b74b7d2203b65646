#include "crypto/dpf.h"

#include <algorithm>
#include <bit>
#include <string>

#include "core/error.h"
#include "crypto/aes_ni.h"
#include "crypto/prg.h"

namespace fss {
namespace {

// Keys walked in lockstep by one thread. Two PRG streams per level give 16 independent AES
// blocks in flight, enough to cover the AES latency; the per-key choices are masks, not branches.
constexpr int kLanes = 8;

uint64_t low_mask(int bits) { return bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1; }

bool valid_width(uint64_t bits) { return bits >= 1 && bits <= 64; }

// The early-terminated leaf block: 2^nu slots of 2^width_log2 bits, the low l bits of each used.
// A slot is at most 64 bits wide (l <= 64 gives nu >= 1), so it never straddles lo and hi.
class LeafLayout {
 public:
  explicit LeafLayout(const DpfParams& params)
      : nu_(params.leaf_bits()), width_log2_(7 - nu_), out_bits_(params.out_bits) {
    for (uint64_t slot = 0; slot < slots(); ++slot) put(used_bits_, slot, low_mask(out_bits_));
  }

  uint64_t slots() const { return uint64_t{1} << nu_; }
  uint64_t slot_of(uint64_t x) const { return x & (slots() - 1); }

  uint64_t get(Block b, uint64_t slot) const {
    const int pos = static_cast<int>(slot << width_log2_);
    return ((pos < 64 ? b.lo : b.hi) >> (pos & 63)) & low_mask(out_bits_);
  }
  void put(Block& b, uint64_t slot, uint64_t value) const {
    const int pos = static_cast<int>(slot << width_log2_);
    uint64_t& word = pos < 64 ? b.lo : b.hi;
    word = (word & ~(low_mask(out_bits_) << (pos & 63))) |
           ((value & low_mask(out_bits_)) << (pos & 63));
  }

  // The bits that carry outputs; every other bit of a leaf correction word is zero.
  Block used_bits() const { return used_bits_; }

  // For l = 1: the output bits of the slots strictly above `slot`.
  Block output_bits_above(uint64_t slot) const {
    const int start = static_cast<int>((slot + 1) << width_log2_);  // 1..128
    const uint64_t ones = ~uint64_t{0};
    const Block above{start >= 64 ? 0 : ones << start,
                      start >= 128 ? 0 : (start <= 64 ? ones : ones << (start - 64))};
    return above & used_bits_;
  }

  // Party's share of the slot: (-1)^party * (converted + t * leaf_cw) mod 2^l. For l = 1 this
  // is the XOR share converted ^ t*leaf_cw.
  uint64_t share(int party, Block converted, uint64_t t, Block leaf_cw, uint64_t slot) const {
    const uint64_t sum = get(converted, slot) + ((uint64_t{0} - t) & get(leaf_cw, slot));
    return (party == 0 ? sum : uint64_t{0} - sum) & low_mask(out_bits_);
  }

 private:
  int nu_;
  int width_log2_;
  int out_bits_;
  Block used_bits_;
};

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
template <int kGroups, typename TileFn>
void for_each_tile(uint64_t count, const TileFn& fn) {
  constexpr uint64_t kTileKeys = uint64_t{kGroups} * kLanes;
  const int64_t tiles = static_cast<int64_t>((count + kTileKeys - 1) / kTileKeys);
#pragma omp parallel for schedule(static) if (tiles * kGroups >= kMinParallelGroups)
  for (int64_t t = 0; t < tiles; ++t) {
    LaneGroup groups[kGroups] = {};
    int size = 0;
    for (uint64_t first = t * kTileKeys; size < kGroups && first < count; first += kLanes) {
      LaneGroup& group = groups[size++];
      group.size = static_cast<int>(std::min<uint64_t>(kLanes, count - first));
      for (int j = 0; j < kLanes; ++j) group.key[j] = first + std::min(j, group.size - 1);
    }
    fn(std::span<const LaneGroup>(groups, size));
  }
}

template <typename GroupFn>
void for_each_lane_group(uint64_t count, const GroupFn& fn) {
  for_each_tile<1>(count, [&](std::span<const LaneGroup> tile) { fn(tile[0]); });
}

struct PrgKeys {
  aes_ni::RoundKeys left, right, convert;
  PrgKeys()
      : left(FixedKeyPrg::instance().aes(PrgStream::kLeft)),
        right(FixedKeyPrg::instance().aes(PrgStream::kRight)),
        convert(FixedKeyPrg::instance().aes(PrgStream::kConvert)) {}
};

__m128i lsb_mask() { return _mm_set_epi64x(0, 1); }

__m128i load(const Block* b) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(b)); }
void store(Block* b, __m128i v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(b), v); }
uint64_t lsb(__m128i v) { return static_cast<uint64_t>(_mm_cvtsi128_si64(v)) & 1; }
// All-ones when bit is 1.
__m128i fill(uint64_t bit) { return _mm_set1_epi64x(-static_cast<int64_t>(bit)); }
// All-ones when the node's control bit (bit 0) is set.
__m128i control_fill(__m128i node) {
  return _mm_sub_epi64(_mm_setzero_si128(),
                       _mm_shuffle_epi32(_mm_and_si128(node, lsb_mask()), 0x44));
}
__m128i seed_of(__m128i node) { return _mm_andnot_si128(lsb_mask(), node); }
// The level CW with its bit 0 replaced by the right control-bit CW.
__m128i right_cw(__m128i cw, uint64_t right_bit) {
  return _mm_or_si128(_mm_andnot_si128(lsb_mask(), cw),
                      _mm_cvtsi64_si128(static_cast<int64_t>(right_bit)));
}

// Like aes_ni::mmo_wide, but lane j uses the fixed key keys[j] (the stream its path takes).
template <int kWidth>
void mmo_per_lane(const aes_ni::RoundKeys* const* keys, __m128i* s) {
  __m128i x[kWidth];
  for (int j = 0; j < kWidth; ++j) x[j] = _mm_xor_si128(s[j], keys[j]->rk[0]);
  for (int r = 1; r < 10; ++r)
    for (int j = 0; j < kWidth; ++j) x[j] = _mm_aesenc_si128(x[j], keys[j]->rk[r]);
  for (int j = 0; j < kWidth; ++j) x[j] = _mm_aesenclast_si128(x[j], keys[j]->rk[10]);
  for (int j = 0; j < kWidth; ++j) s[j] = _mm_xor_si128(x[j], s[j]);
}

void check_params(const DpfParams& params, const char* where) {
  if (!valid_width(params.n) || !valid_width(params.out_bits))
    fail(ErrorKind::kInvalidArgument, "{}: n = {} and l = {} must both lie in 1..64", where,
         params.n, params.out_bits);
}

void check_batch(int party, const DpfKeyBatch& keys, const char* where) {
  check_params(keys.params, where);
  if (party != 0 && party != 1) fail(ErrorKind::kInvalidArgument, "{}: party {}", where, party);
  const uint64_t count = keys.count;
  const uint64_t levels = static_cast<uint64_t>(keys.params.levels());
  if (keys.root.size() != count || keys.level_cw.size() != levels * count ||
      keys.right_t_cw.size() != count || keys.leaf_cw.size() != count)
    fail(ErrorKind::kInvalidArgument,
         "{}: malformed batch of {} keys with {} levels: {} roots, {} level CWs, {} right-bit "
         "CWs, {} leaf CWs",
         where, count, levels, keys.root.size(), keys.level_cw.size(), keys.right_t_cw.size(),
         keys.leaf_cw.size());
  for (uint64_t i = 0; i < count; ++i)
    if (keys.root[i].lsb() != static_cast<uint64_t>(party))
      fail(ErrorKind::kInvalidArgument, "{}: key {} belongs to party {}, evaluated as party {}",
           where, i, keys.root[i].lsb(), party);
}

void check_inputs(const DpfKeyBatch& keys, std::span<const uint64_t> xs, size_t out_size,
                  const char* where) {
  if (xs.size() != keys.count || out_size != keys.count)
    fail(ErrorKind::kInvalidArgument, "{}: {} keys, {} inputs, {} outputs", where, keys.count,
         xs.size(), out_size);
  const uint64_t domain_mask = low_mask(keys.params.n);
  for (size_t i = 0; i < xs.size(); ++i)
    if ((xs[i] & ~domain_mask) != 0)
      fail(ErrorKind::kInvalidArgument, "{}: input {} = {} is not below 2^{}", where, i, xs[i],
           keys.params.n);
}

// Keygen walks a tile of kGenTileGroups lane groups level by level, so that each correction-word
// row receives 1 KiB at once: scattered 128-byte writes to 2 * L rows cost more than the AES.
constexpr int kGenTileGroups = 8;

void gen_tile(const DpfParams& params, const LeafLayout& leaf, std::span<const uint64_t> alphas,
              std::span<const uint64_t> betas, const aes_ni::RoundKeys& seed_keys,
              const PrgKeys& prg, std::span<const LaneGroup> tile, DpfKeyPair& pair) {
  constexpr int W = kLanes;
  const int levels = params.levels();
  const uint64_t count = alphas.size();
  // node[g][p][j]: party p's node on the path of alpha[g][j]. AES batches stay W wide: wider
  // ones spill the 16 vector registers.
  __m128i node[kGenTileGroups][2][W];
  uint64_t alpha[kGenTileGroups][W];
  uint64_t right_bits[kGenTileGroups][W] = {};
  for (size_t g = 0; g < tile.size(); ++g) {
    const LaneGroup& group = tile[g];
    for (int j = 0; j < W; ++j) {
      alpha[g][j] = alphas[group.key[j]];
      for (int p = 0; p < 2; ++p)
        node[g][p][j] = _mm_set_epi64x(0, static_cast<int64_t>(2 * group.key[j] + p));
    }
    for (int p = 0; p < 2; ++p) {
      aes_ni::encrypt_wide<W>(seed_keys, node[g][p]);
      for (int j = 0; j < W; ++j)
        node[g][p][j] = _mm_or_si128(seed_of(node[g][p][j]), _mm_cvtsi64_si128(p));
      for (int j = 0; j < group.size; ++j) store(&pair.party[p].root[group.key[j]], node[g][p][j]);
    }
  }

  for (int level = 0; level < levels; ++level) {
    const int bit = params.n - 1 - level;
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
        const uint64_t keep_right = (alpha[g][j] >> bit) & 1;
        const __m128i keep_mask = fill(keep_right);
        const __m128i lose0 = _mm_blendv_epi8(right[0][j], left[0][j], keep_mask);
        const __m128i lose1 = _mm_blendv_epi8(right[1][j], left[1][j], keep_mask);
        const uint64_t left_t_cw = lsb(left[0][j]) ^ lsb(left[1][j]) ^ keep_right ^ 1;
        const uint64_t right_t_cw = lsb(right[0][j]) ^ lsb(right[1][j]) ^ keep_right;
        const __m128i cw = _mm_or_si128(seed_of(_mm_xor_si128(lose0, lose1)),
                                        _mm_cvtsi64_si128(static_cast<int64_t>(left_t_cw)));
        if (j < tile[g].size) {
          store(&cw_row[0][tile[g].key[j]], cw);
          store(&cw_row[1][tile[g].key[j]], cw);
        }
        right_bits[g][j] |= right_t_cw << level;
        const __m128i keep_cw = _mm_blendv_epi8(cw, right_cw(cw, right_t_cw), keep_mask);
        for (int p = 0; p < 2; ++p) {
          const __m128i keep = _mm_blendv_epi8(left[p][j], right[p][j], keep_mask);
          node[g][p][j] = _mm_xor_si128(keep, _mm_and_si128(keep_cw, control_fill(node[g][p][j])));
        }
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
      Block c0, c1, cw;
      store(&c0, converted[0][j]);
      store(&c1, converted[1][j]);
      const uint64_t slot = leaf.slot_of(alpha[g][j]);
      if (params.out_bits == 1) {
        cw = (c0 ^ c1) & leaf.used_bits();
        leaf.put(cw, slot, leaf.get(cw, slot) ^ betas[key]);
      } else {
        // Additive shares: party 1's output is negated, so the CW carries (-1)^{t1}.
        const bool negate = lsb(node[g][1][j]) == 1;
        for (uint64_t s = 0; s < leaf.slots(); ++s) {
          const uint64_t target = (s == slot ? betas[key] : 0) - leaf.get(c0, s) + leaf.get(c1, s);
          leaf.put(cw, s, negate ? uint64_t{0} - target : target);
        }
      }
      for (DpfKeyBatch& keys : pair.party) {
        keys.leaf_cw[key] = cw;
        keys.right_t_cw[key] = right_bits[g][j];
      }
    }
  }
}

void compare_group(const DpfKeyBatch& keys, const LeafLayout& leaf, std::span<const uint64_t> xs,
                   const PrgKeys& prg, const LaneGroup& group, std::span<uint8_t> out) {
  constexpr int W = kLanes;
  const int n = keys.params.n;
  const int levels = keys.params.levels();
  __m128i node[W], right_of_path[W];
  uint64_t x[W], right_bits[W];
  for (int j = 0; j < W; ++j) {
    node[j] = load(&keys.root[group.key[j]]);
    right_of_path[j] = _mm_setzero_si128();
    x[j] = xs[group.key[j]];
    right_bits[j] = keys.right_t_cw[group.key[j]];
  }
  for (int level = 0; level < levels; ++level) {
    __m128i left[W], right[W];
    for (int j = 0; j < W; ++j) left[j] = right[j] = seed_of(node[j]);
    aes_ni::mmo_wide<W>(prg.left, left);
    aes_ni::mmo_wide<W>(prg.right, right);
    const Block* level_cw = keys.level_cw.data() + level * keys.count;
    const int bit = n - 1 - level;
    for (int j = 0; j < W; ++j) {
      const __m128i cw = load(&level_cw[group.key[j]]);
      const __m128i t_mask = control_fill(node[j]);
      const __m128i child_left = _mm_xor_si128(left[j], _mm_and_si128(cw, t_mask));
      const __m128i child_right = _mm_xor_si128(
          right[j], _mm_and_si128(right_cw(cw, (right_bits[j] >> level) & 1), t_mask));
      const __m128i go_right = fill((x[j] >> bit) & 1);
      // Where the path goes left, the right sibling's control bit shares 1{alpha in it}.
      right_of_path[j] = _mm_xor_si128(right_of_path[j], _mm_andnot_si128(go_right, child_right));
      node[j] = _mm_blendv_epi8(child_left, child_right, go_right);
    }
  }
  __m128i converted[W];
  for (int j = 0; j < W; ++j) converted[j] = seed_of(node[j]);
  aes_ni::mmo_wide<W>(prg.convert, converted);
  for (int j = 0; j < group.size; ++j) {
    Block outputs;
    store(&outputs, _mm_xor_si128(converted[j], _mm_and_si128(load(&keys.leaf_cw[group.key[j]]),
                                                              control_fill(node[j]))));
    const Block above = outputs & leaf.output_bits_above(leaf.slot_of(x[j]));
    const uint64_t parity = std::popcount(above.lo ^ above.hi) & 1;
    out[group.key[j]] = static_cast<uint8_t>(parity ^ lsb(right_of_path[j]));
  }
}

void eval_group(int party, const DpfKeyBatch& keys, const LeafLayout& leaf,
                std::span<const uint64_t> xs, const PrgKeys& prg, const LaneGroup& group,
                std::span<uint64_t> out) {
  constexpr int W = kLanes;
  const int n = keys.params.n;
  const int levels = keys.params.levels();
  const aes_ni::RoundKeys* const stream_keys[2] = {&prg.left, &prg.right};
  __m128i node[W];
  uint64_t x[W], right_bits[W];
  for (int j = 0; j < W; ++j) {
    node[j] = load(&keys.root[group.key[j]]);
    x[j] = xs[group.key[j]];
    right_bits[j] = keys.right_t_cw[group.key[j]];
  }
  for (int level = 0; level < levels; ++level) {
    const int bit = n - 1 - level;
    const aes_ni::RoundKeys* lane_keys[W];
    __m128i child[W];
    for (int j = 0; j < W; ++j) {
      lane_keys[j] = stream_keys[(x[j] >> bit) & 1];
      child[j] = seed_of(node[j]);
    }
    mmo_per_lane<W>(lane_keys, child);
    const Block* level_cw = keys.level_cw.data() + level * keys.count;
    for (int j = 0; j < W; ++j) {
      const __m128i cw = load(&level_cw[group.key[j]]);
      const __m128i path_cw =
          _mm_blendv_epi8(cw, right_cw(cw, (right_bits[j] >> level) & 1), fill((x[j] >> bit) & 1));
      node[j] = _mm_xor_si128(child[j], _mm_and_si128(path_cw, control_fill(node[j])));
    }
  }
  __m128i converted[W];
  for (int j = 0; j < W; ++j) converted[j] = seed_of(node[j]);
  aes_ni::mmo_wide<W>(prg.convert, converted);
  for (int j = 0; j < group.size; ++j) {
    Block c;
    store(&c, converted[j]);
    out[group.key[j]] =
        leaf.share(party, c, lsb(node[j]), keys.leaf_cw[group.key[j]], leaf.slot_of(x[j]));
  }
}

// Expands parents[first, first + kWidth) into next[2i] (left) and next[2i + 1] (right).
template <int kWidth>
void expand_nodes(const std::vector<Block>& parents, size_t first, __m128i cw, __m128i cw_right,
                  const PrgKeys& prg, std::vector<Block>& next) {
  __m128i left[kWidth], right[kWidth];
  for (int j = 0; j < kWidth; ++j) left[j] = right[j] = seed_of(load(&parents[first + j]));
  aes_ni::mmo_wide<kWidth>(prg.left, left);
  aes_ni::mmo_wide<kWidth>(prg.right, right);
  for (int j = 0; j < kWidth; ++j) {
    const __m128i t_mask = control_fill(load(&parents[first + j]));
    store(&next[2 * (first + j)], _mm_xor_si128(left[j], _mm_and_si128(cw, t_mask)));
    store(&next[2 * (first + j) + 1], _mm_xor_si128(right[j], _mm_and_si128(cw_right, t_mask)));
  }
}

// nodes[i] = converted leaf i with the leaf CW applied: the party's 128 output bits.
template <int kWidth>
void convert_leaves(std::vector<Block>& nodes, size_t first, __m128i leaf_cw, const PrgKeys& prg) {
  __m128i converted[kWidth];
  for (int j = 0; j < kWidth; ++j) converted[j] = seed_of(load(&nodes[first + j]));
  aes_ni::mmo_wide<kWidth>(prg.convert, converted);
  for (int j = 0; j < kWidth; ++j) {
    const __m128i t_mask = control_fill(load(&nodes[first + j]));
    store(&nodes[first + j], _mm_xor_si128(converted[j], _mm_and_si128(leaf_cw, t_mask)));
  }
}

void fail_header(const ByteReader& in, size_t offset, const std::string& what) {
  fail(ErrorKind::kParse, "{}: DPF key batch header at offset {}: {}", in.source(), offset, what);
}

}  // namespace

int DpfParams::leaf_bits() const {
  const int slots_log2 = std::bit_width(static_cast<unsigned>(128 / std::max(out_bits, 1))) - 1;
  return std::min(n, slots_log2);
}

uint64_t dpf_key_bytes(const DpfParams& params) {
  const uint64_t levels = static_cast<uint64_t>(params.levels());
  return 16 + 16 * levels + (levels + 7) / 8 + 16;
}

DpfKeyPair dpf_gen(const DpfParams& params, std::span<const uint64_t> alphas,
                   std::span<const uint64_t> betas, Block seed) {
  check_params(params, "dpf_gen");
  if (alphas.size() != betas.size())
    fail(ErrorKind::kInvalidArgument, "dpf_gen: {} alphas but {} betas", alphas.size(),
         betas.size());
  for (size_t i = 0; i < alphas.size(); ++i) {
    if ((alphas[i] & ~low_mask(params.n)) != 0)
      fail(ErrorKind::kInvalidArgument, "dpf_gen: alpha {} = {} is not below 2^{}", i, alphas[i],
           params.n);
    if ((betas[i] & ~low_mask(params.out_bits)) != 0)
      fail(ErrorKind::kInvalidArgument, "dpf_gen: beta {} = {} is not below 2^{}", i, betas[i],
           params.out_bits);
  }
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
  const LeafLayout leaf(params);
  const aes_ni::RoundKeys seed_keys{Aes128(seed)};
  const PrgKeys prg;
  for_each_tile<kGenTileGroups>(count, [&](std::span<const LaneGroup> tile) {
    gen_tile(params, leaf, alphas, betas, seed_keys, prg, tile, pair);
  });
  return pair;
}

void dpf_eval(int party, const DpfKeyBatch& keys, std::span<const uint64_t> xs,
              std::span<uint64_t> out) {
  check_batch(party, keys, "dpf_eval");
  check_inputs(keys, xs, out.size(), "dpf_eval");
  const LeafLayout leaf(keys.params);
  const PrgKeys prg;
  for_each_lane_group(keys.count, [&](const LaneGroup& group) {
    eval_group(party, keys, leaf, xs, prg, group, out);
  });
}

void dpf_compare_eval(int party, const DpfKeyBatch& keys, std::span<const uint64_t> xs,
                      std::span<uint8_t> out) {
  check_batch(party, keys, "dpf_compare_eval");
  check_inputs(keys, xs, out.size(), "dpf_compare_eval");
  if (keys.params.out_bits != 1)
    fail(ErrorKind::kInvalidArgument, "dpf_compare_eval: needs l = 1 keys, got l = {}",
         keys.params.out_bits);
  const LeafLayout leaf(keys.params);
  const PrgKeys prg;
  for_each_lane_group(
      keys.count, [&](const LaneGroup& group) { compare_group(keys, leaf, xs, prg, group, out); });
}

void dpf_eval_full_domain(int party, const DpfKeyBatch& keys, uint64_t index,
                          std::span<uint64_t> out) {
  check_batch(party, keys, "dpf_eval_full_domain");
  const DpfParams& params = keys.params;
  if (params.out_bits != 1)
    fail(ErrorKind::kInvalidArgument, "dpf_eval_full_domain: needs l = 1 keys, got l = {}",
         params.out_bits);
  if (index >= keys.count)
    fail(ErrorKind::kInvalidArgument, "dpf_eval_full_domain: key {} of a batch of {}", index,
         keys.count);
  const uint64_t words = params.n >= 6 ? uint64_t{1} << (params.n - 6) : 1;
  if (out.size() != words)
    fail(ErrorKind::kInvalidArgument, "dpf_eval_full_domain: n = {} needs {} output words, got {}",
         params.n, words, out.size());

  const PrgKeys prg;
  std::vector<Block> nodes{keys.root[index]};
  std::vector<Block> next;
  for (int level = 0; level < params.levels(); ++level) {
    const __m128i cw = load(&keys.level_cw[level * keys.count + index]);
    const __m128i cw_right = right_cw(cw, (keys.right_t_cw[index] >> level) & 1);
    next.resize(2 * nodes.size());
    size_t i = 0;
    for (; i + kLanes <= nodes.size(); i += kLanes)
      expand_nodes<kLanes>(nodes, i, cw, cw_right, prg, next);
    for (; i < nodes.size(); ++i) expand_nodes<1>(nodes, i, cw, cw_right, prg, next);
    nodes.swap(next);
  }
  const __m128i leaf_cw = load(&keys.leaf_cw[index]);
  size_t i = 0;
  for (; i + kLanes <= nodes.size(); i += kLanes) convert_leaves<kLanes>(nodes, i, leaf_cw, prg);
  for (; i < nodes.size(); ++i) convert_leaves<1>(nodes, i, leaf_cw, prg);

  const LeafLayout leaf(params);
  if (leaf.slots() == 128) {
    for (size_t j = 0; j < nodes.size(); ++j) {
      out[2 * j] = nodes[j].lo;
      out[2 * j + 1] = nodes[j].hi;
    }
  } else {  // n < 7: the root is the only leaf and its 2^n slots fit one word
    out[0] = 0;
    for (uint64_t slot = 0; slot < leaf.slots(); ++slot) out[0] |= leaf.get(nodes[0], slot) << slot;
  }
}

void serialize(const DpfKeyBatch& keys, ByteWriter& out) {
  check_batch(keys.count > 0 ? static_cast<int>(keys.root[0].lsb()) : 0, keys, "serialize(dpf)");
  const int levels = keys.params.levels();
  const int right_bytes = (levels + 7) / 8;
  out.data().reserve(out.size() + kDpfBatchHeaderBytes + keys.count * dpf_key_bytes(keys.params));
  out.put<uint32_t>(static_cast<uint32_t>(keys.params.n));
  out.put<uint32_t>(static_cast<uint32_t>(keys.params.out_bits));
  out.put<uint64_t>(keys.count);
  out.put_array(std::span<const Block>(keys.root));
  out.put_array(std::span<const Block>(keys.level_cw));
  for (uint64_t bits : keys.right_t_cw)
    for (int b = 0; b < right_bytes; ++b) out.put<uint8_t>(static_cast<uint8_t>(bits >> (8 * b)));
  out.put_array(std::span<const Block>(keys.leaf_cw));
}

DpfKeyBatch deserialize_dpf_keys(ByteReader& in) {
  const size_t header_offset = in.offset();
  const uint32_t n = in.get<uint32_t>("DPF header n");
  const uint32_t out_bits = in.get<uint32_t>("DPF header l");
  const uint64_t count = in.get<uint64_t>("DPF header key count");
  if (!valid_width(n) || !valid_width(out_bits))
    fail_header(in, header_offset,
                fmt::format("n = {} and l = {} must both lie in 1..64", n, out_bits));
  DpfKeyBatch keys;
  keys.params = {static_cast<int>(n), static_cast<int>(out_bits)};
  const uint64_t key_bytes = dpf_key_bytes(keys.params);
  if (count > in.remaining() / key_bytes)
    fail_header(in, header_offset,
                fmt::format("{} keys of {} bytes need more than the {} bytes that follow", count,
                            key_bytes, in.remaining()));
  keys.count = count;
  const int levels = keys.params.levels();
  keys.root.resize(count);
  keys.level_cw.resize(static_cast<uint64_t>(levels) * count);
  keys.right_t_cw.resize(count);
  keys.leaf_cw.resize(count);
  in.get_array(std::span<Block>(keys.root), "DPF root seeds");
  in.get_array(std::span<Block>(keys.level_cw), "DPF level correction words");
  const int right_bytes = (levels + 7) / 8;
  for (uint64_t& bits : keys.right_t_cw) {
    const auto packed = in.take(right_bytes, "DPF right control-bit correction words");
    bits = 0;
    for (int b = 0; b < right_bytes; ++b) bits |= uint64_t{packed[b]} << (8 * b);
  }
  in.get_array(std::span<Block>(keys.leaf_cw), "DPF leaf correction words");

  // Every key of a batch belongs to one party, and unused bits are zero: anything else is a
  // corrupted record.
  const LeafLayout leaf(keys.params);
  const Block unused_leaf_bits = leaf.used_bits() ^ Block::fill(1);
  for (uint64_t i = 0; i < count; ++i) {
    const char* problem = nullptr;
    if (keys.root[i].lsb() != keys.root[0].lsb())
      problem = "its root's party bit differs from key 0's";
    else if ((keys.right_t_cw[i] & ~low_mask(levels)) != 0)
      problem = "padding bits of its right control-bit CWs are set";
    else if (!((keys.leaf_cw[i] & unused_leaf_bits) == Block{}))
      problem = "its leaf CW has bits set outside the output slots";
    if (problem != nullptr)
      fail(ErrorKind::kParse, "{}: DPF key {} of the batch at offset {} is corrupted: {}",
           in.source(), i, header_offset, problem);
  }
  return keys;
}

}  // namespace fss
