//===- Json.cpp - A minimal JSON reader -----------------------------------===//
//
// This file implements a recursive-descent JSON parser (RFC 8259) with a
// nesting limit, so hostile metadata or safetensors headers cannot exhaust
// the stack.
//
//===----------------------------------------------------------------------===//

#include "Json.h"

#include <charconv>

using namespace seqrt;

JsonValue JsonValue::makeBool(bool value) {
  JsonValue v;
  v.kind = Kind::Bool;
  v.boolValue = value;
  return v;
}

JsonValue JsonValue::makeInt(int64_t value) {
  JsonValue v;
  v.kind = Kind::Int;
  v.intValue = value;
  return v;
}

JsonValue JsonValue::makeDouble(double value) {
  JsonValue v;
  v.kind = Kind::Double;
  v.doubleValue = value;
  return v;
}

JsonValue JsonValue::makeString(std::string value) {
  JsonValue v;
  v.kind = Kind::String;
  v.stringValue = std::move(value);
  return v;
}

JsonValue JsonValue::makeArray(std::vector<JsonValue> elements) {
  JsonValue v;
  v.kind = Kind::Array;
  v.elements = std::move(elements);
  return v;
}

JsonValue JsonValue::makeObject(std::vector<Member> members) {
  JsonValue v;
  v.kind = Kind::Object;
  v.members = std::move(members);
  return v;
}

const JsonValue *JsonValue::get(std::string_view key) const {
  for (const Member &member : members)
    if (member.first == key)
      return &member.second;
  return nullptr;
}

const char *seqrt::jsonKindName(JsonValue::Kind kind) {
  switch (kind) {
  case JsonValue::Kind::Null:
    return "null";
  case JsonValue::Kind::Bool:
    return "boolean";
  case JsonValue::Kind::Int:
    return "integer";
  case JsonValue::Kind::Double:
    return "number";
  case JsonValue::Kind::String:
    return "string";
  case JsonValue::Kind::Array:
    return "array";
  case JsonValue::Kind::Object:
    return "object";
  }
  return "?";
}

namespace {
constexpr unsigned kMaxDepth = 128;

class Parser {
public:
  explicit Parser(std::string_view text) : text(text) {}

  bool parseDocument(JsonValue &out) {
    skipSpace();
    if (!parseValue(out, 0))
      return false;
    skipSpace();
    if (pos != text.size())
      return failHere("unexpected text after the JSON value");
    return true;
  }

