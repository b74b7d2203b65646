#include "mpc/key_stream.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <system_error>
#include <utility>

#include "core/error.h"
#include "core/fresh_pages.h"

namespace fss {
namespace {

constexpr std::array<uint8_t, 8> kStreamMagic = {'F', 'S', 'S', 'K', 'E', 'Y', 'S', '\0'};
constexpr uint32_t kRecordMagic = 0x4345524B;  // "KREC" in little-endian byte order
constexpr size_t kStreamHeaderBytes = 64;
constexpr size_t kRecordHeaderBytes = 32;
constexpr size_t kPayloadAlignment = 16;
constexpr size_t kTrailerBytes = 32;
constexpr std::array<uint8_t, kPayloadAlignment> kZeros{};

size_t padding_after(uint64_t payload_bytes) {
  return (kPayloadAlignment - payload_bytes % kPayloadAlignment) % kPayloadAlignment;
}

class Sha256 {
 public:
  Sha256() : context_(EVP_MD_CTX_new()) {
    if (context_ == nullptr || EVP_DigestInit_ex(context_, EVP_sha256(), nullptr) != 1)
      fail(ErrorKind::kInternal, "OpenSSL: cannot initialise SHA-256");
  }
  ~Sha256() { EVP_MD_CTX_free(context_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::span<const uint8_t> bytes) {
    if (EVP_DigestUpdate(context_, bytes.data(), bytes.size()) != 1)
      fail(ErrorKind::kInternal, "OpenSSL: SHA-256 update failed");
  }
  std::array<uint8_t, 32> finish() {
    std::array<uint8_t, 32> digest;
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(context_, digest.data(), &length) != 1 || length != digest.size())
      fail(ErrorKind::kInternal, "OpenSSL: SHA-256 final failed");
    return digest;
  }

 private:
  EVP_MD_CTX* context_;
};

void check_party(int party) {
  if (party != 0 && party != 1)
    fail(ErrorKind::kInvalidArgument, "key stream: party must be 0 or 1, got {}", party);
}

// "#12 dcf[4096]"
std::string describe_record(uint64_t sequence, GateKind kind, uint64_t elements) {
  std::string name = gate_kind_name(kind);
  if (name == "unknown") name = fmt::format("gate_kind_{}", static_cast<uint16_t>(kind));
  return fmt::format("#{} {}[{}]", sequence, name, elements);
}

std::vector<uint8_t> stream_header(int party, const ConfigHash& config, const RunId& run_id) {
  ByteWriter header;
  header.put_array(std::span<const uint8_t>(kStreamMagic));
  header.put<uint32_t>(kKeyStreamVersion);
  header.put<uint8_t>(static_cast<uint8_t>(party));
  header.put_bytes(std::span(kZeros).first(3));
  header.put_array(std::span<const uint8_t>(config));
  header.put_array(std::span<const uint8_t>(run_id));
  FSS_CHECK(header.size() == kStreamHeaderBytes);
  return header.take();
}

void check_magic_and_version(std::span<const uint8_t> stream, const std::string& source) {
  ByteReader header(stream, source);
  const auto magic = header.take(kStreamMagic.size(), "stream magic");
  if (!std::equal(magic.begin(), magic.end(), kStreamMagic.begin()))
    fail(ErrorKind::kParse, "{} is not a key stream (bad magic at offset 0)", source);
  const auto version = header.get<uint32_t>("format version");
  if (version != kKeyStreamVersion)
    fail(ErrorKind::kParse, "{} has key stream format version {}; this build reads version {}",
         source, version, kKeyStreamVersion);
}

void check_party_and_config(std::span<const uint8_t> stream, const std::string& source, int party,
                            const ConfigHash& config) {
  ByteReader header(stream, source);
  header.take(kStreamMagic.size() + sizeof(uint32_t), "stream magic and version");
  const int stream_party = header.get<uint8_t>("party");
  if (stream_party != party)
    fail(ErrorKind::kMismatch, "{} is for party {}, this is party {}", source, stream_party, party);
  const auto reserved = header.take(3, "reserved bytes");
  const auto stream_config = header.take(config.size(), "config hash");
  if (!std::equal(stream_config.begin(), stream_config.end(), config.begin()))
    fail(ErrorKind::kMismatch, "{} was made for another configuration (hash {} vs {} expected)",
         source, short_hex(stream_config), short_hex(config));
  const auto is_zero = [](uint8_t byte) { return byte == 0; };
  if (!std::all_of(reserved.begin(), reserved.end(), is_zero))
    fail(ErrorKind::kParse, "{}: nonzero reserved bytes in the stream header", source);
}

[[noreturn]] void fail_io(const std::string& what, const std::filesystem::path& path) {
  const int error = errno;
  fail(ErrorKind::kIo, "{} {}: {}", what, path.string(), std::strerror(error));
}

}  // namespace

RunId random_run_id() {
  RunId id;
  if (RAND_bytes(id.data(), static_cast<int>(id.size())) != 1)
    fail(ErrorKind::kInternal, "OpenSSL: no randomness for a run id");
  return id;
}

std::string short_hex(std::span<const uint8_t> bytes) {
  FSS_CHECK(bytes.size() >= 4);
  return fmt::format("{:02x}{:02x}{:02x}{:02x}…", bytes[0], bytes[1], bytes[2], bytes[3]);
}

ConfigHash config_hash(std::string_view run_config) {
  Sha256 sha;
  sha.update({reinterpret_cast<const uint8_t*>(run_config.data()), run_config.size()});
  return sha.finish();
}

// ---------------------------------------------------------------------------------------------
// Writer

struct KeyStreamWriter::Impl {
  bool to_file = false;
  std::vector<uint8_t> memory;
  std::vector<uint8_t> file_payload;  // files: the buffer lent for each record, kept for the next
  std::filesystem::path path;
  std::filesystem::path temp_path;
  std::FILE* file = nullptr;
  std::unique_ptr<Sha256> checksum;  // files only
  uint64_t records = 0;
  uint64_t bytes = 0;
  bool committed = false;
  // The record between begin_record and end_record: where its payload starts in `memory` (which
  // the caller holds meanwhile) and its declared size.
  bool record_open = false;
  uint64_t open_payload_start = 0;
  uint64_t open_payload_bytes = 0;

