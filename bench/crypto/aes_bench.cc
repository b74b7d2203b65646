// AES-128 and fixed-key PRG throughput, single thread: items are 16-byte blocks.
#include <benchmark/benchmark.h>

#include <vector>

#include "crypto/aes.h"
#include "crypto/prg.h"

namespace fss {
namespace {

std::vector<Block> counter_blocks(int64_t count) {
  std::vector<Block> blocks(count);
  for (int64_t i = 0; i < count; ++i) blocks[i] = Block{static_cast<uint64_t>(i), 0x5a5a};
  return blocks;
}

void BM_AesEncryptBlocks(benchmark::State& state) {
  const Aes128 aes(Block{0x0123456789abcdefULL, 0xfedcba9876543210ULL});
  std::vector<Block> blocks = counter_blocks(state.range(0));
  for (auto _ : state) {
    aes.encrypt_blocks(blocks, blocks);
    benchmark::DoNotOptimize(blocks.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AesEncryptBlocks)->Arg(8)->Arg(64)->Arg(4096);

void BM_AesEncryptSingle(benchmark::State& state) {
  const Aes128 aes(Block{0x0123456789abcdefULL, 0xfedcba9876543210ULL});
  Block block{1, 2};
  for (auto _ : state) {
    block = aes.encrypt(block);
    benchmark::DoNotOptimize(block);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AesEncryptSingle);

void BM_FixedKeyPrgExpand(benchmark::State& state) {
  const FixedKeyPrg& prg = FixedKeyPrg::instance();
  std::vector<Block> blocks = counter_blocks(state.range(0));
  for (auto _ : state) {
    prg.expand(PrgStream::kLeft, blocks, blocks);
    benchmark::DoNotOptimize(blocks.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_FixedKeyPrgExpand)->Arg(4096);

}  // namespace
}  // namespace fss

BENCHMARK_MAIN();
