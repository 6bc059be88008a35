//===- JinjaValue.cpp - Values of the Jinja template interpreter ----------===//
//
// This file implements the values of the chat-template interpreter and
// their Python semantics: equality, ordering, str(), repr(), json.dumps and
// the UTF-8 and case-mapping helpers.
//
//===----------------------------------------------------------------------===//

#include "JinjaValue.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

using namespace seqrt::jinja;

void seqrt::jinja::raise(std::string message, Loc loc) {
  throw Error{std::move(message), loc};
}

namespace {
const std::string emptyString;
const std::vector<Value> emptyElements;
const std::vector<std::pair<Value, Value>> emptyItems;
const std::vector<std::pair<std::string, Value>> emptyAttrs;
} // namespace

Value Value::undefined(std::string hint) {
  Value v;
  v.k = Kind::Undefined;
  if (!hint.empty())
    v.s = std::make_shared<const std::string>(std::move(hint));
  return v;
}

Value Value::none() {
  Value v;
  v.k = Kind::None;
  return v;
}

Value Value::boolean(bool value) {
  Value v;
  v.k = Kind::Bool;
  v.b = value;
  return v;
}

Value Value::integer(int64_t value) {
  Value v;
  v.k = Kind::Int;
  v.i = value;
  return v;
}

Value Value::floating(double value) {
  Value v;
  v.k = Kind::Float;
  v.f = value;
  return v;
}

Value Value::string(std::string value) {
  Value v;
  v.k = Kind::String;
  v.s = std::make_shared<const std::string>(std::move(value));
  return v;
}

Value Value::list(std::vector<Value> elements) {
  Value v;
  v.k = Kind::List;
  v.l = std::make_shared<const ListData>(ListData{std::move(elements)});
  return v;
}

Value Value::tuple(std::vector<Value> elements) {
  Value v = list(std::move(elements));
  v.k = Kind::Tuple;
  return v;
}

Value Value::dict(std::vector<std::pair<Value, Value>> items) {
  // Later duplicates replace earlier ones in place, as in a Python dict.
  std::vector<std::pair<Value, Value>> unique;
  unique.reserve(items.size());
  for (auto &item : items) {
    auto it = std::find_if(unique.begin(), unique.end(), [&](const auto &u) {
      return equals(u.first, item.first);
    });
    if (it != unique.end())
      it->second = std::move(item.second);
    else
      unique.push_back(std::move(item));
  }
  Value v;
  v.k = Kind::Dict;
  v.d = std::make_shared<const DictData>(DictData{std::move(unique)});
  return v;
}

Value Value::nameSpace(std::vector<std::pair<std::string, Value>> attrs) {
  Value v = object("Namespace", std::move(attrs));
  v.k = Kind::Namespace;
  return v;
}

Value Value::object(std::string typeName,
                    std::vector<std::pair<std::string, Value>> attrs) {
  Value v;
  v.k = Kind::Object;
  v.o = std::make_shared<ObjectData>(
      ObjectData{std::move(typeName), std::move(attrs)});
  return v;
}

Value Value::function(std::string name, NativeFunction function) {
  Value v;
  v.k = Kind::Function;
  v.fn = std::make_shared<const FunctionData>(
      FunctionData{std::move(name), std::move(function)});
  return v;
}

Value Value::loop(int64_t index,
                  std::shared_ptr<const std::vector<Value>> items) {
  Value v;
  v.k = Kind::Object;
  v.o = std::make_shared<ObjectData>();
  v.o->typeName = "LoopContext";
  v.o->loopIndex = index;
  v.o->loopItems = std::move(items);
  return v;
}

const std::vector<Value> *Value::getLoopItems(int64_t &index) const {
  if (!o || !o->loopItems)
    return nullptr;
  index = o->loopIndex;
  return o->loopItems.get();
}

const std::string &Value::getString() const { return s ? *s : emptyString; }

const std::vector<Value> &Value::getElements() const {
  return l ? l->elements : emptyElements;
}

const std::vector<std::pair<Value, Value>> &Value::getItems() const {
  return d ? d->items : emptyItems;
}

