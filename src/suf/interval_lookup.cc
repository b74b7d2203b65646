#include "suf/interval_lookup.h"

#include <algorithm>
#include <optional>

#include "core/error.h"
#include "core/ring.h"
#include "crypto/backend.h"
#include "mpc/gate_keys.h"
#include "crypto/multi_point.h"

namespace fss::suf {
namespace {

// Keys [begin, end) of a batch (its arrays are level-major).
DcfKeyBatch slice(const DcfKeyBatch& keys, uint64_t begin, uint64_t end) {
  const uint64_t count = end - begin, levels = keys.params.n;
  DcfKeyBatch part;
  part.params = keys.params;
  part.count = count;
  part.root.assign(keys.root.begin() + begin, keys.root.begin() + end);
  part.right_t_cw.assign(keys.right_t_cw.begin() + begin, keys.right_t_cw.begin() + end);
  part.final_cw.assign(keys.final_cw.begin() + begin, keys.final_cw.begin() + end);
  for (uint64_t level = 0; level < levels; ++level) {
    const uint64_t from = level * keys.count;
    part.level_cw.insert(part.level_cw.end(), keys.level_cw.begin() + from + begin,
                         keys.level_cw.begin() + from + end);
    part.value_cw.insert(part.value_cw.end(), keys.value_cw.begin() + from + begin,
                         keys.value_cw.begin() + from + end);
  }
  return part;
}

}  // namespace

IntervalLookup::IntervalLookup(int n, std::vector<uint64_t> starts,
                               std::vector<std::vector<uint64_t>> payload,
                               std::vector<uint64_t> extra_offsets, int payload_bits)
    : n_(n),
      l_(payload_bits == 0 ? n : payload_bits),
      p_(payload.empty() ? 0 : static_cast<int>(payload[0].size())),
      starts_(std::move(starts)),
      payload_(std::move(payload)),
      extra_offsets_(std::move(extra_offsets)) {
  if (n < 1 || n > 64)
    fail(ErrorKind::kInvalidArgument, "interval lookup: n = {} outside 1..64", n);
  if (l_ < n || l_ > 64)
    fail(ErrorKind::kInvalidArgument, "interval lookup: payload bits {} outside n = {}..64", l_, n);
  const Ring ring{n};
  const Ring payload_ring{l_};
  const size_t m = starts_.size();
  if (m < 2 || starts_[0] != 0)
    fail(ErrorKind::kInvalidArgument,
         "interval lookup: needs at least 2 intervals starting at a_0 = 0, got {}", m);
  for (size_t i = 1; i < m; ++i)
    if (starts_[i] <= starts_[i - 1] || starts_[i] > ring.mask())
      fail(ErrorKind::kInvalidArgument,
           "interval lookup: a_{} = {} must exceed a_{} = {} and be below 2^{}", i, starts_[i],
           i - 1, starts_[i - 1], n);
  if (payload_.size() != m)
    fail(ErrorKind::kInvalidArgument, "interval lookup: {} intervals but {} payload rows", m,
         payload_.size());
  for (size_t i = 0; i < m; ++i) {
    if (payload_[i].size() != static_cast<size_t>(p_))
      fail(ErrorKind::kInvalidArgument, "interval lookup: payload row {} has {} values, row 0 {}",
           i, payload_[i].size(), p_);
    for (uint64_t v : payload_[i])
      if (v > payload_ring.mask())
        fail(ErrorKind::kInvalidArgument, "interval lookup: payload {} of row {} exceeds 2^{}", v,
             i, l_);
  }
  for (uint64_t c : extra_offsets_)
    if (c > ring.mask())
      fail(ErrorKind::kInvalidArgument, "interval lookup: extra offset {} is not below 2^{}", c, n);

  // Distinct offsets in ascending order, so that every element's points x^ + c are a rotation of
  // a sorted list (multi_point.h sorts those in linear time).
  offsets_.push_back(0);
  for (size_t i = 1; i < m; ++i) offsets_.push_back(ring.neg(starts_[i]));
  offsets_.insert(offsets_.end(), extra_offsets_.begin(), extra_offsets_.end());
  std::sort(offsets_.begin(), offsets_.end());
  offsets_.erase(std::unique(offsets_.begin(), offsets_.end()), offsets_.end());
  const auto point_of = [&](uint64_t offset) {
    return static_cast<int>(std::lower_bound(offsets_.begin(), offsets_.end(), offset) -
                            offsets_.begin());
  };
  lookup_point_.push_back(point_of(0));
  for (size_t i = 1; i < m; ++i) lookup_point_.push_back(point_of(ring.neg(starts_[i])));
  for (uint64_t c : extra_offsets_) extra_point_.push_back(point_of(c));
  weights_.resize(m * p_);
  for (int q = 0; q < p_; ++q) {
    weights_[q] = payload_ring.sub(payload_[m - 1][q], payload_[0][q]);
    for (size_t i = 1; i < m; ++i)
      weights_[i * p_ + q] = payload_ring.sub(payload_[i - 1][q], payload_[i][q]);
  }
}

uint64_t IntervalLookup::key_bytes(uint64_t count) const {
  return kDcfBatchHeaderBytes + count * dcf_key_bytes({n_, l_});
}

uint64_t IntervalLookup::max_prg_calls_per_element() const {
  return offsets_.size() * (2 * static_cast<uint64_t>(n_) + 1);
}

void IntervalLookup::gen(std::span<const uint64_t> masks, SeededPrg& prg, ByteWriter& key0,
                         ByteWriter& key1) const {
  const Ring ring{n_};
  std::vector<uint64_t> points(masks.size());
  for (size_t e = 0; e < masks.size(); ++e) points[e] = ring.mod(masks[e]);
  const std::vector<uint64_t> ones(masks.size(), 1);
  const DcfKeyPair keys = backend().dcf_gen({n_, l_}, points, ones, prg.next_block());
  serialize(keys.party[0], key0);
  serialize(keys.party[1], key1);
}

uint64_t IntervalLookup::eval(int party, ByteReader& key, std::span<const uint64_t> x_hat,
                              std::span<uint64_t> payload_shares,
                              std::span<uint8_t> extra_bits) const {
  const uint64_t count = x_hat.size();
  const uint64_t extras = extra_offsets_.size();
  if (payload_shares.size() != count * p_ || extra_bits.size() != count * extras)
    fail(ErrorKind::kInvalidArgument,
         "interval lookup: {} elements need {} payload shares and {} extra bits, got {} and {}",
         count, count * p_, count * extras, payload_shares.size(), extra_bits.size());
  const DcfKeyBatch keys = deserialize_dcf_keys(key);
  if (keys.count != count || keys.params.n != n_ || keys.params.out_bits != l_)
    fail(ErrorKind::kParse,
         "{}: interval lookup batch holds {} keys with n = {}, l = {}; expected {} with n = {}, "
         "l = {}",
         key.source(), keys.count, keys.params.n, keys.params.out_bits, count, n_, l_);
  const Ring ring{n_};
  const uint64_t per_key = offsets_.size();
  // Elements go through in chunks of about kChunkPoints points, so that a call's memory does not
  // grow with count * P (a softmax of BERT-base with 1024 steps would need gigabytes at once).
  constexpr uint64_t kChunkPoints = uint64_t{1} << 22;
  const uint64_t chunk = std::max<uint64_t>(64, kChunkPoints / per_key);
  std::vector<uint64_t> points, shares;
  uint64_t prg_calls = 0;
  for (uint64_t begin = 0; begin < count; begin += chunk) {
    const uint64_t end = std::min(count, begin + chunk), size = end - begin;
    points.resize(size * per_key);
    shares.resize(size * per_key);
    const auto elements = static_cast<int64_t>(size);
#pragma omp parallel for schedule(static) if (size * per_key >= \
                                              static_cast <uint64_t>(kParallelElements))
    for (int64_t i = 0; i < elements; ++i)
      for (uint64_t j = 0; j < per_key; ++j)
        points[i * per_key + j] = ring.add(x_hat[begin + i], offsets_[j]);
    // The whole batch by reference when it fits one chunk; a slice otherwise.
    std::optional<DcfKeyBatch> sliced;
    const DcfKeyBatch& batch = chunk >= count ? keys : sliced.emplace(slice(keys, begin, end));
    if (!backend().dcf_eval_points(party, batch, points, per_key, shares))
      prg_calls += dcf_eval_points(party, batch, points, per_key, shares);
#pragma omp parallel if (size * per_key >= static_cast <uint64_t>(kParallelElements))
    {
      std::vector<uint64_t> lookup_shares(intervals());
#pragma omp for schedule(static)
      for (int64_t i = 0; i < elements; ++i) {
        const uint64_t e = begin + i;
        const uint64_t* mine = shares.data() + i * per_key;
        for (int k = 0; k < intervals(); ++k) lookup_shares[k] = mine[lookup_point_[k]];
        const auto after = std::upper_bound(starts_.begin(), starts_.end(), ring.mod(x_hat[e]));
        const uint64_t* public_row = payload_[after - starts_.begin() - 1].data();
        combine_payload(party, intervals(), p_, public_row, weights_.data(), lookup_shares.data(),
                        Ring{l_}.mask(), payload_shares.data() + e * p_);
        for (uint64_t j = 0; j < extras; ++j)
          extra_bits[e * extras + j] = mine[extra_point_[j]] & 1;
      }
    }
  }
  return prg_calls;
}

}  // namespace fss::suf
