// Fuzzes the DPF and DCF key-batch deserializers (crypto/dpf.h, crypto/dcf.h), the parsers of the
// key material inside every key-stream record, and evaluates what they accept: a batch that
// deserializes must be safe to evaluate. Input: a selector byte (bit 0: DCF instead of DPF), then
// the serialized batch. fssformer has no configuration file parser (models are a built-in
// registry), so this target stands in for "the config parser" of the fuzzing plan.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/bytes.h"
#include "core/error.h"
#include "crypto/dcf.h"
#include "crypto/dpf.h"

namespace {

// Evaluation is bounded so that one input stays fast.
constexpr uint64_t kMaxEvaluatedKeys = 64;

std::vector<uint64_t> inputs_below(int n, uint64_t count, uint64_t salt) {
  const uint64_t mask = n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
  std::vector<uint64_t> xs(count);
  for (uint64_t i = 0; i < count; ++i) xs[i] = (salt * 0x9e3779b97f4a7c15ULL + i * 7919) & mask;
  return xs;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const bool dcf = data[0] & 1;
  fss::ByteReader in({data + 1, size - 1}, "fuzz key batch");
  try {
    if (dcf) {
      const fss::DcfKeyBatch keys = fss::deserialize_dcf_keys(in);
      if (keys.count == 0 || keys.count > kMaxEvaluatedKeys) return 0;
      const int party = static_cast<int>(keys.root[0].lo & 1);
      const std::vector<uint64_t> xs = inputs_below(keys.params.n, keys.count, data[0]);
      std::vector<uint64_t> out(keys.count);
      fss::dcf_eval(party, keys, xs, out);
    } else {
      const fss::DpfKeyBatch keys = fss::deserialize_dpf_keys(in);
      if (keys.count == 0 || keys.count > kMaxEvaluatedKeys) return 0;
      const int party = static_cast<int>(keys.root[0].lo & 1);
      const std::vector<uint64_t> xs = inputs_below(keys.params.n, keys.count, data[0]);
      std::vector<uint64_t> out(keys.count);
      fss::dpf_eval(party, keys, xs, out);
      if (keys.params.out_bits == 1) {
        std::vector<uint8_t> bits(keys.count);
        fss::dpf_compare_eval(party, keys, xs, bits);
      }
    }
  } catch (const fss::Error&) {
  }
  return 0;
}
