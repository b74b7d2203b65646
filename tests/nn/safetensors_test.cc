#include "nn/safetensors.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "core/error.h"
#include "safetensors_writer.h"

namespace fss {
namespace {

using testing::safetensors_bytes;
using testing::SafetensorsWriter;

// The error `call` throws; fails the test if it throws none.
Error error_of(const auto& call) {
  try {
    call();
  } catch (const Error& error) {
    return error;
  }
  ADD_FAILURE() << "no fss::Error thrown";
  return Error(ErrorKind::kInternal, "none");
}

SafetensorsFile parse(std::string_view header, const std::vector<uint8_t>& data) {
  return SafetensorsFile::from_bytes(safetensors_bytes(header, data), "test.safetensors");
}

// Parsing must fail with kParse and a message holding the file name and every fragment.
void expect_parse_error(std::string_view header, const std::vector<uint8_t>& data,
                        std::vector<std::string> fragments) {
  SCOPED_TRACE(std::string(header));
  const Error error = error_of([&] { parse(header, data); });
  EXPECT_EQ(error.kind(), ErrorKind::kParse);
  const std::string message = error.what();
  EXPECT_NE(message.find("test.safetensors"), std::string::npos) << message;
  for (const std::string& fragment : fragments)
    EXPECT_NE(message.find(fragment), std::string::npos) << "'" << fragment << "' in: " << message;
}

bool same_float(float a, float b) {
  return std::isnan(a) ? std::isnan(b) : std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b);
}

TEST(SafetensorsTest, RoundTripsF32WithSpecialValues) {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> specials = {0.0f,
                                       -0.0f,
                                       1.5f,
                                       -2.25f,
                                       inf,
                                       -inf,
                                       std::numeric_limits<float>::quiet_NaN(),
                                       std::numeric_limits<float>::denorm_min(),
                                       std::numeric_limits<float>::max(),
                                       std::numeric_limits<float>::lowest()};
  SafetensorsWriter writer;
  writer.set_metadata("format", "pt");
  writer.add_f32("b.specials", {2, 5}, specials);
  writer.add_f32("a.scalar", {}, {7.0f});
  writer.add_f32("c.empty", {0, 3}, {});
  const SafetensorsFile file = SafetensorsFile::from_bytes(writer.bytes(), "round-trip");

  ASSERT_EQ(file.tensors().size(), 3u);
  // In data order, which is the order of writing.
  EXPECT_EQ(file.tensors()[0].name, "b.specials");
  EXPECT_EQ(file.tensors()[1].name, "a.scalar");
  EXPECT_EQ(file.metadata().at("format"), "pt");
  const SafetensorsEntry* entry = file.find("b.specials");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->dtype, Dtype::kF32);
  EXPECT_EQ(entry->shape, (Shape{2, 5}));
  EXPECT_EQ(entry->bytes.size(), 40u);
  const std::vector<float> read = file.read_floats("b.specials");
  ASSERT_EQ(read.size(), specials.size());
  for (size_t i = 0; i < specials.size(); ++i)
    EXPECT_TRUE(same_float(read[i], specials[i])) << i << ": " << read[i];
  EXPECT_EQ(file.read_floats("a.scalar"), std::vector<float>{7.0f});
  EXPECT_EQ(file.find("a.scalar")->shape, Shape{});
  EXPECT_TRUE(file.read_floats("c.empty").empty());
  EXPECT_EQ(file.find("missing"), nullptr);
}