const std::vector<std::pair<std::string, Value>> &Value::getAttrs() const {
  return o ? o->attrs : emptyAttrs;
}

const std::string &Value::getObjectType() const {
  return o ? o->typeName : emptyString;
}

void Value::setAttr(const std::string &name, Value value) const {
  for (auto &attr : o->attrs)
    if (attr.first == name) {
      attr.second = std::move(value);
      return;
    }
  o->attrs.emplace_back(name, std::move(value));
}

const Value *Value::findAttr(std::string_view name) const {
  if (!o)
    return nullptr;
  for (const auto &attr : o->attrs)
    if (attr.first == name)
      return &attr.second;
  return nullptr;
}

const FunctionData &Value::getFunction() const { return *fn; }

const Value *Value::findItem(const Value &key) const {
  for (const auto &item : getItems())
    if (equals(item.first, key))
      return &item.second;
  return nullptr;
}

bool Value::truthy() const {
  switch (k) {
  case Kind::Undefined:
  case Kind::None:
    return false;
  case Kind::Bool:
    return b;
  case Kind::Int:
    return i != 0;
  case Kind::Float:
    return f != 0;
  case Kind::String:
    return !getString().empty();
  case Kind::List:
  case Kind::Tuple:
    return !getElements().empty();
  case Kind::Dict:
    return !getItems().empty();
  case Kind::Namespace:
  case Kind::Object:
  case Kind::Function:
    return true;
  }
  return false;
}

std::string Value::typeName() const {
  switch (k) {
  case Kind::Undefined:
    return "Undefined";
  case Kind::None:
    return "NoneType";
  case Kind::Bool:
    return "bool";
  case Kind::Int:
    return "int";
  case Kind::Float:
    return "float";
  case Kind::String:
    return "str";
  case Kind::List:
    return "list";
  case Kind::Tuple:
    return "tuple";
  case Kind::Dict:
    return "dict";
  case Kind::Namespace:
  case Kind::Object:
    return getObjectType();
  case Kind::Function:
    return "function";
  }
  return "object";
}

bool Value::sameObject(const Value &other) const {
  if (k != other.k)
    return false;
  switch (k) {
  case Kind::Undefined:
  case Kind::None:
    return true;
  case Kind::Bool:
    return b == other.b;
  case Kind::Int:
    // CPython caches small integers, so `is` holds for them.
    return i == other.i && i >= -5 && i <= 256;
  case Kind::Float:
    return false;
  case Kind::String:
    return s == other.s;
  case Kind::List:
  case Kind::Tuple:
    return l == other.l;
  case Kind::Dict:
    return d == other.d;
  case Kind::Namespace:
  case Kind::Object:
    return o == other.o;
  case Kind::Function:
    return fn == other.fn;
  }
  return false;
}

//===----------------------------------------------------------------------===//
// Equality and ordering
//===----------------------------------------------------------------------===//

bool seqrt::jinja::equals(const Value &a, const Value &b) {
  using K = Value::Kind;
  if (a.isNumber() && b.isNumber()) {
    if (a.kind() == K::Float || b.kind() == K::Float)
      return a.getNumber() == b.getNumber();
    return a.getInt() == b.getInt();
  }
  if (a.kind() != b.kind())
    return false;
  switch (a.kind()) {
  case K::Undefined:
  case K::None:
    return true;
  case K::String:
    return a.getString() == b.getString();
  case K::List:
  case K::Tuple: {
    const auto &x = a.getElements(), &y = b.getElements();
    if (x.size() != y.size())
      return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (!equals(x[i], y[i]))
        return false;
    return true;
  }
  case K::Dict: {
    if (a.getItems().size() != b.getItems().size())
      return false;
    for (const auto &item : a.getItems()) {
      const Value *other = b.findItem(item.first);
      if (!other || !equals(item.second, *other))
        return false;
    }
    return true;
  }
  default:
    return a.sameObject(b);
  }
}

