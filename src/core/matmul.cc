#include "core/matmul.h"

#include <immintrin.h>

#include <algorithm>
#include <bit>
#include <functional>
#include <vector>

#include "core/error.h"

namespace fss {
namespace {

// Blocking (Goto's scheme): B is packed once into column strips per slice of kInnerBlock inner
// indices. One task computes a kRowBlock x kColBlock block of C: per slice it packs its rows of
// A into row panels (L2), and the micro-kernel sweeps each B strip (L1) against every panel.
constexpr int64_t kInnerBlock = 256;
constexpr int64_t kRowBlock = 64;
constexpr int64_t kColBlock = 256;
// Below this many multiply-adds a product runs on one thread.
constexpr uint64_t kParallelThreshold = uint64_t{1} << 18;

// A micro-kernel: c[tile_rows x tile_cols] (+)= packed A panel * packed B strip over kc inner
// indices. A panel: for each k, tile_rows values. B strip: for each k, tile_cols values, then
// (if right_swapped) the same values with their 32-bit halves swapped.
struct Kernel {
  int tile_rows;
  int tile_cols;
  bool right_swapped;
  void (*tile)(int64_t kc, const uint64_t* a, const uint64_t* b, uint64_t* c, int64_t ldc,
               bool accumulate);
};

// AVX2 has no 64-bit multiply. With a = a1*2^32 + a0, b = b1*2^32 + b0:
// a*b mod 2^64 = a0*b0 + ((a0*b1 + a1*b0) mod 2^32) * 2^32. vpmuludq gives a0*b0; vpmulld on
// (a, b with halves swapped) gives a0*b1 and a1*b0 in the two 32-bit lanes, which accumulate
// mod 2^32 on their own and are folded into the high half once per tile.
constexpr int kAvx2Rows = 4;
constexpr int kAvx2Cols = 4;

void tile_avx2(int64_t kc, const uint64_t* a, const uint64_t* b, uint64_t* c, int64_t ldc,
               bool accumulate) {
  __m256i low[kAvx2Rows], cross[kAvx2Rows];
  for (int i = 0; i < kAvx2Rows; ++i) low[i] = cross[i] = _mm256_setzero_si256();
  for (int64_t k = 0; k < kc; ++k) {
    const __m256i right =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 2 * kAvx2Cols * k));
    const __m256i swapped =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 2 * kAvx2Cols * k + kAvx2Cols));
    for (int i = 0; i < kAvx2Rows; ++i) {
      const __m256i left = _mm256_set1_epi64x(static_cast<int64_t>(a[kAvx2Rows * k + i]));
      low[i] = _mm256_add_epi64(low[i], _mm256_mul_epu32(left, right));
      cross[i] = _mm256_add_epi32(cross[i], _mm256_mullo_epi32(left, swapped));
    }
  }
  for (int i = 0; i < kAvx2Rows; ++i) {
    const __m256i high =
        _mm256_slli_epi64(_mm256_add_epi64(cross[i], _mm256_srli_epi64(cross[i], 32)), 32);
    __m256i sum = _mm256_add_epi64(low[i], high);
    auto* out = reinterpret_cast<__m256i*>(c + i * ldc);
    if (accumulate) sum = _mm256_add_epi64(sum, _mm256_loadu_si256(out));
    _mm256_storeu_si256(out, sum);
  }
}

constexpr int kAvx512Rows = 8;
constexpr int kAvx512Cols = 16;

__attribute__((target("avx512f,avx512dq"))) void tile_avx512(int64_t kc, const uint64_t* a,
                                                             const uint64_t* b, uint64_t* c,
                                                             int64_t ldc, bool accumulate) {
  __m512i sum[kAvx512Rows][2];
  for (int i = 0; i < kAvx512Rows; ++i) sum[i][0] = sum[i][1] = _mm512_setzero_si512();
  for (int64_t k = 0; k < kc; ++k) {
    const __m512i right0 = _mm512_loadu_si512(b + kAvx512Cols * k);
    const __m512i right1 = _mm512_loadu_si512(b + kAvx512Cols * k + 8);
    for (int i = 0; i < kAvx512Rows; ++i) {
      const __m512i left = _mm512_set1_epi64(static_cast<int64_t>(a[kAvx512Rows * k + i]));
      sum[i][0] = _mm512_add_epi64(sum[i][0], _mm512_mullo_epi64(left, right0));
      sum[i][1] = _mm512_add_epi64(sum[i][1], _mm512_mullo_epi64(left, right1));
    }
  }
  for (int i = 0; i < kAvx512Rows; ++i) {
    for (int half = 0; half < 2; ++half) {
      uint64_t* out = c + i * ldc + 8 * half;
      __m512i value = sum[i][half];
      if (accumulate) value = _mm512_add_epi64(value, _mm512_loadu_si512(out));
      _mm512_storeu_si512(out, value);
    }
  }
}

