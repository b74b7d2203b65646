#pragma once
// Counts fixed-key PRG block evaluations (one AES block through the MMO PRG of crypto/prg.h
// counts 1) made by the CPU FSS code, for the per-gate cost accounting (mpc/cost.h). Each
// batch function adds its keys' calls to the counter of the thread that called it, once, after
// its worker threads finish; lanes that only pad a SIMD group are not counted. The counter is
// per thread and never decreases, so a caller books the difference around its own calls.
#include <cstdint>

namespace fss {

namespace detail {
inline thread_local uint64_t prg_calls_counter = 0;
}  // namespace detail

// Every PRG block evaluation booked on this thread so far.
inline uint64_t prg_calls_on_this_thread() { return detail::prg_calls_counter; }

// Books `calls` PRG block evaluations on this thread; for the batch functions that make them.
inline void count_prg_calls(uint64_t calls) { detail::prg_calls_counter += calls; }

}  // namespace fss
