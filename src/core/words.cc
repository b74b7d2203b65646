#include "core/words.h"

#include <cstdlib>
#include <string_view>

namespace fss {
namespace {

constexpr uint64_t kPoison = 0xdeadbeefdeadbeefULL;

bool poison_requested() {
  static const bool requested = [] {
    const char* value = std::getenv("FSSFORMER_POISON_UNINITIALISED");
    return value != nullptr && std::string_view(value) == "1";
  }();
  return requested;
}

void fill(Words& words, uint64_t value) {
  for_each_index(words.size(), [&](size_t i) { words[i] = value; });
}

}  // namespace

Words words_for_overwrite(size_t count) {
  Words words(count);
  if (poison_requested()) fill(words, kPoison);
  return words;
}

Words zero_words(size_t count) { return filled_words(count, 0); }

Words filled_words(size_t count, uint64_t value) {
  Words words(count);
  fill(words, value);
  return words;
}

}  // namespace fss
