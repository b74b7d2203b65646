#include "cuda/device_keys.h"

#include <vector>

#include "core/error.h"
#include "core/ring.h"
#include "crypto/dpf_math.h"
#include "cuda/record_kernels.h"

namespace fss::gpu {
namespace {

uint64_t dcf_mask(const DcfParams& params) { return Ring{params.out_bits}.mask(); }

}  // namespace

DeviceDpfKeys::DeviceDpfKeys(const DpfKeyBatch& keys)
    : params_(keys.params),
      count_(keys.count),
      root_(allocation(keys.root.size())),
      level_cw_(allocation(keys.level_cw.size())),
      leaf_cw_(allocation(keys.leaf_cw.size())),
      right_t_cw_(allocation(keys.right_t_cw.size())) {
  upload(keys);
}

void DeviceDpfKeys::upload(const DpfKeyBatch& keys) {
  if (keys.params.n != params_.n || keys.params.out_bits != params_.out_bits ||
      keys.count != count_)
    fail(ErrorKind::kInvalidArgument,
         "DeviceDpfKeys::upload: a batch of {} keys (n = {}, l = {}) into buffers for {} keys "
         "(n = {}, l = {})",
         keys.count, keys.params.n, keys.params.out_bits, count_, params_.n, params_.out_bits);
  copy_to_device<Block>(keys.root, root_);
  copy_to_device<Block>(keys.level_cw, level_cw_);
  copy_to_device<Block>(keys.leaf_cw, leaf_cw_);
  copy_to_device<uint64_t>(keys.right_t_cw, right_t_cw_);
}

DpfKeysView DeviceDpfKeys::view() const {
  return {params_.n,       params_.levels(),  count_,        root_.get(),
          level_cw_.get(), right_t_cw_.get(), leaf_cw_.get()};
}

DeviceDpfRecord::DeviceDpfRecord(int party, const DpfKeyRecord& record)
    : params_(record.params),
      source_(record.batch.source()),
      offset_(record.batch.offset()),
      party_(party),
      right_t_cw_(allocation(record.count)),
      first_bad_(1) {
  const std::span<const uint8_t> bytes = record.bytes();
  const uint8_t* base = record.device_bytes();
  // Kernels load blocks 16 bytes at a time: a batch at another offset of its record is moved.
  if (base == nullptr || reinterpret_cast<uintptr_t>(base) % sizeof(Block) != 0) {
    copy_ = DeviceBuffer<uint8_t>(bytes.size());
    if (base != nullptr)
      check_cuda(cudaMemcpyAsync(copy_.get(), base, bytes.size(), cudaMemcpyDeviceToDevice, kStream),
                 "key batch copy");
    else
      copy_to_device(bytes, copy_);
    base = copy_.get();
  }
  const int levels = params_.levels();
  const uint64_t count = record.count;
  const auto* root = reinterpret_cast<const Block*>(base + kDpfBatchHeaderBytes);
  const Block* level_cw = root + count;
  const auto* right = reinterpret_cast<const uint8_t*>(level_cw + levels * count);
  const int right_bytes = (levels + 7) / 8;
  const auto* leaf_cw = reinterpret_cast<const Block*>(right + right_bytes * count);
  // The right-bit bytes before the leaf CWs leave them aligned only when right_bytes * count is
  // a multiple of 16; otherwise they get a buffer of their own.
  if (reinterpret_cast<uintptr_t>(leaf_cw) % sizeof(Block) != 0) {
    leaf_copy_ = DeviceBuffer<Block>(allocation(count));
    check_cuda(cudaMemcpyAsync(leaf_copy_.get(), leaf_cw, count * sizeof(Block),
                               cudaMemcpyDeviceToDevice, kStream),
               "leaf CW copy");
    leaf_cw = leaf_copy_.get();
  }
  view_ = {params_.n, levels, count, root, level_cw, right_t_cw_.get(), leaf_cw};

  const DpfLeafLayout leaf(params_.n, params_.out_bits);
  check_cuda(cudaMemsetAsync(first_bad_.get(), 0xff, sizeof(unsigned long long), kStream),
             "key check reset");
  check_cuda(launch_expand_dpf_record(right, right_bytes, levels, root, leaf_cw,
                                      leaf.used_bits() ^ Block::fill(1), party, count,
                                      right_t_cw_.get(), first_bad_.get(), kStream),
             "key batch expansion kernel");
}

void DeviceDpfRecord::check() const {
  unsigned long long first_bad = 0;
  copy_to_host(first_bad_, std::span(&first_bad, 1));
  if (first_bad == ~0ULL) return;
  const uint64_t key = first_bad >> 2;
  const uint64_t problem = first_bad & 3;
  if (problem == kDpfRootOfOtherParty && key == 0)
    fail(ErrorKind::kInvalidArgument,
         "{}: the DPF keys of the batch at offset {} are not party {}'s", source_, offset_, party_);
  fail(ErrorKind::kParse, "{}: DPF key {} of the batch at offset {} is corrupted: {}", source_, key,
       offset_, dpf_key_problem_text(problem));
}

DeviceDpfKeyPair::DeviceDpfKeyPair(const DpfParams& params, uint64_t count)
    : params_(params),
      count_(count),
      root_{DeviceBuffer<Block>(allocation(count)), DeviceBuffer<Block>(allocation(count))},
      level_cw_(allocation(static_cast<uint64_t>(params.levels()) * count)),
      leaf_cw_(allocation(count)),
      right_t_cw_(allocation(count)) {}

DpfGenView DeviceDpfKeyPair::gen_view() const {
  return {params_.n,
          params_.out_bits,
          params_.levels(),
          count_,
          {root_[0].get(), root_[1].get()},
          level_cw_.get(),
          right_t_cw_.get(),
          leaf_cw_.get()};
}

DpfKeysView DeviceDpfKeyPair::view(int party) const {
  return {params_.n,       params_.levels(),  count_,        root_[party].get(),
          level_cw_.get(), right_t_cw_.get(), leaf_cw_.get()};
}

DpfKeyPair DeviceDpfKeyPair::download() const {
  DpfKeyPair pair;
  DpfKeyBatch& first = pair.party[0];
  first.params = params_;
  first.count = count_;
  first.level_cw.resize(static_cast<uint64_t>(params_.levels()) * count_);
  first.right_t_cw.resize(count_);
  first.leaf_cw.resize(count_);
  copy_to_host(level_cw_, std::span(first.level_cw));
  copy_to_host(right_t_cw_, std::span(first.right_t_cw));
  copy_to_host(leaf_cw_, std::span(first.leaf_cw));
  pair.party[1] = first;
  for (int p = 0; p < 2; ++p) {
    pair.party[p].root.resize(count_);
    copy_to_host(root_[p], std::span(pair.party[p].root));
  }
  return pair;
}

DeviceDcfKeys::DeviceDcfKeys(const DcfKeyBatch& keys)
    : params_(keys.params),
      count_(keys.count),
      root_(allocation(keys.root.size())),
      level_cw_(allocation(keys.level_cw.size())),
      right_t_cw_(allocation(keys.right_t_cw.size())),
      value_cw_(allocation(keys.value_cw.size())),
      final_cw_(allocation(keys.final_cw.size())) {
  upload(keys);
}

void DeviceDcfKeys::upload(const DcfKeyBatch& keys) {
  if (keys.params.n != params_.n || keys.params.out_bits != params_.out_bits ||
      keys.count != count_)
    fail(ErrorKind::kInvalidArgument,
         "DeviceDcfKeys::upload: a batch of {} keys (n = {}, l = {}) into buffers for {} keys "
         "(n = {}, l = {})",
         keys.count, keys.params.n, keys.params.out_bits, count_, params_.n, params_.out_bits);
  copy_to_device<Block>(keys.root, root_);
  copy_to_device<Block>(keys.level_cw, level_cw_);
  copy_to_device<uint64_t>(keys.right_t_cw, right_t_cw_);
  copy_to_device<uint64_t>(keys.value_cw, value_cw_);
  copy_to_device<uint64_t>(keys.final_cw, final_cw_);
}

DcfKeysView DeviceDcfKeys::view() const {
  return {params_.n,       dcf_mask(params_), count_,          root_.get(),
          level_cw_.get(), right_t_cw_.get(), value_cw_.get(), final_cw_.get()};
}

DeviceDcfKeyPair::DeviceDcfKeyPair(const DcfParams& params, uint64_t count)
    : params_(params),
      count_(count),
      root_{DeviceBuffer<Block>(allocation(count)), DeviceBuffer<Block>(allocation(count))},
      level_cw_(allocation(static_cast<uint64_t>(params.n) * count)),
      right_t_cw_(allocation(count)),
      value_cw_(allocation(static_cast<uint64_t>(params.n) * count)),
      final_cw_(allocation(count)) {}

DcfGenView DeviceDcfKeyPair::gen_view() const {
  return {params_.n,       dcf_mask(params_), count_,          {root_[0].get(), root_[1].get()},
          level_cw_.get(), right_t_cw_.get(), value_cw_.get(), final_cw_.get()};
}

DcfKeysView DeviceDcfKeyPair::view(int party) const {
  return {params_.n,       dcf_mask(params_), count_,          root_[party].get(),
          level_cw_.get(), right_t_cw_.get(), value_cw_.get(), final_cw_.get()};
}

DcfKeyPair DeviceDcfKeyPair::download() const {
  DcfKeyPair pair;
  DcfKeyBatch& first = pair.party[0];
  first.params = params_;
  first.count = count_;
  const uint64_t per_level = static_cast<uint64_t>(params_.n) * count_;
  first.level_cw.resize(per_level);
  first.right_t_cw.resize(count_);
  first.value_cw.resize(per_level);
  first.final_cw.resize(count_);
  copy_to_host(level_cw_, std::span(first.level_cw));
  copy_to_host(right_t_cw_, std::span(first.right_t_cw));
  copy_to_host(value_cw_, std::span(first.value_cw));
  copy_to_host(final_cw_, std::span(first.final_cw));
  pair.party[1] = first;
  for (int p = 0; p < 2; ++p) {
    pair.party[p].root.resize(count_);
    copy_to_host(root_[p], std::span(pair.party[p].root));
  }
  return pair;
}

}  // namespace fss::gpu