TEST(SafetensorsTest, ConvertsEveryHalfPrecisionPattern) {
  std::vector<uint8_t> bytes;
  for (uint32_t bits = 0; bits < 65536; ++bits)
    testing::append_little_endian(bytes, static_cast<uint16_t>(bits));
  SafetensorsWriter writer;
  writer.add_raw("all", "F16", {65536}, bytes);
  const std::vector<float> read =
      SafetensorsFile::from_bytes(writer.bytes(), "f16").read_floats("all");
  for (uint32_t bits = 0; bits < 65536; ++bits) {
    // The compiler's _Float16 is the independent reference.
    const float expected = static_cast<float>(std::bit_cast<_Float16>(static_cast<uint16_t>(bits)));
    ASSERT_TRUE(same_float(read[bits], expected)) << std::hex << bits << ": " << read[bits];
    ASSERT_TRUE(same_float(half_to_float(static_cast<uint16_t>(bits)), expected));
  }
  EXPECT_EQ(read[0x0001], std::ldexp(1.0f, -24));     // smallest subnormal
  EXPECT_EQ(read[0x03ff], std::ldexp(1023.0f, -24));  // largest subnormal
  EXPECT_EQ(read[0x7bff], 65504.0f);                  // largest finite
  EXPECT_EQ(read[0x7c00], std::numeric_limits<float>::infinity());
  EXPECT_EQ(read[0xfc00], -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(read[0x7e00]) && std::isnan(read[0xfc01]));
  EXPECT_TRUE(std::signbit(read[0x8000]) && read[0x8000] == 0.0f);
}

TEST(SafetensorsTest, ConvertsBfloat16AndF64) {
  // bfloat16 is by definition the upper 16 bits of a binary32.
  for (uint32_t bits = 0; bits < 65536; ++bits)
    ASSERT_TRUE(same_float(bfloat16_to_float(static_cast<uint16_t>(bits)),
                           std::bit_cast<float>(bits << 16)))
        << std::hex << bits;
  std::vector<uint8_t> bf16;
  for (uint16_t bits : {0x3f80, 0xc000, 0x4049, 0x0001, 0x7f80, 0xff80, 0x7fc0})
    testing::append_little_endian(bf16, bits);
  std::vector<uint8_t> f64;
  for (double value : {0.1, -3.5, 1e300}) testing::append_little_endian(f64, value);
  SafetensorsWriter writer;
  writer.add_raw("bf16", "BF16", {7}, bf16);
  writer.add_raw("f64", "F64", {3}, f64);
  const SafetensorsFile file = SafetensorsFile::from_bytes(writer.bytes(), "bf16");
  const std::vector<float> read = file.read_floats("bf16");
  EXPECT_EQ(read[0], 1.0f);
  EXPECT_EQ(read[1], -2.0f);
  EXPECT_EQ(read[2], 3.140625f);
  EXPECT_EQ(read[3], std::ldexp(1.0f, -133));  // smallest bfloat16 subnormal
  EXPECT_EQ(read[4], std::numeric_limits<float>::infinity());
  EXPECT_EQ(read[5], -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(read[6]));
  const std::vector<float> wide = file.read_floats("f64");
  EXPECT_EQ(wide[0], 0.1f);
  EXPECT_EQ(wide[1], -3.5f);
  EXPECT_EQ(wide[2], std::numeric_limits<float>::infinity());
}

TEST(SafetensorsTest, MapsFilesFromDisk) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("fss_safetensors_test_" + std::to_string(::getpid()) + ".safetensors");
  SafetensorsWriter writer;
  writer.add_f16("w", {2}, {0.5f, -65504.0f});
  writer.write(path);
  {
    const SafetensorsFile file = SafetensorsFile::open(path);
    EXPECT_EQ(file.source(), "safetensors file " + path.string());
    EXPECT_EQ(file.read_floats("w"), (std::vector<float>{0.5f, -65504.0f}));
  }
  std::filesystem::resize_file(path, 0);
  const Error empty = error_of([&] { SafetensorsFile::open(path); });
  EXPECT_EQ(empty.kind(), ErrorKind::kParse);
  EXPECT_NE(std::string(empty.what()).find("truncated"), std::string::npos) << empty.what();
  std::filesystem::remove(path);
  EXPECT_EQ(error_of([&] { SafetensorsFile::open(path); }).kind(), ErrorKind::kIo);
}

