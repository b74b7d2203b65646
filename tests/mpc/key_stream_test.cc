#include "mpc/key_stream.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"

namespace fss {
namespace {

namespace fs = std::filesystem;

uint64_t test_seed() {
  if (const char* seed = std::getenv("FSS_TEST_SEED")) return std::strtoull(seed, nullptr, 0);
  return std::random_device{}();
}

// Runs `call`, expects an fss::Error of `kind` whose message contains every one of `parts`.
void expect_error(const auto& call, ErrorKind kind, std::vector<std::string> parts = {}) {
  try {
    call();
    ADD_FAILURE() << "no fss::Error thrown";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), kind) << error.what();
    for (const std::string& part : parts)
      EXPECT_NE(std::string(error.what()).find(part), std::string::npos)
          << "message: " << error.what() << "\nmissing: " << part;
  }
}

std::string hex(std::span<const uint8_t> bytes) {
  std::string out;
  for (uint8_t byte : bytes) out += fmt::format("{:02x}", byte);
  return out;
}

std::vector<uint8_t> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void write_file(const fs::path& path, std::span<const uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  ASSERT_TRUE(out.good()) << path;
}

std::vector<uint8_t> bytes_of(std::string_view text) { return {text.begin(), text.end()}; }

const ConfigHash kConfig = config_hash("bert-tiny n=37 f=12 batch=2 seq=128");
const ConfigHash kOtherConfig = config_hash("bert-base n=50 f=12 batch=2 seq=128");

// The records every round-trip test writes and reads back: sizes around the 16-byte padding,
// an empty payload, a record with zero elements.
struct TestRecord {
  GateKind kind;
  uint64_t elements;
  std::vector<uint8_t> payload;
};
std::vector<TestRecord> sample_records() {
  std::vector<uint8_t> big(5000);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 7 + 3);
  return {
      {GateKind::kDcf, 4096, bytes_of("sixteen bytes!!!")},
      {GateKind::kDpf, 3, bytes_of("seventeen bytes!!")},
      {GateKind::kBeaverTriple, 0, {}},
      {GateKind::kMaskedOpen, 1, bytes_of("x")},
      {GateKind::kDpfCompare, 5000, big},
      {GateKind::kTest, 0, bytes_of("zero elements, some bytes")},
  };
}

void write_sample(KeyStreamWriter& writer) {
  for (const TestRecord& record : sample_records())
    writer.write_record(record.kind, record.elements, record.payload);
}

void read_sample(KeyStreamReader& reader) {
  const auto records = sample_records();
  for (size_t i = 0; i < records.size(); ++i) {
    SCOPED_TRACE("record " + std::to_string(i));
    EXPECT_FALSE(reader.at_end());
    const auto payload = reader.read_record(records[i].kind, records[i].elements);
    EXPECT_EQ(std::vector<uint8_t>(payload.begin(), payload.end()), records[i].payload);
    EXPECT_EQ(reader.records_read(), i + 1);
  }
  EXPECT_TRUE(reader.at_end());
  reader.expect_end();
}

std::vector<uint8_t> sample_memory_stream(int party = 0, const ConfigHash& config = kConfig) {
  auto writer = KeyStreamWriter::to_memory(party, config);
  write_sample(writer);
  writer.commit();
  return writer.take_bytes();
}

