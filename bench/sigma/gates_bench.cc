// Party-side eval of local gates on the host, at bert-base's per-layer sizes: how long the
// gates' own per-element passes take, apart from FSS evaluation and the peer.
//   bench_gates_bench --benchmark_counters_tabular=true
// Arguments: {elements, threads, memory}: memory 0 reuses one copy of the inputs, key and output
// (cache); 1 sweeps over about 1 GiB of copies, as a party's gates meet their inputs and keys in
// memory rather than in cache; 2 does that and writes each output to pages freshly mapped, so
// first-touch page faults are counted too.
#include <benchmark/benchmark.h>
#include <omp.h>
#include <sys/mman.h>

#include <chrono>
#include <cstdint>
#include <new>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "mpc/select.h"
#include "mpc/select_lin.h"
#include "sigma/mul.h"

namespace fss {
namespace {

// Returns a party's own shares: the benchmark times the gate, not a peer.
class LoopbackOpener final : public Opener {
 public:
  Words open(std::span<const uint64_t> shares, int) override {
    return Words(shares.begin(), shares.end());
  }
};

std::vector<uint64_t> random_values(FixedPoint format, uint64_t count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> values(count);
  for (auto& v : values) v = format.ring().mod(rng());
  return values;
}

// Pages mapped for one use, so that the first write to each faults (none for 0 bytes).
class MappedPages {
 public:
  explicit MappedPages(size_t bytes) : bytes_(bytes) {
    if (bytes_ == 0) return;
    data_ = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (data_ == MAP_FAILED) throw std::bad_alloc();
  }
  ~MappedPages() {
    if (bytes_ != 0) ::munmap(data_, bytes_);
  }
  MappedPages(const MappedPages&) = delete;
  MappedPages& operator=(const MappedPages&) = delete;
  uint64_t* words() { return static_cast<uint64_t*>(data_); }