TEST(SafetensorsTest, RejectsHeadersOverTheFormatsLimit) {
  // A sparse file: 8 bytes of length, then 200 MB of (unread) zeros.
  const auto path = std::filesystem::temp_directory_path() /
                    ("fss_safetensors_limit_" + std::to_string(::getpid()) + ".safetensors");
  const uint64_t header_bytes = 200'000'000;
  std::vector<uint8_t> length;
  testing::append_little_endian(length, header_bytes);
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(length.data()), 8);
  }
  std::filesystem::resize_file(path, 8 + header_bytes);
  const Error error = error_of([&] { SafetensorsFile::open(path); });
  std::filesystem::remove(path);
  EXPECT_EQ(error.kind(), ErrorKind::kParse);
  EXPECT_NE(std::string(error.what()).find("exceeds the format's limit"), std::string::npos)
      << error.what();
}

TEST(SafetensorsTest, RejectsTruncatedFilesAndBadHeaderLengths) {
  const Error short_file = error_of([] {
    SafetensorsFile::from_bytes({1, 0, 0}, "test.safetensors");
  });
  EXPECT_EQ(short_file.kind(), ErrorKind::kParse);
  EXPECT_NE(std::string(short_file.what()).find("truncated"), std::string::npos);

  // Header length 1000 with 2 bytes after it.
  std::vector<uint8_t> bytes = safetensors_bytes("{}", {});
  bytes[0] = 0xe8;
  bytes[1] = 0x03;
  const Error beyond = error_of([&] { SafetensorsFile::from_bytes(bytes, "test.safetensors"); });
  EXPECT_EQ(beyond.kind(), ErrorKind::kParse);
  EXPECT_NE(std::string(beyond.what()).find("header length 1000 goes beyond"), std::string::npos)
      << beyond.what();

  // A file cut inside its data: the last tensor now ends past the buffer.
  SafetensorsWriter writer;
  writer.add_f32("a", {4}, {1, 2, 3, 4});
  std::vector<uint8_t> cut = writer.bytes();
  cut.resize(cut.size() - 3);
  const Error truncated = error_of([&] { SafetensorsFile::from_bytes(cut, "test.safetensors"); });
  EXPECT_EQ(truncated.kind(), ErrorKind::kParse);
  EXPECT_NE(std::string(truncated.what()).find("tensor 'a'"), std::string::npos);
  EXPECT_NE(std::string(truncated.what()).find("beyond the data buffer (13 bytes)"),
            std::string::npos)
      << truncated.what();
}

TEST(SafetensorsTest, RejectsMalformedHeaders) {
  const std::vector<uint8_t> eight(8);
  expect_parse_error("", {}, {"not valid JSON"});
  expect_parse_error("{\"a\":{\"dtype\":\"F32\",", eight, {"not valid JSON"});
  expect_parse_error("[1, 2]", {}, {"must be a JSON object", "array"});
  // Found by fuzz/safetensors_fuzz.cc: a number beyond double's range escaped as a JSON library
  // exception instead of kParse.
  expect_parse_error(R"({"a":1e999})", {}, {"unrepresentable number"});
  expect_parse_error(R"({"a":[1]})", {}, {"tensor 'a'", "must be an object"});
  expect_parse_error(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                     R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                     eight, {"key 'a' twice"});
  expect_parse_error(R"({"a":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                     eight, {"key 'dtype' twice"});
  expect_parse_error(R"({"w.x":{"dtype":"F17","shape":[2],"data_offsets":[0,8]}})", eight,
                     {"tensor 'w.x'", "unknown dtype 'F17'"});
  expect_parse_error(R"({"a":{"dtype":7,"shape":[2],"data_offsets":[0,8]}})", eight,
                     {"tensor 'a'", "dtype must be a string"});
  expect_parse_error(R"({"a":{"shape":[2],"data_offsets":[0,8]}})", eight,
                     {"tensor 'a'", "needs dtype, shape and data_offsets"});
  expect_parse_error(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":1}})", eight,
                     {"tensor 'a'", "unknown field 'extra'"});
  expect_parse_error(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", eight,
                     {"tensor 'a'", "shape must be an array of non-negative integers"});
  expect_parse_error(R"({"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", eight,
                     {"tensor 'a'", "shape must be"});
  expect_parse_error(R"({"a":{"dtype":"F32","shape":2,"data_offsets":[0,8]}})", eight,
                     {"tensor 'a'", "shape must be"});
  expect_parse_error(
      R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", eight,
      {"tensor 'a'", "overflows"});
  expect_parse_error(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8,9]}})", eight,
                     {"tensor 'a'", "data_offsets must be [begin, end]"});
  expect_parse_error(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[-1,8]}})", eight,
                     {"tensor 'a'", "data_offsets must be [begin, end]"});
  expect_parse_error(R"({"__metadata__":["x"]})", {}, {"__metadata__ must be an object"});
  expect_parse_error(R"({"__metadata__":{"n":3}})", {}, {"__metadata__ entry 'n'"});
}

