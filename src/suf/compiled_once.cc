#include "suf/compiled_once.h"

#include <map>
#include <memory>
#include <mutex>

namespace fss::suf {

const SufGate& compiled_once(const std::string& key, const std::function<SufGate()>& compile) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<const SufGate>> gates;
  // Compiling under the lock: a second party asking for the same gate waits for it rather than
  // compiling it again.
  const std::lock_guard lock(mutex);
  std::unique_ptr<const SufGate>& gate = gates[key];
  if (gate == nullptr) {
    try {
      gate = std::make_unique<const SufGate>(compile());
    } catch (...) {
      gates.erase(key);
      throw;
    }
  }
  return *gate;
}

}  // namespace fss::suf
