#include "core/gap_shift.h"

#include "core/error.h"

namespace fss {

void check_gap_shift_arguments(const GapShiftStep& step, const GapShiftKey& key,
                               std::span<const uint64_t> x_hat, std::span<const uint8_t> carry_hat,
                               std::span<const uint64_t> share, const char* where) {
  const int n = step.ring.n;
  if (step.party != 0 && step.party != 1)
    fail(ErrorKind::kInvalidArgument, "{}: party {}", where, step.party);
  const int max_f = step.arithmetic ? n - 2 : n - 1;
  if (n < 2 || n > 64 || step.f < 1 || step.f > max_f)
    fail(ErrorKind::kInvalidArgument, "{}: {} needs 1 <= f <= {} and n <= 64, got f = {}, n = {}",
         where, step.arithmetic ? "ARS" : "LRS", step.arithmetic ? "n-2" : "n-1", step.f, n);
  const size_t count = x_hat.size();
  if (share.size() != count || carry_hat.size() != packed_bytes(count, 1))
    fail(ErrorKind::kInvalidArgument,
         "{}: {} masked values need {} shares and {} bytes of carry bits, got {} and {}", where,
         count, count, packed_bytes(count, 1), share.size(), carry_hat.size());
  const struct {
    const PackedValues& field;
    int bits;
    const char* name;
  } fields[] = {{key.carry_mask, n, "carry mask share"},
                {key.r_msb, step.f, "mask MSB share"},
                {key.correction, n, "output mask correction"}};
  for (const auto& [field, bits, name] : fields)
    if (field.bytes.size() != packed_bytes(count, bits))
      fail(ErrorKind::kInvalidArgument, "{}: the {} has {} bytes; {} values of {} bits take {}",
           where, name, field.bytes.size(), count, bits, packed_bytes(count, bits));
}

}  // namespace fss
