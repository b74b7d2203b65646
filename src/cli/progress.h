#pragma once
// One progress line on stderr, rewritten in place, only when stderr is a terminal (so that
// logs and tests see only results and errors). show() may be called from several threads.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <string>

namespace fss::cli {

class ProgressLine {
 public:
  explicit ProgressLine(bool enabled) : enabled_(enabled && isatty(STDERR_FILENO)) {}
  void show(const std::string& text) {
    if (!enabled_) return;
    std::lock_guard lock(mutex_);
    fmt::print(stderr, "\r\033[K{}", text);
  }
  void done() {
    if (enabled_) fmt::print(stderr, "\r\033[K");
  }

 private:
  bool enabled_;
  std::mutex mutex_;
};

}  // namespace fss::cli
