#pragma once
// A strict reader of Hugging Face safetensors files (docs/weights.md): an 8-byte little-endian
// header length N, N bytes of JSON {name: {"dtype", "shape", "data_offsets": [begin, end]},
// "__metadata__": {string: string}}, then the data buffer. Every tensor must lie inside the
// buffer, tensors must not overlap and together cover it exactly, and each byte range must
// match its dtype and shape. Any violation throws kParse naming the file, the tensor and what
// was expected; nothing is repaired or skipped.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/tensor.h"

namespace fss {

// The dtypes of the safetensors format. Headers may use any of them; values convert to
// float only from F64, F32, F16 and BF16.
enum class Dtype {
  kBool,
  kU8,
  kI8,
  kF8E5M2,
  kF8E4M3,
  kI16,
  kU16,
  kF16,
  kBF16,
  kI32,
  kU32,
  kF32,
  kF64,
  kI64,
  kU64
};
const char* dtype_name(Dtype dtype);  // the header spelling: "F32", "BF16", ...
size_t dtype_bytes(Dtype dtype);

// IEEE binary16 and bfloat16 bit patterns to float, exactly (subnormals, infinities and NaN
// included; every such value is representable as a float).
float half_to_float(uint16_t bits);
float bfloat16_to_float(uint16_t bits);

struct SafetensorsEntry {
  std::string name;
  Dtype dtype;
  Shape shape;
  std::span<const uint8_t> bytes;  // inside the file's data buffer
};

class SafetensorsFile {
 public:
  // Memory-maps and validates `path`. Throws kIo if it cannot be opened or mapped, kParse on
  // any violation of the format.
  static SafetensorsFile open(const std::filesystem::path& path);
  // Validates an in-memory file; `source` names it in errors.
  static SafetensorsFile from_bytes(std::vector<uint8_t> bytes, std::string source);

  SafetensorsFile(SafetensorsFile&&) noexcept;
  SafetensorsFile& operator=(SafetensorsFile&&) noexcept;
  ~SafetensorsFile();

  const std::string& source() const;  // "safetensors file <path>"
  // In order of their data offsets.
  const std::vector<SafetensorsEntry>& tensors() const;
  const std::map<std::string, std::string>& metadata() const;
  // nullptr if the file has no tensor called `name`.
  const SafetensorsEntry* find(std::string_view name) const;
  // The tensor called `name` converted to float, row-major. Throws kParse (naming the tensor)
  // if there is none or its dtype is not F64, F32, F16 or BF16.
  std::vector<float> read_floats(std::string_view name) const;

 private:
  struct Impl;
  explicit SafetensorsFile(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fss
