#pragma once
// Buffers of gigabytes (key streams) are first touched page by page. With 4 KiB pages that is
// one fault per page, and on the virtual machines we run on, a first touch also costs the
// hypervisor's work; one thread writing a fresh 2 GB stream spent most of its time in the
// kernel (bench/results/keygen-in-place-2core-20261207.json). These two calls make that cost
// small and parallel: ask for huge pages before the first touch, then fault the pages in from
// all threads at once.
#include <cstddef>

namespace fss {

// Advises the kernel to back the 2 MiB-aligned part of [data, data + bytes) with huge pages.
// Best effort: without transparent huge pages the buffer keeps ordinary pages.
void advise_huge_pages(void* data, size_t bytes);

// Faults [data, data + bytes) in now, from every OpenMP thread (MADV_POPULATE_WRITE), so that
// whoever writes it later finds its pages present. Best effort: a kernel without the call
// leaves the faults to the first writes. The bytes' values are unspecified until written.
void populate_in_parallel(void* data, size_t bytes);

}  // namespace fss
