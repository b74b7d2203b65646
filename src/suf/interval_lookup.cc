#include "suf/interval_lookup.h"

#include <algorithm>

#include "core/error.h"
#include "core/ring.h"
#include "core/words.h"
#include "crypto/backend.h"
#include "mpc/gate_keys.h"

namespace fss::suf {

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
  for (uint64_t c : extra_offsets_) extra_point_.push_back(static_cast<uint32_t>(point_of(c)));
  // Each interval's point is its own (the a_i are distinct and nonzero for i >= 1).
  point_weights_.assign(offsets_.size() * p_, 0);
  for (int q = 0; q < p_; ++q) {
    point_weights_[point_of(0) * p_ + q] = payload_ring.sub(payload_[m - 1][q], payload_[0][q]);
    for (size_t i = 1; i < m; ++i)
      point_weights_[point_of(ring.neg(starts_[i])) * p_ + q] =
          payload_ring.sub(payload_[i - 1][q], payload_[i][q]);
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
  Words sums = words_for_overwrite(count * p_);  // the backend writes every sum
  const uint64_t prg_calls = backend().dcf_offset_sums(
      party, keys, x_hat, {offsets_, static_cast<uint64_t>(p_), point_weights_, extra_point_}, sums,
      extra_bits);
  const Ring ring{n_};
  const uint64_t mask = Ring{l_}.mask();
  for_each_index(count, [&](size_t e) {
    const auto after = std::upper_bound(starts_.begin(), starts_.end(), ring.mod(x_hat[e]));
    finish_payload(party, p_, payload_[after - starts_.begin() - 1].data(), sums.data() + e * p_,
                   mask, payload_shares.data() + e * p_);
  });
  return prg_calls;
}

}  // namespace fss::suf