class KeyStreamFileTest : public testing::Test {
 protected:
  void SetUp() override {
    directory_ = fs::temp_directory_path() /
                 fmt::format("fss_key_stream_test_{}_{}", ::getpid(),
                             testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(directory_);
    fs::create_directories(directory_);
  }
  void TearDown() override { fs::remove_all(directory_); }

  fs::path path(const std::string& name) const { return directory_ / name; }

  fs::path write_sample_file(const std::string& name, int party = 0,
                             const ConfigHash& config = kConfig) {
    auto writer = KeyStreamWriter::to_file(path(name), party, config);
    write_sample(writer);
    writer.commit();
    return path(name);
  }

  // A file of a few hundred bytes, for the tests that rewrite it once per byte.
  fs::path write_small_file(const std::string& name) {
    auto writer = KeyStreamWriter::to_file(path(name), 0, kConfig);
    for (const TestRecord& record : sample_records())
      if (record.payload.size() < 100)
        writer.write_record(record.kind, record.elements, record.payload);
    writer.commit();
    return path(name);
  }

  fs::path directory_;
};

TEST(KeyStreamTest, ConfigHashIsSha256) {
  // FIPS 180-2 test vectors.
  EXPECT_EQ(hex(config_hash("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(config_hash("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(KeyStreamTest, MemoryRoundTrip) {
  auto writer = KeyStreamWriter::to_memory(1, kConfig);
  write_sample(writer);
  EXPECT_EQ(writer.records_written(), sample_records().size());
  writer.commit();
  const uint64_t written = writer.bytes_written();
  const std::vector<uint8_t> bytes = writer.take_bytes();
  EXPECT_EQ(bytes.size(), written);
  auto reader = KeyStreamReader::from_memory(bytes, 1, kConfig);
  read_sample(reader);
}

TEST(KeyStreamTest, PayloadsAre16ByteAlignedAndPadded) {
  const std::vector<uint8_t> bytes = sample_memory_stream();
  auto reader = KeyStreamReader::from_memory(bytes, 0, kConfig);
  uint64_t expected_offset = 64;  // stream header
  for (const TestRecord& record : sample_records()) {
    expected_offset += 32;  // record header
    const auto payload = reader.read_record(record.kind, record.elements);
    if (!payload.empty()) {
      EXPECT_EQ(payload.data() - bytes.data(), expected_offset);
    }
    expected_offset += (payload.size() + 15) / 16 * 16;
  }
  EXPECT_EQ(bytes.size(), expected_offset);
}

TEST(KeyStreamTest, StreamHeaderLayout) {
  const std::vector<uint8_t> bytes = sample_memory_stream(1, kConfig);
  ASSERT_GE(bytes.size(), 64u);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 8), std::string("FSSKEYS\0", 8));
  EXPECT_EQ(hex(std::span(bytes).subspan(8, 4)), "01000000");  // version 1, little-endian
  EXPECT_EQ(bytes[12], 1);                                     // party
  EXPECT_EQ(hex(std::span(bytes).subspan(16, 32)), hex(kConfig));
  // First record header: "KREC", kind dcf (2), reserved, #0, 4096 elements, 16 bytes.
  EXPECT_EQ(hex(std::span(bytes).subspan(64, 32)),
            "4b524543"
            "0200"
            "0000"
            "0000000000000000"
            "0010000000000000"
            "1000000000000000");
}

TEST(KeyStreamTest, MisalignedReadNamesBothRecords) {
  const std::vector<uint8_t> bytes = sample_memory_stream();
  {
    auto reader = KeyStreamReader::from_memory(bytes, 0, kConfig);
    expect_error([&] { reader.read_record(GateKind::kDpf, 4096); }, ErrorKind::kMismatch,
                 {"expected record #0 dpf[4096] but found #0 dcf[4096]", "offset 64"});
  }
  {
    auto reader = KeyStreamReader::from_memory(bytes, 0, kConfig);
    reader.read_record(GateKind::kDcf, 4096);
    expect_error([&] { reader.read_record(GateKind::kDpf, 4); }, ErrorKind::kMismatch,
                 {"expected record #1 dpf[4] but found #1 dpf[3]"});
  }
}

TEST(KeyStreamTest, UnknownKindIsNamedByNumber) {
  auto writer = KeyStreamWriter::to_memory(0, kConfig);
  writer.write_record(static_cast<GateKind>(77), 2, bytes_of("ab"));
  writer.commit();
  const auto bytes = writer.take_bytes();
  auto reader = KeyStreamReader::from_memory(bytes, 0, kConfig);
  expect_error([&] { reader.read_record(GateKind::kDcf, 2); }, ErrorKind::kMismatch,
               {"expected record #0 dcf[2] but found #0 gate_kind_77[2]"});
}

TEST(KeyStreamTest, ReadingPastTheEndOrStoppingEarly) {
  const std::vector<uint8_t> bytes = sample_memory_stream();
  auto reader = KeyStreamReader::from_memory(bytes, 0, kConfig);
  expect_error([&] { reader.expect_end(); }, ErrorKind::kMismatch,
               {"expected the end after 0 records but found record #0 dcf[4096]"});
  read_sample(reader);
  expect_error([&] { reader.read_record(GateKind::kDcf, 1); }, ErrorKind::kMismatch,
               {"expected record #6 dcf[1] but the stream ends"});
}

TEST(KeyStreamTest, RecordReaderIsNamedAfterTheRecord) {
  auto writer = KeyStreamWriter::to_memory(0, kConfig);
  writer.write_record(GateKind::kTest, 3, bytes_of("abcd"));
  writer.commit();
  const auto bytes = writer.take_bytes();
  auto reader = KeyStreamReader::from_memory(bytes, 0, kConfig, "P0 keys");
  ByteReader record = reader.record_reader(GateKind::kTest, 3);
  EXPECT_EQ(record.get<uint32_t>("word"), 0x64636261u);
  expect_error([&] { record.get<uint8_t>("byte"); }, ErrorKind::kParse,
               {"P0 keys record #0 test[3]"});
}

TEST(KeyStreamTest, RejectsWrongPartyAndConfig) {
  const std::vector<uint8_t> bytes = sample_memory_stream(1, kConfig);
  expect_error([&] { KeyStreamReader::from_memory(bytes, 0, kConfig); }, ErrorKind::kMismatch,
               {"is for party 1, this is party 0"});
  expect_error(
      [&] { KeyStreamReader::from_memory(bytes, 1, kOtherConfig); }, ErrorKind::kMismatch,
      {"was made for another configuration", fmt::format("{:02x}{:02x}", kConfig[0], kConfig[1]),
       fmt::format("{:02x}{:02x}", kOtherConfig[0], kOtherConfig[1])});
  expect_error([&] { KeyStreamReader::from_memory(bytes, 2, kConfig); },
               ErrorKind::kInvalidArgument);
  expect_error([&] { KeyStreamWriter::to_memory(-1, kConfig); }, ErrorKind::kInvalidArgument);
}

TEST(KeyStreamTest, RejectsBadMagicAndVersion) {
  const std::vector<uint8_t> good = sample_memory_stream();
  std::vector<uint8_t> bad_magic = good;
  bad_magic[3] ^= 0x20;
  expect_error([&] { KeyStreamReader::from_memory(bad_magic, 0, kConfig); }, ErrorKind::kParse,
               {"not a key stream"});
  std::vector<uint8_t> version_2 = good;
  version_2[8] = 2;
  expect_error([&] { KeyStreamReader::from_memory(version_2, 0, kConfig); }, ErrorKind::kParse,
               {"format version 2; this build reads version 1"});
  expect_error([&] { KeyStreamReader::from_memory(std::span(good).first(63), 0, kConfig); },
               ErrorKind::kParse, {"truncated"});
}

TEST(KeyStreamTest, TruncatedMemoryRecordsAreParseErrors) {
  const std::vector<uint8_t> bytes = sample_memory_stream();
  // Cut inside the first record's header, then inside its payload.
  for (size_t cut : {64 + 10, 64 + 32 + 5}) {
    auto reader = KeyStreamReader::from_memory(std::span(bytes).first(cut), 0, kConfig);
    expect_error([&] { reader.read_record(GateKind::kDcf, 4096); }, ErrorKind::kParse,
                 {"truncated at offset"});
  }
}

TEST(KeyStreamTest, CorruptRecordHeaderIsParseError) {
  std::vector<uint8_t> bytes = sample_memory_stream();
  bytes[64] ^= 1;  // record magic
  auto reader = KeyStreamReader::from_memory(bytes, 0, kConfig);
  expect_error([&] { reader.read_record(GateKind::kDcf, 4096); }, ErrorKind::kParse,
               {"no valid record header at offset 64"});
}

TEST_F(KeyStreamFileTest, RoundTrip) {
  auto writer = KeyStreamWriter::to_file(path("p1.keys"), 1, kConfig);
  write_sample(writer);
  EXPECT_TRUE(fs::exists(path("p1.keys.tmp")));
  EXPECT_FALSE(fs::exists(path("p1.keys")));
  writer.commit();
  EXPECT_TRUE(fs::exists(path("p1.keys")));
  EXPECT_FALSE(fs::exists(path("p1.keys.tmp")));
  EXPECT_EQ(fs::file_size(path("p1.keys")), writer.bytes_written());
  // A file is the memory stream plus the SHA-256 trailer.
  const std::vector<uint8_t> file = read_file(path("p1.keys"));
  const std::vector<uint8_t> memory = sample_memory_stream(1, kConfig);
  ASSERT_EQ(file.size(), memory.size() + 32);
  EXPECT_TRUE(std::equal(memory.begin(), memory.end(), file.begin()));
  const std::string_view body(reinterpret_cast<const char*>(memory.data()), memory.size());
  EXPECT_EQ(hex(std::span(file).last(32)), hex(config_hash(body)));

  auto reader = KeyStreamReader::from_file(path("p1.keys"), 1, kConfig);
  read_sample(reader);
}

TEST_F(KeyStreamFileTest, RunIdIsInTheHeaderAndReadBack) {
  const RunId run_id = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  auto writer = KeyStreamWriter::to_file(path("p0.keys"), 0, kConfig, run_id);
  write_sample(writer);
  writer.commit();
  const std::vector<uint8_t> file = read_file(path("p0.keys"));
  ASSERT_GE(file.size(), 64u);
  EXPECT_EQ(hex(std::span(file).subspan(48, 16)), "0102030405060708090a0b0c0d0e0f10");
  auto reader = KeyStreamReader::from_file(path("p0.keys"), 0, kConfig);
  EXPECT_EQ(hex(reader.run_id()), hex(run_id));
  read_sample(reader);
}

TEST(KeyStreamTest, StreamsWithoutRunIdReadAsZero) {
  const std::vector<uint8_t> bytes = sample_memory_stream();
  EXPECT_EQ(hex(std::span(bytes).subspan(48, 16)), std::string(32, '0'));
  EXPECT_EQ(hex(KeyStreamReader::from_memory(bytes, 0, kConfig).run_id()), std::string(32, '0'));
}

TEST(KeyStreamTest, RandomRunIdsDiffer) { EXPECT_NE(random_run_id(), random_run_id()); }

TEST_F(KeyStreamFileTest, EmptyStream) {
  auto writer = KeyStreamWriter::to_file(path("empty.keys"), 0, kConfig);
  writer.commit();
  EXPECT_EQ(fs::file_size(path("empty.keys")), 64u + 32u);
  auto reader = KeyStreamReader::from_file(path("empty.keys"), 0, kConfig);
  EXPECT_TRUE(reader.at_end());
  reader.expect_end();
}

TEST_F(KeyStreamFileTest, RejectsWrongPartyConfigAndVersion) {
  const fs::path file = write_sample_file("p0.keys", 0, kConfig);
  expect_error([&] { KeyStreamReader::from_file(file, 1, kConfig); }, ErrorKind::kMismatch,
               {"key file " + file.string() + " is for party 0, this is party 1"});
  expect_error([&] { KeyStreamReader::from_file(file, 0, kOtherConfig); }, ErrorKind::kMismatch,
               {"was made for another configuration"});

  // A version-2 file with a valid checksum is refused for its version, not as corrupted.
  std::vector<uint8_t> bytes = read_file(file);
  bytes[8] = 2;
  const std::string_view body(reinterpret_cast<const char*>(bytes.data()), bytes.size() - 32);
  const ConfigHash trailer = config_hash(body);
  std::copy(trailer.begin(), trailer.end(), bytes.end() - 32);
  write_file(path("v2.keys"), bytes);
  expect_error([&] { KeyStreamReader::from_file(path("v2.keys"), 0, kConfig); }, ErrorKind::kParse,
               {"format version 2"});
}

TEST_F(KeyStreamFileTest, RejectsEveryTruncation) {
  const std::vector<uint8_t> bytes = read_file(write_small_file("full.keys"));
  for (size_t length = 0; length < bytes.size(); ++length) {
    SCOPED_TRACE("length " + std::to_string(length));
    write_file(path("cut.keys"), std::span(bytes).first(length));
    expect_error([&] { KeyStreamReader::from_file(path("cut.keys"), 0, kConfig); },
                 ErrorKind::kParse);
  }
}

TEST_F(KeyStreamFileTest, RejectsEverySingleByteChange) {
  const uint64_t seed = test_seed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const std::vector<uint8_t> bytes = read_file(write_small_file("good.keys"));
  for (size_t position = 0; position < bytes.size(); ++position) {
    for (uint8_t flip : {uint8_t{0x01}, static_cast<uint8_t>(rng() % 255 + 1)}) {
      SCOPED_TRACE(fmt::format("byte {} ^= {:#04x}", position, flip));
      std::vector<uint8_t> corrupted = bytes;
      corrupted[position] ^= flip;
      write_file(path("bad.keys"), corrupted);
      expect_error([&] { KeyStreamReader::from_file(path("bad.keys"), 0, kConfig); },
                   ErrorKind::kParse);
    }
  }
  // The message of a flip in the body names the file and the cause.
  std::vector<uint8_t> corrupted = bytes;
  corrupted[200] ^= 0x10;
  write_file(path("bad.keys"), corrupted);
  expect_error([&] { KeyStreamReader::from_file(path("bad.keys"), 0, kConfig); }, ErrorKind::kParse,
               {"key file " + path("bad.keys").string() + " is corrupted: checksum mismatch"});
}

TEST_F(KeyStreamFileTest, UncommittedWriterLeavesNothing) {
  {
    auto writer = KeyStreamWriter::to_file(path("partial.keys"), 0, kConfig);
    write_sample(writer);
    auto moved = std::move(writer);  // the moved-from writer owns nothing
    moved.write_record(GateKind::kTest, 1, bytes_of("more"));
  }
  EXPECT_FALSE(fs::exists(path("partial.keys")));
  EXPECT_FALSE(fs::exists(path("partial.keys.tmp")));
  EXPECT_TRUE(fs::is_empty(directory_));
}

TEST_F(KeyStreamFileTest, AbandonedRewriteKeepsTheOldFile) {
  const fs::path file = write_sample_file("keys");
  const std::vector<uint8_t> before = read_file(file);
  {
    auto writer = KeyStreamWriter::to_file(file, 0, kOtherConfig);
    writer.write_record(GateKind::kTest, 1, bytes_of("new"));
  }
  EXPECT_EQ(read_file(file), before);
  auto reader = KeyStreamReader::from_file(file, 0, kConfig);
  read_sample(reader);
}

TEST_F(KeyStreamFileTest, IoErrors) {
  expect_error([&] { KeyStreamReader::from_file(path("missing.keys"), 0, kConfig); },
               ErrorKind::kIo, {"missing.keys"});
  expect_error([&] { KeyStreamWriter::to_file(path("no/such/dir/x.keys"), 0, kConfig); },
               ErrorKind::kIo, {"x.keys.tmp"});
}

// A backend whose "own memory" is a host copy, so that the addresses records carry can be
// checked byte for byte without a GPU.
class CopyingBackend final : public Backend {
 public:
  struct Copy final : ResidentBytes {
    explicit Copy(std::span<const uint8_t> bytes) : bytes(bytes.begin(), bytes.end()) {}
    const uint8_t* data() const override { return bytes.data(); }
    std::vector<uint8_t> bytes;
  };
  std::string name() const override { return "copying"; }
  std::unique_ptr<ResidentBytes> make_resident(std::span<const uint8_t> bytes) override {
    ++copies;
    return std::make_unique<Copy>(bytes);
  }
  DpfKeyPair dpf_gen(const DpfParams&, std::span<const uint64_t>, std::span<const uint64_t>,
                     Block) override {
    return unused<DpfKeyPair>();
  }
  void dpf_eval(int, const DpfKeyBatch&, std::span<const uint64_t>, std::span<uint64_t>) override {
    unused<int>();
  }
  void dpf_compare_eval(int, const DpfKeyBatch&, std::span<const uint64_t>,
                        std::span<uint8_t>) override {
    unused<int>();
  }
  void dpf_full_domain_dot(int, const DpfKeyBatch&, std::span<const uint64_t>,
                           std::span<const uint64_t>, std::span<uint64_t>,
                           std::span<uint64_t>) override {
    unused<int>();
  }
  DcfKeyPair dcf_gen(const DcfParams&, std::span<const uint64_t>, std::span<const uint64_t>,
                     Block) override {
    return unused<DcfKeyPair>();
  }
  void dcf_eval(int, const DcfKeyBatch&, std::span<const uint64_t>, std::span<uint64_t>) override {
    unused<int>();
  }
  void matmul(std::span<const uint64_t>, std::span<const uint64_t>, std::span<uint64_t>,
              const MatmulDims&) override {
    unused<int>();
  }
  int copies = 0;

 private:
  template <typename T>
  static T unused() {
    ADD_FAILURE() << "the key stream called a bulk operation";
    return T{};
  }
};

TEST(KeyStreamTest, ResidentStreamsGiveRecordsTheirCopysAddress) {
  const std::vector<uint8_t> bytes = sample_memory_stream();
  auto host_only = KeyStreamReader::from_memory(bytes, 0, kConfig);
  EXPECT_FALSE(host_only.make_resident(cpu_backend()));
  CopyingBackend copying;
  auto reader = KeyStreamReader::from_memory(bytes, 0, kConfig);
  ASSERT_TRUE(reader.make_resident(copying));
  EXPECT_EQ(copying.copies, 1);
  for (const TestRecord& record : sample_records()) {
    ByteReader payload = reader.record_reader(record.kind, record.elements);
    ASSERT_NE(payload.device_address(), nullptr);
    const std::span<const uint8_t> host = payload.take(payload.remaining(), "payload");
    EXPECT_TRUE(std::equal(host.begin(), host.end(), payload.device_address() - host.size()));
    EXPECT_NE(payload.device_address() - host.size(), host.data());  // the copy, not the host
  }
  reader.expect_end();
  ByteReader plain =
      host_only.record_reader(sample_records()[0].kind, sample_records()[0].elements);
  EXPECT_EQ(plain.device_address(), nullptr);
}

// A chunked (per-layer) reader copies its first chunk when made resident and every chunk
// appended later; records read from any chunk carry their copy's address.
TEST(KeyStreamTest, ResidentChunksAreCopiedAsTheyArrive) {
  KeyStreamWriter writer = KeyStreamWriter::to_memory(0, kConfig);
  std::vector<std::vector<uint8_t>> chunks;
  for (uint64_t record = 0; record < 9; ++record) {
    writer.write_record(GateKind::kTest, record, std::vector<uint8_t>(record * 5 + 1, record));
    if (record % 3 == 2) chunks.push_back(writer.take_chunk());
  }
  writer.commit();
  chunks.push_back(writer.take_chunk());
  CopyingBackend copying;
  auto reader = KeyStreamReader::from_chunk(chunks[0], 0, kConfig, "P0 chunks");
  ASSERT_TRUE(reader.make_resident(copying));
  size_t appended = 1;
  for (uint64_t record = 0; record < 9; ++record) {
    if (record % 3 == 0 && appended < chunks.size()) {
      reader.release_read_chunks();
      reader.append_chunk(chunks[appended++]);
    }
    ByteReader payload = reader.record_reader(GateKind::kTest, record);
    const std::span<const uint8_t> host = payload.take(payload.remaining(), "payload");
    ASSERT_NE(payload.device_address(), nullptr);
    EXPECT_TRUE(std::equal(host.begin(), host.end(), payload.device_address() - host.size()));
  }
  for (; appended < chunks.size(); ++appended) reader.append_chunk(chunks[appended]);
  reader.expect_end();
  const auto non_empty = std::count_if(chunks.begin(), chunks.end(),
                                       [](const std::vector<uint8_t>& c) { return !c.empty(); });
  EXPECT_EQ(copying.copies, non_empty);  // append_chunk ignores empty chunks
}

// Reserving room changes nothing in the stream (memory) and is harmless for files.
TEST(KeyStreamTest, ReserveKeepsTheStream) {
  auto reserved = KeyStreamWriter::to_memory(1, kConfig);
  reserved.reserve(1 << 20);
  write_sample(reserved);
  reserved.commit();
  EXPECT_EQ(reserved.take_bytes(), sample_memory_stream(1, kConfig));
}

// Records written in place, as the dealer does: both parties' streams open at once, each payload
// appended in pieces to the lent writer. They read back as the sample, from memory and files.
TEST_F(KeyStreamFileTest, RecordsWrittenInPlaceReadBack) {
  KeyStreamWriter writers[2] = {KeyStreamWriter::to_memory(0, kConfig),
                                KeyStreamWriter::to_file(path("p1.fss"), 1, kConfig)};
  for (const TestRecord& record : sample_records()) {
    ByteWriter payloads[2];
    for (int party = 0; party < 2; ++party)
      payloads[party] =
          writers[party].begin_record(record.kind, record.elements, record.payload.size());
    for (size_t i = 0; i < record.payload.size(); ++i)
      for (ByteWriter& payload : payloads) payload.put<uint8_t>(record.payload[i]);
    for (int party = 0; party < 2; ++party)
      writers[party].end_record(std::move(payloads[party]), "the test");
  }
  for (KeyStreamWriter& writer : writers) writer.commit();
  const std::vector<uint8_t> memory = writers[0].take_bytes();
  auto from_memory = KeyStreamReader::from_memory(memory, 0, kConfig);
  read_sample(from_memory);
  auto from_file = KeyStreamReader::from_file(path("p1.fss"), 1, kConfig);
  read_sample(from_file);
}

// A payload of another size than declared is an internal error naming its writer; while a record
// is open, the stream refuses every other call.
TEST(KeyStreamTest, InPlaceRecordsAreChecked) {
  for (const uint64_t written : {uint64_t{3}, uint64_t{5}}) {
    auto writer = KeyStreamWriter::to_memory(0, kConfig);
    ByteWriter payload = writer.begin_record(GateKind::kDpf, 1, 4);
    for (uint64_t i = 0; i < written; ++i) payload.put<uint8_t>(1);
    expect_error([&] { writer.end_record(std::move(payload), "gate under test"); },
                 ErrorKind::kInternal, {"gate under test", std::to_string(written), "4 declared"});
  }
  auto writer = KeyStreamWriter::to_memory(0, kConfig);
  ByteWriter payload = writer.begin_record(GateKind::kDpf, 1, 1);
  const std::vector<uint8_t> one = {7};
  expect_error([&] { writer.write_record(GateKind::kDpf, 1, one); }, ErrorKind::kInternal,
               {"record is open"});
  expect_error([&] { writer.take_chunk(); }, ErrorKind::kInternal, {"record is open"});
  expect_error([&] { writer.commit(); }, ErrorKind::kInternal, {"record is open"});
  expect_error([&] { writer.end_record(ByteWriter()); }, ErrorKind::kInternal,
               {"the writer begin_record returned"});
  auto fresh = KeyStreamWriter::to_memory(0, kConfig);
  expect_error([&] { fresh.end_record(ByteWriter()); }, ErrorKind::kInternal,
               {"without begin_record"});
}

}  // namespace
}  // namespace fss
