#include "crypto/compare_offsets.h"

#include <limits>

#include "core/error.h"
#include "crypto/dpf_math.h"

namespace fss {

void check_dpf_offset_query(const DpfParams& params, uint64_t count, size_t x_hat,
                            const DpfOffsetQuery& query, size_t outputs, const char* where) {
  if (params.out_bits != 1)
    fail(ErrorKind::kInvalidArgument, "{}: needs l = 1 keys, got l = {}", where, params.out_bits);
  const uint64_t per_key = query.offsets.size();
  if (per_key == 0 || count > std::numeric_limits<uint64_t>::max() / per_key)
    fail(ErrorKind::kInvalidArgument, "{}: {} keys with {} offsets each", where, count, per_key);
  if (x_hat != count || outputs != count * per_key)
    fail(ErrorKind::kInvalidArgument,
         "{}: {} keys with {} offsets need {} x^ and {} outputs, got {} and {}", where, count,
         per_key, count, count * per_key, x_hat, outputs);
  for (size_t j = 0; j < per_key; ++j)
    if (query.offsets[j] > low_bits_mask(params.n))
      fail(ErrorKind::kInvalidArgument, "{}: offset {} = {} is not below 2^{}", where, j,
           query.offsets[j], params.n);
}

Words dpf_offset_points(std::span<const uint64_t> x_hat, const DpfOffsetQuery& query, int n) {
  const uint64_t per_key = query.offsets.size();
  Words points = words_for_overwrite(x_hat.size() * per_key);
  for_each_index(points.size(), [&](size_t t) {
    points[t] =
        dpf_offset_point(x_hat[t / per_key], query.offsets[t % per_key], n, query.complement);
  });
  return points;
}

}  // namespace fss
