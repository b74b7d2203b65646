#pragma once
// Errors. Boundaries (parsers, network, files) throw fss::Error with a kind and a message that
// names the file/offset/peer and what was expected; main() turns it into one line and a
// non-zero exit. FSS_CHECK guards internal invariants and stays on in release builds.
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace fss {

enum class ErrorKind {
  kInvalidArgument,  // a caller passed something outside the documented contract
  kParse,            // malformed, truncated or corrupted input (key files, frames, weights)
  kMismatch,         // the two sides disagree (party id, configuration hash, record order)
  kNetwork,          // peer disconnected, refused, or stalled past the timeout
  kIo,               // file system errors
  kInternal,         // a broken invariant: a bug in fssformer
};

const char* error_kind_name(ErrorKind kind);

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

template <typename... Args>
[[noreturn]] void fail(ErrorKind kind, fmt::format_string<Args...> format, Args&&... args) {
  throw Error(kind, fmt::format(format, std::forward<Args>(args)...));
}

[[noreturn]] void check_failed(const char* condition, const char* file, int line,
                               const std::string& message);

}  // namespace fss

// Internal invariant, on in every build type. Extra arguments form a fmt message.
#define FSS_CHECK(condition, ...)                                                  \
  do {                                                                             \
    if (!(condition)) [[unlikely]]                                                 \
      ::fss::check_failed(#condition, __FILE__, __LINE__, ::fmt::format("" __VA_ARGS__)); \
  } while (0)