bool cpu_has_avx512() {
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
  return has;
}

Kernel select_kernel(MatmulKernel choice) {
  if (!matmul_kernel_supported(choice))
    fail(ErrorKind::kInvalidArgument, "matmul: this CPU cannot run the AVX-512 kernel");
  const bool avx512 =
      choice == MatmulKernel::kAvx512 || (choice == MatmulKernel::kBest && cpu_has_avx512());
  if (avx512) return {kAvx512Rows, kAvx512Cols, false, tile_avx512};
  return {kAvx2Rows, kAvx2Cols, true, tile_avx2};
}

int64_t round_up(int64_t value, int64_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// Rows [0, rows) x inner [0, kc) of A (leading dimension lda) into panels of tile_rows rows,
// zero-padded.
void pack_left(const uint64_t* a, int64_t lda, int64_t rows, int64_t kc, int tile_rows,
               uint64_t* packed) {
  for (int64_t panel = 0; panel < rows; panel += tile_rows) {
    const int64_t valid = std::min<int64_t>(tile_rows, rows - panel);
    for (int64_t k = 0; k < kc; ++k) {
      for (int64_t i = 0; i < valid; ++i) packed[i] = a[(panel + i) * lda + k];
      for (int64_t i = valid; i < tile_rows; ++i) packed[i] = 0;
      packed += tile_rows;
    }
  }
}

// The whole right operand is packed once, before the tasks start, and shared by all of them:
// per product, per slice of kInnerBlock inner indices, per strip of tile_cols columns, the
// slice's kc rows of the strip (each row followed by its swapped copy if the kernel wants one).
struct RightLayout {
  int64_t inner, cols;
  int width;              // tile_cols
  int64_t words_per_col;  // 2 with the swapped copy, else 1

  int64_t strips() const { return (cols + width - 1) / width; }
  int64_t strip_words() const { return width * words_per_col; }
  int64_t product_words() const { return inner * strips() * strip_words(); }
  int64_t offset(int64_t product, int64_t k0, int64_t kc, int64_t col) const {
    return product * product_words() + k0 * strips() * strip_words() +
           (col / width) * kc * strip_words();
  }
};

// Column strip `strip` of one product's B (inner x cols, row-major) into `packed`.
void pack_right_strip(const uint64_t* b, const RightLayout& layout, int64_t product, int64_t strip,
                      uint64_t* packed) {
  const int width = layout.width;
  const int64_t col0 = strip * width;
  const int64_t valid = std::min<int64_t>(width, layout.cols - col0);
  for (int64_t k0 = 0; k0 < layout.inner; k0 += kInnerBlock) {
    const int64_t kc = std::min(kInnerBlock, layout.inner - k0);
    uint64_t* out = packed + layout.offset(product, k0, kc, col0);
    for (int64_t k = k0; k < k0 + kc; ++k) {
      const uint64_t* row = b + k * layout.cols + col0;
      for (int64_t j = 0; j < valid; ++j) out[j] = row[j];
      for (int64_t j = valid; j < width; ++j) out[j] = 0;
      if (layout.words_per_col == 2)
        for (int64_t j = 0; j < width; ++j) out[width + j] = std::rotl(out[j], 32);
      out += layout.strip_words();
    }
  }
}

struct Operands {
  const uint64_t* a;         // rows x inner
  const uint64_t* packed_b;  // the packed right operand of all products
  uint64_t* c;               // rows x cols
  int64_t product;
  int64_t rows;
};

// One block of C: rows [row0, row0 + kRowBlock), cols [col0, col0 + kColBlock), clipped.
void compute_block(const Operands& op, const RightLayout& layout, int64_t row0, int64_t col0,
                   const Kernel& kernel, std::vector<uint64_t>& packed_a) {
  const int64_t rows = std::min(kRowBlock, op.rows - row0);
  const int64_t cols = std::min(kColBlock, layout.cols - col0);
  const int width = kernel.tile_cols;
  const int64_t ldc = layout.cols;
  uint64_t edge[kAvx512Rows * kAvx512Cols];
  for (int64_t k0 = 0; k0 < layout.inner; k0 += kInnerBlock) {
    const int64_t kc = std::min(kInnerBlock, layout.inner - k0);
    const bool accumulate = k0 > 0;
    pack_left(op.a + row0 * layout.inner + k0, layout.inner, rows, kc, kernel.tile_rows,
              packed_a.data());
    for (int64_t j = 0; j < cols; j += width) {
      const uint64_t* strip = op.packed_b + layout.offset(op.product, k0, kc, col0 + j);
      for (int64_t i = 0; i < rows; i += kernel.tile_rows) {
        const uint64_t* panel = packed_a.data() + i * kc;
        uint64_t* out = op.c + (row0 + i) * ldc + col0 + j;
        const int64_t valid_rows = std::min<int64_t>(kernel.tile_rows, rows - i);
        const int64_t valid_cols = std::min<int64_t>(width, cols - j);
        if (valid_rows == kernel.tile_rows && valid_cols == width) {
          kernel.tile(kc, panel, strip, out, ldc, accumulate);
          continue;
        }
        kernel.tile(kc, panel, strip, edge, width, false);
        for (int64_t r = 0; r < valid_rows; ++r)
          for (int64_t s = 0; s < valid_cols; ++s)
            out[r * ldc + s] = (accumulate ? out[r * ldc + s] : 0) + edge[r * width + s];
      }
    }
  }
}

bool overlaps(std::span<const uint64_t> x, std::span<const uint64_t> y) {
  if (x.empty() || y.empty()) return false;
  const std::less<const uint64_t*> before;
  return before(x.data(), y.data() + y.size()) && before(y.data(), x.data() + x.size());
}

}  // namespace

