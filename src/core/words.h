#pragma once
// Buffers of ring words that a loop then writes whole. std::vector<uint64_t>(n) zeroes its n
// words on the allocating thread before that loop runs: a serial pass, and with it the first
// touch of fresh pages, on one thread while the party's other threads wait. Words leaves new
// elements uninitialised instead, and zero_words writes zeros from all OpenMP threads.
//
// With FSSFORMER_POISON_UNINITIALISED=1 in the environment (the tests set it), the words of
// words_for_overwrite hold a poison pattern, so that an element its writer missed shows up as
// garbage in results instead of as whatever the heap held there, often zero.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace fss {

// Elementwise loops (gates' eval, the fills below) run on OpenMP threads from this many elements
// up; below, starting a parallel region costs more than it saves.
inline constexpr int64_t kParallelElements = int64_t{1} << 15;

// std::allocator that default-initialises (leaves uninitialised) what a container value-inits.
template <typename T>
struct UninitialisedAllocator : std::allocator<T> {
  UninitialisedAllocator() = default;
  template <typename U>
  UninitialisedAllocator(const UninitialisedAllocator<U>&) noexcept {}
  template <typename U>
  struct rebind {
    using other = UninitialisedAllocator<U>;
  };
  template <typename U>
  void construct(U* place) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(place)) U;
  }
  template <typename U, typename... Args>
  void construct(U* place, Args&&... args) {
    ::new (static_cast<void*>(place)) U(std::forward<Args>(args)...);
  }
};

using Words = std::vector<uint64_t, UninitialisedAllocator<uint64_t>>;
// Byte buffers likewise, for packed shares that a packer or a receive writes whole.
using UninitialisedBytes = std::vector<uint8_t, UninitialisedAllocator<uint8_t>>;

// Calls body(i) for every i < count: on OpenMP threads from kParallelElements up, else in order
// on the calling thread.
template <typename Body>
void for_each_index(size_t count, const Body& body) {
  const auto n = static_cast<int64_t>(count);
#pragma omp parallel for schedule(static) if (n >= kParallelElements)
  for (int64_t i = 0; i < n; ++i) body(static_cast<size_t>(i));
}

// Block-wise evaluation: a loop that reads key fields as packed bytes and unpacks them block
// by block inside its own loop keeps the unpacked values in cache instead of writing and
// re-reading a vector of 8 bytes per element for each field.
inline constexpr size_t kBlockElements = 2048;  // a multiple of 8: blocks start on byte bounds

// Calls block(first, size) for the blocks [first, first + size) of kBlockElements (the last one
// shorter) that cover `count` elements, on OpenMP threads from kParallelElements elements up.
template <typename Block>
void for_each_block(size_t count, const Block& block) {
  const auto blocks = static_cast<int64_t>((count + kBlockElements - 1) / kBlockElements);
#pragma omp parallel for schedule(static) if (static_cast <int64_t>(count) >= kParallelElements)
  for (int64_t b = 0; b < blocks; ++b) {
    const size_t first = static_cast<size_t>(b) * kBlockElements;
    block(first, std::min(kBlockElements, count - first));
  }
}

// `count` words for a caller that writes every one of them (poisoned under the variable above).
Words words_for_overwrite(size_t count);
// `count` zero words.
Words zero_words(size_t count);
// `count` copies of `value`.
Words filled_words(size_t count, uint64_t value);

}  // namespace fss