bool seqrt::jinja::compare(const Value &a, const Value &b, std::string_view op,
                           Loc loc) {
  int order = 0;
  if (a.isUndefined() || b.isUndefined())
    raise(a.isUndefined() && !a.getHint().empty() ? a.getHint()
          : b.isUndefined() && !b.getHint().empty()
              ? b.getHint()
              : "cannot compare an undefined value",
          loc);
  if (a.isNumber() && b.isNumber()) {
    if (a.kind() == Value::Kind::Float || b.kind() == Value::Kind::Float) {
      double x = a.getNumber(), y = b.getNumber();
      if (std::isnan(x) || std::isnan(y))
        return false;
      order = x < y ? -1 : x > y ? 1 : 0;
    } else {
      order = a.getInt() < b.getInt() ? -1 : a.getInt() > b.getInt() ? 1 : 0;
    }
  } else if (a.isString() && b.isString()) {
    // UTF-8 byte order is code point order.
    int c = a.getString().compare(b.getString());
    order = c < 0 ? -1 : c > 0 ? 1 : 0;
  } else if (a.kind() == b.kind() && a.isSequence()) {
    const auto &x = a.getElements(), &y = b.getElements();
    size_t n = std::min(x.size(), y.size());
    size_t i = 0;
    while (i < n && equals(x[i], y[i]))
      ++i;
    if (i < n)
      return compare(x[i], y[i], op, loc);
    order = x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
  } else {
    static const char *const symbols[][2] = {
        {"lt", "<"}, {"lteq", "<="}, {"gt", ">"}, {"gteq", ">="}};
    std::string symbol(op);
    for (const auto &entry : symbols)
      if (op == entry[0])
        symbol = entry[1];
    raise("'" + symbol + "' not supported between instances of '" +
              a.typeName() + "' and '" + b.typeName() + "'",
          loc);
  }
  if (op == "lt")
    return order < 0;
  if (op == "lteq")
    return order <= 0;
  if (op == "gt")
    return order > 0;
  return order >= 0;
}

//===----------------------------------------------------------------------===//
// str(), repr()
//===----------------------------------------------------------------------===//

std::string seqrt::jinja::formatFloat(double value) {
  if (std::isnan(value))
    return "nan";
  if (std::isinf(value))
    return value < 0 ? "-inf" : "inf";
  if (value == 0)
    return std::signbit(value) ? "-0.0" : "0.0";
  // The shortest %.Ne that reads back exactly, as Python's repr.
  char buf[64];
  for (int precision = 0; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*e", precision, value);
    if (std::strtod(buf, nullptr) == value)
      break;
  }
  std::string text(buf);
  size_t ePos = text.find('e');
  std::string mantissa = text.substr(0, ePos);
  int exponent = std::atoi(text.c_str() + ePos + 1);
  bool negative = mantissa[0] == '-';
  if (negative)
    mantissa.erase(0, 1);
  std::string digits;
  for (char c : mantissa)
    if (c != '.')
      digits += c;
  std::string out = negative ? "-" : "";
  if (exponent < -4 || exponent >= 16) {
    out += digits.substr(0, 1);
    if (digits.size() > 1)
      out += "." + digits.substr(1);
    char exp[16];
    std::snprintf(exp, sizeof exp, "e%c%02d", exponent < 0 ? '-' : '+',
                  std::abs(exponent));
    return out + exp;
  }
  if (exponent < 0)
    return out + "0." + std::string(-exponent - 1, '0') + digits;
  size_t intDigits = static_cast<size_t>(exponent) + 1;
  if (digits.size() <= intDigits)
    return out + digits + std::string(intDigits - digits.size(), '0') + ".0";
  return out + digits.substr(0, intDigits) + "." + digits.substr(intDigits);
}

namespace {
bool isPrintable(uint32_t cp) {
  if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0xa0) || cp == 0xad)
    return false;
  if ((cp >= 0x2000 && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202f) ||
      (cp >= 0x205f && cp <= 0x2064) || cp == 0x1680 || cp == 0x3000 ||
      cp == 0xfeff || (cp >= 0xd800 && cp <= 0xdfff) ||
      (cp >= 0xe000 && cp <= 0xf8ff) || cp == 0xfffe || cp == 0xffff)
    return false;
  return true;
}

