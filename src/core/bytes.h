#pragma once
// Bounds-checked little-endian byte buffers: the one way key records, file headers and network
// frames are written and parsed. A read past the end throws ErrorKind::kParse naming `what`
// and the offset, so a truncated input is rejected, never parsed.
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/error.h"

namespace fss {

class ByteWriter {
 public:
  ByteWriter() = default;
  // Appends after the bytes already in `data` (see KeyStreamWriter::begin_record).
  explicit ByteWriter(std::vector<uint8_t> data) : data_(std::move(data)) {}

  template <typename T>
    requires std::is_trivially_copyable_v<T>
  void put(const T& value) {
    put_bytes({reinterpret_cast<const uint8_t*>(&value), sizeof(T)});
  }
  template <typename T>
    requires std::is_trivially_copyable_v<T>
  void put_array(std::span<const T> values) {
    put_bytes({reinterpret_cast<const uint8_t*>(values.data()), values.size_bytes()});
  }
  void put_bytes(std::span<const uint8_t> bytes) { data_.insert(data_.end(), bytes.begin(), bytes.end()); }
  // Appends `bytes` zero bytes and returns them, for a caller that fills them in place.
  std::span<uint8_t> grow(size_t bytes) {
    const size_t start = data_.size();
    data_.resize(start + bytes);
    return std::span(data_).subspan(start);
  }

  const std::vector<uint8_t>& data() const { return data_; }
  std::vector<uint8_t>& data() { return data_; }
  std::vector<uint8_t> take() { return std::move(data_); }
  size_t size() const { return data_.size(); }

 private:
  std::vector<uint8_t> data_;
};

class ByteReader {
 public:
  // `source` names the input in error messages (a file name, "key record dpf#12", ...).
  // `device_data`, when given, is a copy of `data` in an accelerator's memory (resident keys):
  // device_address() then says where the bytes at the current offset lie there.
  ByteReader(std::span<const uint8_t> data, std::string source,
             const uint8_t* device_data = nullptr)
      : data_(data), source_(std::move(source)), device_data_(device_data) {}

  template <typename T>
    requires std::is_trivially_copyable_v<T>
  T get(const char* what) {
    T value;
    std::memcpy(&value, take(sizeof(T), what).data(), sizeof(T));
    return value;
  }
  template <typename T>
    requires std::is_trivially_copyable_v<T>
  void get_array(std::span<T> out, const char* what) {
    const auto bytes = take(out.size_bytes(), what);
    if (!bytes.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());  // never memcpy(null)
  }
  // The next `count` bytes, without copying.
  std::span<const uint8_t> take(size_t count, const char* what) {
    if (count > remaining())
      fail(ErrorKind::kParse, "{}: truncated at offset {}: {} needs {} bytes, {} left", source_,
           offset_, what, count, remaining());
    auto out = data_.subspan(offset_, count);
    offset_ += count;
    return out;
  }
  // Fails unless every byte was consumed (trailing garbage is corruption too).
  void expect_end() const {
    if (remaining() != 0)
      fail(ErrorKind::kParse, "{}: {} unexpected trailing bytes at offset {}", source_, remaining(),
           offset_);
  }

  size_t offset() const { return offset_; }
  size_t remaining() const { return data_.size() - offset_; }
  const std::string& source() const { return source_; }
  // The device copy of the byte at offset(); nullptr when the reader has none.
  const uint8_t* device_address() const {
    return device_data_ == nullptr ? nullptr : device_data_ + offset_;
  }

 private:
  std::span<const uint8_t> data_;
  std::string source_;
  const uint8_t* device_data_ = nullptr;
  size_t offset_ = 0;
};

}  // namespace fss
