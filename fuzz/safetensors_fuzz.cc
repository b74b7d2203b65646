// Fuzzes the safetensors reader (nn/safetensors.h) on in-memory files: parse, then read every
// float tensor. Any fss::Error is a correct rejection; a crash, sanitizer report or other
// exception is a finding.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/error.h"
#include "nn/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const fss::SafetensorsFile file =
        fss::SafetensorsFile::from_bytes(std::vector<uint8_t>(data, data + size), "fuzz input");
    for (const fss::SafetensorsEntry& tensor : file.tensors()) {
      switch (tensor.dtype) {
        case fss::Dtype::kF64:
        case fss::Dtype::kF32:
        case fss::Dtype::kF16:
        case fss::Dtype::kBF16: {
          const std::vector<float> values = file.read_floats(tensor.name);
          if (values.size() * fss::dtype_bytes(tensor.dtype) != tensor.bytes.size())
            __builtin_trap();
          break;
        }
        default:
          if (file.find(tensor.name) != &tensor) __builtin_trap();
      }
    }
  } catch (const fss::Error&) {
  }
  return 0;
}
