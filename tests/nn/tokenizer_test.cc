// BERT WordPiece tokenization on a small hand-made vocabulary: every expected piece below is
// worked out by hand from the algorithm's definition (tokenizer.h). The real vocabulary is
// checked against Hugging Face's tokenizer in minilm_test.cc.
#include "nn/tokenizer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "core/error.h"

namespace fss {
namespace {

using namespace std::string_literals;
using Words = std::vector<std::string>;

// Ids are positions: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, "un" 4, ...
const std::vector<std::string> kVocabulary = {
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "una", "##ffable", "##aff", "##able",
    "want",  "##ed",  "runn",  "##ing", "a",  "##a", ",",        ".",     "!",
    "cafe",  "##s",   "中",    "é",     "$",  "5",   "##5",      "over",  "##ly"};

WordPieceTokenizer small_tokenizer() {
  return WordPieceTokenizer::from_tokens(kVocabulary, "test vocabulary");
}

// A directory of this process's own (test binaries may run in parallel), removed at exit.
class ScratchDirectory {
 public:
  ScratchDirectory()
      : path_(std::filesystem::path(testing::TempDir()) /
              ("fss_tokenizer_test_" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path_);
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

const std::filesystem::path& scratch_directory() {
  static const ScratchDirectory directory;
  return directory.path();
}

std::filesystem::path write_file(const std::string& name, const std::string& contents) {
  const std::filesystem::path path = scratch_directory() / name;
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

// Runs `action`, expecting an fss::Error of `kind` whose message contains every fragment.
template <typename Action>
void expect_error(Action&& action, ErrorKind kind, const std::vector<std::string>& fragments) {
  try {
    action();
    ADD_FAILURE() << "no error; expected one containing '" << fragments.front() << "'";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), kind) << error.what();
    for (const std::string& fragment : fragments)
      EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos)
          << "'" << fragment << "' not in: " << error.what();
  }
}

TEST(TokenizerTest, SplitsAtWhitespaceAndPunctuationAndLowerCases) {
  EXPECT_EQ(WordPieceTokenizer::split_words("Hello, World!"), (Words{"hello", ",", "world", "!"}));
  EXPECT_EQ(WordPieceTokenizer::split_words("  don't   U.S.A.  "),
            (Words{"don", "'", "t", "u", ".", "s", ".", "a", "."}));
  // ASCII symbols count as punctuation; digits and letters do not.
  EXPECT_EQ(WordPieceTokenizer::split_words("$5^2+x_1"),
            (Words{"$", "5", "^", "2", "+", "x", "_", "1"}));
  // Non-ASCII punctuation: guillemets, an em dash, an ellipsis, inverted question mark.
  EXPECT_EQ(WordPieceTokenizer::split_words("«oui»—non…¿sí?"),
            (Words{"«", "oui", "»", "—", "non", "…", "¿", "si", "?"}));
  EXPECT_TRUE(WordPieceTokenizer::split_words("").empty());
  EXPECT_TRUE(WordPieceTokenizer::split_words(" \t\n ").empty());
}

TEST(TokenizerTest, StripsAccentsAndLowerCasesBeyondAscii) {
  EXPECT_EQ(WordPieceTokenizer::split_words("Café NAÏVE Ærø Łódź"), (Words{"cafe", "naive",
                                                                           "æ"
                                                                           "r"
                                                                           "ø",
                                                                           "ł"
                                                                           "odz"}));
  // A decomposed accent (e + U+0301 COMBINING ACUTE) is stripped like a precomposed one.
  EXPECT_EQ(WordPieceTokenizer::split_words("Re\xCC\x81sume\xCC\x81"), (Words{"resume"}));
  EXPECT_EQ(WordPieceTokenizer::split_words("ΑΘΉΝΑ Ёлка"), (Words{"αθηνα", "елка"}));
}

TEST(TokenizerTest, DropsControlCharactersAndSetsCjkIdeographsApart) {
  // Tab, newline, no-break space and ideographic space separate words; a zero-width space and a
  // soft hyphen (format characters) vanish, joining their neighbours; so do NUL and U+FFFD.
  EXPECT_EQ(WordPieceTokenizer::split_words("a\tb\nc\u00a0d\u3000e"),
            (Words{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(WordPieceTokenizer::split_words("x\u200by\u00adz\0w\uFFFDv"s), (Words{"xyzwv"}));
  EXPECT_EQ(WordPieceTokenizer::split_words("ab中文cd"), (Words{"ab", "中", "文", "cd"}));
}

TEST(TokenizerTest, WordPieceTakesTheLongestPieceFirst) {
  const WordPieceTokenizer tokenizer = small_tokenizer();
  // "una" is longer than "un", so the rest must be "##ffable" (not "##aff" "##able").
  EXPECT_EQ(tokenizer.tokenize("unaffable"), (Words{"una", "##ffable"}));
  EXPECT_EQ(tokenizer.tokenize("Wanted running, overly!"),
            (Words{"want", "##ed", "runn", "##ing", ",", "over", "##ly", "!"}));
  EXPECT_EQ(tokenizer.tokenize("CAFÉS"), (Words{"cafe", "##s"}));
  EXPECT_EQ(tokenizer.tokenize("55 $"), (Words{"5", "##5", "$"}));
  // "é" is in the vocabulary but accents go before WordPiece: "É" becomes "e", which is not.
  EXPECT_EQ(tokenizer.tokenize("É"), (Words{"[UNK]"}));
}

TEST(TokenizerTest, AWordWithAnUnknownPartIsOneUnknownToken) {
  const WordPieceTokenizer tokenizer = small_tokenizer();
  // "##x" is missing: the whole word, not only its tail, becomes [UNK].
  EXPECT_EQ(tokenizer.tokenize("unaffablex want"), (Words{"[UNK]", "want"}));
  EXPECT_EQ(tokenizer.tokenize("xyz"), (Words{"[UNK]"}));
  // 100 characters still split ("a" then 99 "##a"); 101 are one [UNK].
  EXPECT_EQ(tokenizer.tokenize(std::string(100, 'a')).size(), 100u);
  EXPECT_EQ(tokenizer.tokenize(std::string(101, 'a')), (Words{"[UNK]"}));
}

TEST(TokenizerTest, EncodeWrapsIdsInClsAndSep) {
  const WordPieceTokenizer tokenizer = small_tokenizer();
  EXPECT_EQ(tokenizer.encode("Unaffable, wanted."),
            (std::vector<int64_t>{2, 5, 6, 15, 9, 10, 16, 3}));
  EXPECT_EQ(tokenizer.encode(""), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(tokenizer.pad_id(), 0);
  EXPECT_EQ(tokenizer.unknown_id(), 1);
  EXPECT_EQ(tokenizer.cls_id(), 2);
  EXPECT_EQ(tokenizer.sep_id(), 3);
  EXPECT_EQ(tokenizer.vocab_size(), static_cast<int64_t>(kVocabulary.size()));
  EXPECT_EQ(tokenizer.id_of("##ing"), 12);
  EXPECT_EQ(tokenizer.id_of("ing"), -1);
  EXPECT_EQ(tokenizer.token_of(20), "中");
  expect_error([&] { tokenizer.token_of(27); }, ErrorKind::kInvalidArgument,
               {"token id 27", "[0, 27)"});
}

TEST(TokenizerTest, RejectsTextThatIsNotUtf8) {
  const WordPieceTokenizer tokenizer = small_tokenizer();
  expect_error([&] { tokenizer.encode("ok \xC3"); }, ErrorKind::kInvalidArgument,
               {"not valid UTF-8", "byte offset 3"});
  expect_error([&] { tokenizer.tokenize("\xC0\xAF"); }, ErrorKind::kInvalidArgument,
               {"byte offset 0"});  // an overlong "/"
  expect_error([&] { WordPieceTokenizer::split_words("ab\xED\xA0\x80"); },
               ErrorKind::kInvalidArgument, {"byte offset 2"});  // a UTF-16 surrogate
}

TEST(TokenizerTest, ReadsAVocabularyFile) {
  std::string contents;
  for (const std::string& token : kVocabulary) contents += token + "\n";
  const WordPieceTokenizer tokenizer =
      WordPieceTokenizer::from_file(write_file("vocab.txt", contents));
  EXPECT_EQ(tokenizer.vocab_size(), static_cast<int64_t>(kVocabulary.size()));
  EXPECT_EQ(tokenizer.encode("running"), (std::vector<int64_t>{2, 11, 12, 3}));
  // Windows line endings and a missing final newline are accepted.
  const WordPieceTokenizer crlf =
      WordPieceTokenizer::from_file(write_file("crlf.txt", "[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]"));
  EXPECT_EQ(crlf.vocab_size(), 4);
  EXPECT_EQ(crlf.sep_id(), 3);
}

TEST(TokenizerTest, BadVocabularyFilesGiveClearErrors) {
  const std::string specials = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n";
  const std::filesystem::path missing = scratch_directory() / "nope.txt";
  expect_error([&] { WordPieceTokenizer::from_file(missing); }, ErrorKind::kIo,
               {"vocabulary file", "nope.txt"});
  expect_error([&] { WordPieceTokenizer::from_file(scratch_directory()); }, ErrorKind::kIo,
               {"not a regular file"});
  expect_error([&] { WordPieceTokenizer::from_file(write_file("empty.txt", "")); },
               ErrorKind::kParse, {"empty.txt", "no tokens"});
  expect_error([&] { WordPieceTokenizer::from_file(write_file("gap.txt", specials + "a\n\nb\n")); },
               ErrorKind::kParse, {"gap.txt line 6", "empty token"});
  expect_error(
      [&] { WordPieceTokenizer::from_file(write_file("dup.txt", specials + "a\nb\na\n")); },
      ErrorKind::kParse, {"dup.txt line 7", "'a' repeats line 5"});
  expect_error([&] { WordPieceTokenizer::from_file(write_file("space.txt", specials + "a b\n")); },
               ErrorKind::kParse, {"line 5", "whitespace"});
  expect_error(
      [&] { WordPieceTokenizer::from_file(write_file("utf8.txt", specials + "ok\nb\xFF\n")); },
      ErrorKind::kParse, {"line 6", "invalid UTF-8 at byte 1"});
  expect_error(
      [&] { WordPieceTokenizer::from_file(write_file("nounk.txt", "[PAD]\n[CLS]\n[SEP]\n")); },
      ErrorKind::kParse, {"nounk.txt", "no [UNK] token"});
}

}  // namespace
}  // namespace fss
