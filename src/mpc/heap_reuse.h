#pragma once
// Process-wide allocator policy for online runs. Gates allocate and free buffers of tens to
// hundreds of MB per call (key batches, unpacked masks, matmul operands); glibc's defaults hand
// such blocks back to the kernel on free, so every call pays fresh page faults and zeroing
// (measured: ~40% of bert-base's online time on the CPU). This keeps freed memory in the
// process, in one arena, for the next gate to reuse; the price is that peak memory stays mapped.
namespace fss {

// Call at program start, before other threads start.
// Best effort: an allocator without these knobs keeps its own policy.
void keep_freed_memory_for_reuse();

}  // namespace fss
