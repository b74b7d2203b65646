#include "nn/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"

namespace fss {
namespace {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; values are copied without byte swapping");

using Json = nlohmann::json;

// The format's own bound on the header (safetensors refuses larger ones too).
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
constexpr std::string_view kMetadataKey = "__metadata__";

struct DtypeInfo {
  Dtype dtype;
  const char* name;
  size_t bytes;
};
constexpr std::array<DtypeInfo, 15> kDtypes = {{
    {Dtype::kBool, "BOOL", 1},
    {Dtype::kU8, "U8", 1},
    {Dtype::kI8, "I8", 1},
    {Dtype::kF8E5M2, "F8_E5M2", 1},
    {Dtype::kF8E4M3, "F8_E4M3", 1},
    {Dtype::kI16, "I16", 2},
    {Dtype::kU16, "U16", 2},
    {Dtype::kF16, "F16", 2},
    {Dtype::kBF16, "BF16", 2},
    {Dtype::kI32, "I32", 4},
    {Dtype::kU32, "U32", 4},
    {Dtype::kF32, "F32", 4},
    {Dtype::kF64, "F64", 8},
    {Dtype::kI64, "I64", 8},
    {Dtype::kU64, "U64", 8},
}};

const DtypeInfo& dtype_info(Dtype dtype) {
  const DtypeInfo& info = kDtypes[static_cast<size_t>(dtype)];
  FSS_CHECK(info.dtype == dtype, "dtype table out of order");
  return info;
}

[[noreturn]] void fail_io(const std::string& what, const std::filesystem::path& path) {
  const int error = errno;
  fail(ErrorKind::kIo, "{} {}: {}", what, path.string(), std::strerror(error));
}

template <typename T>
T load_little_endian(const uint8_t* bytes) {
  T value;
  std::memcpy(&value, bytes, sizeof(T));
  return value;
}

// nlohmann::json keeps the last of two equal keys; a strict reader must see them. The parse
// callback reports every key with the stack of objects being parsed.
Json parse_header_json(std::span<const uint8_t> header, const std::string& source) {
  std::vector<std::set<std::string>> open_objects;
  const auto reject_duplicates = [&](int /*depth*/, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == Json::parse_event_t::object_end) {
      open_objects.pop_back();
    } else if (event == Json::parse_event_t::key) {
      const std::string& key = parsed.get_ref<const std::string&>();
      if (!open_objects.back().insert(key).second)
        fail(ErrorKind::kParse, "{}: the header has the key '{}' twice in one object", source, key);
    }
    return true;
  };
  try {
    return Json::parse(header.begin(), header.end(), reject_duplicates);
  } catch (const Json::parse_error& error) {
    fail(ErrorKind::kParse, "{}: the header is not valid JSON (at header byte {}): {}", source,
         error.byte, error.what());
  } catch (const Json::out_of_range& error) {
    // A number too large for any JSON number type (found by fuzz/safetensors_fuzz.cc).
    fail(ErrorKind::kParse, "{}: the header has an unrepresentable number: {}", source,
         error.what());
  }
}

}  // namespace

const char* dtype_name(Dtype dtype) { return dtype_info(dtype).name; }
size_t dtype_bytes(Dtype dtype) { return dtype_info(dtype).bytes; }

