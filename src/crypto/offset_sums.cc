#include "crypto/offset_sums.h"

#include <limits>

#include "core/error.h"
#include "core/ring.h"
#include "crypto/fss_checks.h"

namespace fss {

void check_dcf_offset_query(int party, const DcfKeyBatch& keys, size_t x_hat,
                            const DcfOffsetQuery& query, size_t sums, size_t bits,
                            const char* where) {
  check_dcf_batch(party, keys, where);
  const uint64_t points = query.offsets.size(), width = query.width;
  const uint64_t bit_points = query.bit_points.size();
  if (points == 0 || keys.count > std::numeric_limits<uint64_t>::max() / points)
    fail(ErrorKind::kInvalidArgument, "{}: {} keys with {} points each", where, keys.count, points);
  if (width != 0 && points > std::numeric_limits<uint64_t>::max() / width)
    fail(ErrorKind::kInvalidArgument, "{}: {} points with {} sums each", where, points, width);
  if (x_hat != keys.count || query.weights.size() != points * width || sums != keys.count * width ||
      bits != keys.count * bit_points)
    fail(ErrorKind::kInvalidArgument,
         "{}: {} keys, {} points, {} sums and {} bits a key need {} x^, {} weights, {} sums and "
         "{} bits, got {}, {}, {} and {}",
         where, keys.count, points, width, bit_points, keys.count, points * width,
         keys.count * width, keys.count * bit_points, x_hat, query.weights.size(), sums, bits);
  const uint64_t mask = Ring{keys.params.n}.mask();
  for (size_t j = 0; j < points; ++j)
    if (query.offsets[j] > mask)
      fail(ErrorKind::kInvalidArgument, "{}: offset {} = {} is not below 2^{}", where, j,
           query.offsets[j], keys.params.n);
  for (size_t b = 0; b < bit_points; ++b)
    if (query.bit_points[b] >= points)
      fail(ErrorKind::kInvalidArgument, "{}: bit point {} names offset {} of {}", where, b,
           query.bit_points[b], points);
}
}  // namespace fss
