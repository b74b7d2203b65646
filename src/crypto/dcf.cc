#include "crypto/dcf.h"

#include <omp.h>

#include <algorithm>
#include <array>

#include "core/bitpack.h"
#include "core/error.h"
#include "core/ring.h"
#include "crypto/aes_ni.h"
#include "crypto/fss_checks.h"
#include "crypto/dcf_math.h"
#include "crypto/prg.h"
#include "crypto/prg_counter.h"
#include "crypto/simd_block.h"

namespace fss {
namespace {

// Keys walk the tree in lockstep groups of kLanes: a level of key generation runs 64 AES
// blocks per group, a level of evaluation 16, enough to keep the AES units busy.
constexpr int kLanes = 8;
// Key generation and evaluation prefetch the correction-word rows of the group this many
// groups ahead: the hardware prefetcher cannot follow n row streams at once.
constexpr uint64_t kPrefetchGroups = 2;
// Batches below this many group-levels (groups x n; one takes ~40 ns to evaluate) stay on the
// calling thread: waking the OpenMP team would cost more than it saves.
constexpr int64_t kMinGroupLevelsForThreads = 2048;

#define FSS_VAES_TARGET __attribute__((target("avx2,vaes,avx512f,avx512vl")))

void validate_params(const DcfParams& params, ErrorKind kind, const char* where) {
  if (params.n < 1 || params.n > 64)
    fail(kind, "{}: input bits n = {} outside 1..64", where, params.n);
  if (params.out_bits < 1 || params.out_bits > 64)
    fail(kind, "{}: output bits l = {} outside 1..64", where, params.out_bits);
}

uint64_t bytes_for_bits(uint64_t bits) { return (bits + 7) / 8; }

__m128i drop_control_bit(__m128i s) { return _mm_andnot_si128(_mm_cvtsi64_si128(1), s); }
uint64_t control_bit(__m128i s) { return static_cast<uint64_t>(_mm_cvtsi128_si64(s)) & 1; }
uint64_t low_word(__m128i s) { return static_cast<uint64_t>(_mm_cvtsi128_si64(s)); }
__m128i with_control_bit(__m128i s, uint64_t bit) {
  return _mm_or_si128(drop_control_bit(s), _mm_cvtsi64_si128(static_cast<int64_t>(bit)));
}

// The fixed-key PRG's round keys, loaded once into SIMD form.
const aes_ni::RoundKeys& prg_keys(PrgStream stream) {
  static const std::array<aes_ni::RoundKeys, kPrgStreams> keys = [] {
    const FixedKeyPrg& prg = FixedKeyPrg::instance();
    return std::array<aes_ni::RoundKeys, kPrgStreams>{
        aes_ni::RoundKeys(prg.aes(PrgStream::kLeft)), aes_ni::RoundKeys(prg.aes(PrgStream::kRight)),
        aes_ni::RoundKeys(prg.aes(PrgStream::kValueLeft)),
        aes_ni::RoundKeys(prg.aes(PrgStream::kValueRight)),
        aes_ni::RoundKeys(prg.aes(PrgStream::kConvert))};
  }();
  return keys[static_cast<int>(stream)];
}

// One level of key generation for 2 kLanes nodes (both parties' seeds of a lane group):
// both children's seeds before correction and the low words of both value blocks.
struct NodeChildren {
  __m128i seed[2][2 * kLanes];    // [direction][party * kLanes + lane]
  uint64_t value[2][2 * kLanes];  // [direction][party * kLanes + lane]
};

// One level of evaluation for kLanes paths: the child seed in direction dir[j] before
// correction and the low word of that child's value block.
struct PathStep {
  __m128i child[kLanes];
  uint64_t value[kLanes];
};

// The PRG expansions on AES-NI: 128-bit blocks, one key schedule per block.
struct AesNiPrg {
  static void children(const __m128i (&parent)[2 * kLanes], NodeChildren& out) {
    constexpr PrgStream kSeed[2] = {PrgStream::kLeft, PrgStream::kRight};
    constexpr PrgStream kValue[2] = {PrgStream::kValueLeft, PrgStream::kValueRight};
    for (int dir = 0; dir < 2; ++dir) {
      std::copy(parent, parent + 2 * kLanes, out.seed[dir]);
      aes_ni::mmo_wide<2 * kLanes>(prg_keys(kSeed[dir]), out.seed[dir]);
      __m128i value[2 * kLanes];
      std::copy(parent, parent + 2 * kLanes, value);
      aes_ni::mmo_wide<2 * kLanes>(prg_keys(kValue[dir]), value);
      for (int i = 0; i < 2 * kLanes; ++i) out.value[dir][i] = low_word(value[i]);
    }
  }

