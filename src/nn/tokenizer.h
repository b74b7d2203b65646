#pragma once
// BERT's WordPiece tokenizer for uncased vocabularies (docs/models.md), the client's first step:
// text -> [CLS] pieces [SEP] token ids. Text is cleaned (control characters dropped, every
// whitespace character a space), CJK ideographs are set apart as words, words are lower-cased,
// stripped of accents and split at every punctuation character; each word then becomes the
// longest vocabulary pieces from the left (continuations prefixed "##"), or one [UNK] if some
// part of it has no piece or it is longer than 100 characters.
// Unicode coverage: lower-casing and accent stripping know Latin-1, Latin Extended-A, Greek and
// basic Cyrillic letters and the combining-diacritics blocks; punctuation is Unicode's P* class
// plus every ASCII symbol. Characters outside these tables pass through unchanged.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fss {

class WordPieceTokenizer {
 public:
  // A Hugging Face vocab.txt: one token per line, line i (from 0) has id i; a trailing "\r" is
  // dropped. Throws kIo if the file cannot be read, and kParse naming the file and line for an
  // empty or duplicate token, whitespace inside a token, invalid UTF-8, or a vocabulary without
  // [PAD], [UNK], [CLS] and [SEP].
  static WordPieceTokenizer from_file(const std::filesystem::path& path);
  // The same checks on tokens given in id order; `source` names them in errors.
  static WordPieceTokenizer from_tokens(std::vector<std::string> tokens, std::string source);

  // The words and punctuation marks of `text` after cleaning, lower-casing and accent
  // stripping, before WordPiece. Throws kInvalidArgument naming the byte offset if `text` is
  // not valid UTF-8.
  static std::vector<std::string> split_words(std::string_view text);
  // The WordPiece pieces of `text`, without [CLS] and [SEP]. Throws as split_words.
  std::vector<std::string> tokenize(std::string_view text) const;
  // [CLS] tokenize(text) [SEP] as ids. Throws as split_words.
  std::vector<int64_t> encode(std::string_view text) const;

  int64_t vocab_size() const { return static_cast<int64_t>(tokens_.size()); }
  // -1 if the vocabulary has no such token.
  int64_t id_of(std::string_view token) const;
  // Throws kInvalidArgument if id is outside [0, vocab_size()).
  const std::string& token_of(int64_t id) const;
  int64_t pad_id() const { return pad_id_; }
  int64_t unknown_id() const { return unknown_id_; }
  int64_t cls_id() const { return cls_id_; }
  int64_t sep_id() const { return sep_id_; }

 private:
  WordPieceTokenizer() = default;
  void append_pieces(std::u32string_view word, std::vector<int64_t>& ids) const;

  std::string source_;
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int64_t> ids_;
  int64_t pad_id_ = -1, unknown_id_ = -1, cls_id_ = -1, sep_id_ = -1;
};

}  // namespace fss
