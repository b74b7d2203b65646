// Fuzzes the key-stream reader (mpc/key_stream.h) on memory streams. Input layout: one byte k
// (at most 8 are used), k expectations {gate kind u16, element count u64}, then the stream. The
// reader is built for the party named in the stream's header byte and the configuration hash of
// "fuzz" (the seeds carry it), then asked for the k records in order and for the end. Any
// fss::Error is a correct rejection; a crash, sanitizer report or other exception is a finding.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/error.h"
#include "mpc/key_stream.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kExpectationBytes = 10;
  constexpr size_t kPartyOffset = 12;  // in the stream header
  if (size < 1) return 0;
  const size_t expected_records = data[0] % 9;
  const size_t prefix = 1 + expected_records * kExpectationBytes;
  if (size < prefix) return 0;
  const std::span<const uint8_t> stream(data + prefix, size - prefix);
  static const fss::ConfigHash config = fss::config_hash("fuzz");
  const int party = stream.size() > kPartyOffset ? stream[kPartyOffset] & 1 : 0;
  try {
    fss::KeyStreamReader reader = fss::KeyStreamReader::from_memory(stream, party, config, "fuzz");
    for (size_t i = 0; i < expected_records; ++i) {
      uint16_t kind;
      uint64_t elements;
      std::memcpy(&kind, data + 1 + i * kExpectationBytes, 2);
      std::memcpy(&elements, data + 3 + i * kExpectationBytes, 8);
      const std::span<const uint8_t> payload =
          reader.read_record(static_cast<fss::GateKind>(kind), elements);
      // Touch every payload byte: ASan then checks that the span lies inside the input.
      uint8_t sum = 0;
      for (const uint8_t byte : payload) sum ^= byte;
      asm volatile("" : : "r"(sum));
    }
    reader.expect_end();
  } catch (const fss::Error&) {
  }
  return 0;
}