  static void path_step(const uint64_t (&dir)[kLanes], const __m128i (&parent)[kLanes],
                        PathStep& out) {
    const __m128i* const seed_stream[2] = {prg_keys(PrgStream::kLeft).rk,
                                           prg_keys(PrgStream::kRight).rk};
    const __m128i* const value_stream[2] = {prg_keys(PrgStream::kValueLeft).rk,
                                            prg_keys(PrgStream::kValueRight).rk};
    const __m128i* rk[2 * kLanes];  // the key schedule of each block's stream
    __m128i x[2 * kLanes];          // [0, kLanes): child seeds; [kLanes, 2 kLanes): values
    for (int j = 0; j < kLanes; ++j) {
      rk[j] = seed_stream[dir[j]];
      rk[kLanes + j] = value_stream[dir[j]];
      x[j] = _mm_xor_si128(parent[j], rk[j][0]);
      x[kLanes + j] = _mm_xor_si128(parent[j], rk[kLanes + j][0]);
    }
    for (int r = 1; r < 10; ++r)
      for (int j = 0; j < 2 * kLanes; ++j) x[j] = _mm_aesenc_si128(x[j], rk[j][r]);
    for (int j = 0; j < kLanes; ++j) {
      out.child[j] = _mm_xor_si128(_mm_aesenclast_si128(x[j], rk[j][10]), parent[j]);
      out.value[j] = low_word(
          _mm_xor_si128(_mm_aesenclast_si128(x[kLanes + j], rk[kLanes + j][10]), parent[j]));
    }
  }
};

// The same expansions on VAES: a 256-bit register holds one seed twice and runs a different
// stream in each half, so one instruction does two AES rounds.
struct VaesPrg {
  struct RoundKeys {
    __m256i children_seed[11];   // (kLeft, kRight)
    __m256i children_value[11];  // (kValueLeft, kValueRight)
    __m256i path[2][11];         // [direction]: (child seed stream, value stream)
  };

  static const RoundKeys& round_keys() {
    static const RoundKeys keys = [] {
      const auto pair = [](PrgStream low, PrgStream high, int r) {
        return _mm256_set_m128i(prg_keys(high).rk[r], prg_keys(low).rk[r]);
      };
      RoundKeys k;
      for (int r = 0; r < 11; ++r) {
        k.children_seed[r] = pair(PrgStream::kLeft, PrgStream::kRight, r);
        k.children_value[r] = pair(PrgStream::kValueLeft, PrgStream::kValueRight, r);
        k.path[0][r] = pair(PrgStream::kLeft, PrgStream::kValueLeft, r);
        k.path[1][r] = pair(PrgStream::kRight, PrgStream::kValueRight, r);
      }
      return k;
    }();
    return keys;
  }

  // x[i] = MMO of (parent[i], parent[i]) under the pair of key schedules rk[i].
  template <int kWidth>
  FSS_VAES_TARGET static void mmo_pairs(const __m256i* const (&rk)[kWidth], const __m128i* parent,
                                        __m256i (&x)[kWidth]) {
    for (int i = 0; i < kWidth; ++i)
      x[i] = _mm256_xor_si256(_mm256_broadcastsi128_si256(parent[i]), rk[i][0]);
    for (int r = 1; r < 10; ++r)
      for (int i = 0; i < kWidth; ++i) x[i] = _mm256_aesenc_epi128(x[i], rk[i][r]);
    for (int i = 0; i < kWidth; ++i)
      x[i] = _mm256_xor_si256(_mm256_aesenclast_epi128(x[i], rk[i][10]),
                              _mm256_broadcastsi128_si256(parent[i]));
  }

