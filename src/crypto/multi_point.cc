#include "crypto/multi_point.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "core/error.h"
#include "core/ring.h"
#include "crypto/aes_ni.h"
#include "crypto/dcf_math.h"
#include "crypto/dpf_math.h"
#include "crypto/prg.h"
#include "crypto/prg_counter.h"
#include "crypto/simd_block.h"

namespace fss {
namespace {

// (key, point) pairs walked in lockstep: two PRG blocks per lane and level keep 16 AES blocks
// in flight, enough to hide the AES latency.
constexpr int kLanes = 8;
// Below this many lane-group levels (~40 ns each) the OpenMP team's wake-up costs more than it
// saves.
constexpr int64_t kMinParallelGroupLevels = 2048;
constexpr uint64_t kMinParallelPointLevels = kMinParallelGroupLevels * kLanes;

struct StreamKeys {
  aes_ni::RoundKeys left, right, value_left, value_right, convert;
  static const StreamKeys& get() {
    static const StreamKeys keys;
    return keys;
  }

 private:
  StreamKeys()
      : left(FixedKeyPrg::instance().aes(PrgStream::kLeft)),
        right(FixedKeyPrg::instance().aes(PrgStream::kRight)),
        value_left(FixedKeyPrg::instance().aes(PrgStream::kValueLeft)),
        value_right(FixedKeyPrg::instance().aes(PrgStream::kValueRight)),
        convert(FixedKeyPrg::instance().aes(PrgStream::kConvert)) {}
};

// Items [first, first + size) of the flattened (key, point) list; idle lanes repeat the last
// item and their results are dropped.
struct Lanes {
  uint64_t item[kLanes];
  int size;
};

Lanes lanes_of_group(int64_t group, uint64_t items) {
  Lanes lanes;
  const uint64_t first = static_cast<uint64_t>(group) * kLanes;
  lanes.size = static_cast<int>(std::min<uint64_t>(kLanes, items - first));
  for (int j = 0; j < kLanes; ++j) lanes.item[j] = first + std::min(j, lanes.size - 1);
  return lanes;
}

void check_points(int party, uint64_t count, std::span<const Block> roots, int n,
                  std::span<const uint64_t> points, uint64_t per_key, size_t out_size,
                  const char* where) {
  if (party != 0 && party != 1) fail(ErrorKind::kInvalidArgument, "{}: party {}", where, party);
  if (per_key == 0 || points.size() != count * per_key || out_size != points.size())
    fail(ErrorKind::kInvalidArgument,
         "{}: {} keys with {} points each need {} points and outputs, got {} and {}", where, count,
         per_key, count * per_key, points.size(), out_size);
  const uint64_t mask = Ring{n}.mask();
  for (size_t i = 0; i < points.size(); ++i)
    if (points[i] > mask)
      fail(ErrorKind::kInvalidArgument, "{}: point {} = {} is not below 2^{}", where, i, points[i],
           n);
  for (uint64_t e = 0; e < count; ++e)
    if (roots[e].lsb() != static_cast<uint64_t>(party))
      fail(ErrorKind::kInvalidArgument, "{}: key {} belongs to party {}, evaluated as party {}",
           where, e, roots[e].lsb(), party);
}

void compare_lanes(const DpfKeyBatch& keys, const DpfLeafLayout& leaf,
                   std::span<const uint64_t> points, uint64_t per_key, const Lanes& lanes,
                   std::span<uint8_t> out) {
  const StreamKeys& prg = StreamKeys::get();
  const int n = keys.params.n;
  const int levels = keys.params.levels();
  uint64_t key[kLanes], x[kLanes];
  DpfCompareWalk<SimdBlock> walk[kLanes];
  for (int j = 0; j < kLanes; ++j) {
    key[j] = lanes.item[j] / per_key;
    x[j] = points[lanes.item[j]];
    walk[j].node = to_simd(keys.root[key[j]]);
  }
  const aes_ni::RoundKeys* children_keys[2 * kLanes];
  std::fill(children_keys, children_keys + kLanes, &prg.left);
  std::fill(children_keys + kLanes, children_keys + 2 * kLanes, &prg.right);
  for (int level = 0; level < levels; ++level) {
    __m128i children[2 * kLanes];  // [0, kLanes): left; [kLanes, 2 kLanes): right
    for (int j = 0; j < kLanes; ++j)
      children[j] = children[kLanes + j] = block_with_lsb(walk[j].node, 0).v;
    aes_ni::mmo_per_lane<2 * kLanes>(children_keys, children);
    const Block* level_cw = keys.level_cw.data() + static_cast<uint64_t>(level) * keys.count;
    for (int j = 0; j < kLanes; ++j)
      dpf_compare_step(walk[j], SimdBlock{children[j]}, SimdBlock{children[kLanes + j]},
                       to_simd(level_cw[key[j]]), (keys.right_t_cw[key[j]] >> level) & 1,
                       tree_path_bit(x[j], n, level));
  }
  __m128i converted[kLanes];
  for (int j = 0; j < kLanes; ++j) converted[j] = block_with_lsb(walk[j].node, 0).v;
  aes_ni::mmo_wide<kLanes>(prg.convert, converted);
  for (int j = 0; j < lanes.size; ++j)
    out[lanes.item[j]] = static_cast<uint8_t>(
        dpf_compare_finish(walk[j], leaf, aes_ni::store(converted[j]), keys.leaf_cw[key[j]], x[j]));
}

// ---- DCF with memoised prefixes (Grotto-style) ----
// An element's points usually share long prefixes (x^ - a_i for nearby boundaries a_i), so its
// tree is walked level by level over the distinct prefixes of its sorted points: a node shared by
// several points is expanded once. Child expansions of a chunk of elements form one task list per
// level, run kLanes at a time so that AES stays pipelined.

// Elements per chunk: enough points per level to fill the lanes, few enough to stay in cache.
constexpr uint64_t kChunkPoints = 1024;
constexpr uint64_t kMaxChunkElements = 64;

struct PrefixNode {
  DcfWalk<SimdBlock> walk;
  uint64_t key;
  uint32_t first, last;  // the chunk's sorted points [first, last) share this node's prefix
};

struct Expansion {
  uint32_t parent;
  uint32_t dir;
  uint32_t first, last;
};

// order[k] = index of the k-th smallest of points[0, per_key). Linear when the points are a
// rotation of a sorted list (x^ + c_j with sorted offsets c_j), a sort otherwise.
void sort_points(const uint64_t* points, uint32_t per_key, uint32_t* order) {
  uint32_t descents = 0, rotation = 0;
  for (uint32_t j = 1; j < per_key; ++j)
    if (points[j] < points[j - 1]) {
      ++descents;
      rotation = j;
    }
  if (descents == 0 || (descents == 1 && points[per_key - 1] <= points[0])) {
    for (uint32_t k = 0; k < per_key; ++k) order[k] = (rotation + k) % per_key;
    return;
  }
  for (uint32_t k = 0; k < per_key; ++k) order[k] = k;
  std::sort(order, order + per_key, [&](uint32_t a, uint32_t b) { return points[a] < points[b]; });
}

// Evaluates keys [first_key, first_key + chunk_keys); returns the PRG calls made.
uint64_t dcf_chunk(int party, const DcfKeyBatch& keys, std::span<const uint64_t> points,
                   uint32_t per_key, uint64_t first_key, uint64_t chunk_keys,
                   std::span<uint64_t> out) {
  const StreamKeys& prg = StreamKeys::get();
  const aes_ni::RoundKeys* const seed_stream[2] = {&prg.left, &prg.right};
  const aes_ni::RoundKeys* const value_stream[2] = {&prg.value_left, &prg.value_right};
  const int n = keys.params.n;
  const uint64_t total = chunk_keys * per_key;
  std::vector<uint32_t> order(total);
  std::vector<uint64_t> sorted(total);
  std::vector<PrefixNode> frontier, next;
  for (uint64_t e = 0; e < chunk_keys; ++e) {
    const uint64_t* mine = points.data() + (first_key + e) * per_key;
    sort_points(mine, per_key, order.data() + e * per_key);
    for (uint32_t k = 0; k < per_key; ++k) sorted[e * per_key + k] = mine[order[e * per_key + k]];
    frontier.push_back({{to_simd(keys.root[first_key + e]), 0},
                        first_key + e,
                        static_cast<uint32_t>(e * per_key),
                        static_cast<uint32_t>((e + 1) * per_key)});
  }
  std::vector<Expansion> expansions;
  uint64_t prg_calls = 0;
  for (int level = 0; level < n; ++level) {
    const int bit = n - 1 - level;
    expansions.clear();
    for (uint32_t i = 0; i < frontier.size(); ++i) {
      const PrefixNode& node = frontier[i];
      const uint64_t* split =
          std::partition_point(sorted.data() + node.first, sorted.data() + node.last,
                               [bit](uint64_t v) { return ((v >> bit) & 1) == 0; });
      const uint32_t middle = static_cast<uint32_t>(split - sorted.data());
      if (node.first < middle) expansions.push_back({i, 0, node.first, middle});
      if (middle < node.last) expansions.push_back({i, 1, middle, node.last});
    }
    next.resize(expansions.size());
    prg_calls += 2 * expansions.size();
    const uint64_t row = static_cast<uint64_t>(level) * keys.count;
    for (size_t first = 0; first < expansions.size(); first += kLanes) {
      const int size = static_cast<int>(std::min<size_t>(kLanes, expansions.size() - first));
      const aes_ni::RoundKeys* streams[2 * kLanes];
      __m128i blocks[2 * kLanes];  // [0, kLanes): children; [kLanes, 2 kLanes): value words
      for (int j = 0; j < kLanes; ++j) {
        const Expansion& x = expansions[first + std::min(j, size - 1)];
        streams[j] = seed_stream[x.dir];
        streams[kLanes + j] = value_stream[x.dir];
        blocks[j] = blocks[kLanes + j] = block_with_lsb(frontier[x.parent].walk.node, 0).v;
      }
      aes_ni::mmo_per_lane<2 * kLanes>(streams, blocks);
      for (int j = 0; j < size; ++j) {
        const Expansion& x = expansions[first + j];
        const uint64_t key = frontier[x.parent].key;
        PrefixNode& child = next[first + j];
        child = {frontier[x.parent].walk, key, x.first, x.last};
        dcf_step(child.walk, SimdBlock{blocks[j]},
                 static_cast<uint64_t>(_mm_cvtsi128_si64(blocks[kLanes + j])),
                 to_simd(keys.level_cw[row + key]), (keys.right_t_cw[key] >> level) & 1, x.dir,
                 keys.value_cw[row + key]);
      }
    }
    frontier.swap(next);
  }
  // Each leaf holds one distinct point (duplicates share it).
  const uint64_t mask = Ring{keys.params.out_bits}.mask();
  for (size_t first = 0; first < frontier.size(); first += kLanes) {
    const int size = static_cast<int>(std::min<size_t>(kLanes, frontier.size() - first));
    __m128i converted[kLanes];
    for (int j = 0; j < kLanes; ++j)
      converted[j] = block_with_lsb(frontier[first + std::min(j, size - 1)].walk.node, 0).v;
    aes_ni::mmo_wide<kLanes>(prg.convert, converted);
    for (int j = 0; j < size; ++j) {
      const PrefixNode& leaf = frontier[first + j];
      const uint64_t share =
          dcf_finish(party, leaf.walk, static_cast<uint64_t>(_mm_cvtsi128_si64(converted[j])),
                     keys.final_cw[leaf.key], mask);
      for (uint32_t k = leaf.first; k < leaf.last; ++k) out[leaf.key * per_key + order[k]] = share;
    }
  }
  return prg_calls + frontier.size();
}

template <typename GroupFn>
void for_each_lane_group(uint64_t items, int levels, const GroupFn& fn) {
  const int64_t groups = static_cast<int64_t>((items + kLanes - 1) / kLanes);
#pragma omp parallel for schedule(static) if (groups * (levels + 1) >= kMinParallelGroupLevels)
  for (int64_t g = 0; g < groups; ++g) fn(lanes_of_group(g, items));
}

}  // namespace

uint64_t dpf_compare_points(int party, const DpfKeyBatch& keys, std::span<const uint64_t> points,
                            uint64_t per_key, std::span<uint8_t> out) {
  const char* where = "dpf_compare_points";
  const DpfParams& params = keys.params;
  if (params.n < 1 || params.n > 64 || params.out_bits != 1)
    fail(ErrorKind::kInvalidArgument, "{}: needs 1-bit keys with 1 <= n <= 64, got n = {}, l = {}",
         where, params.n, params.out_bits);
  const uint64_t levels = static_cast<uint64_t>(params.levels());
  if (keys.root.size() != keys.count || keys.level_cw.size() != levels * keys.count ||
      keys.right_t_cw.size() != keys.count || keys.leaf_cw.size() != keys.count)
    fail(ErrorKind::kInvalidArgument, "{}: malformed batch of {} keys", where, keys.count);
  check_points(party, keys.count, keys.root, params.n, points, per_key, out.size(), where);
  const DpfLeafLayout leaf(params.n, params.out_bits);
  for_each_lane_group(points.size(), params.levels(), [&](const Lanes& lanes) {
    compare_lanes(keys, leaf, points, per_key, lanes, out);
  });
  const uint64_t prg_calls = points.size() * (2 * static_cast<uint64_t>(params.levels()) + 1);
  count_prg_calls(prg_calls);
  return prg_calls;
}

uint64_t dcf_eval_points(int party, const DcfKeyBatch& keys, std::span<const uint64_t> points,
                         uint64_t per_key, std::span<uint64_t> out) {
  const char* where = "dcf_eval_points";
  const DcfParams& params = keys.params;
  if (params.n < 1 || params.n > 64 || params.out_bits < 1 || params.out_bits > 64)
    fail(ErrorKind::kInvalidArgument, "{}: n = {} and l = {} must lie in 1..64", where, params.n,
         params.out_bits);
  const uint64_t per_level = static_cast<uint64_t>(params.n) * keys.count;
  if (keys.root.size() != keys.count || keys.level_cw.size() != per_level ||
      keys.right_t_cw.size() != keys.count || keys.value_cw.size() != per_level ||
      keys.final_cw.size() != keys.count)
    fail(ErrorKind::kInvalidArgument, "{}: malformed batch of {} keys", where, keys.count);
  check_points(party, keys.count, keys.root, params.n, points, per_key, out.size(), where);
  if (per_key > std::numeric_limits<uint32_t>::max() / kMaxChunkElements)
    fail(ErrorKind::kInvalidArgument, "{}: {} points per key is too many", where, per_key);
  const uint64_t chunk = std::clamp<uint64_t>(kChunkPoints / per_key, 1, kMaxChunkElements);
  const int64_t chunks = static_cast<int64_t>((keys.count + chunk - 1) / chunk);
  uint64_t prg_calls = 0;
#pragma omp parallel for schedule(dynamic) reduction(+ : prg_calls) \
    if (points.size() * params.n >= kMinParallelPointLevels)
  for (int64_t c = 0; c < chunks; ++c) {
    const uint64_t first = static_cast<uint64_t>(c) * chunk;
    prg_calls += dcf_chunk(party, keys, points, static_cast<uint32_t>(per_key), first,
                           std::min(chunk, keys.count - first), out);
  }
  count_prg_calls(prg_calls);
  return prg_calls;
}

}  // namespace fss
