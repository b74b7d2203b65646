// DCF key generation and evaluation throughput (items = keys), at the bit-widths of BERT-tiny
// (n = 37) and BERT-base/GPT-2 (n = 50) with l = n, on one thread and on every core, on the
// AES path dcf_gen/dcf_eval pick (vaes:1 where the CPU has VAES) and, single-threaded, on the
// AES-NI fallback (vaes:0).
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <omp.h>

#include <vector>

#include "crypto/dcf.h"
#include "crypto/prg.h"

namespace fss {
namespace {

constexpr int64_t kKeys = 1 << 15;

struct Workload {
  std::vector<uint64_t> alphas, betas, xs;
  explicit Workload(int n) : alphas(kKeys), betas(kKeys), xs(kKeys) {
    SeededPrg prg(static_cast<uint64_t>(n));
    prg.fill_ring(n, alphas);
    prg.fill_ring(n, betas);
    prg.fill_ring(n, xs);
  }
};

using detail::DcfAesPath;

DcfAesPath path_arg(const benchmark::State& state) {
  return state.range(2) ? DcfAesPath::kVaes : DcfAesPath::kAesNi;
}

// Arguments: n, threads, vaes.
void BM_DcfGen(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  omp_set_num_threads(static_cast<int>(state.range(1)));
  const Workload work(n);
  for (auto _ : state) {
    DcfKeyPair keys =
        detail::dcf_gen({n, n}, work.alphas, work.betas, Block{1, 2}, path_arg(state));
    benchmark::DoNotOptimize(keys.party[0].final_cw.data());
  }
  state.SetItemsProcessed(state.iterations() * kKeys);
}

void BM_DcfEval(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  omp_set_num_threads(static_cast<int>(state.range(1)));
  const Workload work(n);
  const DcfKeyPair keys = dcf_gen({n, n}, work.alphas, work.betas, Block{1, 2});
  std::vector<uint64_t> out(kKeys);
  for (auto _ : state) {
    detail::dcf_eval(0, keys.party[0], work.xs, out, path_arg(state));
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kKeys);
}

void thread_args(benchmark::internal::Benchmark* bench) {
  const int best = detail::dcf_best_aes_path() == DcfAesPath::kVaes;
  for (int n : {37, 50}) {
    bench->Args({n, 1, best});
    if (omp_get_num_procs() > 1) bench->Args({n, omp_get_num_procs(), best});
    if (best) bench->Args({n, 1, 0});
  }
  bench->ArgNames({"n", "threads", "vaes"})->UseRealTime()->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_DcfGen)->Apply(thread_args);
BENCHMARK(BM_DcfEval)->Apply(thread_args);

}  // namespace
}  // namespace fss

int main(int argc, char** argv) {
  // Freed key batches stay in the heap, so that every iteration reuses the same pages. Left to
  // glibc's dynamic mmap threshold, which earlier benchmarks move, some runs page-fault ~80 MB
  // afresh per iteration and measure the kernel instead of the DCF.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