TEST(SafetensorsTest, RejectsBadOffsetsAndSizes) {
  const std::vector<uint8_t> twelve(12), sixteen(16);
  expect_parse_error(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})", twelve,
                     {"tensor 'a'", "[8, 4] end before they begin"});
  expect_parse_error(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", twelve,
                     {"tensor 'a'", "[0, 16] go beyond the data buffer (12 bytes)"});
  expect_parse_error(R"({"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}})", twelve,
                     {"tensor 'a'", "shape [2, 2] of F32 needs 16 bytes", "hold 12"});
  expect_parse_error(R"({"a":{"dtype":"BF16","shape":[3],"data_offsets":[0,12]}})", twelve,
                     {"tensor 'a'", "needs 6 bytes"});
  expect_parse_error(R"({"first":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                     R"("second":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                     twelve, {"'first' and 'second' overlap", "[4, 8)"});
  expect_parse_error(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                     R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                     twelve,
                     {"bytes [4, 8) of the data buffer belong to no tensor", "before tensor 'b'"});
  expect_parse_error(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}})", sixteen,
                     {"bytes [12, 16) at the end of the data buffer belong to no tensor"});
  expect_parse_error(R"({})", twelve, {"bytes [0, 12) at the end"});
}

TEST(SafetensorsTest, ReadsOnlyFloatDtypesAsFloats) {
  SafetensorsWriter writer;
  writer.add_raw("ids", "I64", {2}, std::vector<uint8_t>(16));
  writer.add_raw("mask", "BOOL", {3}, {1, 0, 1});
  const SafetensorsFile file = SafetensorsFile::from_bytes(writer.bytes(), "test.safetensors");
  EXPECT_EQ(file.find("ids")->dtype, Dtype::kI64);
  EXPECT_EQ(file.find("mask")->dtype, Dtype::kBool);
  const Error ids = error_of([&] { file.read_floats("ids"); });
  EXPECT_EQ(ids.kind(), ErrorKind::kParse);
  EXPECT_NE(std::string(ids.what()).find("tensor 'ids' has dtype I64"), std::string::npos)
      << ids.what();
  const Error missing = error_of([&] { file.read_floats("nope"); });
  EXPECT_EQ(missing.kind(), ErrorKind::kParse);
  EXPECT_NE(std::string(missing.what()).find("no tensor 'nope'"), std::string::npos);
}

TEST(SafetensorsTest, AcceptsHeaderPaddingAndEmptyFiles) {
  // Writers pad the header with spaces to align the data.
  const SafetensorsFile padded =
      parse(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}     )", {5, 6});
  EXPECT_EQ(padded.find("a")->bytes[1], 6);
  EXPECT_TRUE(parse("{}", {}).tensors().empty());
}

}  // namespace
}  // namespace fss
