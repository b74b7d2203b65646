#include "cli/single_use.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace fss::cli {

namespace fs = std::filesystem;

fs::path consumed_marker(const fs::path& file) { return file.string() + ".consumed"; }

bool is_consumed(const fs::path& file) { return fs::exists(consumed_marker(file)); }

void fail_already_used(const fs::path& file, const std::string& what) {
  fail(ErrorKind::kInvalidArgument,
       "{} {} was already used ({} exists); it is single use: run keygen again "
       "(--allow-key-reuse is for benchmarks only)",
       what, file.string(), consumed_marker(file).string());
}

void mark_consumed(const fs::path& file, const std::string& what, const std::string& note) {
  const fs::path marker = consumed_marker(file);
  const int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) fail_already_used(file, what);
  if (fd < 0)
    fail(ErrorKind::kIo, "cannot mark {} {} consumed ({}): {}", what, file.string(),
         marker.string(), std::strerror(errno));
  const bool written = ::write(fd, note.data(), note.size()) == static_cast<ssize_t>(note.size()) &&
                       ::fsync(fd) == 0;
  int error = written ? 0 : errno;
  ::close(fd);
  const fs::path parent = marker.has_parent_path() ? marker.parent_path() : fs::path(".");
  const int dir_fd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0 || ::fsync(dir_fd) != 0) error = error != 0 ? error : errno;
  if (dir_fd >= 0) ::close(dir_fd);
  // The marker exists either way, so the material stays refused; the run stops because a
  // crash could still lose a marker that is not durable.
  if (error != 0)
    fail(ErrorKind::kIo, "cannot make the consumed marker {} durable: {}", marker.string(),
         std::strerror(error));
}

void warn_reuse(const fs::path& file, const std::string& what) {
  fmt::print(stderr,
             "fssformer: warning: reusing {} {} (--allow-key-reuse): for benchmarks only; "
             "reused masks reveal differences of inputs\n",
             what, file.string());
}

}  // namespace fss::cli
