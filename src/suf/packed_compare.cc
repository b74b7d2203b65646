#include "suf/packed_compare.h"

#include <algorithm>

#include "core/error.h"
#include "core/ring.h"
#include "crypto/backend.h"
#include "mpc/gate_keys.h"

namespace fss::suf {

PackedComparison::PackedComparison(int n, std::vector<Query> queries)
    : n_(n), queries_(std::move(queries)) {
  if (n < 1 || n > 64)
    fail(ErrorKind::kInvalidArgument, "packed comparison: n = {} outside 1..64", n);
  for (size_t t = 0; t < queries_.size(); ++t) {
    const Query& q = queries_[t];
    if (q.k < 1 || q.k > n)
      fail(ErrorKind::kInvalidArgument, "packed comparison: query {} has width k = {}, not 1..{}",
           t, q.k, n);
    if (q.offset > Ring{q.k}.mask())
      fail(ErrorKind::kInvalidArgument, "packed comparison: query {} has offset {}, not below 2^{}",
           t, q.offset, q.k);
    const auto found = std::find(widths_.begin(), widths_.end(), q.k);
    if (found == widths_.end()) {
      widths_.push_back(q.k);
      group_queries_.emplace_back();
    }
    group_queries_[std::find(widths_.begin(), widths_.end(), q.k) - widths_.begin()].push_back(
        static_cast<int>(t));
  }
}

uint64_t PackedComparison::key_bytes(uint64_t count) const {
  uint64_t bytes = 0;
  for (int k : widths_) bytes += kDpfBatchHeaderBytes + count * dpf_key_bytes({k, 1});
  return bytes;
}

uint64_t PackedComparison::prg_calls_per_element() const {
  uint64_t calls = 0;
  for (const Query& q : queries_)
    calls += 2 * static_cast<uint64_t>(DpfParams{q.k, 1}.levels()) + 1;
  return calls;
}

void PackedComparison::gen(std::span<const uint64_t> masks, SeededPrg& prg, ByteWriter& key0,
                           ByteWriter& key1) const {
  const std::vector<uint64_t> ones(masks.size(), 1);
  std::vector<uint64_t> points(masks.size());
  for (int k : widths_) {
    for (size_t e = 0; e < masks.size(); ++e) points[e] = Ring{k}.mod(masks[e]);
    const DpfKeyPair keys = backend().dpf_gen({k, 1}, points, ones, prg.next_block());
    serialize(keys.party[0], key0);
    serialize(keys.party[1], key1);
  }
}

uint64_t PackedComparison::eval(int party, ByteReader& key, std::span<const uint64_t> x_hat,
                                std::span<uint8_t> out) const {
  const uint64_t count = x_hat.size();
  const uint64_t total = queries_.size();
  if (out.size() != count * total)
    fail(ErrorKind::kInvalidArgument, "packed comparison: {} elements x {} queries, {} outputs",
         count, total, out.size());
  std::vector<uint64_t> offsets;
  std::vector<uint8_t> bits;
  uint64_t prg_calls = 0;
  for (size_t g = 0; g < widths_.size(); ++g) {
    const int k = widths_[g];
    const DpfKeyRecord keys = read_dpf_record(key);
    if (keys.count != count || keys.params.n != k || keys.params.out_bits != 1)
      fail(ErrorKind::kParse,
           "{}: packed comparison batch {} holds {} keys with n = {}, l = {}; expected {} keys "
           "with n = {}, l = 1",
           key.source(), g, keys.count, keys.params.n, keys.params.out_bits, count, k);
    const std::vector<int>& members = group_queries_[g];
    const uint64_t per_key = members.size();
    // view_{k,c}(x^) = (x^ + c) mod 2^k: the backend makes the points from x^.
    offsets.resize(per_key);
    for (uint64_t j = 0; j < per_key; ++j) offsets[j] = queries_[members[j]].offset;
    bits.resize(count * per_key);
    prg_calls += backend().dpf_compare_offsets(party, keys, x_hat, {offsets}, bits);
    const auto elements = static_cast<int64_t>(count);
#pragma omp parallel for schedule(static) if (elements >= kParallelElements)
    for (int64_t e = 0; e < elements; ++e)
      for (uint64_t j = 0; j < per_key; ++j) out[e * total + members[j]] = bits[e * per_key + j];
  }
  return prg_calls;
}

}  // namespace fss::suf
