// The PRG-call counter of crypto/prg_counter.h, checked against the calls each construction
// makes on paper (counted per key, idle SIMD lanes excluded; the roots of key generation come
// from AES under the dealer's seed key and are not PRG calls):
//   DPF, L = n - nu levels, nu = min(n, floor(log2(128 / l))):
//     dpf_compare_eval  2 L + 1      (both children at each level, then the leaf conversion)
//     dpf_eval          L + 1        (the child on x's path at each level, then the leaf)
//     dpf_gen           2 (2 L + 1)  (both parties' paths, both children, then both leaves)
//     dpf_eval_full_domain (one key)  2 (2^L - 1) + 2^L = 3 * 2^L - 2
//   DCF, a full-depth tree of n levels:
//     dcf_eval          2 n + 1      (the seed and the value block on x's path, then the leaf)
//     dcf_gen           2 (4 n + 1)  (both parties: seed and value blocks of both children)
// The count must not depend on the OpenMP team size: it lands on the calling thread.
#include "crypto/prg_counter.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include "crypto/dcf.h"
#include "crypto/dpf.h"

namespace fss {
namespace {

// 1, a partial group, exactly one group, one past it, a multi-group batch, and one large
// enough for the OpenMP team of both DPF (>= 64 groups of 8) and DCF (>= 2048 group-levels).
const uint64_t kBatchSizes[] = {1, 7, 8, 9, 1000, 4100};

uint64_t mask_bits(int bits) { return bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1; }

// nu from the leaf layout: 2^nu slots of at least l bits in a 128-bit block, at most 2^n.
int leaf_bits_on_paper(int n, int out_bits) {
  int nu = 0;
  while (nu < n && (uint64_t{128} >> (nu + 1)) >= static_cast<uint64_t>(out_bits)) ++nu;
  return nu;
}

std::vector<uint64_t> random_values(uint64_t seed, uint64_t count, int bits) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> values(count);
  for (uint64_t& v : values) v = rng() & mask_bits(bits);
  return values;
}

// The calls fn books on this thread, with OpenMP teams of 1 and 2; expects them to agree.
template <typename Fn>
uint64_t counted_calls(const Fn& fn) {
  const int threads = omp_get_max_threads();
  uint64_t calls[2];
  for (int team : {1, 2}) {
    omp_set_num_threads(team);
    const uint64_t before = prg_calls_on_this_thread();
    fn();
    calls[team - 1] = prg_calls_on_this_thread() - before;
  }
  omp_set_num_threads(threads);
  EXPECT_EQ(calls[0], calls[1]) << "the count depends on the OpenMP team size";
  return calls[0];
}

TEST(PrgCounter, DpfGenEvalAndCompare) {
  for (int n : {3, 7, 8, 20, 50, 64}) {
    for (int out_bits : {1, 16, 64}) {
      const int levels = n - leaf_bits_on_paper(n, out_bits);
      for (uint64_t count : kBatchSizes) {
        const uint64_t seed = 1000 * n + count + out_bits;
        SCOPED_TRACE(testing::Message() << "n = " << n << ", l = " << out_bits
                                        << ", count = " << count << ", seed = " << seed);
        const DpfParams params{n, out_bits};
        ASSERT_EQ(params.levels(), levels);
        const std::vector<uint64_t> alphas = random_values(seed, count, n);
        const std::vector<uint64_t> betas = random_values(seed + 1, count, out_bits);
        const std::vector<uint64_t> xs = random_values(seed + 2, count, n);
        const uint64_t l = static_cast<uint64_t>(levels);
        DpfKeyPair pair;
        EXPECT_EQ(counted_calls([&] {
                    pair = dpf_gen(params, alphas, betas, Block{3, 4});
                  }),
                  count * 2 * (2 * l + 1));
        std::vector<uint64_t> out(count);
        EXPECT_EQ(counted_calls([&] { dpf_eval(1, pair.party[1], xs, out); }), count * (l + 1));
        if (out_bits == 1) {
          std::vector<uint8_t> bits(count);
          EXPECT_EQ(counted_calls([&] { dpf_compare_eval(0, pair.party[0], xs, bits); }),
                    count * (2 * l + 1));
        }
      }
    }
  }
}

TEST(PrgCounter, DpfFullDomain) {
  for (int n : {3, 7, 8, 9, 12, 16}) {
    SCOPED_TRACE(testing::Message() << "n = " << n);
    const DpfParams params{n, 1};
    const std::vector<uint64_t> alphas = {5, 2}, betas = {1, 1};
    const DpfKeyPair pair = dpf_gen(params, alphas, betas, Block{7, 8});
    const uint64_t leaves = uint64_t{1} << (n - leaf_bits_on_paper(n, 1));
    std::vector<uint64_t> out(n >= 6 ? uint64_t{1} << (n - 6) : 1);
    EXPECT_EQ(counted_calls([&] { dpf_eval_full_domain(0, pair.party[0], 1, out); }),
              3 * leaves - 2);
  }
}

TEST(PrgCounter, DcfGenAndEvalOnEachAesPath) {
  std::vector<detail::DcfAesPath> paths = {detail::DcfAesPath::kAesNi};
  if (detail::dcf_best_aes_path() != detail::DcfAesPath::kAesNi)
    paths.push_back(detail::dcf_best_aes_path());
  for (detail::DcfAesPath path : paths) {
    for (int n : {1, 16, 64}) {
      for (uint64_t count : kBatchSizes) {
        const uint64_t seed = 77 * n + count;
        SCOPED_TRACE(testing::Message() << "path " << static_cast<int>(path) << ", n = " << n
                                        << ", count = " << count << ", seed = " << seed);
        const DcfParams params{n, 32};
        const std::vector<uint64_t> alphas = random_values(seed, count, n);
        const std::vector<uint64_t> betas = random_values(seed + 1, count, 32);
        const std::vector<uint64_t> xs = random_values(seed + 2, count, n);
        const uint64_t levels = static_cast<uint64_t>(n);
        DcfKeyPair pair;
        EXPECT_EQ(counted_calls([&] {
                    pair = detail::dcf_gen(params, alphas, betas, Block{1, 2}, path);
                  }),
                  count * 2 * (4 * levels + 1));
        std::vector<uint64_t> out(count);
        EXPECT_EQ(counted_calls([&] { detail::dcf_eval(0, pair.party[0], xs, out, path); }),
                  count * (2 * levels + 1));
      }
    }
  }
}

// Work done on another thread is booked there, not here.
TEST(PrgCounter, IsPerThread) {
  const std::vector<uint64_t> alphas = {1}, betas = {1};
  const uint64_t before = prg_calls_on_this_thread();
  std::thread([&] { dpf_gen({20, 1}, alphas, betas, Block{1, 1}); }).join();
  EXPECT_EQ(prg_calls_on_this_thread(), before);
}

}  // namespace
}  // namespace fss