void check_matmul_arguments(std::span<const uint64_t> a, std::span<const uint64_t> b,
                            std::span<const uint64_t> c, const MatmulDims& dims,
                            const char* where) {
  if (dims.batch < 0 || dims.rows < 0 || dims.inner < 0 || dims.cols < 0)
    fail(ErrorKind::kInvalidArgument, "{}: negative dimension in [{}, {}, {}] x [{}, {}]", where,
         dims.batch, dims.rows, dims.inner, dims.inner, dims.cols);
  if (a.size() != dims.left_size() || b.size() != dims.right_size() || c.size() != dims.out_size())
    fail(ErrorKind::kInvalidArgument,
         "{}: operand sizes {}, {}, {} do not match batch {}, {}x{} times {}x{} ({}, {}, {})",
         where, a.size(), b.size(), c.size(), dims.batch, dims.rows, dims.inner, dims.inner,
         dims.cols, dims.left_size(), dims.right_size(), dims.out_size());
  if (overlaps(a, c) || overlaps(b, c))
    fail(ErrorKind::kInvalidArgument, "{}: the output overlaps an operand", where);
}

bool matmul_kernel_supported(MatmulKernel kernel) {
  return kernel != MatmulKernel::kAvx512 || cpu_has_avx512();
}

void matmul(std::span<const uint64_t> a, std::span<const uint64_t> b, std::span<uint64_t> c,
            const MatmulDims& dims, MatmulKernel kernel_choice) {
  check_matmul_arguments(a, b, c, dims, "matmul");
  const Kernel kernel = select_kernel(kernel_choice);
  if (dims.inner == 0) {
    std::fill(c.begin(), c.end(), 0);
    return;
  }
  // A shared right operand lets the whole batch run as one product with batch * rows rows.
  const int64_t products = dims.batched_right ? dims.batch : 1;
  const int64_t rows = dims.batched_right ? dims.rows : dims.batch * dims.rows;
  const RightLayout layout{dims.inner, dims.cols, kernel.tile_cols, kernel.right_swapped ? 2 : 1};
  std::vector<uint64_t> packed_b(products * layout.product_words());
  const int64_t row_blocks = (rows + kRowBlock - 1) / kRowBlock;
  const int64_t col_blocks = (dims.cols + kColBlock - 1) / kColBlock;
  const int64_t tasks = products * row_blocks * col_blocks;
  const int64_t strips = products * layout.strips();
  const size_t packed_a_words = round_up(kRowBlock, kernel.tile_rows) * kInnerBlock;
  // Built without OpenMP, the pragmas are skipped and the loops run on this thread.
#ifdef _OPENMP
#pragma omp parallel if (uint64_t(products) * rows * dims.inner * dims.cols > kParallelThreshold)
#endif
  {
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
    for (int64_t strip = 0; strip < strips; ++strip) {
      const int64_t product = strip / layout.strips();
      pack_right_strip(b.data() + product * dims.inner * dims.cols, layout, product,
                       strip % layout.strips(), packed_b.data());
    }
    std::vector<uint64_t> packed_a(packed_a_words);
#ifdef _OPENMP
#pragma omp for schedule(dynamic)
#endif
    for (int64_t task = 0; task < tasks; ++task) {
      const int64_t product = task / (row_blocks * col_blocks);
      const int64_t block = task % (row_blocks * col_blocks);
      const Operands op{a.data() + product * rows * dims.inner, packed_b.data(),
                        c.data() + product * rows * dims.cols, product, rows};
      compute_block(op, layout, (block / col_blocks) * kRowBlock, (block % col_blocks) * kColBlock,
                    kernel, packed_a);
    }
  }
}

}  // namespace fss
