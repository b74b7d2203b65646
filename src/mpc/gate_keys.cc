#include "mpc/gate_keys.h"

#include "core/ring.h"

namespace fss {

SharePair share_values(SeededPrg& prg, std::span<const uint64_t> values, int bits) {
  const Ring ring{bits};
  SharePair pair;
  pair.party[0].resize(values.size());
  pair.party[1].resize(values.size());
  prg.fill_ring(bits, pair.party[0]);
  const int64_t count = static_cast<int64_t>(values.size());
#pragma omp parallel for schedule(static) if (count >= kParallelElements)
  for (int64_t i = 0; i < count; ++i) pair.party[1][i] = ring.sub(values[i], pair.party[0][i]);
  return pair;
}

void write_packed(ByteWriter& out, std::span<const uint64_t> values, int bits) {
  pack(values, bits, out.grow(packed_bytes(values.size(), bits)));
}

Words read_packed(ByteReader& in, size_t count, int bits, const char* what) {
  Words values = words_for_overwrite(count);
  unpack(in.take(packed_bytes(count, bits), what), bits, values);
  return values;
}

std::span<const uint8_t> read_packed_bytes(ByteReader& in, size_t count, int bits,
                                           const char* what) {
  const std::span<const uint8_t> bytes = in.take(packed_bytes(count, bits), what);
  check_packed(bytes, count, bits);
  return bytes;
}

PackedValues read_packed_values(ByteReader& in, size_t count, int bits, const char* what) {
  const uint8_t* device = in.device_address();
  return {read_packed_bytes(in, count, bits, what), device};
}

}  // namespace fss