std::string reprString(const std::string &text) {
  char quote = '\'';
  if (text.find('\'') != std::string::npos &&
      text.find('"') == std::string::npos)
    quote = '"';
  std::string out(1, quote);
  for (uint32_t cp : decodeUtf8(text)) {
    char buf[16];
    if (cp == static_cast<uint32_t>(quote) || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (!isPrintable(cp)) {
      if (cp <= 0xff)
        std::snprintf(buf, sizeof buf, "\\x%02x", cp);
      else if (cp <= 0xffff)
        std::snprintf(buf, sizeof buf, "\\u%04x", cp);
      else
        std::snprintf(buf, sizeof buf, "\\U%08x", cp);
      out += buf;
    } else {
      appendUtf8(out, cp);
    }
  }
  out += quote;
  return out;
}
} // namespace

std::string seqrt::jinja::toString(const Value &value) {
  switch (value.kind()) {
  case Value::Kind::Undefined:
    return "";
  case Value::Kind::String:
    return value.getString();
  default:
    return repr(value);
  }
}

std::string seqrt::jinja::repr(const Value &value) {
  using K = Value::Kind;
  switch (value.kind()) {
  case K::Undefined:
    return "Undefined";
  case K::None:
    return "None";
  case K::Bool:
    return value.getBool() ? "True" : "False";
  case K::Int:
    return std::to_string(value.getInt());
  case K::Float:
    return formatFloat(value.getNumber());
  case K::String:
    return reprString(value.getString());
  case K::List:
  case K::Tuple: {
    bool tuple = value.kind() == K::Tuple;
    std::string out = tuple ? "(" : "[";
    const auto &elements = value.getElements();
    for (size_t i = 0; i < elements.size(); ++i)
      out += (i ? ", " : "") + repr(elements[i]);
    if (tuple && elements.size() == 1)
      out += ",";
    return out + (tuple ? ")" : "]");
  }
  case K::Dict: {
    std::string out = "{";
    bool first = true;
    for (const auto &item : value.getItems()) {
      out += (first ? "" : ", ") + repr(item.first) + ": " + repr(item.second);
      first = false;
    }
    return out + "}";
  }
  case K::Namespace: {
    std::string out = "<Namespace {";
    bool first = true;
    for (const auto &attr : value.getAttrs()) {
      out += (first ? "'" : ", '") + attr.first + "': " + repr(attr.second);
      first = false;
    }
    return out + "}>";
  }
  case K::Object:
    return "<" + value.getObjectType() + " object>";
  case K::Function:
    return "<function " + value.getFunction().name + ">";
  }
  return "";
}

//===----------------------------------------------------------------------===//
// json.dumps
//===----------------------------------------------------------------------===//

namespace {
void jsonString(std::string &out, const std::string &text, bool ensureAscii) {
  out += '"';
  for (uint32_t cp : decodeUtf8(text)) {
    char buf[16];
    switch (cp) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    default:
      if (cp < 0x20 || (ensureAscii && cp > 0x7e && cp != 0x7f)) {
        if (cp > 0xffff) {
          uint32_t v = cp - 0x10000;
          std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", 0xd800 + (v >> 10),
                        0xdc00 + (v & 0x3ff));
        } else {
          std::snprintf(buf, sizeof buf, "\\u%04x", cp);
        }
        out += buf;
      } else {
        appendUtf8(out, cp);
      }
    }
  }
  out += '"';
}

std::string jsonFloat(double value) {
  if (std::isnan(value))
    return "NaN";
  if (std::isinf(value))
    return value < 0 ? "-Infinity" : "Infinity";
  return formatFloat(value);
}