  std::string error;

private:
  bool failHere(const std::string &message) {
    size_t line = 1, column = 1;
    for (size_t i = 0; i < pos && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    error = message + " at line " + std::to_string(line) + ", column " +
            std::to_string(column);
    return false;
  }

  void skipSpace() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' ||
                                 text[pos] == '\n' || text[pos] == '\r'))
      ++pos;
  }

  bool consumeWord(std::string_view word) {
    if (text.substr(pos, word.size()) != word)
      return false;
    pos += word.size();
    return true;
  }

  bool parseValue(JsonValue &out, unsigned depth) {
    if (depth > kMaxDepth)
      return failHere("JSON nested too deeply");
    if (pos >= text.size())
      return failHere("unexpected end of JSON");
    char c = text[pos];
    if (c == '{')
      return parseObject(out, depth);
    if (c == '[')
      return parseArray(out, depth);
    if (c == '"') {
      std::string value;
      if (!parseString(value))
        return false;
      out = JsonValue::makeString(std::move(value));
      return true;
    }
    if (c == '-' || (c >= '0' && c <= '9'))
      return parseNumber(out);
    if (consumeWord("true")) {
      out = JsonValue::makeBool(true);
      return true;
    }
    if (consumeWord("false")) {
      out = JsonValue::makeBool(false);
      return true;
    }
    if (consumeWord("null")) {
      out = JsonValue();
      return true;
    }
    return failHere(std::string("unexpected character '") + c + "'");
  }

  bool parseObject(JsonValue &out, unsigned depth) {
    ++pos; // '{'
    std::vector<JsonValue::Member> members;
    skipSpace();
    if (pos < text.size() && text[pos] == '}') {
      ++pos;
      out = JsonValue::makeObject(std::move(members));
      return true;
    }
    while (true) {
      skipSpace();
      if (pos >= text.size() || text[pos] != '"')
        return failHere("expected a string key");
      std::string key;
      if (!parseString(key))
        return false;
      skipSpace();
      if (pos >= text.size() || text[pos] != ':')
        return failHere("expected ':' after an object key");
      ++pos;
      skipSpace();
      JsonValue value;
      if (!parseValue(value, depth + 1))
        return false;
      members.emplace_back(std::move(key), std::move(value));
      skipSpace();
      if (pos < text.size() && text[pos] == ',') {
        ++pos;
        continue;
      }
      if (pos < text.size() && text[pos] == '}') {
        ++pos;
        out = JsonValue::makeObject(std::move(members));
        return true;
      }
      return failHere("expected ',' or '}' in an object");
    }
  }

  bool parseArray(JsonValue &out, unsigned depth) {
    ++pos; // '['
    std::vector<JsonValue> elements;
    skipSpace();
    if (pos < text.size() && text[pos] == ']') {
      ++pos;
      out = JsonValue::makeArray(std::move(elements));
      return true;
    }
    while (true) {
      skipSpace();
      JsonValue value;
      if (!parseValue(value, depth + 1))
        return false;
      elements.push_back(std::move(value));
      skipSpace();
      if (pos < text.size() && text[pos] == ',') {
        ++pos;
        continue;
      }
      if (pos < text.size() && text[pos] == ']') {
        ++pos;
        out = JsonValue::makeArray(std::move(elements));
        return true;
      }
      return failHere("expected ',' or ']' in an array");
    }
  }

  bool parseHex4(uint32_t &out) {
    if (pos + 4 > text.size())
      return failHere("truncated \\u escape");
    out = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text[pos++];
      out <<= 4;
      if (c >= '0' && c <= '9')
        out |= c - '0';
      else if (c >= 'a' && c <= 'f')
        out |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        out |= c - 'A' + 10;
      else
        return failHere("bad hex digit in a \\u escape");
    }
    return true;
  }

  static void appendUtf8(std::string &out, uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  }

  bool parseString(std::string &out) {
    ++pos; // '"'
    while (true) {
      if (pos >= text.size())
        return failHere("unterminated string");
      char c = text[pos];
      if (c == '"') {
        ++pos;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20)
        return failHere("control character in a string");
      if (c != '\\') {
        out.push_back(c);
        ++pos;
        continue;
      }
      if (++pos >= text.size())
        return failHere("unterminated string");
      char escape = text[pos++];
      switch (escape) {
      case '"':
      case '\\':
      case '/':
        out.push_back(escape);
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'u': {
        uint32_t cp = 0;
        if (!parseHex4(cp))
          return false;
        if (cp >= 0xd800 && cp < 0xdc00) {
          uint32_t low = 0;
          if (!consumeWord("\\u") || !parseHex4(low) || low < 0xdc00 ||
              low >= 0xe000)
            return failHere("unpaired UTF-16 surrogate in a \\u escape");
          cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        } else if (cp >= 0xdc00 && cp < 0xe000) {
          return failHere("unpaired UTF-16 surrogate in a \\u escape");
        }
        appendUtf8(out, cp);
        break;
      }
      default:
        --pos;
        return failHere(std::string("bad escape '\\") + escape + "'");
      }
    }
  }

  bool parseNumber(JsonValue &out) {
    size_t start = pos;
    bool integral = true;
    if (text[pos] == '-')
      ++pos;
    auto digits = [&] {
      size_t first = pos;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9')
        ++pos;
      return pos - first;
    };
    size_t intStart = pos;
    size_t intDigits = digits();
    if (intDigits == 0)
      return failHere("expected digits in a number");
    if (intDigits > 1 && text[intStart] == '0')
      return failHere("leading zero in a number");
    if (pos < text.size() && text[pos] == '.') {
      integral = false;
      ++pos;
      if (digits() == 0)
        return failHere("expected digits after '.'");
    }
    if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
      integral = false;
      ++pos;
      if (pos < text.size() && (text[pos] == '+' || text[pos] == '-'))
        ++pos;
      if (digits() == 0)
        return failHere("expected digits in an exponent");
    }
    const char *first = text.data() + start;
    const char *last = text.data() + pos;
    if (integral) {
      int64_t value = 0;
      auto [end, ec] = std::from_chars(first, last, value);
      if (ec == std::errc() && end == last) {
        out = JsonValue::makeInt(value);
        return true;
      }
    }
    // std::from_chars is locale-independent, unlike strtod.
    double value = 0;
    auto [end, ec] = std::from_chars(first, last, value);
    if (ec != std::errc() || end != last)
      return failHere("number out of range");
    out = JsonValue::makeDouble(value);
    return true;
  }

  std::string_view text;
  size_t pos = 0;
};
} // namespace

bool seqrt::parseJson(std::string_view text, JsonValue &out,
                      std::string &error) {
  Parser parser(text);
  if (!parser.parseDocument(out)) {
    error = parser.error;
    return false;
  }
  return true;
}
