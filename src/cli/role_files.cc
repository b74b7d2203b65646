#include "cli/role_files.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "core/bytes.h"
#include "core/error.h"

namespace fss::cli {
namespace {

constexpr std::array<uint8_t, 8> kMagic = {'F', 'S', 'S', 'R', 'O', 'L', 'E', '\0'};
constexpr size_t kTrailerBytes = 32;
constexpr uint32_t kMaxConfigText = 4096;
constexpr uint8_t kMaxRank = 8;

std::array<uint8_t, kTrailerBytes> sha256(std::span<const uint8_t> bytes) {
  std::array<uint8_t, kTrailerBytes> digest;
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
      length != digest.size())
    fail(ErrorKind::kInternal, "OpenSSL: SHA-256 failed");
  return digest;
}

void put_tensors(ByteWriter& out, const std::vector<Tensor>& tensors) {
  out.put<uint32_t>(static_cast<uint32_t>(tensors.size()));
  for (const Tensor& t : tensors) {
    out.put<uint8_t>(static_cast<uint8_t>(t.fixed_point().n));
    out.put<uint8_t>(static_cast<uint8_t>(t.fixed_point().f));
    out.put<uint8_t>(static_cast<uint8_t>(t.shape().rank()));
    out.put<uint8_t>(0);
    for (int64_t dim : t.shape().dims()) out.put<uint64_t>(static_cast<uint64_t>(dim));
    out.put_array(t.data());
  }
}

std::vector<Tensor> get_tensors(ByteReader& in, const char* list) {
  const uint32_t count = in.get<uint32_t>(list);
  std::vector<Tensor> tensors;
  for (uint32_t i = 0; i < count; ++i) {
    const FixedPoint format{in.get<uint8_t>("ring bits"), in.get<uint8_t>("fractional bits")};
    const uint8_t rank = in.get<uint8_t>("rank");
    in.get<uint8_t>("reserved");
    if (rank > kMaxRank)
      fail(ErrorKind::kParse, "{}: tensor {} of the {} has rank {} at offset {}", in.source(), i,
           list, rank, in.offset());
    std::vector<int64_t> dims(rank);
    uint64_t elements = 1;
    for (int64_t& dim : dims) {
      const uint64_t value = in.get<uint64_t>("dimension");
      // A dimension beyond the bytes left can only come from a corrupted file.
      if (value > in.remaining() || (value != 0 && elements > in.remaining() / value))
        fail(ErrorKind::kParse, "{}: tensor {} of the {} claims more values than the file holds",
             in.source(), i, list);
      elements *= value;
      dim = static_cast<int64_t>(value);
    }
    std::vector<uint64_t> values(elements);
    in.get_array(std::span(values), "tensor values");
    try {
      tensors.emplace_back(Shape(std::move(dims)), format, std::move(values));
    } catch (const Error& e) {
      fail(ErrorKind::kParse, "{}: tensor {} of the {}: {}", in.source(), i, list, e.what());
    }
  }
  return tensors;
}

[[noreturn]] void fail_io(const char* what, const std::filesystem::path& path) {
  fail(ErrorKind::kIo, "{} {}: {}", what, path.string(), std::strerror(errno));
}

}  // namespace

const char* role_file_kind_name(RoleFileKind kind) {
  switch (kind) {
    case RoleFileKind::kClientMasks:
      return "client masks";
    case RoleFileKind::kMaskedInputs:
      return "masked inputs";
    case RoleFileKind::kPartyOutput:
      return "party output";
  }
  return "unknown";
}