void jsonValue(std::string &out, const Value &value, const JsonOptions &opts,
               Loc loc, int depth) {
  using K = Value::Kind;
  if (depth > 512)
    raise("tojson: nesting too deep", loc);
  std::string newline;
  if (opts.hasIndent) {
    newline = "\n";
    for (int i = 0; i <= depth; ++i)
      newline += opts.indent;
  }
  std::string closing;
  if (opts.hasIndent) {
    closing = "\n";
    for (int i = 0; i < depth; ++i)
      closing += opts.indent;
  }
  switch (value.kind()) {
  case K::None:
    out += "null";
    return;
  case K::Bool:
    out += value.getBool() ? "true" : "false";
    return;
  case K::Int:
    out += std::to_string(value.getInt());
    return;
  case K::Float:
    out += jsonFloat(value.getNumber());
    return;
  case K::String:
    jsonString(out, value.getString(), opts.ensureAscii);
    return;
  case K::List:
  case K::Tuple: {
    const auto &elements = value.getElements();
    if (elements.empty()) {
      out += "[]";
      return;
    }
    out += "[";
    for (size_t i = 0; i < elements.size(); ++i) {
      if (i)
        out += opts.itemSeparator;
      out += newline;
      jsonValue(out, elements[i], opts, loc, depth + 1);
    }
    out += closing + "]";
    return;
  }
  case K::Dict: {
    std::vector<std::pair<std::string, const Value *>> members;
    for (const auto &item : value.getItems()) {
      const Value &key = item.first;
      std::string name;
      if (key.isString())
        name = key.getString();
      else if (key.kind() == K::Float)
        name = jsonFloat(key.getNumber());
      else if (key.isBool())
        name = key.getBool() ? "true" : "false";
      else if (key.isInt())
        name = std::to_string(key.getInt());
      else if (key.isNone())
        name = "null";
      else
        raise("keys must be str, int, float, bool or None, not " +
                  key.typeName(),
              loc);
      members.emplace_back(std::move(name), &item.second);
    }
    if (opts.sortKeys)
      std::stable_sort(
          members.begin(), members.end(),
          [](const auto &x, const auto &y) { return x.first < y.first; });
    if (members.empty()) {
      out += "{}";
      return;
    }
    out += "{";
    for (size_t i = 0; i < members.size(); ++i) {
      if (i)
        out += opts.itemSeparator;
      out += newline;
      jsonString(out, members[i].first, opts.ensureAscii);
      out += opts.keySeparator;
      jsonValue(out, *members[i].second, opts, loc, depth + 1);
    }
    out += closing + "}";
    return;
  }
  default:
    raise("Object of type " + value.typeName() + " is not JSON serializable",
          loc);
  }
}
} // namespace

std::string seqrt::jinja::toJson(const Value &value, const JsonOptions &opts,
                                 Loc loc) {
  std::string out;
  jsonValue(out, value, opts, loc, 0);
  return out;
}

//===----------------------------------------------------------------------===//
// UTF-8 and case mapping
//===----------------------------------------------------------------------===//

