#pragma once
// DPF and DCF key batches in GPU memory, laid out as DpfKeyBatch / DcfKeyBatch (structure of
// arrays, level-major), with the views that the launchers of cuda/fss_kernels.h take. Copies run
// on kStream (cuda/device_buffer.h), downloads wait for it; every CUDA failure throws fss::Error
// (kInternal). Batches are assumed well-formed (array sizes match count and params; cuda/fss_gpu.h
// validates at its boundary).
#include <cstdint>
#include <span>
#include <string>

#include "crypto/dcf.h"
#include "crypto/dpf.h"
#include "cuda/device_buffer.h"
#include "cuda/fss_walks.h"

namespace fss::gpu {

// Room for `count` elements; never zero, as a tree of no levels still has a level-CW array.
inline size_t allocation(uint64_t count) { return count == 0 ? 1 : count; }

// One party's DPF batch, uploaded.
class DeviceDpfKeys {
 public:
  explicit DeviceDpfKeys(const DpfKeyBatch& keys);
  // Copies a batch of the same shape into these buffers (a new batch of a gate, no allocation).
  // Throws kInvalidArgument when keys.params or keys.count differ from this batch's.
  void upload(const DpfKeyBatch& keys);
  const DpfParams& params() const { return params_; }
  DpfKeysView view() const;

 private:
  DpfParams params_;
  uint64_t count_;
  DeviceBuffer<Block> root_, level_cw_, leaf_cw_;
  DeviceBuffer<uint64_t> right_t_cw_;
};

// Both parties' DPF keys as key generation writes them: two root arrays and one copy of the
// correction words, which the parties share.
class DeviceDpfKeyPair {
 public:
  DeviceDpfKeyPair(const DpfParams& params, uint64_t count);
  DpfGenView gen_view() const;
  DpfKeysView view(int party) const;
  DpfKeyPair download() const;

 private:
  DpfParams params_;
  uint64_t count_;
  DeviceBuffer<Block> root_[2], level_cw_, leaf_cw_;
  DeviceBuffer<uint64_t> right_t_cw_;
};

// A serialized DPF batch (crypto/dpf.h's DpfKeyRecord) made ready for evaluation: in place when
// its bytes are resident and 16-byte aligned, else after one copy of the whole batch (from the
// host, or within the device); leaf CWs that the right-bit bytes leave misaligned are copied.
// Construction queues the copy and the keys' check (every root is `party`'s, padding bits clear) on
// kStream; check() reports a bad key, as kParse naming it, once the caller has waited for the
// stream.
class DeviceDpfRecord {
 public:
  DeviceDpfRecord(int party, const DpfKeyRecord& record);
  DpfKeysView view() const { return view_; }
  const DpfParams& params() const { return params_; }
  // Synchronizes kStream and throws if a key failed the check.
  void check() const;

 private:
  DpfParams params_;
  std::string source_;
  size_t offset_;
  int party_;
  DeviceBuffer<uint8_t> copy_;
  DeviceBuffer<Block> leaf_copy_;
  DeviceBuffer<uint64_t> right_t_cw_;
  DeviceBuffer<unsigned long long> first_bad_;
  DpfKeysView view_;
};

class DeviceDcfKeys {
 public:
  explicit DeviceDcfKeys(const DcfKeyBatch& keys);
  void upload(const DcfKeyBatch& keys);  // as DeviceDpfKeys::upload
  const DcfParams& params() const { return params_; }
  DcfKeysView view() const;

 private:
  DcfParams params_;
  uint64_t count_;
  DeviceBuffer<Block> root_, level_cw_;
  DeviceBuffer<uint64_t> right_t_cw_, value_cw_, final_cw_;
};

class DeviceDcfKeyPair {
 public:
  DeviceDcfKeyPair(const DcfParams& params, uint64_t count);
  DcfGenView gen_view() const;
  DcfKeysView view(int party) const;
  DcfKeyPair download() const;

 private:
  DcfParams params_;
  uint64_t count_;
  DeviceBuffer<Block> root_[2], level_cw_;
  DeviceBuffer<uint64_t> right_t_cw_, value_cw_, final_cw_;
};

}  // namespace fss::gpu