  void check_no_open_record(const char* call) const {
    FSS_CHECK(!record_open, "key stream: {} while a record is open", call);
  }

  ~Impl() {
    if (file != nullptr) std::fclose(file);
    if (to_file && !committed) {
      std::error_code ignored;  // nothing useful to do if the cleanup itself fails
      std::filesystem::remove(temp_path, ignored);
    }
  }

  void append(std::span<const uint8_t> data) {
    if (data.empty()) return;
    bytes += data.size();
    if (!to_file) {
      memory.insert(memory.end(), data.begin(), data.end());
      return;
    }
    checksum->update(data);
    if (std::fwrite(data.data(), 1, data.size(), file) != data.size())
      fail_io("cannot write key file", temp_path);
  }
};

KeyStreamWriter::KeyStreamWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KeyStreamWriter::KeyStreamWriter(KeyStreamWriter&&) noexcept = default;
KeyStreamWriter& KeyStreamWriter::operator=(KeyStreamWriter&&) noexcept = default;
KeyStreamWriter::~KeyStreamWriter() = default;

KeyStreamWriter KeyStreamWriter::to_memory(int party, const ConfigHash& config,
                                           const RunId& run_id) {
  check_party(party);
  auto impl = std::make_unique<Impl>();
  impl->append(stream_header(party, config, run_id));
  return KeyStreamWriter(std::move(impl));
}

KeyStreamWriter KeyStreamWriter::to_file(const std::filesystem::path& path, int party,
                                         const ConfigHash& config, const RunId& run_id) {
  check_party(party);
  auto impl = std::make_unique<Impl>();
  impl->to_file = true;
  impl->path = path;
  impl->temp_path = path;
  impl->temp_path += ".tmp";
  impl->checksum = std::make_unique<Sha256>();
  // Owner-only: a key file is half of the secret that protects the client's data.
  const int fd = ::open(impl->temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) fail_io("cannot create key file", impl->temp_path);
  impl->file = ::fdopen(fd, "wb");
  if (impl->file == nullptr) {
    const int open_errno = errno;
    ::close(fd);
    errno = open_errno;
    fail_io("cannot create key file", impl->temp_path);
  }
  std::setvbuf(impl->file, nullptr, _IOFBF, size_t{1} << 20);
  impl->append(stream_header(party, config, run_id));
  return KeyStreamWriter(std::move(impl));
}

void KeyStreamWriter::reserve(uint64_t bytes) {
  impl_->check_no_open_record("reserve");
  if (impl_->to_file) return;
  std::vector<uint8_t>& memory = impl_->memory;
  if (bytes <= memory.capacity()) return;
  memory.reserve(bytes);
  uint8_t* const room = memory.data() + memory.size();
  const size_t room_bytes = memory.capacity() - memory.size();
  advise_huge_pages(room, room_bytes);
  populate_in_parallel(room, room_bytes);
}

void KeyStreamWriter::write_record(GateKind kind, uint64_t elements,
                                   std::span<const uint8_t> payload) {
  ByteWriter writer = begin_record(kind, elements, payload.size());
  writer.put_bytes(payload);
  end_record(std::move(writer));
}

ByteWriter KeyStreamWriter::begin_record(GateKind kind, uint64_t elements,
                                         uint64_t payload_bytes) {
  FSS_CHECK(!impl_->committed, "key stream: begin_record after commit");
  impl_->check_no_open_record("begin_record");
  ByteWriter header;
  header.put<uint32_t>(kRecordMagic);
  header.put<uint16_t>(static_cast<uint16_t>(kind));
  header.put<uint16_t>(0);
  header.put<uint64_t>(impl_->records);
  header.put<uint64_t>(elements);
  header.put<uint64_t>(payload_bytes);
  FSS_CHECK(header.size() == kRecordHeaderBytes);
  impl_->append(header.data());
  impl_->record_open = true;
  impl_->open_payload_bytes = payload_bytes;
  if (!impl_->to_file) {
    impl_->open_payload_start = impl_->memory.size();
    return ByteWriter(std::move(impl_->memory));
  }
  std::vector<uint8_t> buffer = std::move(impl_->file_payload);
  buffer.clear();
  buffer.reserve(payload_bytes);
  return ByteWriter(std::move(buffer));
}

void KeyStreamWriter::end_record(ByteWriter payload, std::string_view writer) {
  FSS_CHECK(impl_->record_open, "key stream: end_record without begin_record");
  impl_->record_open = false;
  const uint64_t declared = impl_->open_payload_bytes;
  if (impl_->to_file) {
    FSS_CHECK(payload.size() == declared, "key stream: {} wrote {} bytes for record #{}, {} declared",
              writer, payload.size(), impl_->records, declared);
    impl_->append(payload.data());
    impl_->file_payload = payload.take();
  } else {
    impl_->memory = payload.take();
    FSS_CHECK(impl_->memory.size() >= impl_->open_payload_start,
              "key stream: end_record needs the writer begin_record returned");
    const uint64_t written = impl_->memory.size() - impl_->open_payload_start;
    FSS_CHECK(written == declared, "key stream: {} wrote {} bytes for record #{}, {} declared",
              writer, written, impl_->records, declared);
    impl_->bytes += written;
  }
  impl_->append(std::span(kZeros).first(padding_after(declared)));
  ++impl_->records;
}

void KeyStreamWriter::commit() {
  FSS_CHECK(!impl_->committed, "key stream: commit twice");
  impl_->check_no_open_record("commit");
  if (impl_->to_file) {
    const auto trailer = impl_->checksum->finish();
    std::FILE* file = std::exchange(impl_->file, nullptr);
    const bool written = std::fwrite(trailer.data(), 1, trailer.size(), file) == trailer.size() &&
                         std::fflush(file) == 0 && ::fsync(fileno(file)) == 0;
    const int write_errno = errno;
    if (std::fclose(file) != 0 || !written) {
      if (!written) errno = write_errno;  // report the write error, not fclose's
      fail_io("cannot write key file", impl_->temp_path);
    }
    impl_->bytes += trailer.size();
    std::error_code error;
    std::filesystem::rename(impl_->temp_path, impl_->path, error);
    if (error)
      fail(ErrorKind::kIo, "cannot rename {} to {}: {}", impl_->temp_path.string(),
           impl_->path.string(), error.message());
  }
  impl_->committed = true;
}

std::vector<uint8_t> KeyStreamWriter::take_bytes() {
  FSS_CHECK(!impl_->to_file && impl_->committed,
            "key stream: take_bytes needs a committed memory writer");
  impl_->check_no_open_record("take_bytes");
  return std::move(impl_->memory);
}

std::vector<uint8_t> KeyStreamWriter::take_chunk() {
  FSS_CHECK(!impl_->to_file, "key stream: take_chunk needs a memory writer");
  impl_->check_no_open_record("take_chunk");
  std::vector<uint8_t> chunk = std::exchange(impl_->memory, {});
  if (!impl_->committed) reserve(chunk.size());
  return chunk;
}

uint64_t KeyStreamWriter::records_written() const { return impl_->records; }
uint64_t KeyStreamWriter::bytes_written() const { return impl_->bytes; }

// ---------------------------------------------------------------------------------------------
// Reader

struct KeyStreamReader::Impl {
  Impl(std::span<const uint8_t> stream, std::string source)
      : stream(stream), cursor(stream, std::move(source)) {}
  ~Impl() {
    if (mapping != nullptr) ::munmap(mapping, mapping_bytes);
  }