std::vector<uint32_t> seqrt::jinja::decodeUtf8(std::string_view text) {
  std::vector<uint32_t> out;
  out.reserve(text.size());
  size_t i = 0, n = text.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    uint32_t cp;
    size_t len;
    if (c < 0x80) {
      cp = c;
      len = 1;
    } else if ((c & 0xe0) == 0xc0) {
      cp = c & 0x1f;
      len = 2;
    } else if ((c & 0xf0) == 0xe0) {
      cp = c & 0x0f;
      len = 3;
    } else if ((c & 0xf8) == 0xf0) {
      cp = c & 0x07;
      len = 4;
    } else {
      out.push_back(0xfffd);
      ++i;
      continue;
    }
    bool ok = i + len <= n;
    for (size_t j = 1; ok && j < len; ++j) {
      unsigned char cc = static_cast<unsigned char>(text[i + j]);
      if ((cc & 0xc0) != 0x80)
        ok = false;
      else
        cp = (cp << 6) | (cc & 0x3f);
    }
    static const uint32_t minimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (!ok || cp < minimum[len] || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      out.push_back(0xfffd);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

void seqrt::jinja::appendUtf8(std::string &out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

std::string seqrt::jinja::encodeUtf8(const std::vector<uint32_t> &cps,
                                     size_t begin, size_t end) {
  std::string out;
  for (size_t i = begin; i < end && i < cps.size(); ++i)
    appendUtf8(out, cps[i]);
  return out;
}

size_t seqrt::jinja::utf8Length(std::string_view text) {
  bool ascii = std::all_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x80;
  });
  return ascii ? text.size() : decodeUtf8(text).size();
}

bool seqrt::jinja::isPySpace(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) ||
         cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

uint32_t seqrt::jinja::toUpper(uint32_t cp) {
  if (cp >= 'a' && cp <= 'z')
    return cp - 32;
  if (cp < 0x80)
    return cp;
  if (cp == 0xb5)
    return 0x39c;
  if ((cp >= 0xe0 && cp <= 0xfe && cp != 0xf7))
    return cp - 32;
  if (cp == 0xff)
    return 0x178;
  if (cp >= 0x100 && cp <= 0x17f) {
    if (cp == 0x131)
      return 'I';
    if (cp == 0x17f)
      return 'S';
    if (cp == 0x130 || cp == 0x138 || cp == 0x149 || cp == 0x178)
      return cp;
    bool oddUpper = (cp >= 0x139 && cp <= 0x148) || (cp >= 0x179);
    if (oddUpper)
      return (cp & 1) ? cp : cp - 1;
    return (cp & 1) ? cp - 1 : cp;
  }
  if (cp >= 0x3b1 && cp <= 0x3c9)
    return cp == 0x3c2 ? 0x3a3 : cp - 32;
  if (cp == 0x3ac)
    return 0x386;
  if (cp >= 0x3ad && cp <= 0x3af)
    return cp - 37;
  if (cp == 0x3cc)
    return 0x38c;
  if (cp == 0x3cd || cp == 0x3ce)
    return cp - 63;
  if (cp >= 0x430 && cp <= 0x44f)
    return cp - 32;
  if (cp >= 0x450 && cp <= 0x45f)
    return cp - 80;
  return cp;
}

uint32_t seqrt::jinja::toLower(uint32_t cp) {
  if (cp >= 'A' && cp <= 'Z')
    return cp + 32;
  if (cp < 0x80)
    return cp;
  if (cp >= 0xc0 && cp <= 0xde && cp != 0xd7)
    return cp + 32;
  if (cp == 0x178)
    return 0xff;
  if (cp >= 0x100 && cp <= 0x17f) {
    if (cp == 0x130)
      return 'i';
    if (cp == 0x131 || cp == 0x138 || cp == 0x149 || cp == 0x17f)
      return cp;
    bool oddUpper = (cp >= 0x139 && cp <= 0x148) || (cp >= 0x179);
    if (oddUpper)
      return (cp & 1) ? cp + 1 : cp;
    return (cp & 1) ? cp : cp + 1;
  }
  if (cp >= 0x391 && cp <= 0x3a9 && cp != 0x3a2)
    return cp + 32;
  if (cp == 0x386)
    return 0x3ac;
  if (cp >= 0x388 && cp <= 0x38a)
    return cp + 37;
  if (cp == 0x38c)
    return 0x3cc;
  if (cp == 0x38e || cp == 0x38f)
    return cp + 63;
  if (cp >= 0x410 && cp <= 0x42f)
    return cp + 32;
  if (cp >= 0x400 && cp <= 0x40f)
    return cp + 80;
  return cp;
}

bool seqrt::jinja::isCased(uint32_t cp) {
  return toUpper(cp) != cp || toLower(cp) != cp || cp == 0xdf || cp == 0x138 ||
         cp == 0x149;
}

std::string seqrt::jinja::upper(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (uint32_t cp : decodeUtf8(text)) {
    if (cp == 0xdf)
      out += "SS";
    else
      appendUtf8(out, toUpper(cp));
  }
  return out;
}

std::string seqrt::jinja::lower(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (uint32_t cp : decodeUtf8(text))
    appendUtf8(out, toLower(cp));
  return out;
}
