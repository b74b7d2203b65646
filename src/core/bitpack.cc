#include "core/bitpack.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <utility>

#include "core/error.h"

namespace fss {
namespace {

static_assert(std::endian::native == std::endian::little,
              "bitpack copies 64-bit words as little-endian bytes");

void check_width(int n) {
  if (n < 1 || n > 64) fail(ErrorKind::kInvalidArgument, "bitpack: width n={} outside 1..64", n);
}

constexpr uint64_t low_bits_mask(int n) { return n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1; }

// The width is a template parameter so that every shift and mask is a constant; one
// instantiation per width, selected through a table.
//
// Invariant of the streaming loops: `pending` holds `pending_bits` (< 64) stream bits not yet
// written (pack) or not yet returned (unpack), in its low bits.
template <int N>
void pack_width(std::span<const uint64_t> values, uint8_t* out) {
  constexpr uint64_t kMask = low_bits_mask(N);
  uint64_t pending = 0;
  int pending_bits = 0;
  for (uint64_t raw : values) {
    const uint64_t value = raw & kMask;
    pending |= value << pending_bits;
    if (pending_bits + N >= 64) {
      std::memcpy(out, &pending, 8);
      out += 8;
      // The bits of `value` that did not fit; none when the word was empty before it.
      pending = pending_bits == 0 ? 0 : value >> (64 - pending_bits);
      pending_bits += N - 64;
    } else {
      pending_bits += N;
    }
  }
  if (pending_bits > 0) std::memcpy(out, &pending, (pending_bits + 7) / 8);
}

template <int N>
void unpack_width(const uint8_t* in, size_t in_bytes, std::span<uint64_t> out) {
  constexpr uint64_t kMask = low_bits_mask(N);
  if constexpr (N <= 57) {
    // Value i lies within the 8 bytes from byte i*N/8 (a shift of at most 7 plus N <= 64
    // bits), so each value is one independent load, shift and mask. Values whose 8 bytes
    // would run past the buffer load only what is there.
    const size_t full_loads = in_bytes < 8 ? 0 : std::min(out.size(), (in_bytes - 8) * 8 / N + 1);
    for (size_t i = 0; i < full_loads; ++i) {
      uint64_t word;
      std::memcpy(&word, in + i * N / 8, 8);
      out[i] = (word >> (i * N % 8)) & kMask;
    }
    for (size_t i = full_loads; i < out.size(); ++i) {
      uint64_t word = 0;
      std::memcpy(&word, in + i * N / 8, in_bytes - i * N / 8);
      out[i] = (word >> (i * N % 8)) & kMask;
    }
  } else {
    size_t offset = 0;
    uint64_t pending = 0;
    int pending_bits = 0;
    for (uint64_t& value : out) {
      if (pending_bits >= N) {
        value = pending & kMask;
        pending = N == 64 ? 0 : pending >> (N % 64);
        pending_bits -= N;
        continue;
      }
      // Value i ends inside the buffer, so a load starts before its end; the last may be
      // partial.
      uint64_t word = 0;
      std::memcpy(&word, in + offset, std::min<size_t>(8, in_bytes - offset));
      offset += 8;
      value = (pending | word << pending_bits) & kMask;
      const int consumed = N - pending_bits;  // 1..64 bits of `word`
      pending = consumed == 64 ? 0 : word >> (consumed % 64);
      pending_bits = 64 - consumed;
    }
  }
}

using PackFn = void (*)(std::span<const uint64_t>, uint8_t*);
using UnpackFn = void (*)(const uint8_t*, size_t, std::span<uint64_t>);

template <size_t... I>
constexpr std::array<PackFn, 64> make_pack_table(std::index_sequence<I...>) {
  return {&pack_width<I + 1>...};
}
template <size_t... I>
constexpr std::array<UnpackFn, 64> make_unpack_table(std::index_sequence<I...>) {
  return {&unpack_width<I + 1>...};
}
constexpr auto kPackByWidth = make_pack_table(std::make_index_sequence<64>{});
constexpr auto kUnpackByWidth = make_unpack_table(std::make_index_sequence<64>{});

// Long streams are packed and unpacked in chunks of kChunkValues values on OpenMP threads. A
// multiple of 8 values of n bits is n whole bytes, so every chunk starts on a byte boundary
// and threads touch disjoint bytes.
constexpr size_t kChunkValues = size_t{1} << 14;
constexpr int64_t kMinParallelChunks = 4;

// Calls chunk(first value, value count) for consecutive chunks covering `count` values.
template <typename ChunkFn>
void for_each_chunk(size_t count, const ChunkFn& chunk) {
  const auto chunks = static_cast<int64_t>((count + kChunkValues - 1) / kChunkValues);
  // Short streams (gates' 2 048-value key blocks, inside their own parallel loops) skip the
  // OpenMP construct altogether rather than entering a one-thread region.
  if (chunks < kMinParallelChunks) {
    for (int64_t c = 0; c < chunks; ++c) {
      const size_t first = static_cast<size_t>(c) * kChunkValues;
      chunk(first, std::min(kChunkValues, count - first));
    }
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < chunks; ++c) {
    const size_t first = static_cast<size_t>(c) * kChunkValues;
    chunk(first, std::min(kChunkValues, count - first));
  }
}

}  // namespace

size_t packed_bytes(size_t count, int n) {
  check_width(n);
  // count * n / 8 without overflowing count * n for huge counts.
  return count / 8 * n + (count % 8 * n + 7) / 8;
}

void pack(std::span<const uint64_t> values, int n, std::span<uint8_t> out) {
  const size_t expected = packed_bytes(values.size(), n);
  if (out.size() != expected)
    fail(ErrorKind::kInvalidArgument, "bitpack: {} values of {} bits need {} bytes, got {}",
         values.size(), n, expected, out.size());
  if (n == 64) {  // the stream is the values' own little-endian bytes
    if (!values.empty()) std::memcpy(out.data(), values.data(), out.size());
    return;
  }
  for_each_chunk(values.size(), [&](size_t first, size_t count) {
    kPackByWidth[n - 1](values.subspan(first, count), out.data() + first / 8 * n);
  });
}

std::vector<uint8_t> pack(std::span<const uint64_t> values, int n) {
  std::vector<uint8_t> out(packed_bytes(values.size(), n));
  pack(values, n, out);
  return out;
}

void check_packed(std::span<const uint8_t> bytes, size_t count, int n) {
  const size_t expected = packed_bytes(count, n);
  if (bytes.size() != expected)
    fail(ErrorKind::kParse, "bitpack: {} values of {} bits take {} bytes, got {}", count, n,
         expected, bytes.size());
  const int used_bits_in_last_byte = static_cast<int>(count % 8 * n % 8);
  if (used_bits_in_last_byte != 0 && (bytes.back() >> used_bits_in_last_byte) != 0)
    fail(ErrorKind::kParse,
         "bitpack: nonzero padding bits in the last byte ({:#04x}) of {} values of {} bits",
         bytes.back(), count, n);
}

void unpack(std::span<const uint8_t> bytes, int n, std::span<uint64_t> out) {
  check_packed(bytes, out.size(), n);
  if (n == 64) {
    if (!out.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());
    return;
  }
  for_each_chunk(out.size(), [&](size_t first, size_t count) {
    kUnpackByWidth[n - 1](bytes.data() + first / 8 * n, packed_bytes(count, n),
                          out.subspan(first, count));
  });
}

std::vector<uint64_t> unpack(std::span<const uint8_t> bytes, int n, size_t count) {
  std::vector<uint64_t> out(count);
  unpack(bytes, n, out);
  return out;
}

void unpack_block(std::span<const uint8_t> packed, int n, size_t first, std::span<uint64_t> out) {
  unpack(packed.subspan(first / 8 * n, packed_bytes(out.size(), n)), n, out);
}

}  // namespace fss
