#pragma once
// The files the three roles hand each other besides key streams (docs/deployment.md): the
// client's masks (keygen -> client), the masked inputs (client -> both parties) and a party's
// masked outputs (party -> client). Layout, little-endian:
//   "FSSROLE\0", format version u32, kind u8, party u8 (255: none), 2 zero bytes,
//   config hash (32 bytes), run id (16 bytes), config text length u32, config text,
//   input tensor count u32, tensors, output tensor count u32, tensors,
//   trailer: SHA-256 of every byte before it.
//   tensor: n u8, f u8, rank u8, zero u8, dims (u64 each), values (u64 each).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "mpc/key_stream.h"

namespace fss::cli {

inline constexpr uint32_t kRoleFileVersion = 1;
inline constexpr int kNoParty = 255;

enum class RoleFileKind : uint8_t { kClientMasks = 1, kMaskedInputs = 2, kPartyOutput = 3 };
const char* role_file_kind_name(RoleFileKind kind);  // "client masks", ...

struct RoleFile {
  RoleFileKind kind = RoleFileKind::kMaskedInputs;
  int party = kNoParty;     // kPartyOutput: the party that wrote it
  std::string config_text;  // RunConfiguration::text(); its SHA-256 is the header's hash
  RunId run_id{};
  std::vector<Tensor> inputs;   // client masks: r of every input; masked inputs: x + r
  std::vector<Tensor> outputs;  // client masks: r of every output; party output: y + r
};

// Writes `<path>.tmp`, fsyncs it and renames it to `path`, so `path` is complete or absent.
// Throws kIo (naming the file and the system's reason, e.g. "File too large").
void write_role_file(const std::filesystem::path& path, const RoleFile& file);
// Reads and verifies a role file: magic, version, checksum, the hash of the config text (kParse,
// "... is corrupted or truncated"), and its kind (kMismatch, naming both kinds). kIo if absent.
RoleFile read_role_file(const std::filesystem::path& path, RoleFileKind expected);

}  // namespace fss::cli