void write_role_file(const std::filesystem::path& path, const RoleFile& file) {
  ByteWriter out;
  out.put_array(std::span<const uint8_t>(kMagic));
  out.put<uint32_t>(kRoleFileVersion);
  out.put<uint8_t>(static_cast<uint8_t>(file.kind));
  out.put<uint8_t>(static_cast<uint8_t>(file.party));
  out.put<uint16_t>(0);
  const ConfigHash hash = config_hash(file.config_text);
  out.put_array(std::span<const uint8_t>(hash));
  out.put_array(std::span<const uint8_t>(file.run_id));
  out.put<uint32_t>(static_cast<uint32_t>(file.config_text.size()));
  out.put_bytes(
      {reinterpret_cast<const uint8_t*>(file.config_text.data()), file.config_text.size()});
  put_tensors(out, file.inputs);
  put_tensors(out, file.outputs);
  const auto trailer = sha256(out.data());
  out.put_array(std::span<const uint8_t>(trailer));

  std::filesystem::path temp = path;
  temp += ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) fail_io("cannot create", temp);
  std::span<const uint8_t> left = out.data();
  while (!left.empty()) {
    const ssize_t written = ::write(fd, left.data(), left.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      const int write_errno = written < 0 ? errno : ENOSPC;
      ::close(fd);
      ::unlink(temp.c_str());
      errno = write_errno;
      fail_io("cannot write", temp);
    }
    left = left.subspan(static_cast<size_t>(written));
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int sync_errno = errno;
    ::unlink(temp.c_str());
    errno = sync_errno;
    fail_io("cannot write", temp);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int rename_errno = errno;
    ::unlink(temp.c_str());
    errno = rename_errno;
    fail_io("cannot rename to", path);
  }
}

RoleFile read_role_file(const std::filesystem::path& path, RoleFileKind expected) {
  std::ifstream stream(path, std::ios::binary);
  if (!stream) fail_io("cannot open", path);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(stream)),
                                   std::istreambuf_iterator<char>());
  const std::string source = path.string();
  ByteReader in(bytes, source);
  const auto magic = in.take(kMagic.size(), "magic");
  if (!std::equal(magic.begin(), magic.end(), kMagic.begin()))
    fail(ErrorKind::kParse, "{} is not an fssformer role file (bad magic at offset 0)", source);
  const uint32_t version = in.get<uint32_t>("format version");
  if (version != kRoleFileVersion)
    fail(ErrorKind::kParse, "{} has role file format version {}; this build reads version {}",
         source, version, kRoleFileVersion);
  const std::span<const uint8_t> all(bytes);
  if (bytes.size() < in.offset() + kTrailerBytes ||
      !std::ranges::equal(all.last(kTrailerBytes), sha256(all.first(bytes.size() - kTrailerBytes))))
    fail(ErrorKind::kParse, "{} is corrupted or truncated: checksum mismatch", source);

  ByteReader body(all.first(bytes.size() - kTrailerBytes), source);
  body.take(kMagic.size() + sizeof(uint32_t), "magic and version");
  RoleFile file;
  file.kind = static_cast<RoleFileKind>(body.get<uint8_t>("kind"));
  file.party = body.get<uint8_t>("party");
  body.get<uint16_t>("reserved");
  if (file.kind != expected)
    fail(ErrorKind::kMismatch, "{} holds {}, expected {}", source, role_file_kind_name(file.kind),
         role_file_kind_name(expected));
  ConfigHash hash;
  body.get_array(std::span<uint8_t>(hash), "config hash");
  body.get_array(std::span<uint8_t>(file.run_id), "run id");
  const uint32_t text_bytes = body.get<uint32_t>("config text length");
  if (text_bytes > kMaxConfigText)
    fail(ErrorKind::kParse, "{}: config text of {} bytes (at most {})", source, text_bytes,
         kMaxConfigText);
  const auto text = body.take(text_bytes, "config text");
  file.config_text.assign(text.begin(), text.end());
  if (config_hash(file.config_text) != hash)
    fail(ErrorKind::kParse, "{}: the config hash does not match the config text", source);
  file.inputs = get_tensors(body, "inputs");
  file.outputs = get_tensors(body, "outputs");
  body.expect_end();
  return file;
}

}  // namespace fss::cli
