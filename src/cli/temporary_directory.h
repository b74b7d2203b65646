#pragma once
// A fresh directory under the system's temporary directory ($TMPDIR), removed with everything
// in it when the object dies.
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "core/error.h"

namespace fss::cli {

class TemporaryDirectory {
 public:
  // Throws kIo if the directory cannot be created.
  TemporaryDirectory() {
    std::string name = (std::filesystem::temp_directory_path() / "fssformer_run_XXXXXX").string();
    if (::mkdtemp(name.data()) == nullptr)
      fail(ErrorKind::kIo, "cannot create a temporary directory {}", name);
    path_ = name;
  }
  ~TemporaryDirectory() {
    std::error_code ignored;  // nothing useful to do if cleanup fails
    std::filesystem::remove_all(path_, ignored);
  }
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace fss::cli
