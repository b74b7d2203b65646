// Key streams handed over in chunks (KeyStreamWriter::take_chunk, KeyStreamReader::from_chunk):
// the records read back are the records written, with the framing checks of a whole stream.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "mpc/key_stream.h"

namespace fss {
namespace {

const ConfigHash kConfig = config_hash("chunk test");

std::vector<uint8_t> payload(size_t size, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> bytes(size);
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
  return bytes;
}

void expect_error(const auto& call, ErrorKind kind, const std::string& part) {
  try {
    call();
    ADD_FAILURE() << "no fss::Error thrown";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), kind) << error.what();
    EXPECT_NE(std::string(error.what()).find(part), std::string::npos) << error.what();
  }
}

// Records of random sizes split into chunks at random record boundaries (some chunks empty):
// the chunks concatenate to the whole stream and read back record by record.
TEST(KeyStreamChunks, ChunksConcatenateToTheStreamAndReadBack) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  KeyStreamWriter chunked = KeyStreamWriter::to_memory(1, kConfig);
  KeyStreamWriter whole = KeyStreamWriter::to_memory(1, kConfig);
  std::vector<std::vector<uint8_t>> payloads, chunks;
  for (int record = 0; record < 40; ++record) {
    payloads.push_back(payload(rng() % 70, seed + record));
    chunked.write_record(GateKind::kTest, record, payloads.back());
    whole.write_record(GateKind::kTest, record, payloads.back());
    if (rng() % 3 == 0) chunks.push_back(chunked.take_chunk());
    if (rng() % 7 == 0) chunks.push_back(chunked.take_chunk());  // often empty
  }
  chunked.commit();
  whole.commit();
  chunks.push_back(chunked.take_chunk());
  std::vector<uint8_t> concatenated;
  for (const auto& c : chunks) concatenated.insert(concatenated.end(), c.begin(), c.end());
  EXPECT_EQ(concatenated, whole.take_bytes());
  EXPECT_EQ(chunked.bytes_written(), concatenated.size());

  // Chunks are appended as the reader goes, and read ones released, as a per-layer party does.
  KeyStreamReader reader = KeyStreamReader::from_chunk(chunks[0], 1, kConfig, "P1 chunks");
  size_t next_chunk = 1;
  for (int record = 0; record < 40; ++record) {
    while (reader.at_end() && next_chunk < chunks.size()) {
      reader.release_read_chunks();
      reader.append_chunk(chunks[next_chunk++]);
    }
    const auto read = reader.read_record(GateKind::kTest, record);
    EXPECT_EQ(std::vector<uint8_t>(read.begin(), read.end()), payloads[record]) << record;
  }
  while (next_chunk < chunks.size()) reader.append_chunk(chunks[next_chunk++]);
  EXPECT_TRUE(reader.at_end());
  reader.expect_end();
  reader.release_read_chunks();
  EXPECT_TRUE(reader.at_end());
  EXPECT_EQ(reader.records_read(), 40u);
  EXPECT_EQ(reader.source(), "P1 chunks");
}

TEST(KeyStreamChunks, FirstChunkIsCheckedLikeAStream) {
  KeyStreamWriter writer = KeyStreamWriter::to_memory(0, kConfig);
  const std::vector<uint8_t> first = writer.take_chunk();
  expect_error([&] { KeyStreamReader::from_chunk(first, 1, kConfig, "chunks"); },
               ErrorKind::kMismatch, "is for party 0");
  expect_error([&] { KeyStreamReader::from_chunk(first, 0, config_hash("other"), "chunks"); },
               ErrorKind::kMismatch, "another configuration");
  expect_error([&] { KeyStreamReader::from_chunk({}, 0, kConfig, "chunks"); }, ErrorKind::kParse,
               "truncated");
}

// A record in a later chunk that nobody reads is named by expect_end; a wrong record in a
// later chunk is a mismatch naming the chunk.
TEST(KeyStreamChunks, LaterChunksKeepTheFramingChecks) {
  KeyStreamWriter writer = KeyStreamWriter::to_memory(0, kConfig);
  writer.write_record(GateKind::kTest, 3, payload(20, 1));
  std::vector<uint8_t> first = writer.take_chunk();
  writer.write_record(GateKind::kTest, 5, payload(20, 2));
  const std::vector<uint8_t> second = writer.take_chunk();

  KeyStreamReader reader = KeyStreamReader::from_chunk(first, 0, kConfig, "P0 chunks");
  reader.read_record(GateKind::kTest, 3);
  reader.append_chunk(second);
  EXPECT_FALSE(reader.at_end());
  expect_error([&] { reader.expect_end(); }, ErrorKind::kMismatch, "#1 test[5]");
  expect_error([&] { reader.read_record(GateKind::kTest, 6); }, ErrorKind::kMismatch,
               "P0 chunks chunk 1");

  KeyStreamReader truncated = KeyStreamReader::from_chunk(first, 0, kConfig, "P0 chunks");
  truncated.read_record(GateKind::kTest, 3);
  truncated.release_read_chunks();
  truncated.append_chunk(std::vector<uint8_t>(second.begin(), second.end() - 16));
  expect_error([&] { truncated.read_record(GateKind::kTest, 5); }, ErrorKind::kParse, "truncated");
}

}  // namespace
}  // namespace fss