float half_to_float(uint16_t bits) {
  const uint32_t sign = static_cast<uint32_t>(bits >> 15) << 31;
  const int exponent = (bits >> 10) & 0x1f;
  const uint32_t mantissa = bits & 0x3ff;
  if (exponent == 0x1f)  // infinity or NaN: same payload, float exponent all ones
    return std::bit_cast<float>(sign | 0x7f80'0000u | (mantissa << 13));
  // Normal: (1024 + m) * 2^(e - 25); subnormal (e = 0): m * 2^-24. Both exact in float.
  const float magnitude = exponent == 0
                              ? std::ldexp(static_cast<float>(mantissa), -24)
                              : std::ldexp(static_cast<float>(1024 + mantissa), exponent - 25);
  return sign ? -magnitude : magnitude;
}

float bfloat16_to_float(uint16_t bits) {
  // bfloat16 is the upper half of a binary32.
  return std::bit_cast<float>(uint32_t{bits} << 16);
}

struct SafetensorsFile::Impl {
  std::string source;
  void* mapping = nullptr;  // set when the file is memory-mapped
  size_t mapping_bytes = 0;
  std::vector<uint8_t> owned;  // set for from_bytes
  std::span<const uint8_t> file;
  std::vector<SafetensorsEntry> tensors;
  std::map<std::string, size_t, std::less<>> index;  // name -> position in tensors
  std::map<std::string, std::string> metadata;

  ~Impl() {
    if (mapping != nullptr) ::munmap(mapping, mapping_bytes);
  }

  void parse();
  void parse_metadata(const Json& value);
  void parse_entry(const std::string& name, const Json& value, std::span<const uint8_t> data);
  void check_coverage(size_t data_bytes) const;
};

void SafetensorsFile::Impl::parse() {
  if (file.size() < 8)
    fail(ErrorKind::kParse,
         "{} is truncated: {} bytes, but a safetensors file starts with an 8-byte header length",
         source, file.size());
  const uint64_t header_bytes = load_little_endian<uint64_t>(file.data());
  if (header_bytes > file.size() - 8)
    fail(ErrorKind::kParse,
         "{}: the header length {} goes beyond the end of the file ({} bytes follow the length)",
         source, header_bytes, file.size() - 8);
  if (header_bytes > kMaxHeaderBytes)
    fail(ErrorKind::kParse, "{}: the header length {} exceeds the format's limit of {} bytes",
         source, header_bytes, kMaxHeaderBytes);

  const Json header = parse_header_json(file.subspan(8, header_bytes), source);
  if (!header.is_object())
    fail(ErrorKind::kParse, "{}: the header must be a JSON object, found {}", source,
         header.type_name());
  const std::span<const uint8_t> data = file.subspan(8 + header_bytes);
  for (const auto& [key, value] : header.items()) {
    if (key == kMetadataKey)
      parse_metadata(value);
    else
      parse_entry(key, value, data);
  }
  std::sort(tensors.begin(), tensors.end(), [&](const auto& a, const auto& b) {
    return std::pair(a.bytes.data(), a.bytes.size()) < std::pair(b.bytes.data(), b.bytes.size());
  });
  check_coverage(data.size());
  for (size_t i = 0; i < tensors.size(); ++i) index.emplace(tensors[i].name, i);
}

void SafetensorsFile::Impl::parse_metadata(const Json& value) {
  if (!value.is_object())
    fail(ErrorKind::kParse, "{}: __metadata__ must be an object of strings, found {}", source,
         value.type_name());
  for (const auto& [key, text] : value.items()) {
    if (!text.is_string())
      fail(ErrorKind::kParse, "{}: __metadata__ entry '{}' must be a string, found {}", source, key,
           text.type_name());
    metadata.emplace(key, text.get<std::string>());
  }
}

void SafetensorsFile::Impl::parse_entry(const std::string& name, const Json& value,
                                        std::span<const uint8_t> data) {
  const auto reject = [&](std::string_view problem) {
    fail(ErrorKind::kParse, "{}: tensor '{}': {}", source, name, problem);
  };
  if (!value.is_object())
    reject(fmt::format("the entry must be an object, found {}", value.type_name()));
  for (const auto& [field, unused] : value.items())
    if (field != "dtype" && field != "shape" && field != "data_offsets")
      reject(fmt::format("unknown field '{}' (expected dtype, shape, data_offsets)", field));
  if (!value.contains("dtype") || !value.contains("shape") || !value.contains("data_offsets"))
    reject("the entry needs dtype, shape and data_offsets");

  const Json& dtype_json = value["dtype"];
  if (!dtype_json.is_string()) reject("dtype must be a string");
  const std::string& dtype_text = dtype_json.get_ref<const std::string&>();
  const auto* info = std::find_if(kDtypes.begin(), kDtypes.end(),
                                  [&](const DtypeInfo& d) { return dtype_text == d.name; });
  if (info == kDtypes.end()) reject(fmt::format("unknown dtype '{}'", dtype_text));

  const Json& shape_json = value["shape"];
  if (!shape_json.is_array()) reject("shape must be an array of non-negative integers");
  std::vector<int64_t> dims;
  uint64_t elements = 1;
  bool overflow = false;
  for (const Json& dim : shape_json) {
    if (!dim.is_number_unsigned()) reject("shape must be an array of non-negative integers");
    const uint64_t extent = dim.get<uint64_t>();
    overflow |= extent > uint64_t{std::numeric_limits<int64_t>::max()} ||
                __builtin_mul_overflow(elements, extent, &elements);
    dims.push_back(static_cast<int64_t>(extent));
  }
  uint64_t expected_bytes = 0;
  overflow |= __builtin_mul_overflow(elements, info->bytes, &expected_bytes);
  if (overflow) reject("the shape's byte size overflows 64 bits");

  const Json& offsets = value["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned())
    reject("data_offsets must be [begin, end] with non-negative integers");
  const uint64_t begin = offsets[0].get<uint64_t>();
  const uint64_t end = offsets[1].get<uint64_t>();
  if (begin > end) reject(fmt::format("data_offsets [{}, {}] end before they begin", begin, end));
  if (end > data.size())
    reject(fmt::format("data_offsets [{}, {}] go beyond the data buffer ({} bytes)", begin, end,
                       data.size()));
  if (end - begin != expected_bytes)
    reject(fmt::format("shape [{}] of {} needs {} bytes, but data_offsets [{}, {}] hold {}",
                       fmt::join(dims, ", "), info->name, expected_bytes, begin, end, end - begin));
  tensors.push_back({name, info->dtype, Shape(std::move(dims)), data.subspan(begin, end - begin)});
}

// Tensors are sorted by offset; the buffer must be their exact concatenation.
void SafetensorsFile::Impl::check_coverage(size_t data_bytes) const {
  const uint8_t* const data_begin = file.data() + (file.size() - data_bytes);
  const auto offset_of = [&](const uint8_t* p) { return static_cast<size_t>(p - data_begin); };
  size_t covered = 0;
  const SafetensorsEntry* previous = nullptr;
  for (const SafetensorsEntry& entry : tensors) {
    const size_t begin = offset_of(entry.bytes.data());
    if (begin < covered)
      fail(ErrorKind::kParse, "{}: tensors '{}' and '{}' overlap (bytes [{}, {}) of the data)",
           source, previous->name, entry.name, begin, covered);
    if (begin > covered)
      fail(ErrorKind::kParse,
           "{}: bytes [{}, {}) of the data buffer belong to no tensor (before tensor '{}')", source,
           covered, begin, entry.name);
    covered = begin + entry.bytes.size();
    previous = &entry;
  }
  if (covered != data_bytes)
    fail(ErrorKind::kParse, "{}: bytes [{}, {}) at the end of the data buffer belong to no tensor",
         source, covered, data_bytes);
}

SafetensorsFile SafetensorsFile::open(const std::filesystem::path& path) {
  auto impl = std::make_unique<Impl>();
  impl->source = "safetensors file " + path.string();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail_io("cannot open safetensors file", path);
  struct stat info;
  if (::fstat(fd, &info) != 0) {
    const int stat_errno = errno;
    ::close(fd);
    errno = stat_errno;
    fail_io("cannot stat safetensors file", path);
  }
  const size_t file_bytes = static_cast<size_t>(info.st_size);
  if (file_bytes > 0) {  // mmap refuses empty ranges; parse() reports the empty file
    void* mapping = ::mmap(nullptr, file_bytes, PROT_READ, MAP_PRIVATE, fd, 0);
    const int map_errno = errno;
    ::close(fd);  // the mapping keeps the file open
    if (mapping == MAP_FAILED) {
      errno = map_errno;
      fail_io("cannot map safetensors file", path);
    }
    impl->mapping = mapping;
    impl->mapping_bytes = file_bytes;
    impl->file = {static_cast<const uint8_t*>(mapping), file_bytes};
  } else {
    ::close(fd);
  }
  impl->parse();
  return SafetensorsFile(std::move(impl));
}

SafetensorsFile SafetensorsFile::from_bytes(std::vector<uint8_t> bytes, std::string source) {
  auto impl = std::make_unique<Impl>();
  impl->source = std::move(source);
  impl->owned = std::move(bytes);
  impl->file = impl->owned;
  impl->parse();
  return SafetensorsFile(std::move(impl));
}

SafetensorsFile::SafetensorsFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SafetensorsFile::SafetensorsFile(SafetensorsFile&&) noexcept = default;
SafetensorsFile& SafetensorsFile::operator=(SafetensorsFile&&) noexcept = default;
SafetensorsFile::~SafetensorsFile() = default;

const std::string& SafetensorsFile::source() const { return impl_->source; }
const std::vector<SafetensorsEntry>& SafetensorsFile::tensors() const { return impl_->tensors; }
const std::map<std::string, std::string>& SafetensorsFile::metadata() const {
  return impl_->metadata;
}

const SafetensorsEntry* SafetensorsFile::find(std::string_view name) const {
  const auto found = impl_->index.find(name);
  return found == impl_->index.end() ? nullptr : &impl_->tensors[found->second];
}

std::vector<float> SafetensorsFile::read_floats(std::string_view name) const {
  const SafetensorsEntry* entry = find(name);
  if (entry == nullptr) fail(ErrorKind::kParse, "{} has no tensor '{}'", source(), name);
  const size_t count = entry->shape.size();
  const uint8_t* bytes = entry->bytes.data();
  std::vector<float> values(count);
  switch (entry->dtype) {
    case Dtype::kF64:
      for (size_t i = 0; i < count; ++i)
        values[i] = static_cast<float>(load_little_endian<double>(bytes + 8 * i));
      break;
    case Dtype::kF32:
      // An empty tensor has no buffer to copy to (found by fuzz/safetensors_fuzz.cc).
      if (count > 0) std::memcpy(values.data(), bytes, 4 * count);
      break;
    case Dtype::kF16:
      for (size_t i = 0; i < count; ++i)
        values[i] = half_to_float(load_little_endian<uint16_t>(bytes + 2 * i));
      break;
    case Dtype::kBF16:
      for (size_t i = 0; i < count; ++i)
        values[i] = bfloat16_to_float(load_little_endian<uint16_t>(bytes + 2 * i));
      break;
    default:
      fail(ErrorKind::kParse,
           "{}: tensor '{}' has dtype {}; only F32, F16, BF16 and F64 convert to float", source(),
           entry->name, dtype_name(entry->dtype));
  }
  return values;
}

}  // namespace fss