 private:
  size_t bytes_;
  void* data_ = nullptr;
};

// Copies of one gate's inputs, key and output, laid out apart so that a sweep over them reads
// memory, not cache: about 1 GiB in all when cold, one copy when warm.
struct EvalCopies {
  std::vector<std::vector<std::vector<uint64_t>>> inputs;  // [copy][input]
  std::vector<std::vector<uint8_t>> keys;
  std::vector<std::vector<uint64_t>> outputs;
};

EvalCopies make_copies(const Gate& gate, uint64_t count, bool cold) {
  std::vector<std::vector<uint64_t>> inputs, masks;
  uint64_t seed = 1;
  for (const FixedPoint& format : gate.input_formats()) {
    inputs.push_back(random_values(format, count, seed++));
    masks.push_back(random_values(format, count, seed++));
  }
  std::vector<uint64_t> out_mask = random_values(gate.output_formats()[0], count, seed++);
  const std::vector<std::span<const uint64_t>> r_in(masks.begin(), masks.end());
  const std::span<const uint64_t> r_out[1] = {out_mask};
  SeededPrg prg(seed);
  ByteWriter key0, key1;
  gate.gen(r_in, r_out, prg, key0, key1);
  const uint64_t bytes_per_copy = 8 * count * (inputs.size() + 1) + key0.data().size();
  const uint64_t copies = cold ? std::max<uint64_t>(1, (uint64_t{1} << 30) / bytes_per_copy) : 1;
  EvalCopies result;
  for (uint64_t c = 0; c < copies; ++c) {
    result.inputs.push_back(inputs);
    result.keys.push_back(key0.data());
    result.outputs.emplace_back(count, 1);
  }
  return result;
}

void time_eval(benchmark::State& state, const Gate& gate) {
  const auto count = static_cast<uint64_t>(state.range(0));
  omp_set_num_threads(static_cast<int>(state.range(1)));
  const int64_t memory = state.range(2);
  EvalCopies copies = make_copies(gate, count, memory >= 1);
  LoopbackOpener opener;
  size_t next = 0;
  for (auto _ : state) {
    MappedPages fresh(memory == 2 ? 8 * count : 0);
    const std::span<uint64_t> out = memory == 2 ? std::span<uint64_t>(fresh.words(), count)
                                                : std::span<uint64_t>(copies.outputs[next]);
    const std::vector<std::span<const uint64_t>> in(copies.inputs[next].begin(),
                                                    copies.inputs[next].end());
    const std::span<uint64_t> outs[1] = {out};
    ByteReader key(copies.keys[next], "party 0 key");
    gate.eval(0, key, in, outs, opener);
    benchmark::DoNotOptimize(out.data());
    next = (next + 1) % copies.keys.size();
  }
  state.counters["elements_per_s"] =
      benchmark::Counter(static_cast<double>(count) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}

int64_t half_the_cores() { return std::max(1, omp_get_num_procs() / 2); }

// bert-base, sequence 128: GeLU's 128 x 3072 elements per layer.
void apply_args(benchmark::internal::Benchmark* b) {
  for (int64_t threads : std::set<int64_t>{1, half_the_cores(), omp_get_num_procs()})
    for (int64_t memory : {0, 1, 2}) b->Args({128 * 3072, threads, memory});
  b->ArgNames({"elements", "threads", "memory"})->UseRealTime()->Unit(benchmark::kMicrosecond);
}

// The host's memory bandwidth, the ceiling for the gates' passes: a sum over 1 GiB.
void BM_HostMemoryRead(benchmark::State& state) {
  omp_set_num_threads(static_cast<int>(state.range(0)));
  std::vector<uint64_t> data(uint64_t{1} << 27, 1);
  for (auto _ : state) {
    uint64_t sum = 0;
    const auto size = static_cast<int64_t>(data.size());
#pragma omp parallel for reduction(+ : sum) schedule(static)
    for (int64_t i = 0; i < size; ++i) sum += data[i];
    benchmark::DoNotOptimize(sum);
  }
  state.counters["bytes_per_s"] = benchmark::Counter(
      8.0 * static_cast<double>(data.size()) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_HostMemoryRead)->Apply([](benchmark::internal::Benchmark* b) {
  for (int64_t threads : std::set<int64_t>{1, half_the_cores(), omp_get_num_procs()})
    b->Arg(threads);
  b->ArgName("threads")->UseRealTime()->Unit(benchmark::kMillisecond);
});

// What one parallel region costs when the team's threads have gone to sleep since the last one
// (idle: a pause of `pause_us` first, as while a party waits for its peer or the GPU) and when
// they are still spinning (pause_us = 0): the wake-up a short region pays before its work.
void BM_ParallelRegionStart(benchmark::State& state) {
  omp_set_num_threads(static_cast<int>(state.range(0)));
  const auto pause = std::chrono::microseconds(state.range(1));
  std::vector<uint64_t> touched(static_cast<size_t>(omp_get_max_threads()) * 8);
  for (auto _ : state) {
    if (pause.count() > 0) std::this_thread::sleep_for(pause);
    const auto start = std::chrono::steady_clock::now();
#pragma omp parallel
    touched[static_cast<size_t>(omp_get_thread_num()) * 8] += 1;
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  benchmark::DoNotOptimize(touched.data());
}
BENCHMARK(BM_ParallelRegionStart)->Apply([](benchmark::internal::Benchmark* b) {
  for (int64_t threads : std::set<int64_t>{2, half_the_cores(), omp_get_num_procs()})
    for (int64_t pause_us : {0, 2000}) b->Args({threads, pause_us});
  // A fixed count: the pauses are not timed, so a time-based count would take minutes.
  b->ArgNames({"threads", "pause_us"})->UseManualTime()->Iterations(500);
  b->Unit(benchmark::kMicrosecond);
});

void BM_SelectLinEval(benchmark::State& state) {
  time_eval(state, SelectLinGate(FixedPoint{8, 6}, {0, 0, -1, 1}, {255, 255, 0, 0}));
}
BENCHMARK(BM_SelectLinEval)->Apply(apply_args);

void BM_SelectEval(benchmark::State& state) { time_eval(state, SelectGate(FixedPoint{50, 12})); }
BENCHMARK(BM_SelectEval)->Apply(apply_args);

void BM_MulEval(benchmark::State& state) {
  time_eval(state, sigma::MulGate(FixedPoint{50, 12}, FixedPoint{50, 12}));
}
BENCHMARK(BM_MulEval)->Apply(apply_args);

}  // namespace
}  // namespace fss

BENCHMARK_MAIN();
