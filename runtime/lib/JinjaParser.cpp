//===- JinjaParser.cpp - Lexer and parser of the Jinja interpreter --------===//
//
// This file implements the lexer and the recursive-descent parser of the
// chat-template interpreter. Both follow jinja2 3.x (lexer.py, parser.py)
// with trim_blocks and lstrip_blocks on: newlines are normalized, one
// trailing newline is dropped, `-` strips whitespace around a tag, `+`
// turns lstrip_blocks/trim_blocks off for it, and the operator precedence
// and the statement grammar are jinja2's.
//
//===----------------------------------------------------------------------===//

#include "Jinja.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>

using namespace seqrt::jinja;

namespace {

enum class Tok {
  Data,
  VarBegin,
  VarEnd,
  BlockBegin,
  BlockEnd,
  Name,
  String,
  Integer,
  Float,
  Op,
  Eof
};

struct Token {
  Tok kind;
  std::string text; ///< data, name, decoded string, operator
  int64_t intValue = 0;
  double floatValue = 0;
  size_t offset = 0;
};

const char *tokenDescription(const Token &token) {
  switch (token.kind) {
  case Tok::Data:
    return "template data";
  case Tok::VarBegin:
    return "begin of print statement";
  case Tok::VarEnd:
    return "end of print statement";
  case Tok::BlockBegin:
    return "begin of statement block";
  case Tok::BlockEnd:
    return "end of statement block";
  case Tok::Name:
  case Tok::Op:
    return nullptr;
  case Tok::String:
    return "string";
  case Tok::Integer:
    return "integer";
  case Tok::Float:
    return "float";
  case Tok::Eof:
    return "end of template";
  }
  return "token";
}

std::string describe(const Token &token) {
  if (const char *text = tokenDescription(token))
    return text;
  return "'" + token.text + "'";
}

/// Python whitespace at `text[i]` (UTF-8); returns its byte length or 0.
size_t spaceAt(std::string_view text, size_t i) {
  unsigned char c = static_cast<unsigned char>(text[i]);
  if (c < 0x80)
    return isPySpace(c) ? 1 : 0;
  size_t len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : 4;
  if (i + len > text.size())
    return 0;
  std::vector<uint32_t> cps = decodeUtf8(text.substr(i, len));
  return cps.size() == 1 && isPySpace(cps[0]) ? len : 0;
}

size_t skipSpaces(std::string_view text, size_t i) {
  while (i < text.size()) {
    size_t len = spaceAt(text, i);
    if (!len)
      break;
    i += len;
  }
  return i;
}

/// Python str.rstrip(), on the bytes (invalid UTF-8 is never stripped).
std::string_view rstripSpaces(std::string_view text) {
  size_t end = text.size();
  while (end > 0) {
    size_t stripped = 0;
    for (size_t len = 1; len <= 3 && len <= end && !stripped; ++len)
      if (spaceAt(text, end - len) == len)
        stripped = len;
    if (!stripped)
      break;
    end -= stripped;
  }
  return text.substr(0, end);
}

bool allSpaces(std::string_view text) {
  return !text.empty() && skipSpaces(text, 0) == text.size();
}

bool isNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool isNameChar(char c) { return isNameStart(c) || (c >= '0' && c <= '9'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

class Lexer {
public:
  explicit Lexer(const std::string &source) : src(source) {}

  void run(std::vector<Token> &tokens) {
    size_t pos = 0;
    bool lineStarting = true;
    while (pos < src.size()) {
      size_t tag = findTag(pos);
      if (tag == std::string::npos) {
        emit(tokens, Tok::Data, src.substr(pos), pos);
        break;
      }
      char kind = src[tag + 1];
      size_t p = tag + 2;
      char sign = 0;
      if (p < src.size() && (src[p] == '-' || src[p] == '+'))
        sign = src[p++];
      std::string_view text(src.data() + pos, tag - pos);
      if (sign == '-') {
        text = rstripSpaces(text);
      } else if (sign != '+' && kind != '{') {
        size_t lpos = text.rfind('\n');
        lpos = lpos == std::string_view::npos ? 0 : lpos + 1;
        if ((lpos > 0 || lineStarting) && allSpaces(text.substr(lpos)))
          text = text.substr(0, lpos);
      }
      if (!text.empty())
        emit(tokens, Tok::Data, std::string(text), pos);

      if (kind == '#') {
        pos = lexComment(tag, p, lineStarting);
        continue;
      }
      if (kind == '%') {
        size_t rawEnd;
        if (matchRawBegin(p, rawEnd)) {
          pos = lexRaw(tokens, rawEnd, lineStarting);
          continue;
        }
      }
      emit(tokens, kind == '%' ? Tok::BlockBegin : Tok::VarBegin, "", tag);
      pos = lexTag(tokens, p, kind == '%', lineStarting);
    }
    emit(tokens, Tok::Eof, "", src.size());
  }

private:
  const std::string &src;

  static void emit(std::vector<Token> &tokens, Tok kind, std::string text,
                   size_t offset) {
    Token token;
    token.kind = kind;
    token.text = std::move(text);
    token.offset = offset;
    tokens.push_back(std::move(token));
  }

  size_t findTag(size_t pos) const {
    for (size_t i = src.find('{', pos); i != std::string::npos;
         i = src.find('{', i + 1))
      if (i + 1 < src.size() &&
          (src[i + 1] == '{' || src[i + 1] == '%' || src[i + 1] == '#'))
        return i;
    return std::string::npos;
  }

  /// After an end marker at [.., `end`): `-` strips all following
  /// whitespace, `+` nothing, otherwise trim_blocks removes one newline.
  size_t afterEnd(size_t end, char sign, bool trim, bool &lineStarting) {
    size_t next = end;
    if (sign == '-')
      next = skipSpaces(src, end);
    else if (sign != '+' && trim && next < src.size() && src[next] == '\n')
      ++next;
    lineStarting = src[next - 1] == '\n';
    return next;
  }

  size_t lexComment(size_t tag, size_t p, bool &lineStarting) {
    size_t end = src.find("#}", p);
    if (end == std::string::npos)
      raise("Missing end of comment tag", locFor(tag));
    char sign = end > p && (src[end - 1] == '-' || src[end - 1] == '+')
                    ? src[end - 1]
                    : 0;
    return afterEnd(end + 2, sign, true, lineStarting);
  }

  /// `raw\s*(-%}\s*|%})` after optional spaces at `p`.
  bool matchRawBegin(size_t p, size_t &end) {
    size_t i = skipSpaces(src, p);
    if (src.compare(i, 3, "raw") != 0)
      return false;
    i = skipSpaces(src, i + 3);
    if (src.compare(i, 3, "-%}") == 0) {
      end = skipSpaces(src, i + 3);
      return true;
    }
    if (src.compare(i, 2, "%}") == 0) {
      end = i + 2;
      return true;
    }
    return false;
  }

  size_t lexRaw(std::vector<Token> &tokens, size_t start, bool &lineStarting) {
    lineStarting = start > 0 && src[start - 1] == '\n';
    for (size_t i = src.find("{%", start); i != std::string::npos;
         i = src.find("{%", i + 1)) {
      size_t p = i + 2;
      char sign = 0;
      if (p < src.size() && (src[p] == '-' || src[p] == '+'))
        sign = src[p++];
      size_t q = skipSpaces(src, p);
      if (src.compare(q, 6, "endraw") != 0)
        continue;
      q = skipSpaces(src, q + 6);
      char endSign = 0;
      if (q < src.size() && (src[q] == '-' || src[q] == '+'))
        endSign = src[q++];
      if (src.compare(q, 2, "%}") != 0)
        continue;
      std::string_view text(src.data() + start, i - start);
      if (sign == '-') {
        text = rstripSpaces(text);
      } else if (sign != '+') {
        size_t lpos = text.rfind('\n');
        lpos = lpos == std::string_view::npos ? 0 : lpos + 1;
        if ((lpos > 0 || lineStarting) && allSpaces(text.substr(lpos)))
          text = text.substr(0, lpos);
      }
      if (!text.empty())
        emit(tokens, Tok::Data, std::string(text), start);
      return afterEnd(q + 2, endSign, true, lineStarting);
    }
    raise("Missing end of raw directive", locFor(start));
  }

  size_t lexTag(std::vector<Token> &tokens, size_t p, bool block,
                bool &lineStarting) {
    std::vector<char> balance;
    size_t tagStart = p;
    while (true) {
      if (p >= src.size())
        raise(std::string("unexpected end of template, expected '") +
                  (block ? "%}" : "}}") + "'",
              locFor(tagStart));
      if (balance.empty()) {
        // The end of the tag, tried before any other token as jinja2 does.
        const char *close = block ? "%}" : "}}";
        if (src.compare(p, 2, close) == 0) {
          emit(tokens, block ? Tok::BlockEnd : Tok::VarEnd, "", p);
          return afterEnd(p + 2, 0, block, lineStarting);
        }
        if ((src[p] == '-' || (block && src[p] == '+')) &&
            src.compare(p + 1, 2, close) == 0) {
          emit(tokens, block ? Tok::BlockEnd : Tok::VarEnd, "", p);
          return afterEnd(p + 3, src[p], block, lineStarting);
        }
      }
      if (size_t len = spaceAt(src, p)) {
        p += len;
        continue;
      }
      char c = src[p];
      if (isDigit(c)) {
        p = lexNumber(tokens, p);
        continue;
      }
      if (isNameStart(c)) {
        size_t e = p;
        while (e < src.size() && isNameChar(src[e]))
          ++e;
        emit(tokens, Tok::Name, src.substr(p, e - p), p);
        p = e;
        continue;
      }
      if (c == '\'' || c == '"') {
        p = lexString(tokens, p);
        continue;
      }
      static const char *const ops[] = {"//", "**", "==", "!=", ">=", "<=", "+",
                                        "-",  "/",  "*",  "%",  "~",  "[",  "]",
                                        "(",  ")",  "{",  "}",  "=",  ".",  ":",
                                        "|",  ",",  ";",  ">",  "<"};
      const char *op = nullptr;
      for (const char *candidate : ops)
        if (src.compare(p, std::char_traits<char>::length(candidate),
                        candidate) == 0) {
          op = candidate;
          break;
        }
      if (!op)
        raise(std::string("unexpected char '") + c + "'", locFor(p));
      std::string opText(op);
      if (opText == "(" || opText == "[" || opText == "{") {
        balance.push_back(opText == "(" ? ')' : opText == "[" ? ']' : '}');
      } else if (opText == ")" || opText == "]" || opText == "}") {
        if (balance.empty())
          raise("unexpected '" + opText + "'", locFor(p));
        if (balance.back() != opText[0])
          raise("unexpected '" + opText + "', expected '" +
                    std::string(1, balance.back()) + "'",
                locFor(p));
        balance.pop_back();
      }
      emit(tokens, Tok::Op, opText, p);
      p += opText.size();
    }
  }

  size_t lexNumber(std::vector<Token> &tokens, size_t p) {
    size_t start = p;
    auto digits = [&](size_t i, auto accept) {
      // ([digit] _?)* with single underscores between digits.
      while (i < src.size() &&
             (accept(src[i]) ||
              (src[i] == '_' && i + 1 < src.size() && accept(src[i + 1]))))
        ++i;
      return i;
    };
    auto dec = [](char c) { return isDigit(c); };
    if (src[p] == '0' && p + 1 < src.size() &&
        std::strchr("xXoObB", src[p + 1])) {
      char base = static_cast<char>(src[p + 1] | 0x20);
      auto accept = [base](char c) {
        if (base == 'b')
          return c == '0' || c == '1';
        if (base == 'o')
          return c >= '0' && c <= '7';
        return isDigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
      };
      size_t e = p + 2;
      if (e < src.size() && src[e] == '_')
        ++e;
      size_t end = digits(e, accept);
      if (end > e) {
        std::string text;
        for (size_t i = p + 2; i < end; ++i)
          if (src[i] != '_')
            text += src[i];
        errno = 0;
        unsigned long long v = std::strtoull(text.c_str(), nullptr,
                                             base == 'b'   ? 2
                                             : base == 'o' ? 8
                                                           : 16);
        if (errno || v > INT64_MAX)
          raise("integer literal too large", locFor(p));
        Token token{Tok::Integer, src.substr(p, end - p)};
        token.intValue = static_cast<int64_t>(v);
        token.offset = p;
        tokens.push_back(token);
        return end;
      }
    }
    size_t end = digits(p, dec);
    bool isFloat = false;
    bool afterDot = start > 0 && src[start - 1] == '.';
    if (!afterDot) {
      size_t e = end;
      if (e + 1 < src.size() && src[e] == '.' && isDigit(src[e + 1])) {
        e = digits(e + 1, dec);
        isFloat = true;
      }
      if (e < src.size() && (src[e] == 'e' || src[e] == 'E')) {
        size_t x = e + 1;
        if (x < src.size() && (src[x] == '+' || src[x] == '-'))
          ++x;
        if (x < src.size() && isDigit(src[x])) {
          e = digits(x, dec);
          isFloat = true;
        }
      }
      if (isFloat)
        end = e;
    }
    std::string text;
    for (size_t i = p; i < end; ++i)
      if (src[i] != '_')
        text += src[i];
    Token token;
    token.offset = p;
    token.text = src.substr(p, end - p);
    if (isFloat) {
      token.kind = Tok::Float;
      token.floatValue = std::strtod(text.c_str(), nullptr);
    } else {
      token.kind = Tok::Integer;
      errno = 0;
      unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
      if (errno || v > INT64_MAX)
        raise("integer literal too large", locFor(p));
      token.intValue = static_cast<int64_t>(v);
    }
    tokens.push_back(std::move(token));
    return end;
  }

  /// A quoted string; escapes decoded as Python's "unicode-escape".
  size_t lexString(std::vector<Token> &tokens, size_t p) {
    char quote = src[p];
    size_t i = p + 1;
    std::string out;
    while (true) {
      if (i >= src.size())
        raise(std::string("unexpected char '") + quote + "'", locFor(p));
      char c = src[i];
      if (c == quote)
        break;
      if (c != '\\') {
        out += c;
        ++i;
        continue;
      }
      if (i + 1 >= src.size())
        raise(std::string("unexpected char '") + quote + "'", locFor(p));
      char e = src[i + 1];
      i += 2;
      auto hex = [&](size_t count) {
        uint32_t v = 0;
        for (size_t k = 0; k < count; ++k) {
          char h = i + k < src.size() ? src[i + k] : 0;
          int d = isDigit(h) ? h - '0'
                  : (h | 0x20) >= 'a' && (h | 0x20) <= 'f'
                      ? (h | 0x20) - 'a' + 10
                      : -1;
          if (d < 0)
            raise("invalid \\" + std::string(1, e) + " escape in string",
                  locFor(i - 2));
          v = v * 16 + static_cast<uint32_t>(d);
        }
        i += count;
        if (v > 0x10ffff)
          raise("invalid unicode escape in string", locFor(i));
        // Surrogates cannot be encoded in UTF-8; use U+FFFD.
        appendUtf8(out, v >= 0xd800 && v <= 0xdfff ? 0xfffd : v);
      };
      switch (e) {
      case '\n':
        break;
      case '\\':
      case '\'':
      case '"':
        out += e;
        break;
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case 'x':
        hex(2);
        break;
      case 'u':
        hex(4);
        break;
      case 'U':
        hex(8);
        break;
      default:
        if (e >= '0' && e <= '7') {
          uint32_t v = static_cast<uint32_t>(e - '0');
          for (int k = 0;
               k < 2 && i < src.size() && src[i] >= '0' && src[i] <= '7'; ++k)
            v = v * 8 + static_cast<uint32_t>(src[i++] - '0');
          appendUtf8(out, v);
        } else {
          // Unknown escapes stay as written.
          out += '\\';
          out += e;
        }
      }
    }
    Token token;
    token.kind = Tok::String;
    token.text = std::move(out);
    token.offset = p;
    tokens.push_back(std::move(token));
    return i + 1;
  }

public:
  std::vector<size_t> lineStarts;
  Loc locFor(size_t offset) const {
    auto it = std::upper_bound(lineStarts.begin(), lineStarts.end(), offset);
    size_t line = static_cast<size_t>(it - lineStarts.begin());
    size_t column = offset - lineStarts[line - 1] + 1;
    return Loc{static_cast<uint32_t>(line), static_cast<uint32_t>(column)};
  }
};

//===----------------------------------------------------------------------===//
// Parser
//===----------------------------------------------------------------------===//

class Parser {
public:
  Parser(std::vector<Token> tokens, const Lexer &lexer)
      : tokens(std::move(tokens)), lexer(lexer) {}

  NodeList parseRoot() {
    NodeList body = subparse({});
    return body;
  }

private:
  std::vector<Token> tokens;
  const Lexer &lexer;
  size_t pos = 0;
  unsigned depth = 0;
  unsigned loopDepth = 0;
  std::vector<std::string> openBlocks;

  struct DepthGuard {
    Parser &p;
    DepthGuard(Parser &p, Loc loc) : p(p) {
      if (++p.depth > kMaxNesting)
        raise("template nesting is deeper than " + std::to_string(kMaxNesting) +
                  " levels",
              loc);
    }
    ~DepthGuard() { --p.depth; }
  };

  const Token &cur() const { return tokens[pos]; }
  const Token &look() const {
    return tokens[std::min(pos + 1, tokens.size() - 1)];
  }
  Loc loc() const { return lexer.locFor(cur().offset); }
  Loc locOf(const Token &token) const { return lexer.locFor(token.offset); }
  void advance() {
    if (pos + 1 < tokens.size())
      ++pos;
  }

  bool isOp(const char *op) const {
    return cur().kind == Tok::Op && cur().text == op;
  }
  bool isName(const char *name) const {
    return cur().kind == Tok::Name && cur().text == name;
  }
  bool skipOp(const char *op) {
    if (!isOp(op))
      return false;
    advance();
    return true;
  }
  bool skipName(const char *name) {
    if (!isName(name))
      return false;
    advance();
    return true;
  }
  [[noreturn]] void fail(const std::string &message) const {
    raise(message, loc());
  }
  [[noreturn]] void failUnexpected(const std::string &expected) const {
    if (cur().kind == Tok::Eof)
      failEof();
    fail("expected " + expected + ", got " + describe(cur()));
  }
  [[noreturn]] void failEof() const {
    std::string message = "Unexpected end of template.";
    if (!openBlocks.empty())
      message += " The innermost block that needs to be closed is '" +
                 openBlocks.back() + "'.";
    fail(message);
  }
  void expectOp(const char *op) {
    if (!skipOp(op))
      failUnexpected(std::string("'") + op + "'");
  }
  void expectName(const char *name) {
    if (!skipName(name))
      failUnexpected(std::string("'") + name + "'");
  }
  std::string expectIdentifier() {
    if (cur().kind != Tok::Name)
      failUnexpected("name");
    std::string name = cur().text;
    advance();
    return name;
  }
  void expect(Tok kind, const char *what) {
    if (cur().kind != kind)
      failUnexpected(what);
    advance();
  }

  ExprPtr make(ExprKind kind, Loc at) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->loc = at;
    return e;
  }
  /// Sets the height of `e` from its children and checks the limit, so
  /// long left-associative chains cannot overflow the evaluator's stack.
  ExprPtr finish(ExprPtr e) {
    unsigned height = 0;
    for (const ExprPtr &arg : e->args)
      if (arg)
        height = std::max(height, arg->depth);
    for (const auto &kw : e->keywords)
      if (kw.second)
        height = std::max(height, kw.second->depth);
    e->depth = height + 1;
    if (e->depth > kMaxNesting)
      raise("expression nesting is deeper than " + std::to_string(kMaxNesting) +
                " levels",
            e->loc);
    return e;
  }
  ExprPtr binary(ExprKind kind, std::string op, ExprPtr lhs, ExprPtr rhs,
                 Loc at) {
    ExprPtr e = make(kind, at);
    e->name = std::move(op);
    e->args.push_back(std::move(lhs));
    e->args.push_back(std::move(rhs));
    return finish(std::move(e));
  }

  //===-- Templates and statements ----------------------------------------===//

  bool atEnd(const std::vector<std::string> &endNames) const {
    return cur().kind == Tok::Name &&
           std::find(endNames.begin(), endNames.end(), cur().text) !=
               endNames.end();
  }

  NodeList subparse(const std::vector<std::string> &endNames) {
    DepthGuard guard(*this, loc());
    NodeList body;
    while (true) {
      const Token &token = cur();
      switch (token.kind) {
      case Tok::Data: {
        auto node = std::make_unique<Node>();
        node->kind = NodeKind::Text;
        node->loc = locOf(token);
        node->text = token.text;
        body.push_back(std::move(node));
        advance();
        break;
      }
      case Tok::VarBegin: {
        Loc at = locOf(token);
        advance();
        auto node = std::make_unique<Node>();
        node->kind = NodeKind::Output;
        node->loc = at;
        node->expr = parseTuple(false, true, {}, false);
        expect(Tok::VarEnd, "end of print statement");
        body.push_back(std::move(node));
        break;
      }
      case Tok::BlockBegin: {
        advance();
        if (!endNames.empty() && atEnd(endNames))
          return body;
        body.push_back(parseStatement());
        expect(Tok::BlockEnd, "end of statement block");
        break;
      }
      case Tok::Eof:
        if (!endNames.empty())
          failEof();
        return body;
      default:
        fail("unexpected " + describe(token));
      }
    }
  }

  /// After a statement header: optional ':', '%}', the body up to one of
  /// `endNames`; with `dropNeedle` the end name is consumed.
  NodeList parseStatements(const std::vector<std::string> &endNames,
                           bool dropNeedle) {
    skipOp(":");
    expect(Tok::BlockEnd, "end of statement block");
    NodeList body = subparse(endNames);
    if (dropNeedle)
      advance();
    return body;
  }

  NodePtr newNode(NodeKind kind, Loc at) {
    auto node = std::make_unique<Node>();
    node->kind = kind;
    node->loc = at;
    return node;
  }

  NodePtr parseStatement() {
    if (cur().kind != Tok::Name)
      fail("tag name expected");
    std::string tag = cur().text;
    Loc at = loc();
    openBlocks.push_back(tag);
    NodePtr node;
    if (tag == "if")
      node = parseIf(at);
    else if (tag == "for")
      node = parseFor(at);
    else if (tag == "set")
      node = parseSet(at);
    else if (tag == "macro")
      node = parseMacro(at);
    else if (tag == "call")
      node = parseCallBlock(at);
    else if (tag == "filter")
      node = parseFilterBlock(at);
    else if (tag == "with")
      node = parseWith(at);
    else if (tag == "generation") {
      // transformers' AssistantTracker: renders its body unchanged.
      advance();
      node = newNode(NodeKind::Scope, at);
      node->body = parseStatements({"endgeneration"}, true);
    } else if (tag == "break" || tag == "continue") {
      if (loopDepth == 0)
        fail("'" + tag + "' outside of a loop");
      advance();
      node = newNode(tag == "break" ? NodeKind::Break : NodeKind::Continue, at);
    } else if (tag == "extends" || tag == "include" || tag == "import" ||
               tag == "from" || tag == "block" || tag == "do" ||
               tag == "autoescape" || tag == "trans") {
      fail("tag '" + tag + "' is not supported in chat templates");
    } else {
      std::string message = "Encountered unknown tag '" + tag + "'.";
      if (openBlocks.size() > 1)
        message += " The innermost block that needs to be closed is '" +
                   openBlocks[openBlocks.size() - 2] + "'.";
      fail(message);
    }
    openBlocks.pop_back();
    return node;
  }

  NodePtr parseIf(Loc at) {
    advance();
    NodePtr node = newNode(NodeKind::If, at);
    while (true) {
      node->conds.push_back(parseTuple(false, false, {}, false));
      node->bodies.push_back(parseStatements({"elif", "else", "endif"}, false));
      std::string which = cur().text;
      advance();
      if (which == "elif")
        continue;
      if (which == "else")
        node->orelse = parseStatements({"endif"}, true);
      break;
    }
    return node;
  }

  NodePtr parseFor(Loc at) {
    advance();
    NodePtr node = newNode(NodeKind::For, at);
    node->targets = parseAssignTargets({"in"});
    expectName("in");
    node->expr = parseTuple(false, false, {"recursive"}, false);
    if (skipName("if"))
      node->cond = parseExpression(true);
    if (isName("recursive"))
      fail("recursive loops are not supported");
    ++loopDepth;
    node->body = parseStatements({"endfor", "else"}, false);
    --loopDepth;
    std::string which = cur().text;
    advance();
    if (which == "else")
      node->orelse = parseStatements({"endfor"}, true);
    return node;
  }

  /// A name or a tuple of names (`a, b` or `(a, b)`).
  std::vector<std::string>
  parseAssignTargets(const std::vector<std::string> &extraEnd) {
    Loc at = loc();
    ExprPtr target = parseTuple(true, true, extraEnd, false);
    std::vector<std::string> names;
    if (target->kind == ExprKind::Name) {
      names.push_back(target->name);
    } else if (target->kind == ExprKind::Tuple) {
      for (const ExprPtr &element : target->args) {
        if (element->kind != ExprKind::Name)
          raise("can't assign to '" + describeExpr(*element) + "'", at);
        names.push_back(element->name);
      }
    } else {
      raise("can't assign to '" + describeExpr(*target) + "'", at);
    }
    for (const std::string &name : names)
      if (name == "true" || name == "false" || name == "none" ||
          name == "True" || name == "False" || name == "None")
        raise("can't assign to '" + name + "'", at);
    return names;
  }

  static std::string describeExpr(const Expr &e) {
    switch (e.kind) {
    case ExprKind::Literal:
      return "const";
    case ExprKind::Name:
      return e.name;
    default:
      return "expression";
    }
  }

  NodePtr parseSet(Loc at) {
    advance();
    NodePtr node;
    if (cur().kind == Tok::Name && look().kind == Tok::Op &&
        look().text == ".") {
      std::string ns = expectIdentifier();
      advance();
      std::string attr = expectIdentifier();
      node = newNode(NodeKind::Set, at);
      node->targets.push_back(ns);
      node->attr = attr;
      expectOp("=");
      node->expr = parseTuple(false, true, {}, false);
      return node;
    }
    std::vector<std::string> targets = parseAssignTargets({});
    if (skipOp("=")) {
      node = newNode(NodeKind::Set, at);
      node->targets = std::move(targets);
      node->expr = parseTuple(false, true, {}, false);
      return node;
    }
    if (targets.size() != 1)
      fail("expected '='");
    node = newNode(NodeKind::SetBlock, at);
    node->targets = std::move(targets);
    if (isOp("|"))
      node->expr = parseFilter(nullptr, false);
    node->body = parseStatements({"endset"}, true);
    return node;
  }

  void parseSignature(Node &node) {
    expectOp("(");
    bool sawDefault = false;
    while (!isOp(")")) {
      if (!node.params.empty())
        expectOp(",");
      if (isOp(")"))
        break;
      std::string name = expectIdentifier();
      ExprPtr defaultValue;
      if (skipOp("=")) {
        defaultValue = parseExpression(true);
        sawDefault = true;
      } else if (sawDefault) {
        fail("non-default argument follows default argument");
      }
      node.params.emplace_back(std::move(name), std::move(defaultValue));
    }
    expectOp(")");
  }

  NodePtr parseMacro(Loc at) {
    advance();
    NodePtr node = newNode(NodeKind::Macro, at);
    node->text = expectIdentifier();
    parseSignature(*node);
    unsigned savedLoops = loopDepth;
    loopDepth = 0;
    node->body = parseStatements({"endmacro"}, true);
    loopDepth = savedLoops;
    return node;
  }

  NodePtr parseCallBlock(Loc at) {
    advance();
    NodePtr node = newNode(NodeKind::CallBlock, at);
    if (isOp("("))
      parseSignature(*node);
    node->expr = parseExpression(true);
    if (node->expr->kind != ExprKind::Call)
      raise("expected call", node->expr->loc);
    unsigned savedLoops = loopDepth;
    loopDepth = 0;
    node->body = parseStatements({"endcall"}, true);
    loopDepth = savedLoops;
    return node;
  }

  NodePtr parseFilterBlock(Loc at) {
    advance();
    NodePtr node = newNode(NodeKind::FilterBlock, at);
    node->expr = parseFilter(nullptr, true);
    node->body = parseStatements({"endfilter"}, true);
    return node;
  }

  NodePtr parseWith(Loc at) {
    advance();
    NodePtr node = newNode(NodeKind::With, at);
    while (cur().kind != Tok::BlockEnd) {
      if (!node->params.empty())
        expectOp(",");
      std::string name = expectIdentifier();
      expectOp("=");
      node->params.emplace_back(std::move(name), parseExpression(true));
    }
    node->body = parseStatements({"endwith"}, true);
    return node;
  }

  //===-- Expressions -----------------------------------------------------===//

  bool isTupleEnd(const std::vector<std::string> &extraEnd) const {
    if (cur().kind == Tok::VarEnd || cur().kind == Tok::BlockEnd ||
        cur().kind == Tok::Eof || isOp(")"))
      return true;
    return atEnd(extraEnd);
  }

  ExprPtr parseTuple(bool simplified, bool withCondexpr,
                     const std::vector<std::string> &extraEnd,
                     bool explicitParentheses) {
    Loc at = loc();
    std::vector<ExprPtr> args;
    bool isTuple = false;
    while (true) {
      if (!args.empty())
        expectOp(",");
      if (isTupleEnd(extraEnd))
        break;
      if (simplified)
        args.push_back(parsePrimary());
      else
        args.push_back(parseExpression(withCondexpr));
      if (isOp(","))
        isTuple = true;
      else
        break;
    }
    if (!isTuple) {
      if (!args.empty())
        return std::move(args[0]);
      if (!explicitParentheses)
        failUnexpected("an expression");
    }
    ExprPtr e = make(ExprKind::Tuple, at);
    e->args = std::move(args);
    return finish(std::move(e));
  }

  ExprPtr parseExpression(bool withCondexpr) {
    DepthGuard guard(*this, loc());
    return withCondexpr ? parseCondexpr() : parseOr();
  }

  ExprPtr parseCondexpr() {
    Loc at = loc();
    ExprPtr expr1 = parseOr();
    while (skipName("if")) {
      ExprPtr expr2 = parseOr();
      ExprPtr expr3;
      if (skipName("else")) {
        DepthGuard guard(*this, loc());
        expr3 = parseCondexpr();
      }
      ExprPtr e = make(ExprKind::CondExpr, at);
      e->args.push_back(std::move(expr1));
      e->args.push_back(std::move(expr2));
      e->args.push_back(std::move(expr3));
      expr1 = finish(std::move(e));
    }
    return expr1;
  }

  ExprPtr parseOr() {
    Loc at = loc();
    ExprPtr left = parseAnd();
    while (skipName("or"))
      left = binary(ExprKind::Or, "or", std::move(left), parseAnd(), at);
    return left;
  }

  ExprPtr parseAnd() {
    Loc at = loc();
    ExprPtr left = parseNot();
    while (skipName("and"))
      left = binary(ExprKind::And, "and", std::move(left), parseNot(), at);
    return left;
  }

  ExprPtr parseNot() {
    if (isName("not")) {
      Loc at = loc();
      advance();
      DepthGuard guard(*this, at);
      ExprPtr e = make(ExprKind::Not, at);
      e->args.push_back(parseNot());
      return finish(std::move(e));
    }
    return parseCompare();
  }

  ExprPtr parseCompare() {
    Loc at = loc();
    ExprPtr expr = parseMath1();
    std::vector<std::string> ops;
    std::vector<ExprPtr> operands;
    while (true) {
      static const std::pair<const char *, const char *> compareOps[] = {
          {"==", "eq"},   {"!=", "ne"}, {"<", "lt"},
          {"<=", "lteq"}, {">", "gt"},  {">=", "gteq"}};
      const char *op = nullptr;
      if (cur().kind == Tok::Op)
        for (const auto &entry : compareOps)
          if (cur().text == entry.first)
            op = entry.second;
      if (op) {
        advance();
        ops.push_back(op);
      } else if (skipName("in")) {
        ops.push_back("in");
      } else if (isName("not") && look().kind == Tok::Name &&
                 look().text == "in") {
        advance();
        advance();
        ops.push_back("notin");
      } else {
        break;
      }
      operands.push_back(parseMath1());
    }
    if (ops.empty())
      return expr;
    ExprPtr e = make(ExprKind::Compare, at);
    e->args.push_back(std::move(expr));
    for (ExprPtr &operand : operands)
      e->args.push_back(std::move(operand));
    e->ops = std::move(ops);
    return finish(std::move(e));
  }

  ExprPtr parseMath1() {
    Loc at = loc();
    ExprPtr left = parseConcat();
    while (isOp("+") || isOp("-")) {
      std::string op = cur().text;
      advance();
      left = binary(ExprKind::Binary, op, std::move(left), parseConcat(), at);
    }
    return left;
  }

  ExprPtr parseConcat() {
    Loc at = loc();
    ExprPtr left = parseMath2();
    while (skipOp("~"))
      left = binary(ExprKind::Binary, "~", std::move(left), parseMath2(), at);
    return left;
  }

  ExprPtr parseMath2() {
    Loc at = loc();
    ExprPtr left = parsePow();
    while (isOp("*") || isOp("/") || isOp("//") || isOp("%")) {
      std::string op = cur().text;
      advance();
      left = binary(ExprKind::Binary, op, std::move(left), parsePow(), at);
    }
    return left;
  }

  ExprPtr parsePow() {
    Loc at = loc();
    ExprPtr left = parseUnary(true);
    while (skipOp("**"))
      left =
          binary(ExprKind::Binary, "**", std::move(left), parseUnary(true), at);
    return left;
  }

  ExprPtr parseUnary(bool withFilter) {
    Loc at = loc();
    DepthGuard guard(*this, at);
    ExprPtr node;
    if (isOp("-") || isOp("+")) {
      ExprKind kind = isOp("-") ? ExprKind::Neg : ExprKind::Pos;
      advance();
      node = make(kind, at);
      node->args.push_back(parseUnary(false));
      node = finish(std::move(node));
    } else {
      node = parsePrimary();
    }
    node = parsePostfix(std::move(node));
    if (withFilter)
      node = parseFilterExpr(std::move(node));
    return node;
  }

  ExprPtr parsePrimary() {
    const Token &token = cur();
    Loc at = locOf(token);
    switch (token.kind) {
    case Tok::Name: {
      ExprPtr e;
      const std::string &n = token.text;
      if (n == "true" || n == "True" || n == "false" || n == "False") {
        e = make(ExprKind::Literal, at);
        e->value = Value::boolean(n == "true" || n == "True");
      } else if (n == "none" || n == "None") {
        e = make(ExprKind::Literal, at);
        e->value = Value::none();
      } else {
        e = make(ExprKind::Name, at);
        e->name = n;
      }
      advance();
      return e;
    }
    case Tok::String: {
      std::string text;
      while (cur().kind == Tok::String) {
        text += cur().text;
        advance();
      }
      ExprPtr e = make(ExprKind::Literal, at);
      e->value = Value::string(std::move(text));
      return e;
    }
    case Tok::Integer:
    case Tok::Float: {
      ExprPtr e = make(ExprKind::Literal, at);
      e->value = token.kind == Tok::Integer ? Value::integer(token.intValue)
                                            : Value::floating(token.floatValue);
      advance();
      return e;
    }
    case Tok::Op:
      if (token.text == "(") {
        advance();
        DepthGuard guard(*this, at);
        ExprPtr e = parseTuple(false, true, {}, true);
        expectOp(")");
        return e;
      }
      if (token.text == "[") {
        advance();
        DepthGuard guard(*this, at);
        ExprPtr e = make(ExprKind::List, at);
        while (!isOp("]")) {
          if (!e->args.empty())
            expectOp(",");
          if (isOp("]"))
            break;
          e->args.push_back(parseExpression(true));
        }
        expectOp("]");
        return finish(std::move(e));
      }
      if (token.text == "{") {
        advance();
        DepthGuard guard(*this, at);
        ExprPtr e = make(ExprKind::Dict, at);
        while (!isOp("}")) {
          if (!e->args.empty())
            expectOp(",");
          if (isOp("}"))
            break;
          e->args.push_back(parseExpression(true));
          expectOp(":");
          e->args.push_back(parseExpression(true));
        }
        expectOp("}");
        return finish(std::move(e));
      }
      break;
    default:
      break;
    }
    if (token.kind == Tok::Eof)
      failEof();
    fail("unexpected " + describe(token));
  }

  ExprPtr parsePostfix(ExprPtr node) {
    while (true) {
      if (isOp(".") || isOp("["))
        node = parseSubscript(std::move(node));
      else if (isOp("("))
        node = parseCall(std::move(node));
      else
        return node;
    }
  }

  ExprPtr parseFilterExpr(ExprPtr node) {
    while (true) {
      if (isOp("|"))
        node = parseFilter(std::move(node), false);
      else if (isName("is"))
        node = parseTest(std::move(node));
      else if (isOp("("))
        node = parseCall(std::move(node));
      else
        return node;
    }
  }

  ExprPtr parseSubscript(ExprPtr node) {
    Loc at = loc();
    if (skipOp(".")) {
      if (cur().kind == Tok::Name) {
        ExprPtr e = make(ExprKind::GetAttr, at);
        e->name = cur().text;
        advance();
        e->args.push_back(std::move(node));
        return finish(std::move(e));
      }
      if (cur().kind == Tok::Integer) {
        ExprPtr key = make(ExprKind::Literal, loc());
        key->value = Value::integer(cur().intValue);
        advance();
        ExprPtr e = make(ExprKind::GetItem, at);
        e->args.push_back(std::move(node));
        e->args.push_back(std::move(key));
        return finish(std::move(e));
      }
      failUnexpected("name or number");
    }
    expectOp("[");
    DepthGuard guard(*this, at);
    std::vector<ExprPtr> args;
    while (!isOp("]")) {
      if (!args.empty())
        expectOp(",");
      args.push_back(parseSubscribed());
    }
    expectOp("]");
    if (args.empty())
      fail("expected subscript expression");
    ExprPtr key;
    if (args.size() == 1) {
      key = std::move(args[0]);
    } else {
      key = make(ExprKind::Tuple, at);
      key->args = std::move(args);
      key = finish(std::move(key));
    }
    if (key->kind == ExprKind::Slice) {
      key->args.insert(key->args.begin(), std::move(node));
      return finish(std::move(key));
    }
    ExprPtr e = make(ExprKind::GetItem, at);
    e->args.push_back(std::move(node));
    e->args.push_back(std::move(key));
    return finish(std::move(e));
  }

  /// An index or a slice `a:b:c`; a slice comes back as a Slice without its
  /// object (parseSubscript inserts it).
  ExprPtr parseSubscribed() {
    Loc at = loc();
    std::vector<ExprPtr> parts;
    if (skipOp(":")) {
      parts.push_back(nullptr);
    } else {
      ExprPtr node = parseExpression(true);
      if (!isOp(":"))
        return node;
      advance();
      parts.push_back(std::move(node));
    }
    if (isOp(":"))
      parts.push_back(nullptr);
    else if (!isOp("]") && !isOp(","))
      parts.push_back(parseExpression(true));
    else
      parts.push_back(nullptr);
    if (skipOp(":")) {
      if (!isOp("]") && !isOp(","))
        parts.push_back(parseExpression(true));
      else
        parts.push_back(nullptr);
    } else {
      parts.push_back(nullptr);
    }
    ExprPtr e = make(ExprKind::Slice, at);
    e->args = std::move(parts);
    return e;
  }

  void parseCallArgs(Expr &e) {
    expectOp("(");
    bool first = true;
    while (!isOp(")")) {
      if (!first) {
        expectOp(",");
        if (isOp(")"))
          break;
      }
      first = false;
      if (isOp("*") || isOp("**"))
        fail("*args and **kwargs in calls are not supported");
      if (cur().kind == Tok::Name && look().kind == Tok::Op &&
          look().text == "=") {
        std::string key = cur().text;
        advance();
        advance();
        e.keywords.emplace_back(std::move(key), parseExpression(true));
      } else {
        if (!e.keywords.empty())
          fail("invalid syntax for function call expression");
        e.args.push_back(parseExpression(true));
      }
    }
    expectOp(")");
  }

  ExprPtr parseCall(ExprPtr node) {
    DepthGuard guard(*this, loc());
    ExprPtr e = make(ExprKind::Call, node->loc);
    e->args.push_back(std::move(node));
    parseCallArgs(*e);
    return finish(std::move(e));
  }

  /// `| name(args)` repeatedly; `startInline` parses the first without '|'.
  ExprPtr parseFilter(ExprPtr node, bool startInline) {
    while (isOp("|") || startInline) {
      if (!startInline)
        advance();
      startInline = false;
      Loc at = loc();
      std::string name = expectIdentifier();
      while (skipOp("."))
        name += "." + expectIdentifier();
      if (isUnsupportedFilter(name))
        raise("filter '" + name + "' is not supported in chat templates", at);
      if (!isKnownFilter(name))
        raise("No filter named '" + name + "'.", at);
      ExprPtr e = make(ExprKind::Filter, at);
      e->name = name;
      e->args.push_back(std::move(node));
      if (isOp("(")) {
        DepthGuard guard(*this, at);
        parseCallArgs(*e);
      }
      node = finish(std::move(e));
    }
    return node;
  }

  ExprPtr parseTest(ExprPtr node) {
    Loc at = loc();
    advance(); // 'is'
    bool negated = skipName("not");
    Loc nameLoc = loc();
    std::string name = expectIdentifier();
    while (skipOp("."))
      name += "." + expectIdentifier();
    if (!isKnownTest(name))
      raise("No test named '" + name + "'.", nameLoc);
    ExprPtr e = make(ExprKind::Test, at);
    e->name = name;
    e->args.push_back(std::move(node));
    if (isOp("(")) {
      DepthGuard guard(*this, at);
      parseCallArgs(*e);
    } else if ((cur().kind == Tok::Name || cur().kind == Tok::String ||
                cur().kind == Tok::Integer || cur().kind == Tok::Float ||
                isOp("[") || isOp("{")) &&
               !isName("else") && !isName("or") && !isName("and")) {
      if (isName("is"))
        fail("You cannot chain multiple tests with is");
      DepthGuard guard(*this, at);
      e->args.push_back(parsePostfix(parsePrimary()));
    }
    e = finish(std::move(e));
    if (!negated)
      return e;
    ExprPtr n = make(ExprKind::Not, at);
    n->args.push_back(std::move(e));
    return finish(std::move(n));
  }
};

//===----------------------------------------------------------------------===//
// Scope analysis (jinja2's idtracking.py)
//===----------------------------------------------------------------------===//

/// The symbols of one scope: how each name it mentions is initialized when
/// the scope is entered.
class Symbols {
public:
  enum class Load { Resolve, Undefined, Alias, Parameter };

  explicit Symbols(const Symbols *parent) : parent(parent) {}

  bool findRef(const std::string &name) const {
    for (const Symbols *s = this; s; s = s->parent)
      if (s->refs.count(name))
        return true;
    return false;
  }
  void load(const std::string &name) {
    if (!findRef(name))
      refs[name] = Load::Resolve;
  }
  void store(const std::string &name) {
    stores.insert(name);
    if (!refs.count(name))
      refs[name] =
          parent && parent->findRef(name) ? Load::Alias : Load::Undefined;
  }
  void parameter(const std::string &name) {
    stores.insert(name);
    refs[name] = Load::Parameter;
  }
  std::vector<std::string> undefinedNames() const {
    std::vector<std::string> names;
    for (const auto &ref : refs)
      if (ref.second == Load::Undefined)
        names.push_back(ref.first);
    return names;
  }

  /// Merges the symbols of the branches of an `if` (branch_update).
  void branchUpdate(const std::vector<Symbols> &branches) {
    std::set<std::string> branchStores;
    for (const Symbols &branch : branches)
      for (const std::string &name : branch.stores)
        if (!stores.count(name))
          branchStores.insert(name);
    for (const Symbols &branch : branches) {
      for (const auto &ref : branch.refs)
        refs[ref.first] = ref.second;
      stores.insert(branch.stores.begin(), branch.stores.end());
    }
    for (const std::string &name : branchStores) {
      if (parent && parent->findRef(name))
        continue;
      refs[name] = Load::Resolve;
    }
  }

  const Symbols *parent;
  std::map<std::string, Load> refs;
  std::set<std::string> stores;
};

/// Visits one scope level in order (FrameSymbolVisitor): nested scopes
/// (loop, macro, with and block bodies) are analyzed on their own, with
/// this scope as parent, and their locals recorded in their nodes.
void visitExpr(const Expr &e, Symbols &symbols) {
  if (e.kind == ExprKind::Name)
    symbols.load(e.name);
  for (const ExprPtr &arg : e.args)
    if (arg)
      visitExpr(*arg, symbols);
  for (const auto &kw : e.keywords)
    if (kw.second)
      visitExpr(*kw.second, symbols);
}

/// A nested scope, analyzed once its parent's symbols are complete (as
/// jinja2 does when it compiles the nested frame).
struct PendingScope {
  NodeList *body;
  std::vector<std::string> *locals;
  std::vector<std::string> params;
};
using Pending = std::vector<PendingScope>;

void visitNodes(NodeList &nodes, Symbols &symbols, Pending &pending);

void visitNode(Node &node, Symbols &symbols, Pending &pending) {
  switch (node.kind) {
  case NodeKind::Text:
  case NodeKind::Break:
  case NodeKind::Continue:
    return;
  case NodeKind::Output:
    visitExpr(*node.expr, symbols);
    return;
  case NodeKind::If: {
    visitExpr(*node.conds[0], symbols);
    std::vector<Symbols> branches;
    branches.reserve(3);
    branches.push_back(symbols);
    visitNodes(node.bodies[0], branches.back(), pending);
    // elif chains are nested ifs in jinja2, visited in one branch.
    branches.push_back(symbols);
    for (size_t i = 1; i < node.conds.size(); ++i) {
      visitExpr(*node.conds[i], branches.back());
      visitNodes(node.bodies[i], branches.back(), pending);
    }
    branches.push_back(symbols);
    visitNodes(node.orelse, branches.back(), pending);
    symbols.branchUpdate(branches);
    return;
  }
  case NodeKind::For: {
    visitExpr(*node.expr, symbols);
    std::vector<std::string> params = node.targets;
    params.push_back("loop");
    pending.push_back({&node.body, &node.bodyLocals, params});
    pending.push_back({&node.orelse, &node.orelseLocals, {}});
    return;
  }
  case NodeKind::Set:
    visitExpr(*node.expr, symbols);
    if (!node.attr.empty())
      symbols.load(node.targets[0]);
    else
      for (const std::string &target : node.targets)
        symbols.store(target);
    return;
  case NodeKind::SetBlock:
    symbols.store(node.targets[0]);
    pending.push_back({&node.body, &node.bodyLocals, {}});
    return;
  case NodeKind::Macro: {
    symbols.store(node.text);
    std::vector<std::string> params;
    for (const auto &param : node.params)
      params.push_back(param.first);
    params.push_back("caller");
    pending.push_back({&node.body, &node.bodyLocals, params});
    return;
  }
  case NodeKind::CallBlock: {
    visitExpr(*node.expr, symbols);
    std::vector<std::string> params;
    for (const auto &param : node.params)
      params.push_back(param.first);
    pending.push_back({&node.body, &node.bodyLocals, params});
    return;
  }
  case NodeKind::FilterBlock:
    visitExpr(*node.expr, symbols);
    pending.push_back({&node.body, &node.bodyLocals, {}});
    return;
  case NodeKind::With: {
    std::vector<std::string> params;
    for (const auto &param : node.params) {
      visitExpr(*param.second, symbols);
      params.push_back(param.first);
    }
    pending.push_back({&node.body, &node.bodyLocals, params});
    return;
  }
  case NodeKind::Scope:
    pending.push_back({&node.body, &node.bodyLocals, {}});
    return;
  }
}

void visitNodes(NodeList &nodes, Symbols &symbols, Pending &pending) {
  for (NodePtr &node : nodes)
    visitNode(*node, symbols, pending);
}

std::vector<std::string>
analyzeScope(NodeList &body, const Symbols *parent,
             const std::vector<std::string> &parameters) {
  Symbols symbols(parent);
  for (const std::string &name : parameters)
    symbols.parameter(name);
  Pending pending;
  visitNodes(body, symbols, pending);
  for (PendingScope &scope : pending)
    *scope.locals = analyzeScope(*scope.body, &symbols, scope.params);
  return symbols.undefinedNames();
}

/// jinja2's newline normalization (\r\n and \r become \n) and
/// keep_trailing_newline=False.
std::string normalizeSource(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n')
        ++i;
    } else {
      out += source[i];
    }
  }
  if (!out.empty() && out.back() == '\n')
    out.pop_back();
  return out;
}

} // namespace

std::string seqrt::jinja::formatError(const Error &error) {
  if (error.loc.line == 0)
    return error.message;
  return "line " + std::to_string(error.loc.line) + ", column " +
         std::to_string(error.loc.column) + ": " + error.message;
}

bool seqrt::jinja::parseTemplate(std::string_view source, Template &out,
                                 std::string &error) {
  try {
    out.source = normalizeSource(source);
    Lexer lexer(out.source);
    lexer.lineStarts.push_back(0);
    for (size_t i = 0; i < out.source.size(); ++i)
      if (out.source[i] == '\n')
        lexer.lineStarts.push_back(i + 1);
    std::vector<Token> tokens;
    lexer.run(tokens);
    Parser parser(std::move(tokens), lexer);
    out.body = parser.parseRoot();
    out.bodyLocals = analyzeScope(out.body, nullptr, {});
    return true;
  } catch (const Error &e) {
    error = formatError(e);
  } catch (const std::bad_alloc &) {
    error = "out of memory while parsing the template";
  }
  out.body.clear();
  return false;
}
