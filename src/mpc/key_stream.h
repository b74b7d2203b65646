#pragma once
// Key streams (ARCHITECTURE.md §2): the dealer writes one per party, in memory or to a file,
// and the party reads its records back in exactly the order they were written. Every record
// is framed; a reader that meets a record other than the one it asks for throws kMismatch
// naming both, so a misaligned stream is never parsed as key material.
//
// Format (little-endian):
//   stream header, 64 bytes: "FSSKEYS\0", format version u32, party u8, 3 zero bytes,
//     config hash (32 bytes: config_hash of the run configuration), run id (16 bytes: the
//     dealer's random id of this key generation; all zero for streams that have none);
//   records: header {magic "KREC" u32, gate kind u16, zero u16, sequence number u64 (0, 1, ...),
//     element count u64, payload length u64}, the payload, zero padding to a multiple of 16
//     bytes, so that every payload starts 16-byte aligned within the stream;
//   files only: a trailer, SHA-256 of every byte before it.
#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "crypto/backend.h"
#include "mpc/gate_kind.h"

namespace fss {

inline constexpr uint32_t kKeyStreamVersion = 1;

// SHA-256 of the caller's canonical description of the run (model, shapes, protocol
// choices, ...). Dealer and party must compute it from the same string.
using ConfigHash = std::array<uint8_t, 32>;
ConfigHash config_hash(std::string_view run_config);

// The dealer's random 128-bit id of one key generation: every file of that generation (both
// key files, the client's masks) carries it, so that files of different runs are refused.
using RunId = std::array<uint8_t, 16>;
// A fresh random run id (OpenSSL's RAND_bytes). Throws kInternal if no randomness is available.
RunId random_run_id();
// Hex text of a hash or id prefix for messages: "3fa2c41e…" (first 4 bytes).
std::string short_hex(std::span<const uint8_t> bytes);

class KeyStreamWriter {
 public:
  // Collects the stream in memory; take_bytes() hands it over after commit().
  static KeyStreamWriter to_memory(int party, const ConfigHash& config, const RunId& run_id = {});
  // Writes "<path>.tmp" and renames it to `path` on commit(). A writer destroyed before
  // commit() removes the temporary file, so `path` is either complete or untouched.
  // Throws kIo if the file cannot be created, kInvalidArgument unless party is 0 or 1.
  static KeyStreamWriter to_file(const std::filesystem::path& path, int party,
                                 const ConfigHash& config, const RunId& run_id = {});

  KeyStreamWriter(KeyStreamWriter&&) noexcept;
  KeyStreamWriter& operator=(KeyStreamWriter&&) noexcept;
  ~KeyStreamWriter();

  // Appends record #records_written(): `elements` is the gate's element count, checked by
  // the reader; the payload is opaque here. Throws kIo on a write error.
  void write_record(GateKind kind, uint64_t elements, std::span<const uint8_t> payload);
  // The same record written in place: begin_record writes the header and returns the writer the
  // caller appends exactly `payload_bytes` to; end_record takes it back, checks the size and
  // pads. A memory writer lends its whole stream, so a gate's keys land where they stay instead
  // of being copied there. One record is open at a time; nothing else may be called meanwhile.
  ByteWriter begin_record(GateKind kind, uint64_t elements, uint64_t payload_bytes);
  // `writer` names who wrote the payload in the error for a wrong size (a gate's describe()).
  void end_record(ByteWriter payload, std::string_view writer = "the caller");
  // Finishes the stream (file: trailer, flush, fsync, rename). No records may follow.
  void commit();
  // The committed in-memory stream (memory writers only).
  std::vector<uint8_t> take_bytes();
  // The bytes written since the previous take_chunk (memory writers only, before or after
  // commit): whole records, the first chunk starting with the stream header. The chunks, in
  // order, concatenate to the stream; KeyStreamReader::from_chunk reads them as they come.
  // Before commit, room for a next chunk as large as this one is reserved (one layer's keys
  // after another's).
  std::vector<uint8_t> take_chunk();

  // Memory writers: room for a stream of `bytes` in all (e.g. cli/key_plan.h's size), so that the
  // stream is not copied as it grows, backed by huge pages and faulted in by all threads (core/fresh_pages.h). Files: nothing.
  void reserve(uint64_t bytes);

  uint64_t records_written() const;
  uint64_t bytes_written() const;  // so far, including headers and padding

 private:
  struct Impl;
  explicit KeyStreamWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Reads records in order. Construction verifies the stream header: magic, format version
// (kParse), party and configuration hash (kMismatch). A truncated or malformed record is
// kParse naming the offset; an unexpected record or the end of the stream where a record is
// expected is kMismatch. After an error the reader must not be used further.
class KeyStreamReader {
 public:
  // Reads a stream held by the caller; `bytes` must outlive the reader and its payloads.
  static KeyStreamReader from_memory(std::span<const uint8_t> bytes, int party,
                                     const ConfigHash& config,
                                     std::string source = "key stream (memory)");
  // Maps a key file and verifies its checksum once (a read of the whole file) before any
  // record is returned; a file that changed by a single byte is kParse ("... is corrupted").
  // Throws kIo if the file cannot be opened or mapped.
  static KeyStreamReader from_file(const std::filesystem::path& path, int party,
                                   const ConfigHash& config);
  // Reads a stream that arrives in chunks (KeyStreamWriter::take_chunk), owning them: starts
  // with the first chunk (header checks as from_memory), append_chunk adds the next. Records
  // never span chunks; read_record moves on to the next chunk when the current one is read.
  static KeyStreamReader from_chunk(std::vector<uint8_t> first_chunk, int party,
                                    const ConfigHash& config, std::string source);
  // Chunked readers only. Appends the next chunk (an empty one is ignored).
  void append_chunk(std::vector<uint8_t> chunk);
  // Chunked readers only. Frees the chunks whose records have all been read, so that the
  // reader holds what is still to come; payloads read from them must no longer be used.
  void release_read_chunks();

  KeyStreamReader(KeyStreamReader&&) noexcept;
  KeyStreamReader& operator=(KeyStreamReader&&) noexcept;
  ~KeyStreamReader();

  // The payload of the next record, which must be record #records_read() of `expected` kind
  // with `expected_elements` elements. The span lives as long as the reader (and, for
  // memory streams, the caller's bytes).
  std::span<const uint8_t> read_record(GateKind expected, uint64_t expected_elements);
  // read_record's payload as a ByteReader whose messages name the record
  // ("key file P0.keys record #12 dcf[4096]").
  ByteReader record_reader(GateKind expected, uint64_t expected_elements);

  // Copies the stream into `backend`'s memory (resident keys, crypto/backend.h), so that
  // record_reader's readers carry the device address of their bytes; false, with nothing
  // copied, where the backend works on host memory. A chunked reader copies each chunk, also
  // those appended later, and frees a copy with its chunk. Throws as Backend::make_resident.
  bool make_resident(Backend& backend);

  bool at_end() const;
  // Throws kMismatch, naming the next record, unless every record has been read.
  void expect_end() const;

  uint64_t records_read() const;
  const std::string& source() const;
  // The run id of the stream header (all zero if the dealer gave none).
  const RunId& run_id() const;

 private:
  struct Impl;
  explicit KeyStreamReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fss
