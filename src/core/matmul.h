#pragma once
// Matrix products over Z_{2^64} on the CPU: the bulk kernel under every matmul gate
// (ARCHITECTURE.md §4). Values wrap mod 2^64, so callers on Z_{2^n} reduce the result mod 2^n
// (2^n divides 2^64, so the low n bits are exact). Cache-blocked with packed panels, a register-
// tiled AVX-512 (vpmullq) or AVX2 micro-kernel chosen at run time, OpenMP over output tiles.
#include <cstdint>
#include <span>

namespace fss {

// C[b] = A[b] * B (or B[b]), all row-major: A is [batch, rows, inner], C [batch, rows, cols],
// B one [inner, cols] matrix shared by the batch, or [batch, inner, cols] if batched_right.
struct MatmulDims {
  int64_t batch = 1;
  int64_t rows = 0;
  int64_t inner = 0;
  int64_t cols = 0;
  bool batched_right = false;

  uint64_t left_size() const { return uint64_t(batch) * rows * inner; }
  uint64_t right_size() const { return uint64_t(batched_right ? batch : 1) * inner * cols; }
  uint64_t out_size() const { return uint64_t(batch) * rows * cols; }
};

// kBest is the fastest kernel this CPU runs; the others exist so that tests cover each path.
enum class MatmulKernel { kBest, kAvx2, kAvx512 };

// Throws kInvalidArgument, naming `where`, on a negative dimension, on spans whose sizes differ
// from dims' left/right/out sizes, or if c overlaps a or b (shared with the GPU's matmul).
void check_matmul_arguments(std::span<const uint64_t> a, std::span<const uint64_t> b,
                            std::span<const uint64_t> c, const MatmulDims& dims, const char* where);

// Whether this CPU can run `kernel` (kBest and kAvx2 always; kAvx512 needs AVX-512F/DQ).
bool matmul_kernel_supported(MatmulKernel kernel);

// c = a * b mod 2^64 (c is overwritten). Throws kInvalidArgument on a negative dimension, on
// spans whose sizes differ from dims' left/right/out sizes, if c overlaps a or b, or for a
// kernel this CPU cannot run.
void matmul(std::span<const uint64_t> a, std::span<const uint64_t> b, std::span<uint64_t> c,
            const MatmulDims& dims, MatmulKernel kernel = MatmulKernel::kBest);

}  // namespace fss