  FSS_VAES_TARGET static void children(const __m128i (&parent)[2 * kLanes], NodeChildren& out) {
    const RoundKeys& keys = round_keys();
    const __m256i* rk[2 * kLanes];
    __m256i x[2 * kLanes];
    std::fill(rk, rk + 2 * kLanes, keys.children_seed);
    mmo_pairs<2 * kLanes>(rk, parent, x);
    for (int i = 0; i < 2 * kLanes; ++i) {
      out.seed[0][i] = _mm256_castsi256_si128(x[i]);
      out.seed[1][i] = _mm256_extracti128_si256(x[i], 1);
    }
    std::fill(rk, rk + 2 * kLanes, keys.children_value);
    mmo_pairs<2 * kLanes>(rk, parent, x);
    for (int i = 0; i < 2 * kLanes; ++i) {
      out.value[0][i] = static_cast<uint64_t>(_mm256_extract_epi64(x[i], 0));
      out.value[1][i] = static_cast<uint64_t>(_mm256_extract_epi64(x[i], 2));
    }
  }

  FSS_VAES_TARGET static void path_step(const uint64_t (&dir)[kLanes],
                                        const __m128i (&parent)[kLanes], PathStep& out) {
    const RoundKeys& keys = round_keys();
    const __m256i* rk[kLanes];
    for (int j = 0; j < kLanes; ++j) rk[j] = keys.path[dir[j]];
    __m256i x[kLanes];
    mmo_pairs<kLanes>(rk, parent, x);
    for (int j = 0; j < kLanes; ++j) {
      out.child[j] = _mm256_castsi256_si128(x[j]);
      out.value[j] = static_cast<uint64_t>(_mm256_extract_epi64(x[j], 2));
    }
  }
};

bool cpu_has_vaes() {
  static const bool has = __builtin_cpu_supports("vaes") && __builtin_cpu_supports("avx512vl");
  return has;
}

// Keys [first, first + lanes) of a batch; idle lanes repeat the last key and are not stored.
struct LaneGroup {
  uint64_t first;
  int lanes;
  uint64_t key(int lane) const { return first + static_cast<uint64_t>(std::min(lane, lanes - 1)); }
};

LaneGroup lane_group(int64_t group, uint64_t count) {
  const uint64_t first = static_cast<uint64_t>(group) * kLanes;
  return {first, static_cast<int>(std::min<uint64_t>(kLanes, count - first))};
}

int64_t group_count(uint64_t count) { return static_cast<int64_t>((count + kLanes - 1) / kLanes); }

// The keys of groups [begin, end) of a batch of `count`, idle lanes excluded.
uint64_t keys_in_groups(int64_t begin, int64_t end, uint64_t count) {
  const uint64_t first = static_cast<uint64_t>(begin) * kLanes;
  return std::min<uint64_t>(static_cast<uint64_t>(end) * kLanes, count) - std::min(first, count);
}

// Gen^< of BCGGIKR (Eurocrypt 2021, Fig. 1) for one lane group. Both parties' seeds advance
// together; the correction words, common to both keys, are written to party 0's batch.
template <typename Prg>
[[gnu::always_inline]] inline void gen_group(const LaneGroup& group,
                                             std::span<const uint64_t> alphas,
                                             std::span<const uint64_t> betas,
                                             const aes_ni::RoundKeys& seed_keys, DcfKeyPair& keys) {
  DcfKeyBatch& k0 = keys.party[0];
  const int n = k0.params.n;
  const uint64_t mask = Ring{k0.params.out_bits}.mask();
  const uint64_t count = k0.count;

  uint64_t alpha[kLanes], beta[kLanes];
  __m128i seed[2 * kLanes];  // [party * kLanes + lane], control bit in bit 0
  for (int j = 0; j < kLanes; ++j) {
    const uint64_t key = group.key(j);
    alpha[j] = alphas[key];
    beta[j] = betas[key];
    seed[j] = aes_ni::load(Block{2 * key, 0});
    seed[kLanes + j] = aes_ni::load(Block{2 * key + 1, 0});
  }
  aes_ni::encrypt_wide<2 * kLanes>(seed_keys, seed);
  for (int j = 0; j < kLanes; ++j) {
    seed[j] = with_control_bit(seed[j], 0);
    seed[kLanes + j] = with_control_bit(seed[kLanes + j], 1);
    if (j < group.lanes) {
      k0.root[group.first + j] = aes_ni::store(seed[j]);
      keys.party[1].root[group.first + j] = aes_ni::store(seed[kLanes + j]);
    }
  }
  const uint64_t prefetch_key = std::min(group.first + kPrefetchGroups * kLanes, count - 1);

  uint64_t v_alpha[kLanes] = {};
  uint64_t right_t_cw[kLanes] = {};
  for (int level = 0; level < n; ++level) {
    const uint64_t row = static_cast<uint64_t>(level) * count;
    const char* next_cw = reinterpret_cast<const char*>(&k0.level_cw[row + prefetch_key]);
    __builtin_prefetch(next_cw, 1);
    __builtin_prefetch(next_cw + 64, 1);
    __builtin_prefetch(&k0.value_cw[row + prefetch_key], 1);

    __m128i parent[2 * kLanes];
    for (int i = 0; i < 2 * kLanes; ++i) parent[i] = drop_control_bit(seed[i]);
    NodeChildren child;
    Prg::children(parent, child);
    for (int j = 0; j < kLanes; ++j) {
      const int p0 = j, p1 = kLanes + j;  // the two parties' nodes of lane j
      const uint64_t a = tree_path_bit(alpha[j], n, level);
      const uint64_t t1 = control_bit(seed[p1]);
      const SimdBlock left0{child.seed[0][p0]}, right0{child.seed[1][p0]};
      const SimdBlock left1{child.seed[0][p1]}, right1{child.seed[1][p1]};
      const TreeLevelCw<SimdBlock> cw = tree_level_cw(left0, right0, left1, right1, a);
      const DcfLevelValue value =
          dcf_level_value(child.value[0][p0], child.value[1][p0], child.value[0][p1],
                          child.value[1][p1], a, beta[j], t1, v_alpha[j], mask);
      v_alpha[j] = value.v_alpha;
      seed[p0] = tree_next_on_path(cw, SimdBlock{seed[p0]}, left0, right0, a).v;
      seed[p1] = tree_next_on_path(cw, SimdBlock{seed[p1]}, left1, right1, a).v;
      right_t_cw[j] |= cw.right_t << level;
      if (j < group.lanes) {
        k0.level_cw[row + group.first + j] = to_block(cw.cw);
        k0.value_cw[row + group.first + j] = value.value_cw;
      }
    }
  }

  __m128i leaf[2 * kLanes];
  for (int i = 0; i < 2 * kLanes; ++i) leaf[i] = drop_control_bit(seed[i]);
  aes_ni::mmo_wide<2 * kLanes>(prg_keys(PrgStream::kConvert), leaf);
  for (int j = 0; j < group.lanes; ++j) {
    const uint64_t t1 = control_bit(seed[kLanes + j]);
    k0.final_cw[group.first + j] =
        dcf_final_cw(low_word(leaf[j]), low_word(leaf[kLanes + j]), t1, v_alpha[j], mask);
    k0.right_t_cw[group.first + j] = right_t_cw[j];
  }
}

// Eval^< of BCGGIKR for one lane group: per level one seed block and one value block per key.
template <typename Prg>
[[gnu::always_inline]] inline void eval_group(const LaneGroup& group, int party,
                                              const DcfKeyBatch& keys, std::span<const uint64_t> xs,
                                              std::span<uint64_t> out) {
  const int n = keys.params.n;
  const uint64_t count = keys.count;
  uint64_t key[kLanes], x[kLanes], right_t_cw[kLanes];
  DcfWalk<SimdBlock> walk[kLanes];
  for (int j = 0; j < kLanes; ++j) {
    key[j] = group.key(j);
    x[j] = xs[key[j]];
    right_t_cw[j] = keys.right_t_cw[key[j]];
    walk[j].node = to_simd(keys.root[key[j]]);
  }
  const uint64_t prefetch_key = std::min(group.first + kPrefetchGroups * kLanes, count - 1);

  for (int level = 0; level < n; ++level) {
    const uint64_t row = static_cast<uint64_t>(level) * count;
    const char* next_cw = reinterpret_cast<const char*>(&keys.level_cw[row + prefetch_key]);
    _mm_prefetch(next_cw, _MM_HINT_T0);
    _mm_prefetch(next_cw + 64, _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(&keys.value_cw[row + prefetch_key]), _MM_HINT_T0);

    uint64_t dir[kLanes];
    __m128i parent[kLanes];
    for (int j = 0; j < kLanes; ++j) {
      dir[j] = tree_path_bit(x[j], n, level);
      parent[j] = drop_control_bit(walk[j].node.v);
    }
    PathStep step;
    Prg::path_step(dir, parent, step);
    for (int j = 0; j < kLanes; ++j)
      dcf_step(walk[j], SimdBlock{step.child[j]}, step.value[j],
               to_simd(keys.level_cw[row + key[j]]), (right_t_cw[j] >> level) & 1, dir[j],
               keys.value_cw[row + key[j]]);
  }

  __m128i leaf[kLanes];
  for (int j = 0; j < kLanes; ++j) leaf[j] = drop_control_bit(walk[j].node.v);
  aes_ni::mmo_wide<kLanes>(prg_keys(PrgStream::kConvert), leaf);
  const uint64_t mask = Ring{keys.params.out_bits}.mask();
  for (int j = 0; j < group.lanes; ++j)
    out[key[j]] = dcf_finish(party, walk[j], low_word(leaf[j]), keys.final_cw[key[j]], mask);
}

// PRG calls per key (a VAES instruction runs two streams' blocks, counted as two):
// evaluation, a seed and a value block per level and the leaf, 2 n + 1; key generation, both
// parties' four children blocks per level and leaves, 2 (4 n + 1). The roots come from AES under
// the dealer's seed key, not from the fixed-key PRG, and are not counted.
uint64_t dcf_eval_prg_calls(int n) { return 2 * static_cast<uint64_t>(n) + 1; }
uint64_t dcf_gen_prg_calls(int n) { return 2 * (4 * static_cast<uint64_t>(n) + 1); }

// Per-thread runs of groups [begin, end), instantiated once per AES path; the VAES ones are
// compiled for VAES so that the whole group loop inlines. Each returns the keys it processed.
uint64_t gen_groups_aesni(int64_t begin, int64_t end, std::span<const uint64_t> alphas,
                          std::span<const uint64_t> betas, const aes_ni::RoundKeys& seed_keys,
                          DcfKeyPair& keys) {
  for (int64_t g = begin; g < end; ++g)
    gen_group<AesNiPrg>(lane_group(g, keys.party[0].count), alphas, betas, seed_keys, keys);
  return keys_in_groups(begin, end, keys.party[0].count);
}

FSS_VAES_TARGET uint64_t gen_groups_vaes(int64_t begin, int64_t end,
                                         std::span<const uint64_t> alphas,
                                         std::span<const uint64_t> betas,
                                         const aes_ni::RoundKeys& seed_keys, DcfKeyPair& keys) {
  for (int64_t g = begin; g < end; ++g)
    gen_group<VaesPrg>(lane_group(g, keys.party[0].count), alphas, betas, seed_keys, keys);
  return keys_in_groups(begin, end, keys.party[0].count);
}

uint64_t eval_groups_aesni(int64_t begin, int64_t end, int party, const DcfKeyBatch& keys,
                           std::span<const uint64_t> xs, std::span<uint64_t> out) {
  for (int64_t g = begin; g < end; ++g)
    eval_group<AesNiPrg>(lane_group(g, keys.count), party, keys, xs, out);
  return keys_in_groups(begin, end, keys.count);
}

FSS_VAES_TARGET uint64_t eval_groups_vaes(int64_t begin, int64_t end, int party,
                                          const DcfKeyBatch& keys, std::span<const uint64_t> xs,
                                          std::span<uint64_t> out) {
  for (int64_t g = begin; g < end; ++g)
    eval_group<VaesPrg>(lane_group(g, keys.count), party, keys, xs, out);
  return keys_in_groups(begin, end, keys.count);
}

// Runs body(begin, end) on contiguous runs of the `groups` lane groups of an n-level tree, one
// run per thread, so that each thread reads and writes the correction-word rows sequentially.
// body returns the keys it processed; the total is returned.
template <typename Body>
uint64_t for_each_group_run(int64_t groups, int n, const Body& body) {
  uint64_t keys = 0;
#pragma omp parallel reduction(+ : keys) if (groups * n >= kMinGroupLevelsForThreads)
  {
    const int64_t threads = omp_get_num_threads(), thread = omp_get_thread_num();
    keys += body(groups * thread / threads, groups * (thread + 1) / threads);
  }
  return keys;
}

void validate_batch(const DcfKeyBatch& keys, const char* where) {
  validate_params(keys.params, ErrorKind::kInvalidArgument, where);
  const uint64_t per_level = static_cast<uint64_t>(keys.params.n) * keys.count;
  if (keys.root.size() != keys.count || keys.level_cw.size() != per_level ||
      keys.right_t_cw.size() != keys.count || keys.value_cw.size() != per_level ||
      keys.final_cw.size() != keys.count)
    fail(ErrorKind::kInvalidArgument,
         "{}: key batch arrays (root {}, level_cw {}, right_t_cw {}, value_cw {}, "
         "final_cw {}) do not match count {} and n {}",
         where, keys.root.size(), keys.level_cw.size(), keys.right_t_cw.size(),
         keys.value_cw.size(), keys.final_cw.size(), keys.count, keys.params.n);
}

void require_path(detail::DcfAesPath path, const char* where) {
  if (path == detail::DcfAesPath::kVaes && !cpu_has_vaes())
    fail(ErrorKind::kInvalidArgument, "{}: the VAES path needs a CPU with VAES and AVX-512VL",
         where);
}

void put_le(uint64_t value, uint64_t bytes, uint8_t* out) {
  for (uint64_t i = 0; i < bytes; ++i) out[i] = static_cast<uint8_t>(value >> (8 * i));
}

// The unused high bits of the last byte of `bits` packed bits: zero in a well-formed record.
uint64_t padding_bits(std::span<const uint8_t> packed, uint64_t bits) {
  return bits % 8 == 0 ? 0 : packed.back() >> (bits % 8);
}

uint64_t get_le(const uint8_t* in, uint64_t bytes) {
  uint64_t value = 0;
  for (uint64_t i = 0; i < bytes; ++i) value |= static_cast<uint64_t>(in[i]) << (8 * i);
  return value;
}

}  // namespace

uint64_t dcf_key_bytes(const DcfParams& params) {
  validate_params(params, ErrorKind::kInvalidArgument, "dcf_key_bytes");
  const uint64_t n = static_cast<uint64_t>(params.n);
  const uint64_t l = static_cast<uint64_t>(params.out_bits);
  return 16 + 16 * n + bytes_for_bits(n) + bytes_for_bits(n * l) + bytes_for_bits(l);
}

namespace detail {

DcfAesPath dcf_best_aes_path() { return cpu_has_vaes() ? DcfAesPath::kVaes : DcfAesPath::kAesNi; }

DcfKeyPair dcf_gen(const DcfParams& params, std::span<const uint64_t> alphas,
                   std::span<const uint64_t> betas, Block seed, DcfAesPath path) {
  require_path(path, "dcf_gen");
  check_fss_gen_inputs(params.n, params.out_bits, alphas, betas, "dcf_gen");

  const uint64_t count = alphas.size();
  const uint64_t per_level = static_cast<uint64_t>(params.n) * count;
  DcfKeyPair keys;
  DcfKeyBatch& k0 = keys.party[0];
  DcfKeyBatch& k1 = keys.party[1];
  k0.params = k1.params = params;
  k0.count = k1.count = count;
  k0.root.resize(count);
  k1.root.resize(count);
  k0.level_cw.resize(per_level);
  k0.right_t_cw.resize(count);
  k0.value_cw.resize(per_level);
  k0.final_cw.resize(count);
  const aes_ni::RoundKeys seed_keys{Aes128(seed)};
  const uint64_t keys_done =
      for_each_group_run(group_count(count), params.n, [&](int64_t begin, int64_t end) {
        return path == detail::DcfAesPath::kVaes
                   ? gen_groups_vaes(begin, end, alphas, betas, seed_keys, keys)
                   : gen_groups_aesni(begin, end, alphas, betas, seed_keys, keys);
      });
  count_prg_calls(keys_done * dcf_gen_prg_calls(params.n));
  k1.level_cw = k0.level_cw;
  k1.right_t_cw = k0.right_t_cw;
  k1.value_cw = k0.value_cw;
  k1.final_cw = k0.final_cw;
  return keys;
}

void dcf_eval(int party, const DcfKeyBatch& keys, std::span<const uint64_t> xs,
              std::span<uint64_t> out, DcfAesPath path) {
  require_path(path, "dcf_eval");
  check_dcf_batch(party, keys, "dcf_eval");
  check_fss_eval_inputs(keys.params.n, keys.count, xs, out.size(), "dcf_eval");

  const uint64_t keys_done =
      for_each_group_run(group_count(keys.count), keys.params.n, [&](int64_t begin, int64_t end) {
        return path == detail::DcfAesPath::kVaes
                   ? eval_groups_vaes(begin, end, party, keys, xs, out)
                   : eval_groups_aesni(begin, end, party, keys, xs, out);
      });
  count_prg_calls(keys_done * dcf_eval_prg_calls(keys.params.n));
}

}  // namespace detail

DcfKeyPair dcf_gen(const DcfParams& params, std::span<const uint64_t> alphas,
                   std::span<const uint64_t> betas, Block seed) {
  return detail::dcf_gen(params, alphas, betas, seed, detail::dcf_best_aes_path());
}

void dcf_eval(int party, const DcfKeyBatch& keys, std::span<const uint64_t> xs,
              std::span<uint64_t> out) {
  detail::dcf_eval(party, keys, xs, out, detail::dcf_best_aes_path());
}

void serialize(const DcfKeyBatch& keys, ByteWriter& out) {
  validate_batch(keys, "serialize(DcfKeyBatch)");
  const int n = keys.params.n;
  const int l = keys.params.out_bits;
  const uint64_t count = keys.count;
  out.put(static_cast<uint32_t>(n));
  out.put(static_cast<uint32_t>(l));
  out.put(count);
  out.put_array<Block>(keys.root);
  out.put_array<Block>(keys.level_cw);

  const uint64_t right_bytes = bytes_for_bits(n);
  const uint64_t value_bytes = bytes_for_bits(static_cast<uint64_t>(n) * l);
  const uint64_t final_bytes = bytes_for_bits(l);
  std::vector<uint8_t> packed(count * (right_bytes + value_bytes + final_bytes));
  uint8_t* right_cws = packed.data();
  uint8_t* value_cws = right_cws + count * right_bytes;
  uint8_t* final_cws = value_cws + count * value_bytes;
  // Bits above n (control bits) and l (values) carry nothing; they are written as zero padding.
  const Ring input{n}, output{l};
  uint64_t levels[64];
  for (uint64_t k = 0; k < count; ++k) {
    put_le(input.mod(keys.right_t_cw[k]), right_bytes, right_cws + k * right_bytes);
    for (int level = 0; level < n; ++level) levels[level] = keys.value_cw[level * count + k];
    pack(std::span(levels, n), l, std::span(value_cws + k * value_bytes, value_bytes));
    put_le(output.mod(keys.final_cw[k]), final_bytes, final_cws + k * final_bytes);
  }
  out.put_bytes(packed);
}

DcfKeyBatch deserialize_dcf_keys(ByteReader& in) {
  const uint64_t start = in.offset();
  DcfKeyBatch keys;
  keys.params.n = static_cast<int>(in.get<uint32_t>("dcf header: n"));
  keys.params.out_bits = static_cast<int>(in.get<uint32_t>("dcf header: l"));
  keys.count = in.get<uint64_t>("dcf header: count");
  if (keys.params.n < 1 || keys.params.n > 64 || keys.params.out_bits < 1 ||
      keys.params.out_bits > 64)
    fail(ErrorKind::kParse, "{}: dcf key batch at offset {}: n = {}, l = {}; expected 1..64",
         in.source(), start, keys.params.n, keys.params.out_bits);
  const uint64_t key_bytes = dcf_key_bytes(keys.params);
  if (keys.count > in.remaining() / key_bytes)
    fail(ErrorKind::kParse,
         "{}: dcf key batch at offset {}: {} keys of {} bytes (n = {}, l = {}) need more than "
         "the {} bytes left",
         in.source(), start, keys.count, key_bytes, keys.params.n, keys.params.out_bits,
         in.remaining());

  const int n = keys.params.n;
  const int l = keys.params.out_bits;
  const uint64_t count = keys.count;
  const uint64_t per_level = static_cast<uint64_t>(n) * count;
  keys.root.resize(count);
  keys.level_cw.resize(per_level);
  keys.right_t_cw.resize(count);
  keys.value_cw.resize(per_level);
  keys.final_cw.resize(count);
  in.get_array<Block>(keys.root, "dcf root seeds");
  for (uint64_t k = 1; k < count; ++k)
    if (keys.root[k].lsb() != keys.root[0].lsb())
      fail(ErrorKind::kParse,
           "{}: dcf key batch at offset {}: key {} belongs to party {}, key 0 "
           "to party {}",
           in.source(), start, k, keys.root[k].lsb(), keys.root[0].lsb());
  in.get_array<Block>(keys.level_cw, "dcf level correction words");

  const uint64_t right_bytes = bytes_for_bits(n);
  const uint64_t value_bits = static_cast<uint64_t>(n) * l;
  const uint64_t value_bytes = bytes_for_bits(value_bits);
  const uint64_t final_bytes = bytes_for_bits(l);
  const uint8_t* right_cws = in.take(count * right_bytes, "dcf right control-bit CWs").data();
  const uint8_t* value_cws = in.take(count * value_bytes, "dcf value CWs").data();
  const uint8_t* final_cws = in.take(count * final_bytes, "dcf final CWs").data();
  const uint64_t input_mask = Ring{n}.mask();
  const uint64_t output_mask = Ring{l}.mask();
  uint64_t levels_buffer[64];
  const std::span<uint64_t> levels(levels_buffer, n);
  for (uint64_t k = 0; k < count; ++k) {
    keys.right_t_cw[k] = get_le(right_cws + k * right_bytes, right_bytes);
    keys.final_cw[k] = get_le(final_cws + k * final_bytes, final_bytes);
    const std::span<const uint8_t> packed(value_cws + k * value_bytes, value_bytes);
    if (keys.right_t_cw[k] > input_mask || keys.final_cw[k] > output_mask ||
        padding_bits(packed, value_bits) != 0)
      fail(ErrorKind::kParse, "{}: dcf key {} of the batch at offset {} has nonzero padding bits",
           in.source(), k, start);
    unpack(packed, l, levels);
    for (int level = 0; level < n; ++level) keys.value_cw[level * count + k] = levels[level];
  }
  return keys;
}

}  // namespace fss