  void* mapping = nullptr;  // files only
  size_t mapping_bytes = 0;
  std::span<const uint8_t> stream;          // without its trailer
  ByteReader cursor;                        // over stream; offsets are stream offsets
  std::unique_ptr<ResidentBytes> resident;  // stream's copy in a backend's memory, if any
  uint64_t records = 0;
  RunId run_id{};
  // Chunked streams (from_chunk) only: the chunks not yet released, the cursor over the one at
  // `current`; the cursor's offsets are offsets in that chunk, which its source names.
  bool chunked = false;
  std::deque<std::vector<uint8_t>> chunks;
  size_t current = 0;
  uint64_t chunks_seen = 0;  // numbers the chunks in messages
  std::string stream_source;
  // Chunked and resident: the backend that copies each chunk as it arrives, and the copies,
  // one per entry of `chunks` (nullptr for the empty placeholder).
  Backend* resident_on = nullptr;
  std::deque<std::unique_ptr<ResidentBytes>> chunk_copies;

  // Moves the cursor to the next chunk once the current one is read (chunked streams).
  void advance_if_read() {
    if (!chunked || cursor.remaining() != 0 || current + 1 >= chunks.size()) return;
    ++current;
    cursor = ByteReader(chunks[current], chunk_source(current));
  }
  std::string chunk_source(size_t index) const {
    return fmt::format("{} chunk {}", stream_source, chunks_seen - (chunks.size() - index));
  }

