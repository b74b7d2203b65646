#include "core/masked_matmul.h"

#include "core/bitpack.h"
#include "core/error.h"

namespace fss {

void check_masked_matmul_arguments(int party, const MaskedMatmulKey& key,
                                   std::span<const uint64_t> x_hat, std::span<const uint64_t> w_hat,
                                   std::span<const uint64_t> share, const MatmulDims& dims,
                                   const char* where) {
  check_matmul_arguments(x_hat, w_hat, share, dims, where);
  if (party != 0 && party != 1) fail(ErrorKind::kInvalidArgument, "{}: party {}", where, party);
  if (key.n < 1 || key.n > 64)
    fail(ErrorKind::kInvalidArgument, "{}: width n={} outside 1..64", where, key.n);
  const struct {
    const PackedValues& field;
    uint64_t count;
    const char* name;
  } fields[] = {{key.r_x, dims.left_size(), "R_X"},
                {key.r_w, dims.right_size(), "R_W"},
                {key.c, dims.out_size(), "C"}};
  for (const auto& [field, count, name] : fields)
    if (field.bytes.size() != packed_bytes(count, key.n))
      fail(ErrorKind::kInvalidArgument,
           "{}: the share of {} has {} bytes; {} values of {} bits take {}", where, name,
           field.bytes.size(), count, key.n, packed_bytes(count, key.n));
}

}  // namespace fss
