// Fuzzes the wire format of every open (core/bitpack.h), what a party parses from the peer's
// bytes. Input: bit-width selector, count adjustment, then the packed bytes. When unpack accepts
// the bytes, pack must give them back exactly (one valid encoding) and every value must fit in
// n bits; otherwise unpack must throw fss::Error.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/bitpack.h"
#include "core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const int n = data[0] % 64 + 1;
  const std::span<const uint8_t> bytes(data + 2, size - 2);
  // Mostly the count the bytes can hold, sometimes a few less, so that both the valid and the
  // wrong-length paths are explored.
  const size_t capacity = bytes.size() * 8 / n;
  const size_t count = capacity - std::min<size_t>(capacity, data[1] % 4);
  try {
    const std::vector<uint64_t> values = fss::unpack(bytes, n, count);
    for (const uint64_t value : values) {
      if (n < 64 && value >> n != 0) __builtin_trap();
    }
    if (fss::pack(values, n) != std::vector<uint8_t>(bytes.begin(), bytes.end())) __builtin_trap();
  } catch (const fss::Error&) {
  }
  return 0;
}
