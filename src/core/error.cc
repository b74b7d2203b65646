#include "core/error.h"

namespace fss {

const char* error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidArgument: return "invalid argument";
    case ErrorKind::kParse: return "parse error";
    case ErrorKind::kMismatch: return "mismatch";
    case ErrorKind::kNetwork: return "network error";
    case ErrorKind::kIo: return "I/O error";
    case ErrorKind::kInternal: return "internal error";
  }
  return "error";
}

void check_failed(const char* condition, const char* file, int line, const std::string& message) {
  throw Error(ErrorKind::kInternal,
              fmt::format("invariant '{}' failed at {}:{}{}{}", condition, file, line,
                          message.empty() ? "" : ": ", message));
}

}  // namespace fss
