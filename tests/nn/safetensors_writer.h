#pragma once
// A safetensors writer for tests, written apart from the reader under test: it prints the
// JSON header by hand and lays the tensors out back to back in the order they are added.
// Malformed files are made by passing a hand-written header to safetensors_bytes.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace fss::testing {

// The file: header length (u64, little-endian), header, data.
inline std::vector<uint8_t> safetensors_bytes(std::string_view header,
                                              const std::vector<uint8_t>& data) {
  std::vector<uint8_t> bytes(8 + header.size() + data.size());
  const uint64_t length = header.size();
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(length >> (8 * i));
  std::copy(header.begin(), header.end(), bytes.begin() + 8);
  std::copy(data.begin(), data.end(), bytes.begin() + 8 + static_cast<ptrdiff_t>(header.size()));
  return bytes;
}

template <typename T>
void append_little_endian(std::vector<uint8_t>& out, T value) {
  static_assert(std::endian::native == std::endian::little);
  const auto* bytes = reinterpret_cast<const uint8_t*>(&value);
  out.insert(out.end(), bytes, bytes + sizeof(T));
}

inline uint16_t float_to_half_bits(float value) {
  const _Float16 half = static_cast<_Float16>(value);  // the compiler's IEEE binary16
  return std::bit_cast<uint16_t>(half);
}

class SafetensorsWriter {
 public:
  void add_raw(std::string name, std::string dtype, std::vector<int64_t> shape,
               std::vector<uint8_t> bytes) {
    entries_.push_back({std::move(name), std::move(dtype), std::move(shape), data_.size(),
                        data_.size() + bytes.size()});
    data_.insert(data_.end(), bytes.begin(), bytes.end());
  }
  void add_f32(std::string name, std::vector<int64_t> shape, const std::vector<float>& values) {
    std::vector<uint8_t> bytes;
    for (float value : values) append_little_endian(bytes, value);
    add_raw(std::move(name), "F32", std::move(shape), std::move(bytes));
  }
  void add_f16(std::string name, std::vector<int64_t> shape, const std::vector<float>& values) {
    std::vector<uint8_t> bytes;
    for (float value : values) append_little_endian(bytes, float_to_half_bits(value));
    add_raw(std::move(name), "F16", std::move(shape), std::move(bytes));
  }
  // Values must be exact in bfloat16 (the low 16 bits of the float are zero).
  void add_bf16(std::string name, std::vector<int64_t> shape, const std::vector<float>& values) {
    std::vector<uint8_t> bytes;
    for (float value : values) {
      const uint32_t bits = std::bit_cast<uint32_t>(value);
      EXPECT_EQ(bits & 0xffff, 0u) << value << " is not exact in bfloat16";
      append_little_endian(bytes, static_cast<uint16_t>(bits >> 16));
    }
    add_raw(std::move(name), "BF16", std::move(shape), std::move(bytes));
  }
  void add_values(std::string name, std::string_view dtype, std::vector<int64_t> shape,
                  const std::vector<float>& values) {
    if (dtype == "F32") return add_f32(std::move(name), std::move(shape), values);
    if (dtype == "F16") return add_f16(std::move(name), std::move(shape), values);
    if (dtype == "BF16") return add_bf16(std::move(name), std::move(shape), values);
    ADD_FAILURE() << "the test writer has no dtype " << dtype;
  }
  void set_metadata(std::string key, std::string value) {
    metadata_[std::move(key)] = std::move(value);
  }

  std::string header() const {
    std::vector<std::string> fields;
    if (!metadata_.empty()) {
      std::vector<std::string> pairs;
      for (const auto& [key, value] : metadata_)
        pairs.push_back(fmt::format("\"{}\":\"{}\"", key, value));
      fields.push_back(fmt::format("\"__metadata__\":{{{}}}", fmt::join(pairs, ",")));
    }
    for (const Entry& entry : entries_)
      fields.push_back(fmt::format(
          "\"{}\":{{\"dtype\":\"{}\",\"shape\":[{}],\"data_offsets\":[{},{}]}}", entry.name,
          entry.dtype, fmt::join(entry.shape, ","), entry.begin, entry.end));
    return fmt::format("{{{}}}", fmt::join(fields, ","));
  }
  const std::vector<uint8_t>& data() const { return data_; }
  std::vector<uint8_t> bytes() const { return safetensors_bytes(header(), data_); }
  void write(const std::filesystem::path& path) const {
    const std::vector<uint8_t> file = bytes();
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(file.data()),
              static_cast<std::streamsize>(file.size()));
    ASSERT_TRUE(out.good()) << "cannot write " << path;
  }

 private:
  struct Entry {
    std::string name, dtype;
    std::vector<int64_t> shape;
    size_t begin, end;
  };
  std::vector<Entry> entries_;
  std::vector<uint8_t> data_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace fss::testing
