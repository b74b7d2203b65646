#pragma once
// Single use of key material (docs/deployment.md, "Single use"): a file of masks or keys is
// marked consumed by creating "<file>.consumed" with O_EXCL, made durable before the material
// is used, so that neither a second run nor a run after a crash can use it again.
#include <filesystem>
#include <string>

namespace fss::cli {

std::filesystem::path consumed_marker(const std::filesystem::path& file);
bool is_consumed(const std::filesystem::path& file);
// Throws kInvalidArgument ("<what> X was already used ...") naming the marker.
[[noreturn]] void fail_already_used(const std::filesystem::path& file, const std::string& what);
// Creates the marker (O_EXCL; the file and its directory fsynced) holding `note`. Throws
// kInvalidArgument if it exists already (another run got there first), kIo if it cannot be
// created or made durable.
void mark_consumed(const std::filesystem::path& file, const std::string& what,
                   const std::string& note);
// The one warning line of --allow-key-reuse, on stderr.
void warn_reuse(const std::filesystem::path& file, const std::string& what);

}  // namespace fss::cli
