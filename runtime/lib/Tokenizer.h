//===- Tokenizer.h - Byte-level BPE tokenizer -------------------*- C++ -*-===//
//
// This file declares the runtime's tokenizer: byte-level BPE as Hugging
// Face `tokenizers` (and llama.cpp's "gpt2" vocab type) implement it, with
// added/special tokens split out of the text first, a GPT-2 style regex
// pre-tokenizer, merges by rank, and decoding back to UTF-8 (also
// incrementally, for streamed output). It is built from plain in-memory
// data (what a GGUF file holds) or from an HF tokenizer.json.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_LIB_TOKENIZER_H
#define SEQRT_LIB_TOKENIZER_H

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace seqrt {

class JsonValue;

/// How text is split into words before BPE. The names are llama.cpp's
/// (`tokenizer.ggml.pre`).
enum class PreTokenizerKind {
  /// GPT-2: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+
  ///        |\s+(?!\S)|\s+
  Gpt2,
  /// "smollm": every \p{N} code point on its own, then GPT-2 (HF:
  /// Sequence[Digits(individual_digits), ByteLevel]).
  SmolLM,
  /// "llama3" / "llama-bpe": (?i:'s|'t|'re|'ve|'m|'ll|'d)
  ///   |[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*
  ///   |\s*[\r\n]+|\s+(?!\S)|\s+
  Llama3,
  /// "qwen2": as llama3 with \p{N} instead of \p{N}{1,3}.
  Qwen2,
};

/// Parses a `tokenizer.ggml.pre` name ("gpt2", "smollm", "llama3",
/// "llama-bpe", "qwen2"); false if unknown.
bool parsePreTokenizerKind(std::string_view name, PreTokenizerKind &out);
const char *preTokenizerKindName(PreTokenizerKind kind);

/// A token matched verbatim in the input before pre-tokenization (HF
/// `added_tokens`; GGUF control and user-defined tokens).
struct AddedToken {
  std::string content;
  int32_t id = -1;
  /// Special tokens are split out first and can be skipped when decoding.
  bool special = true;
};

/// The encoding algorithm.
enum class TokenizerModel {
  /// GPT-2 style byte-level BPE with merges by rank (HF tokenizers;
  /// llama.cpp "gpt2").
  ByteLevelBpe,
  /// SentencePiece BPE: pieces merged by score over the text with spaces
  /// as U+2581, unknown characters as <0xXX> byte pieces (sentencepiece
  /// with byte_fallback and the identity normalizer; llama.cpp "llama").
  SentencePieceBpe,
};

/// SentencePiece (and llama.cpp) token types.
enum SentencePieceType : int32_t {
  kSpNormal = 1,
  kSpUnknown = 2,
  kSpControl = 3,
  kSpUserDefined = 4,
  kSpUnused = 5,
  kSpByte = 6,
};

/// Everything a tokenizer is built from.
struct TokenizerData {
  TokenizerModel model = TokenizerModel::ByteLevelBpe;
  /// Token strings by id, in the byte-level alphabet (GPT-2's
  /// bytes_to_unicode: "Ġ" for a space, ...).
  std::vector<std::string> tokens;
  /// Merges by rank: the two token strings whose concatenation is merged.
  std::vector<std::pair<std::string, std::string>> merges;
  std::vector<AddedToken> addedTokens;
  PreTokenizerKind preTokenizer = PreTokenizerKind::Gpt2;
  /// HF BPE `ignore_merges`: a word that is itself a token is not split.
  bool ignoreMerges = false;
  /// Token ids added around the text when encoding with special tokens
  /// (HF post-processor; GGUF add_bos_token/add_eos_token).
  std::vector<int32_t> prefixIds;
  std::vector<int32_t> suffixIds;
  /// -1 when the vocabulary has none.
  int32_t bosId = -1;
  int32_t eosId = -1;

  /// SentencePiece only: piece scores and SentencePieceType types by id,
  /// whether a U+2581 is put before the text (add_dummy_prefix), and the
  /// unknown piece (-1 if none).
  std::vector<float> scores;
  std::vector<int32_t> types;
  bool addSpacePrefix = true;
  int32_t unkId = -1;
};

class Tokenizer {
public:
  /// Checks `data` and builds a tokenizer: every merge must name two tokens
  /// whose concatenation is a token, every id must be in range, and the
  /// vocabulary must hold all 256 byte-level characters. Returns null and
  /// sets `error` otherwise.
  static std::unique_ptr<Tokenizer> create(TokenizerData data,
                                           std::string &error);

  /// From GGUF-style arrays: `tokenTypes` are llama.cpp's (1 normal, 2
  /// unknown, 3 control, 4 user-defined, 5 unused, 6 byte): control tokens
  /// become special added tokens, user-defined ones non-special added
  /// tokens. `merges` are "left right" strings. `preName` is
  /// tokenizer.ggml.pre; ids are -1 when absent.
  static std::unique_ptr<Tokenizer>
  fromVocab(std::vector<std::string> tokens,
            const std::vector<int32_t> &tokenTypes,
            const std::vector<std::string> &merges, std::string_view preName,
            int32_t bosId, int32_t eosId, bool addBos, bool addEos,
            std::string &error);

  /// A SentencePiece BPE tokenizer from GGUF-style arrays
  /// (tokenizer.ggml.model "llama": tokens, scores, token_type,
  /// add_space_prefix). Control tokens are special (skipped when decoding
  /// with skipSpecial) but, as in sentencepiece, not matched in the text;
  /// user-defined tokens are.
  static std::unique_ptr<Tokenizer>
  fromSentencePiece(std::vector<std::string> tokens, std::vector<float> scores,
                    std::vector<int32_t> types, bool addSpacePrefix,
                    int32_t bosId, int32_t eosId, bool addBos, bool addEos,
                    std::string &error);

  /// From the text of an HF tokenizer.json (BPE model, byte-level
  /// pre-tokenizer and decoder, no normalizer). `configJson`, if not empty,
  /// is the text of tokenizer_config.json, read for bos_token/eos_token.
  static std::unique_ptr<Tokenizer> fromJson(std::string_view json,
                                             std::string_view configJson,
                                             std::string &error);
  /// Reads `path` (a tokenizer.json) and tokenizer_config.json next to it,
  /// if there is one. `ioError` tells a file that cannot be read from one
  /// that is malformed.
  static std::unique_ptr<Tokenizer>
  fromJsonFile(const std::string &path, std::string &error, bool &ioError);

  /// Encodes UTF-8 `text`, appending ids to `out`; with `addSpecial`, the
  /// prefix/suffix ids go around them. Added tokens in the text are always
  /// matched. Returns false (with `error` naming the byte offset) for
  /// ill-formed UTF-8.
  bool encode(std::string_view text, bool addSpecial, std::vector<int32_t> &out,
              std::string &error) const;

  /// Decodes `ids` to UTF-8 as HF's ByteLevel decoder does (bytes that do
  /// not form UTF-8 become U+FFFD); special tokens become their text unless
  /// `skipSpecial`. Returns false for an id out of range.
  bool decode(const int32_t *ids, size_t count, bool skipSpecial,
              std::string &out, std::string &error) const;

  /// Appends the raw bytes token `id` (which must be valid) stands for.
  void appendTokenBytes(int32_t id, std::string &bytes) const;

  size_t vocabSize() const { return tokens.size(); }
  bool isValidId(int64_t id) const {
    return id >= 0 && static_cast<uint64_t>(id) < tokens.size();
  }
  /// The vocabulary string of a valid id.
  const std::string &tokenText(int32_t id) const { return tokens[id]; }
  /// The id of the vocabulary string `text`, or -1.
  int32_t tokenId(std::string_view text) const;
  bool isSpecial(int32_t id) const { return isValidId(id) && specialFlags[id]; }
  /// Whether decoding drops the space the encoder put before the text.
  bool stripsLeadingSpace() const {
    return model == TokenizerModel::SentencePieceBpe && addSpacePrefix;
  }
  int32_t bosId() const { return bos; }
  int32_t eosId() const { return eos; }
  PreTokenizerKind preTokenizer() const { return pre; }

private:
  Tokenizer() = default;
  void splitAddedTokens(
      std::string_view text, bool special,
      std::vector<std::pair<std::string_view, int32_t>> &pieces) const;
  void encodeText(std::string_view text, const std::vector<char32_t> &cps,
                  const std::vector<uint32_t> &offsets,
                  std::vector<int32_t> &out) const;
  void encodeWord(std::string_view bytes, std::vector<int32_t> &out) const;
  void encodeSentencePiece(std::string_view text,
                           std::vector<int32_t> &out) const;
  bool createSentencePiece(TokenizerData &data, std::string &error);

  std::vector<std::string> tokens;
  std::unordered_map<std::string, int32_t> vocab;
  /// (left id << 32 | right id) -> (rank, merged id).
  std::unordered_map<uint64_t, std::pair<int32_t, int32_t>> mergeRanks;
  /// Added tokens, longest first, special ones and the others apart.
  std::vector<AddedToken> specialTokens, plainAddedTokens;
  std::vector<bool> specialFlags;
  /// The bytes each token decodes to.
  std::vector<std::string> decoded;
  int32_t byteIds[256];
  PreTokenizerKind pre = PreTokenizerKind::Gpt2;
  bool ignoreMerges = false;
  std::vector<int32_t> prefixIds, suffixIds;
  int32_t bos = -1, eos = -1;

  TokenizerModel model = TokenizerModel::ByteLevelBpe;
  // SentencePiece: mergeable pieces (normal, user-defined, unused), scores,
  // types, byte pieces by value, user-defined symbols longest first.
  std::unordered_map<std::string, int32_t> pieces;
  std::vector<float> scores;
  std::vector<int32_t> types;
  int32_t spByteIds[256];
  std::vector<std::string> userSymbols;
  bool addSpacePrefix = false;
  int32_t unk = -1;
};

class GgufFile;

/// A tokenizer from a GGUF file's `tokenizer.ggml.*` metadata: model "gpt2"
/// (byte-level BPE: tokens, token_type, merges, pre) or "llama"
/// (SentencePiece BPE: tokens, scores, token_type, add_space_prefix), with
/// bos/eos_token_id and add_bos/eos_token. Null with `error` otherwise.
std::unique_ptr<Tokenizer> tokenizerFromGguf(const GgufFile &file,
                                             std::string &error);

/// Turns a stream of token ids into UTF-8 text in complete characters:
/// bytes of a character split across tokens are held back until it
/// completes. The concatenated output equals Tokenizer::decode of all the
/// ids.
class Detokenizer {
public:
  Detokenizer(const Tokenizer &tokenizer, bool skipSpecial)
      : tokenizer(tokenizer), skipSpecial(skipSpecial) {}

  /// Appends what `id` completes to `out`. False for an id out of range.
  bool push(int32_t id, std::string &out, std::string &error);
  /// Appends what is held back (an incomplete character becomes U+FFFD)
  /// and resets.
  void finish(std::string &out);
  /// Bytes held back.
  size_t pendingBytes() const { return pending.size(); }

private:
  const Tokenizer &tokenizer;
  bool skipSpecial;
  std::string pending;
  /// Nothing has been emitted in this stream yet.
  bool atStart = true;
};

} // namespace seqrt

#endif // SEQRT_LIB_TOKENIZER_H
