// DPF throughput: comparison evaluations, point evaluations and key generations per second for
// a batch of 2^14 keys (single thread and all threads), and full-domain evaluation.
//   bench_dpf_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstdint>
#include <random>
#include <vector>

#include "crypto/dpf.h"

namespace fss {
namespace {

constexpr uint64_t kBatch = uint64_t{1} << 14;

std::vector<uint64_t> random_inputs(int n, uint64_t count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> values(count);
  for (auto& v : values) v = n >= 64 ? rng() : rng() & ((uint64_t{1} << n) - 1);
  return values;
}

// Arguments: {n, threads}.
void apply_args(benchmark::internal::Benchmark* b) {
  for (int n : {50, 37})
    for (int threads : {1, omp_get_num_procs()}) b->Args({n, threads});
  b->ArgNames({"n", "threads"})->UseRealTime()->Unit(benchmark::kMicrosecond);
}

void BM_DpfCompareEval(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  omp_set_num_threads(static_cast<int>(state.range(1)));
  const std::vector<uint64_t> alphas = random_inputs(n, kBatch, 1);
  const DpfKeyPair keys = dpf_gen({n, 1}, alphas, std::vector<uint64_t>(kBatch, 1), Block{2, 3});
  const std::vector<uint64_t> xs = random_inputs(n, kBatch, 4);
  std::vector<uint8_t> out(kBatch);
  for (auto _ : state) {
    dpf_compare_eval(0, keys.party[0], xs, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_DpfCompareEval)->Apply(apply_args);

void BM_DpfEval(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  omp_set_num_threads(static_cast<int>(state.range(1)));
  const std::vector<uint64_t> alphas = random_inputs(n, kBatch, 1);
  const DpfKeyPair keys = dpf_gen({n, 1}, alphas, std::vector<uint64_t>(kBatch, 1), Block{2, 3});
  const std::vector<uint64_t> xs = random_inputs(n, kBatch, 4);
  std::vector<uint64_t> out(kBatch);
  for (auto _ : state) {
    dpf_eval(0, keys.party[0], xs, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_DpfEval)->Apply(apply_args);

void BM_DpfGen(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  omp_set_num_threads(static_cast<int>(state.range(1)));
  const std::vector<uint64_t> alphas = random_inputs(n, kBatch, 1);
  const std::vector<uint64_t> betas(kBatch, 1);
  for (auto _ : state) {
    DpfKeyPair keys = dpf_gen({n, 1}, alphas, betas, Block{2, 3});
    benchmark::DoNotOptimize(keys.party[0].leaf_cw.data());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_DpfGen)->Apply(apply_args);

// One 2^n-point DPF expanded over its whole domain; items are domain points.
void BM_DpfFullDomain(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const DpfKeyPair keys =
      dpf_gen({n, 1}, std::vector<uint64_t>{5}, std::vector<uint64_t>{1}, Block{2, 3});
  std::vector<uint64_t> out(uint64_t{1} << (n - 6));
  for (auto _ : state) {
    dpf_eval_full_domain(0, keys.party[0], 0, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * (int64_t{1} << n));
}
BENCHMARK(BM_DpfFullDomain)->ArgName("n")->Arg(13)->Arg(16)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace fss

BENCHMARK_MAIN();
