//===- JinjaValue.h - Values of the Jinja template interpreter --*- C++ -*-===//
//
// This file declares the dynamic values the chat-template interpreter works
// on. They follow the Python objects jinja2 sees when transformers renders a
// chat template: None, bool, int, float, str, list, tuple, dict, jinja2's
// Undefined and Namespace, the `loop` object and callables. Strings are
// UTF-8; length, indexing and slicing count code points as Python does.
//
// Lists, tuples and dicts are immutable once built (transformers renders in
// jinja2's ImmutableSandboxedEnvironment), so copies share their storage; a
// namespace is mutable and shared by reference.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_LIB_JINJAVALUE_H
#define SEQRT_LIB_JINJAVALUE_H

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace seqrt::jinja {

/// A position in the template source (1-based).
struct Loc {
  uint32_t line = 0;
  uint32_t column = 0;
};

/// What the interpreter throws internally; the public entry points turn it
/// into an error string and never let it escape.
struct Error {
  std::string message;
  Loc loc;
};

[[noreturn]] void raise(std::string message, Loc loc = {});

class Value;
class Evaluator;

/// Positional and keyword arguments of a call.
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keywords;
};

using NativeFunction =
    std::function<Value(Evaluator &, CallArgs &args, Loc loc)>;

struct ListData;
struct DictData;
struct ObjectData;
struct FunctionData;

class Value {
public:
  enum class Kind {
    Undefined,
    None,
    Bool,
    Int,
    Float,
    String,
    List,
    Tuple,
    Dict,
    Namespace, ///< jinja2's namespace(): attributes, assignable
    Object,    ///< read-only attributes (`loop`)
    Function
  };

  Value() = default;
  static Value undefined(std::string hint = {});
  static Value none();
  static Value boolean(bool value);
  static Value integer(int64_t value);
  static Value floating(double value);
  static Value string(std::string value);
  static Value list(std::vector<Value> elements);
  static Value tuple(std::vector<Value> elements);
  static Value dict(std::vector<std::pair<Value, Value>> items);
  static Value nameSpace(std::vector<std::pair<std::string, Value>> attrs);
  static Value object(std::string typeName,
                      std::vector<std::pair<std::string, Value>> attrs);
  static Value function(std::string name, NativeFunction fn);
  /// The `loop` object of iteration `index` (0-based) over `items`.
  static Value loop(int64_t index,
                    std::shared_ptr<const std::vector<Value>> items);

  Kind kind() const { return k; }
  bool isUndefined() const { return k == Kind::Undefined; }
  bool isNone() const { return k == Kind::None; }
  bool isString() const { return k == Kind::String; }
  bool isInt() const { return k == Kind::Int; }
  bool isBool() const { return k == Kind::Bool; }
  /// int or float (or bool, which Python treats as a number).
  bool isNumber() const {
    return k == Kind::Int || k == Kind::Float || k == Kind::Bool;
  }
  bool isSequence() const { return k == Kind::List || k == Kind::Tuple; }
  bool isDict() const { return k == Kind::Dict; }

  bool getBool() const { return b; }
  int64_t getInt() const { return k == Kind::Bool ? (b ? 1 : 0) : i; }
  double getNumber() const {
    return k == Kind::Float ? f : static_cast<double>(getInt());
  }
  const std::string &getString() const;
  const std::vector<Value> &getElements() const;
  const std::vector<std::pair<Value, Value>> &getItems() const;
  /// The undefined value's message ("'x' is undefined").
  const std::string &getHint() const { return getString(); }

  /// Namespace and Object attributes.
  const std::vector<std::pair<std::string, Value>> &getAttrs() const;
  const std::string &getObjectType() const;
  /// For a `loop` object: its iteration and the items; null otherwise.
  const std::vector<Value> *getLoopItems(int64_t &index) const;
  /// Sets an attribute of a namespace (shared by every copy).
  void setAttr(const std::string &name, Value value) const;
  const Value *findAttr(std::string_view name) const;

  const FunctionData &getFunction() const;

  /// The entry of a dict under `key` (Python key equality), or null.
  const Value *findItem(const Value &key) const;

  /// Python truthiness (Undefined is false).
  bool truthy() const;
  /// Python type name ("str", "dict", "NoneType", ...).
  std::string typeName() const;
  /// True for the same shared object (namespaces, lists, ...).
  bool sameObject(const Value &other) const;

private:
  Kind k = Kind::Undefined;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::shared_ptr<const std::string> s;
  std::shared_ptr<const ListData> l;
  std::shared_ptr<const DictData> d;
  std::shared_ptr<ObjectData> o;
  std::shared_ptr<const FunctionData> fn;
};

struct ListData {
  std::vector<Value> elements;
};
struct DictData {
  std::vector<std::pair<Value, Value>> items;
};
struct ObjectData {
  std::string typeName;
  std::vector<std::pair<std::string, Value>> attrs;
  int64_t loopIndex = 0;
  std::shared_ptr<const std::vector<Value>> loopItems;
};
struct FunctionData {
  std::string name;
  NativeFunction fn;
};

/// Python `==`.
bool equals(const Value &a, const Value &b);
/// Python `<`, `<=`, `>`, `>=` (op is one of "lt", "lteq", "gt", "gteq");
/// raises for unordered types.
bool compare(const Value &a, const Value &b, std::string_view op, Loc loc);
/// Python str(): what `{{ value }}` and `~` print ("" for Undefined).
std::string toString(const Value &value);
/// Python repr().
std::string repr(const Value &value);
/// Python float repr: shortest round-trip digits ("1.0", "1e+16", "0.1").
std::string formatFloat(double value);

/// Options of transformers' tojson filter (json.dumps).
struct JsonOptions {
  bool ensureAscii = false;
  bool sortKeys = false;
  bool hasIndent = false;
  std::string indent;
  std::string itemSeparator = ", ";
  std::string keySeparator = ": ";
};
/// json.dumps(value, ...); raises for values JSON cannot hold.
std::string toJson(const Value &value, const JsonOptions &options, Loc loc);

//===-- UTF-8 helpers (code points as Python sees them) -------------------===//

/// Decodes `text` into code points; invalid bytes decode as U+FFFD.
std::vector<uint32_t> decodeUtf8(std::string_view text);
void appendUtf8(std::string &out, uint32_t cp);
std::string encodeUtf8(const std::vector<uint32_t> &cps, size_t begin,
                       size_t end);
/// Number of code points.
size_t utf8Length(std::string_view text);
/// Python str.isspace() for one code point.
bool isPySpace(uint32_t cp);
/// Python's simple case mappings for Latin, Greek and Cyrillic letters
/// (other scripts are left unchanged).
uint32_t toUpper(uint32_t cp);
uint32_t toLower(uint32_t cp);
bool isCased(uint32_t cp);
/// Python str.upper()/lower() (including "ß".upper() == "SS").
std::string upper(std::string_view text);
std::string lower(std::string_view text);

} // namespace seqrt::jinja

#endif // SEQRT_LIB_JINJAVALUE_H