  // Consumes the verified stream header and keeps its run id.
  void skip_header() {
    const auto header = cursor.take(kStreamHeaderBytes, "stream header");
    std::copy_n(header.end() - run_id.size(), run_id.size(), run_id.begin());
  }
};

KeyStreamReader::KeyStreamReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KeyStreamReader::KeyStreamReader(KeyStreamReader&&) noexcept = default;
KeyStreamReader& KeyStreamReader::operator=(KeyStreamReader&&) noexcept = default;
KeyStreamReader::~KeyStreamReader() = default;

KeyStreamReader KeyStreamReader::from_memory(std::span<const uint8_t> bytes, int party,
                                             const ConfigHash& config, std::string source) {
  check_party(party);
  if (bytes.size() < kStreamHeaderBytes)
    fail(ErrorKind::kParse, "{} is truncated: {} bytes, the stream header alone has {}", source,
         bytes.size(), kStreamHeaderBytes);
  check_magic_and_version(bytes, source);
  check_party_and_config(bytes, source, party, config);
  auto impl = std::make_unique<Impl>(bytes, std::move(source));
  impl->skip_header();
  return KeyStreamReader(std::move(impl));
}

KeyStreamReader KeyStreamReader::from_chunk(std::vector<uint8_t> first_chunk, int party,
                                            const ConfigHash& config, std::string source) {
  std::deque<std::vector<uint8_t>> chunks;
  chunks.push_back(std::move(first_chunk));
  KeyStreamReader reader = from_memory(chunks.front(), party, config, source);
  Impl& impl = *reader.impl_;
  impl.chunked = true;
  impl.chunks = std::move(chunks);  // moving the deque keeps the chunk's bytes where they are
  impl.chunks_seen = 1;
  impl.stream_source = std::move(source);
  return reader;
}

void KeyStreamReader::append_chunk(std::vector<uint8_t> chunk) {
  FSS_CHECK(impl_->chunked, "key stream: append_chunk needs a reader made by from_chunk");
  if (chunk.empty()) return;
  impl_->chunks.push_back(std::move(chunk));
  ++impl_->chunks_seen;
  if (impl_->resident_on != nullptr)
    impl_->chunk_copies.push_back(impl_->resident_on->make_resident(impl_->chunks.back()));
}

void KeyStreamReader::release_read_chunks() {
  Impl& impl = *impl_;
  FSS_CHECK(impl.chunked, "key stream: release_read_chunks needs a reader made by from_chunk");
  impl.advance_if_read();
  const size_t released = impl.current;
  impl.chunks.erase(impl.chunks.begin(), impl.chunks.begin() + released);
  if (impl.resident_on != nullptr)
    impl.chunk_copies.erase(impl.chunk_copies.begin(), impl.chunk_copies.begin() + released);
  impl.current = 0;
  if (impl.cursor.remaining() == 0) {
    // Nothing more has arrived: the last chunk is read too. An empty cursor keeps the reader
    // valid (at_end, expect_end) until append_chunk brings the next.
    impl.chunks.clear();
    impl.chunks.emplace_back();
    if (impl.resident_on != nullptr) {
      impl.chunk_copies.clear();
      impl.chunk_copies.emplace_back();
    }
    impl.cursor = ByteReader(impl.chunks.front(), impl.chunk_source(0));
  }
}

KeyStreamReader KeyStreamReader::from_file(const std::filesystem::path& path, int party,
                                           const ConfigHash& config) {
  check_party(party);
  const std::string source = "key file " + path.string();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail_io("cannot open key file", path);
  struct stat info;
  if (::fstat(fd, &info) != 0) {
    const int stat_errno = errno;
    ::close(fd);
    errno = stat_errno;
    fail_io("cannot stat key file", path);
  }
  const size_t file_bytes = static_cast<size_t>(info.st_size);
  if (file_bytes < kStreamHeaderBytes + kTrailerBytes) {
    ::close(fd);
    fail(ErrorKind::kParse, "{} is truncated: {} bytes, a key file has at least {}", source,
         file_bytes, kStreamHeaderBytes + kTrailerBytes);
  }
  void* mapping = ::mmap(nullptr, file_bytes, PROT_READ, MAP_PRIVATE, fd, 0);
  const int map_errno = errno;
  ::close(fd);  // the mapping keeps the file open
  if (mapping == MAP_FAILED) {
    errno = map_errno;
    fail_io("cannot map key file", path);
  }
  ::madvise(mapping, file_bytes, MADV_SEQUENTIAL);  // a hint only; failure is harmless

  const std::span<const uint8_t> file(static_cast<const uint8_t*>(mapping), file_bytes);
  const auto stream = file.first(file_bytes - kTrailerBytes);
  auto impl = std::make_unique<Impl>(stream, source);
  impl->mapping = mapping;  // unmapped by ~Impl from here on, also if a check below throws
  impl->mapping_bytes = file_bytes;

  check_magic_and_version(stream, source);
  Sha256 sha;
  sha.update(stream);
  const auto digest = sha.finish();
  const auto trailer = file.last(kTrailerBytes);
  if (!std::equal(trailer.begin(), trailer.end(), digest.begin()))
    fail(ErrorKind::kParse, "{} is corrupted: checksum mismatch", source);
  check_party_and_config(stream, source, party, config);
  impl->skip_header();
  return KeyStreamReader(std::move(impl));
}

std::span<const uint8_t> KeyStreamReader::read_record(GateKind expected,
                                                      uint64_t expected_elements) {
  impl_->advance_if_read();
  ByteReader& cursor = impl_->cursor;
  const size_t offset = cursor.offset();
  const auto wanted = [&] { return describe_record(impl_->records, expected, expected_elements); };
  if (cursor.remaining() == 0)
    fail(ErrorKind::kMismatch, "{}: expected record {} but the stream ends at offset {}",
         cursor.source(), wanted(), offset);

  ByteReader header(cursor.take(kRecordHeaderBytes, "record header"), cursor.source());
  const auto magic = header.get<uint32_t>("record magic");
  const auto kind = static_cast<GateKind>(header.get<uint16_t>("gate kind"));
  const auto reserved = header.get<uint16_t>("reserved");
  const auto sequence = header.get<uint64_t>("sequence number");
  const auto elements = header.get<uint64_t>("element count");
  const auto payload_bytes = header.get<uint64_t>("payload length");
  if (magic != kRecordMagic || reserved != 0)
    fail(ErrorKind::kParse, "{}: no valid record header at offset {} (expected record {})",
         cursor.source(), offset, wanted());
  if (kind != expected || elements != expected_elements || sequence != impl_->records)
    fail(ErrorKind::kMismatch, "{}: expected record {} but found {} at offset {}", cursor.source(),
         wanted(), describe_record(sequence, kind, elements), offset);

  const auto payload = cursor.take(payload_bytes, "record payload");
  const auto padding = cursor.take(padding_after(payload_bytes), "record padding");
  if (!std::all_of(padding.begin(), padding.end(), [](uint8_t byte) { return byte == 0; }))
    fail(ErrorKind::kParse, "{}: nonzero padding after record {} at offset {}", cursor.source(),
         wanted(), offset);
  ++impl_->records;
  return payload;
}

ByteReader KeyStreamReader::record_reader(GateKind expected, uint64_t expected_elements) {
  const auto payload = read_record(expected, expected_elements);
  const Impl& impl = *impl_;
  const uint8_t* device = nullptr;
  if (impl.chunked) {
    // read_record took the payload from the current chunk.
    if (impl.current < impl.chunk_copies.size() && impl.chunk_copies[impl.current] != nullptr)
      device = impl.chunk_copies[impl.current]->data() +
               (payload.data() - impl.chunks[impl.current].data());
  } else if (impl.resident != nullptr) {
    device = impl.resident->data() + (payload.data() - impl.stream.data());
  }
  return ByteReader(payload,
                    fmt::format("{} record {}", impl_->cursor.source(),
                                describe_record(impl_->records - 1, expected, expected_elements)),
                    device);
}

bool KeyStreamReader::make_resident(Backend& backend) {
  Impl& impl = *impl_;
  if (!impl.chunked) {
    impl.resident = backend.make_resident(impl.stream);
    return impl.resident != nullptr;
  }
  std::deque<std::unique_ptr<ResidentBytes>> copies;
  for (const std::vector<uint8_t>& chunk : impl.chunks) {
    copies.push_back(backend.make_resident(chunk));
    if (copies.back() == nullptr) return false;
  }
  impl.chunk_copies = std::move(copies);
  impl.resident_on = &backend;
  return true;
}

bool KeyStreamReader::at_end() const {
  return impl_->cursor.remaining() == 0 && impl_->current + 1 >= impl_->chunks.size();
}

void KeyStreamReader::expect_end() const {
  const Impl& impl = *impl_;
  const bool next_chunk = impl.cursor.remaining() == 0 && impl.current + 1 < impl.chunks.size();
  const ByteReader cursor =
      next_chunk ? ByteReader(impl.chunks[impl.current + 1], impl.chunk_source(impl.current + 1))
                 : impl.cursor;
  if (cursor.remaining() == 0) return;
  ByteReader next = cursor;
  const size_t offset = next.offset();
  if (next.remaining() >= kRecordHeaderBytes &&
      next.get<uint32_t>("record magic") == kRecordMagic) {
    const auto kind = static_cast<GateKind>(next.get<uint16_t>("gate kind"));
    next.get<uint16_t>("reserved");
    const auto sequence = next.get<uint64_t>("sequence number");
    const auto elements = next.get<uint64_t>("element count");
    fail(ErrorKind::kMismatch,
         "{}: expected the end after {} records but found record {} at offset {}", cursor.source(),
         impl_->records, describe_record(sequence, kind, elements), offset);
  }
  fail(ErrorKind::kParse, "{}: {} unexpected trailing bytes at offset {}", cursor.source(),
       cursor.remaining(), offset);
}

uint64_t KeyStreamReader::records_read() const { return impl_->records; }
const std::string& KeyStreamReader::source() const {
  return impl_->chunked ? impl_->stream_source : impl_->cursor.source();
}
const RunId& KeyStreamReader::run_id() const { return impl_->run_id; }

}  // namespace fss
