//===- Json.h - A minimal JSON reader ---------------------------*- C++ -*-===//
//
// This file declares the small JSON reader the runtime uses for artifact
// metadata and safetensors headers: objects (member order kept), arrays,
// strings with escapes, integers, floats, true, false and null.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_LIB_JSON_H
#define SEQRT_LIB_JSON_H

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace seqrt {

/// A parsed JSON value. Numbers without a fraction or exponent that fit in
/// int64_t are Int; every other number is Double.
class JsonValue {
public:
  enum class Kind { Null, Bool, Int, Double, String, Array, Object };
  using Member = std::pair<std::string, JsonValue>;

  JsonValue() = default;
  static JsonValue makeBool(bool value);
  static JsonValue makeInt(int64_t value);
  static JsonValue makeDouble(double value);
  static JsonValue makeString(std::string value);
  static JsonValue makeArray(std::vector<JsonValue> elements);
  static JsonValue makeObject(std::vector<Member> members);

  Kind getKind() const { return kind; }
  bool isNull() const { return kind == Kind::Null; }
  bool isBool() const { return kind == Kind::Bool; }
  bool isInt() const { return kind == Kind::Int; }
  bool isNumber() const { return kind == Kind::Int || kind == Kind::Double; }
  bool isString() const { return kind == Kind::String; }
  bool isArray() const { return kind == Kind::Array; }
  bool isObject() const { return kind == Kind::Object; }

  /// Accessors; each requires the matching kind.
  bool getBool() const { return boolValue; }
  int64_t getInt() const { return intValue; }
  double getNumber() const {
    return kind == Kind::Int ? static_cast<double>(intValue) : doubleValue;
  }
  const std::string &getString() const { return stringValue; }
  const std::vector<JsonValue> &getArray() const { return elements; }
  const std::vector<Member> &getObject() const { return members; }

  /// The first member called `key` of an object, or null if there is none
  /// (or this is not an object).
  const JsonValue *get(std::string_view key) const;

private:
  Kind kind = Kind::Null;
  bool boolValue = false;
  int64_t intValue = 0;
  double doubleValue = 0;
  std::string stringValue;
  std::vector<JsonValue> elements;
  std::vector<Member> members;
};

/// Parses `text` as one JSON value (surrounded only by whitespace). Returns
/// false and sets `error` ("... at line L, column C") on malformed input.
bool parseJson(std::string_view text, JsonValue &out, std::string &error);

/// "object", "array", ... for messages.
const char *jsonKindName(JsonValue::Kind kind);

} // namespace seqrt

#endif // SEQRT_LIB_JSON_H
