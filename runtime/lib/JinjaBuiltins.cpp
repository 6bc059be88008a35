//===- JinjaBuiltins.cpp - Filters, tests and methods of the interpreter --===//
//
// This file implements jinja2's builtin filters and tests that chat
// templates use (with transformers' tojson: json.dumps, ensure_ascii off),
// and the Python str, dict and list methods the sandbox lets templates
// call. Filters that return generators in jinja2 (map, select, reverse,
// unique, items, ...) return lists here; they print differently but
// iterate, join and test the same.
//
//===----------------------------------------------------------------------===//

#include "JinjaEval.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

using namespace seqrt::jinja;

namespace {

//===----------------------------------------------------------------------===//
// Argument binding
//===----------------------------------------------------------------------===//

struct Param {
  const char *name;
  Value defaultValue; ///< unused for required parameters
};

/// Binds `args` to `params` (the first `required` must be given) like a
/// Python signature; raises on unknown or duplicate arguments.
std::vector<Value> bind(const std::string &what, CallArgs &args,
                        const std::vector<Param> &params, size_t required,
                        Loc loc) {
  if (args.positional.size() > params.size())
    raise(what + "() takes at most " + std::to_string(params.size()) +
              " argument(s) (" + std::to_string(args.positional.size()) +
              " given)",
          loc);
  std::vector<Value> out(params.size());
  std::vector<bool> given(params.size(), false);
  for (size_t i = 0; i < args.positional.size(); ++i) {
    out[i] = args.positional[i];
    given[i] = true;
  }
  for (const auto &kw : args.keywords) {
    size_t i = 0;
    while (i < params.size() && kw.first != params[i].name)
      ++i;
    if (i == params.size())
      raise(what + "() got an unexpected keyword argument '" + kw.first + "'",
            loc);
    if (given[i])
      raise(what + "() got multiple values for argument '" + kw.first + "'",
            loc);
    out[i] = kw.second;
    given[i] = true;
  }
  for (size_t i = 0; i < params.size(); ++i)
    if (!given[i]) {
      if (i < required)
        raise(what + "() missing required argument '" +
                  std::string(params[i].name) + "'",
              loc);
      out[i] = params[i].defaultValue;
    }
  return out;
}

const std::string &needString(const Value &v, const std::string &what,
                              Loc loc) {
  if (!v.isString())
    raise(what + " must be a string, not '" + v.typeName() + "'", loc);
  return v.getString();
}

int64_t needInt(const Value &v, const std::string &what, Loc loc) {
  if (!v.isInt() && !v.isBool())
    raise(what + " must be an integer, not '" + v.typeName() + "'", loc);
  return v.getInt();
}

void checkLength(size_t bytes, Loc loc) {
  if (bytes > kMaxStringBytes)
    raise("string too long", loc);
}

//===----------------------------------------------------------------------===//
// Python str methods
//===----------------------------------------------------------------------===//

using CodePoints = std::vector<uint32_t>;

std::string pyStrip(const std::string &text, const Value &chars, bool left,
                    bool right, Loc loc) {
  CodePoints cps = decodeUtf8(text);
  CodePoints set;
  bool whitespace = chars.isNone() || chars.isUndefined();
  if (!whitespace)
    set = decodeUtf8(needString(chars, "strip arg", loc));
  auto strip = [&](uint32_t cp) {
    return whitespace ? isPySpace(cp)
                      : std::find(set.begin(), set.end(), cp) != set.end();
  };
  size_t begin = 0, end = cps.size();
  if (left)
    while (begin < end && strip(cps[begin]))
      ++begin;
  if (right)
    while (end > begin && strip(cps[end - 1]))
      --end;
  return encodeUtf8(cps, begin, end);
}

std::vector<Value> pySplit(const std::string &text, const Value &sepV,
                           int64_t maxsplit, bool fromRight, Loc loc) {
  std::vector<std::string> parts;
  if (sepV.isNone() || sepV.isUndefined()) {
    CodePoints cps = decodeUtf8(text);
    if (!fromRight) {
      size_t i = 0, n = cps.size();
      while (true) {
        while (i < n && isPySpace(cps[i]))
          ++i;
        if (i == n)
          break;
        if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) {
          size_t end = n;
          parts.push_back(encodeUtf8(cps, i, end));
          break;
        }
        size_t j = i;
        while (j < n && !isPySpace(cps[j]))
          ++j;
        parts.push_back(encodeUtf8(cps, i, j));
        i = j;
      }
    } else {
      size_t i = cps.size();
      while (true) {
        while (i > 0 && isPySpace(cps[i - 1]))
          --i;
        if (i == 0)
          break;
        if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) {
          parts.push_back(encodeUtf8(cps, 0, i));
          break;
        }
        size_t j = i;
        while (j > 0 && !isPySpace(cps[j - 1]))
          --j;
        parts.push_back(encodeUtf8(cps, j, i));
        i = j;
      }
      std::reverse(parts.begin(), parts.end());
    }
  } else {
    const std::string &sep = needString(sepV, "separator", loc);
    if (sep.empty())
      raise("empty separator", loc);
    if (!fromRight) {
      size_t start = 0;
      while (true) {
        size_t at = text.find(sep, start);
        if (at == std::string::npos ||
            (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit)) {
          parts.push_back(text.substr(start));
          break;
        }
        parts.push_back(text.substr(start, at - start));
        start = at + sep.size();
      }
    } else {
      size_t end = text.size();
      while (true) {
        size_t at = end >= sep.size() ? text.rfind(sep, end - sep.size())
                                      : std::string::npos;
        if (at == std::string::npos ||
            (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit)) {
          parts.push_back(text.substr(0, end));
          break;
        }
        parts.push_back(text.substr(at + sep.size(), end - at - sep.size()));
        end = at;
      }
      std::reverse(parts.begin(), parts.end());
    }
  }
  std::vector<Value> out;
  for (std::string &part : parts)
    out.push_back(Value::string(std::move(part)));
  return out;
}

std::string pyReplace(const std::string &text, const std::string &old,
                      const std::string &replacement, int64_t count, Loc loc) {
  std::string out;
  if (old.empty()) {
    // Python inserts the replacement around every code point.
    CodePoints cps = decodeUtf8(text);
    int64_t done = 0;
    for (size_t i = 0; i <= cps.size(); ++i) {
      if (count < 0 || done < count) {
        out += replacement;
        ++done;
      }
      if (i < cps.size())
        appendUtf8(out, cps[i]);
      checkLength(out.size(), loc);
    }
    return out;
  }
  size_t start = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    size_t at = text.find(old, start);
    if (at == std::string::npos)
      break;
    out.append(text, start, at - start);
    out += replacement;
    checkLength(out.size(), loc);
    start = at + old.size();
    ++done;
  }
  out.append(text, start, std::string::npos);
  checkLength(out.size(), loc);
  return out;
}

std::string pyTitle(const std::string &text) {
  std::string out;
  bool previousCased = false;
  for (uint32_t cp : decodeUtf8(text)) {
    appendUtf8(out, previousCased ? toLower(cp) : toUpper(cp));
    previousCased = isCased(cp);
  }
  return out;
}

std::string pyCapitalize(const std::string &text) {
  CodePoints cps = decodeUtf8(text);
  std::string out;
  for (size_t i = 0; i < cps.size(); ++i)
    appendUtf8(out, i == 0 ? toUpper(cps[i]) : toLower(cps[i]));
  return out;
}

bool isLineBreak(uint32_t cp) {
  return cp == '\n' || cp == '\r' || cp == 0x0b || cp == 0x0c ||
         (cp >= 0x1c && cp <= 0x1e) || cp == 0x85 || cp == 0x2028 ||
         cp == 0x2029;
}

std::vector<std::string> pySplitlines(const std::string &text, bool keepends) {
  CodePoints cps = decodeUtf8(text);
  std::vector<std::string> lines;
  size_t i = 0, start = 0;
  while (i < cps.size()) {
    if (!isLineBreak(cps[i])) {
      ++i;
      continue;
    }
    size_t eol = i;
    ++i;
    if (cps[eol] == '\r' && i < cps.size() && cps[i] == '\n')
      ++i;
    lines.push_back(encodeUtf8(cps, start, keepends ? i : eol));
    start = i;
  }
  if (start < cps.size())
    lines.push_back(encodeUtf8(cps, start, cps.size()));
  return lines;
}

bool prefixMatch(const std::string &text, const Value &prefix, bool suffix,
                 Loc loc) {
  auto one = [&](const Value &p) {
    const std::string &s = needString(p, "startswith/endswith arg", loc);
    if (s.size() > text.size())
      return false;
    return suffix ? text.compare(text.size() - s.size(), s.size(), s) == 0
                  : text.compare(0, s.size(), s) == 0;
  };
  if (prefix.kind() == Value::Kind::Tuple) {
    for (const Value &p : prefix.getElements())
      if (one(p))
        return true;
    return false;
  }
  return one(prefix);
}

/// Python str.format with automatic or explicit field numbers, keyword
/// fields and !s/!r conversions (no format specs).
std::string pyFormat(const std::string &fmt, CallArgs &args, Loc loc) {
  std::string out;
  size_t autoIndex = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    char c = fmt[i];
    if (c == '}') {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}') {
        out += '}';
        ++i;
        continue;
      }
      raise("Single '}' encountered in format string", loc);
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    size_t close = fmt.find('}', i);
    if (close == std::string::npos)
      raise("Single '{' encountered in format string", loc);
    std::string field = fmt.substr(i + 1, close - i - 1);
    i = close;
    char conversion = 's';
    size_t bang = field.find('!');
    if (field.find(':') != std::string::npos)
      raise("format specs in str.format are not supported", loc);
    if (bang != std::string::npos) {
      if (bang + 2 != field.size() ||
          (field[bang + 1] != 's' && field[bang + 1] != 'r'))
        raise("unsupported conversion in format string", loc);
      conversion = field[bang + 1];
      field.resize(bang);
    }
    const Value *value = nullptr;
    if (field.empty()) {
      if (autoIndex >= args.positional.size())
        raise("Replacement index " + std::to_string(autoIndex) +
                  " out of range for positional args tuple",
              loc);
      value = &args.positional[autoIndex++];
    } else if (std::all_of(field.begin(), field.end(),
                           [](char d) { return d >= '0' && d <= '9'; })) {
      size_t index = std::strtoul(field.c_str(), nullptr, 10);
      if (index >= args.positional.size())
        raise("Replacement index " + field +
                  " out of range for positional args tuple",
              loc);
      value = &args.positional[index];
    } else {
      for (const auto &kw : args.keywords)
        if (kw.first == field)
          value = &kw.second;
      if (!value)
        raise("'" + field + "'", loc);
    }
    out += conversion == 'r' ? repr(*value) : toString(*value);
    checkLength(out.size(), loc);
  }
  return out;
}

bool allCodePoints(const std::string &text, bool (*pred)(uint32_t)) {
  CodePoints cps = decodeUtf8(text);
  return !cps.empty() && std::all_of(cps.begin(), cps.end(), pred);
}

bool isDigitCp(uint32_t cp) { return cp >= '0' && cp <= '9'; }
bool isAlphaCp(uint32_t cp) {
  return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
         (cp >= 0x80 && isCased(cp));
}
bool isAlnumCp(uint32_t cp) { return isDigitCp(cp) || isAlphaCp(cp); }

/// Python str.islower()/isupper(): some cased character, none of the other
/// case.
bool caseIs(const std::string &text, bool wantLower) {
  bool cased = false;
  for (uint32_t cp : decodeUtf8(text)) {
    if (!isCased(cp))
      continue;
    bool lowerCp = toUpper(cp) != cp || cp == 0xdf;
    if (lowerCp != wantLower)
      return false;
    cased = true;
  }
  return cased;
}

Value stringMethod(const std::string &self, const std::string &name,
                   CallArgs &args, Loc loc) {
  const std::string what = "str." + name;
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    auto a = bind(what, args, {{"chars", Value::none()}}, 0, loc);
    return Value::string(
        pyStrip(self, a[0], name != "rstrip", name != "lstrip", loc));
  }
  if (name == "split" || name == "rsplit") {
    auto a = bind(what, args,
                  {{"sep", Value::none()}, {"maxsplit", Value::integer(-1)}}, 0,
                  loc);
    return Value::list(pySplit(self, a[0], needInt(a[1], "maxsplit", loc),
                               name == "rsplit", loc));
  }
  if (name == "splitlines") {
    auto a = bind(what, args, {{"keepends", Value::boolean(false)}}, 0, loc);
    std::vector<Value> out;
    for (std::string &line : pySplitlines(self, a[0].truthy()))
      out.push_back(Value::string(std::move(line)));
    return Value::list(std::move(out));
  }
  if (name == "startswith" || name == "endswith") {
    auto a = bind(what, args, {{"prefix", Value()}}, 1, loc);
    return Value::boolean(prefixMatch(self, a[0], name == "endswith", loc));
  }
  if (name == "upper" || name == "lower" || name == "title" ||
      name == "capitalize" || name == "isdigit" || name == "isalpha" ||
      name == "isalnum" || name == "isspace" || name == "isupper" ||
      name == "islower") {
    bind(what, args, {}, 0, loc);
    if (name == "upper")
      return Value::string(upper(self));
    if (name == "lower")
      return Value::string(lower(self));
    if (name == "title")
      return Value::string(pyTitle(self));
    if (name == "capitalize")
      return Value::string(pyCapitalize(self));
    if (name == "isdigit")
      return Value::boolean(allCodePoints(self, isDigitCp));
    if (name == "isalpha")
      return Value::boolean(allCodePoints(self, isAlphaCp));
    if (name == "isalnum")
      return Value::boolean(allCodePoints(self, isAlnumCp));
    if (name == "isspace")
      return Value::boolean(allCodePoints(self, isPySpace));
    return Value::boolean(caseIs(self, name == "islower"));
  }
  if (name == "replace") {
    auto a = bind(
        what, args,
        {{"old", Value()}, {"new", Value()}, {"count", Value::integer(-1)}}, 2,
        loc);
    return Value::string(pyReplace(self, needString(a[0], "old", loc),
                                   needString(a[1], "new", loc),
                                   needInt(a[2], "count", loc), loc));
  }
  if (name == "find" || name == "rfind" || name == "index" ||
      name == "rindex" || name == "count") {
    auto a = bind(what, args, {{"sub", Value()}}, 1, loc);
    const std::string &sub = needString(a[0], "substring", loc);
    if (name == "count") {
      if (sub.empty())
        return Value::integer(static_cast<int64_t>(utf8Length(self)) + 1);
      int64_t n = 0;
      for (size_t at = self.find(sub); at != std::string::npos;
           at = self.find(sub, at + sub.size()))
        ++n;
      return Value::integer(n);
    }
    size_t at =
        (name == "find" || name == "index") ? self.find(sub) : self.rfind(sub);
    if (at == std::string::npos) {
      if (name == "index" || name == "rindex")
        raise("substring not found", loc);
      return Value::integer(-1);
    }
    return Value::integer(static_cast<int64_t>(utf8Length(self.substr(0, at))));
  }
  if (name == "join") {
    auto a = bind(what, args, {{"iterable", Value()}}, 1, loc);
    std::string out;
    bool first = true;
    for (const Value &item : iterate(a[0], loc)) {
      if (!item.isString())
        raise("sequence item: expected str instance, " + item.typeName() +
                  " found",
              loc);
      if (!first)
        out += self;
      out += item.getString();
      checkLength(out.size(), loc);
      first = false;
    }
    return Value::string(std::move(out));
  }
  if (name == "removeprefix" || name == "removesuffix") {
    auto a = bind(what, args, {{"affix", Value()}}, 1, loc);
    const std::string &affix = needString(a[0], "affix", loc);
    if (name == "removeprefix")
      return Value::string(self.compare(0, affix.size(), affix) == 0
                               ? self.substr(affix.size())
                               : self);
    bool has =
        affix.size() <= self.size() &&
        self.compare(self.size() - affix.size(), affix.size(), affix) == 0;
    return Value::string(has && !affix.empty()
                             ? self.substr(0, self.size() - affix.size())
                             : self);
  }
  if (name == "format")
    return Value::string(pyFormat(self, args, loc));
  raise("'str object' has no attribute '" + name + "'", loc);
}

const char *const kStringMethods[] = {
    "strip",        "lstrip",       "rstrip",   "split",   "rsplit",
    "splitlines",   "startswith",   "endswith", "upper",   "lower",
    "title",        "capitalize",   "isdigit",  "isalpha", "isalnum",
    "isspace",      "isupper",      "islower",  "replace", "find",
    "rfind",        "index",        "rindex",   "count",   "join",
    "removeprefix", "removesuffix", "format"};

template <size_t N>
bool inList(const char *const (&names)[N], std::string_view name) {
  for (const char *n : names)
    if (name == n)
      return true;
  return false;
}

//===----------------------------------------------------------------------===//
// Filter helpers
//===----------------------------------------------------------------------===//

/// jinja2's make_attrgetter: "a.b.0" looks up each part with getitem.
Value attrLookup(const Value &item, const Value &attribute, Loc loc) {
  if (attribute.isInt())
    return getItem(item, attribute, loc);
  std::string path = toString(attribute);
  Value current = item;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string part = path.substr(
        start, dot == std::string::npos ? std::string::npos : dot - start);
    bool digits = !part.empty() &&
                  std::all_of(part.begin(), part.end(),
                              [](char c) { return c >= '0' && c <= '9'; });
    Value key = digits ? Value::integer(std::strtoll(part.c_str(), nullptr, 10))
                       : Value::string(part);
    current = getItem(current, key, loc);
    if (dot == std::string::npos)
      return current;
    start = dot + 1;
  }
}

Value ignoreCase(const Value &v, bool caseSensitive) {
  if (!caseSensitive && v.isString())
    return Value::string(lower(v.getString()));
  return v;
}

std::vector<Value> sortedValues(std::vector<Value> items, bool reverse,
                                bool caseSensitive, const Value &attribute,
                                Loc loc) {
  std::vector<std::pair<Value, Value>> keyed;
  for (Value &item : items) {
    Value key = attribute.isNone() ? item : attrLookup(item, attribute, loc);
    keyed.emplace_back(ignoreCase(key, caseSensitive), std::move(item));
  }
  std::stable_sort(keyed.begin(), keyed.end(),
                   [&](const auto &a, const auto &b) {
                     return reverse ? compare(b.first, a.first, "lt", loc)
                                    : compare(a.first, b.first, "lt", loc);
                   });
  std::vector<Value> out;
  for (auto &entry : keyed)
    out.push_back(std::move(entry.second));
  return out;
}

Value pyRound(const Value &value, int64_t precision, const std::string &method,
              Loc loc) {
  if (method != "common" && method != "ceil" && method != "floor")
    raise("method must be common, ceil or floor", loc);
  if (!value.isNumber())
    raise("type " + value.typeName() + " doesn't define __round__ method", loc);
  if (method == "common") {
    if (value.kind() != Value::Kind::Float) {
      if (precision >= 0)
        return Value::integer(value.getInt());
      double scale = std::pow(10.0, static_cast<double>(-precision));
      return Value::integer(static_cast<int64_t>(
          std::nearbyint(static_cast<double>(value.getInt()) / scale) * scale));
    }
    double x = value.getNumber();
    if (!std::isfinite(x))
      return value;
    if (precision == 0)
      return Value::floating(std::nearbyint(x));
    if (precision > 0) {
      if (precision > 300)
        return value;
      // Correctly rounded decimal digits, as Python's round() uses.
      char buf[512];
      std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(precision), x);
      return Value::floating(std::strtod(buf, nullptr));
    }
    double scale = std::pow(10.0, static_cast<double>(-precision));
    return Value::floating(std::nearbyint(x / scale) * scale);
  }
  double scale = std::pow(10.0, static_cast<double>(precision));
  double x = value.getNumber() * scale;
  x = method == "ceil" ? std::ceil(x) : std::floor(x);
  return Value::floating(x / scale);
}

/// Python int(str): optional sign, digits with single underscores,
/// surrounding whitespace.
bool parsePyInt(const std::string &text, int64_t base, int64_t &out) {
  std::string t = pyStrip(text, Value::none(), true, true, {});
  size_t i = 0;
  bool negative = false;
  if (i < t.size() && (t[i] == '+' || t[i] == '-'))
    negative = t[i++] == '-';
  if (base == 16 && t.compare(i, 2, "0x") == 0)
    i += 2;
  std::string digits;
  bool lastUnderscore = true;
  for (; i < t.size(); ++i) {
    if (t[i] == '_' && !lastUnderscore) {
      lastUnderscore = true;
      continue;
    }
    digits += t[i];
    lastUnderscore = false;
  }
  if (digits.empty() || lastUnderscore)
    return false;
  errno = 0;
  char *end = nullptr;
  long long v = std::strtoll(digits.c_str(), &end, static_cast<int>(base));
  if (errno || *end || digits[0] == '-' || digits[0] == '+')
    return false;
  out = negative ? -v : v;
  return true;
}

bool parsePyFloat(const std::string &text, double &out) {
  std::string t = pyStrip(text, Value::none(), true, true, {});
  std::string cleaned;
  for (char c : t)
    if (c != '_')
      cleaned += c;
  if (cleaned.empty() || cleaned.find_first_of("xXpP") != std::string::npos)
    return false;
  char *end = nullptr;
  out = std::strtod(cleaned.c_str(), &end);
  return *end == '\0';
}

std::string htmlEscape(const std::string &text) {
  std::string out;
  for (char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&#34;";
      break;
    case '\'':
      out += "&#39;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

int64_t pyLen(const Value &v, Loc loc) {
  switch (v.kind()) {
  case Value::Kind::Undefined:
    return 0;
  case Value::Kind::String:
    return static_cast<int64_t>(utf8Length(v.getString()));
  case Value::Kind::List:
  case Value::Kind::Tuple:
    return static_cast<int64_t>(v.getElements().size());
  case Value::Kind::Dict:
    return static_cast<int64_t>(v.getItems().size());
  default:
    raise("object of type '" + v.typeName() + "' has no len()", loc);
  }
}

const char *const kFilters[] = {
    "abs",         "attr",     "capitalize", "center",     "count",   "d",
    "default",     "dictsort", "e",          "escape",     "first",   "float",
    "forceescape", "format",   "indent",     "int",        "items",   "join",
    "last",        "length",   "list",       "lower",      "map",     "max",
    "min",         "pprint",   "reject",     "rejectattr", "replace", "reverse",
    "round",       "safe",     "select",     "selectattr", "sort",    "string",
    "sum",         "title",    "tojson",     "trim",       "unique",  "upper",
    "wordcount"};

const char *const kUnsupportedFilters[] = {
    "batch",    "filesizeformat", "groupby", "random",   "slice",  "striptags",
    "truncate", "urlencode",      "urlize",  "wordwrap", "xmlattr"};

const char *const kTests[] = {
    "boolean",  "callable",  "defined", "divisibleby", "eq",     "equalto",
    "==",       "escaped",   "even",    "false",       "filter", "float",
    "ge",       ">=",        "gt",      "greaterthan", ">",      "in",
    "integer",  "iterable",  "le",      "<=",          "lower",  "lt",
    "lessthan", "<",         "mapping", "ne",          "!=",     "none",
    "number",   "odd",       "sameas",  "sequence",    "string", "test",
    "true",     "undefined", "upper"};

/// Python %-formatting for the `format` filter: %s %r %d %i %f %%.
std::string percentFormat(const std::string &fmt,
                          const std::vector<Value> &args, Loc loc,
                          bool allowUnused = false) {
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out += fmt[i];
      continue;
    }
    if (i + 1 >= fmt.size())
      raise("incomplete format", loc);
    char spec = fmt[++i];
    if (spec == '%') {
      out += '%';
      continue;
    }
    if (next >= args.size())
      raise("not enough arguments for format string", loc);
    const Value &v = args[next++];
    switch (spec) {
    case 's':
      out += toString(v);
      break;
    case 'r':
      out += repr(v);
      break;
    case 'd':
    case 'i':
      if (!v.isNumber())
        raise("%" + std::string(1, spec) +
                  " format: a real number is "
                  "required, not " +
                  v.typeName(),
              loc);
      out += std::to_string(v.kind() == Value::Kind::Float
                                ? static_cast<int64_t>(v.getNumber())
                                : v.getInt());
      break;
    case 'f': {
      if (!v.isNumber())
        raise("must be real number, not " + v.typeName(), loc);
      char buf[512];
      std::snprintf(buf, sizeof buf, "%f", v.getNumber());
      out += buf;
      break;
    }
    default:
      raise("unsupported format character '" + std::string(1, spec) + "'", loc);
    }
    checkLength(out.size(), loc);
  }
  if (next < args.size() && !allowUnused)
    raise("not all arguments converted during string formatting", loc);
  return out;
}

} // namespace

Value seqrt::jinja::formatPercent(const Value &fmt, const Value &args,
                                  Loc loc) {
  std::vector<Value> list;
  bool mappingLike = false;
  if (args.kind() == Value::Kind::Tuple) {
    list = args.getElements();
  } else {
    list.push_back(args);
    // Python skips the "not all arguments converted" check for a single
    // argument with __getitem__ (lists, dicts).
    mappingLike = args.kind() == Value::Kind::List || args.isDict();
  }
  return Value::string(percentFormat(fmt.getString(), list, loc, mappingLike));
}

bool seqrt::jinja::isKnownFilter(std::string_view name) {
  return inList(kFilters, name);
}

bool seqrt::jinja::isUnsupportedFilter(std::string_view name) {
  return inList(kUnsupportedFilters, name);
}

bool seqrt::jinja::isKnownTest(std::string_view name) {
  return inList(kTests, name);
}

Value seqrt::jinja::boundMethod(const Value &obj, const std::string &name) {
  using K = Value::Kind;
  if (obj.isString()) {
    if (!inList(kStringMethods, name))
      return Value();
    return Value::function(
        "str." + name, [obj, name](Evaluator &, CallArgs &args, Loc loc) {
          return stringMethod(obj.getString(), name, args, loc);
        });
  }
  if (obj.isDict()) {
    if (name == "items" || name == "keys" || name == "values")
      return Value::function(
          "dict." + name, [obj, name](Evaluator &, CallArgs &args, Loc loc) {
            bind("dict." + name, args, {}, 0, loc);
            std::vector<Value> out;
            for (const auto &item : obj.getItems())
              out.push_back(name == "items"
                                ? Value::tuple({item.first, item.second})
                            : name == "keys" ? item.first
                                             : item.second);
            return Value::list(std::move(out));
          });
    if (name == "get")
      return Value::function("dict.get", [obj](Evaluator &, CallArgs &args,
                                               Loc loc) {
        auto a = bind("dict.get", args,
                      {{"key", Value()}, {"default", Value::none()}}, 1, loc);
        if (a[0].kind() == K::List || a[0].isDict())
          raise("unhashable type: '" + a[0].typeName() + "'", loc);
        const Value *found = obj.findItem(a[0]);
        return found ? *found : a[1];
      });
    if (name == "copy")
      return Value::function("dict.copy",
                             [obj](Evaluator &, CallArgs &args, Loc loc) {
                               bind("dict.copy", args, {}, 0, loc);
                               return obj;
                             });
    return Value();
  }
  if (obj.isSequence()) {
    if (name == "index" || name == "count")
      return Value::function(
          name, [obj, name](Evaluator &, CallArgs &args, Loc loc) {
            auto a = bind(name, args, {{"value", Value()}}, 1, loc);
            const auto &elements = obj.getElements();
            int64_t n = 0;
            for (size_t i = 0; i < elements.size(); ++i)
              if (equals(elements[i], a[0])) {
                if (name == "index")
                  return Value::integer(static_cast<int64_t>(i));
                ++n;
              }
            if (name == "index")
              raise(repr(a[0]) + " is not in list", loc);
            return Value::integer(n);
          });
    if (name == "copy" && obj.kind() == K::List)
      return Value::function("list.copy",
                             [obj](Evaluator &, CallArgs &args, Loc loc) {
                               bind("list.copy", args, {}, 0, loc);
                               return obj;
                             });
  }
  return Value();
}

Value seqrt::jinja::applyFilter(Evaluator &ev, const std::string &name,
                                const Value &input, CallArgs &args, Loc loc) {
  using K = Value::Kind;
  const std::string what = name;
  if (name == "tojson") {
    auto a = bind(what, args,
                  {{"ensure_ascii", Value::boolean(false)},
                   {"indent", Value::none()},
                   {"separators", Value::none()},
                   {"sort_keys", Value::boolean(false)}},
                  0, loc);
    JsonOptions options;
    options.ensureAscii = a[0].truthy();
    options.sortKeys = a[3].truthy();
    if (!a[1].isNone()) {
      options.hasIndent = true;
      if (a[1].isString())
        options.indent = a[1].getString();
      else
        options.indent =
            std::string(static_cast<size_t>(std::clamp<int64_t>(
                            needInt(a[1], "indent", loc), 0, 1024)),
                        ' ');
      options.itemSeparator = ",";
    }
    if (!a[2].isNone()) {
      std::vector<Value> seps = iterate(a[2], loc);
      if (seps.size() != 2)
        raise("separators must be an (item_separator, key_separator) pair",
              loc);
      options.itemSeparator = needString(seps[0], "item separator", loc);
      options.keySeparator = needString(seps[1], "key separator", loc);
    }
    return Value::string(toJson(input, options, loc));
  }
  if (name == "trim") {
    auto a = bind(what, args, {{"chars", Value::none()}}, 0, loc);
    return Value::string(pyStrip(toString(input), a[0], true, true, loc));
  }
  if (name == "length" || name == "count") {
    bind(what, args, {}, 0, loc);
    return Value::integer(pyLen(input, loc));
  }
  if (name == "upper" || name == "lower" || name == "capitalize" ||
      name == "string" || name == "safe" || name == "e" || name == "escape" ||
      name == "forceescape" || name == "pprint" || name == "wordcount") {
    bind(what, args, {}, 0, loc);
    std::string text = toString(input);
    if (name == "upper")
      return Value::string(upper(text));
    if (name == "lower")
      return Value::string(lower(text));
    if (name == "capitalize")
      return Value::string(pyCapitalize(text));
    if (name == "string" || name == "safe")
      return input.isString() ? input : Value::string(std::move(text));
    if (name == "pprint")
      return Value::string(repr(input));
    if (name == "wordcount") {
      int64_t words = 0;
      bool inWord = false;
      for (uint32_t cp : decodeUtf8(text)) {
        bool word = cp == '_' || isAlnumCp(cp);
        if (word && !inWord)
          ++words;
        inWord = word;
      }
      return Value::integer(words);
    }
    return Value::string(htmlEscape(text));
  }
  if (name == "title") {
    bind(what, args, {}, 0, loc);
    // jinja2's do_title: split before runs of [-\s({\[<].
    CodePoints cps = decodeUtf8(toString(input));
    auto isBoundary = [](uint32_t cp) {
      return cp == '-' || cp == '(' || cp == '{' || cp == '[' || cp == '<' ||
             isPySpace(cp);
    };
    std::string out;
    bool atStart = true;
    for (uint32_t cp : cps) {
      if (isBoundary(cp)) {
        appendUtf8(out, cp);
        atStart = true;
        continue;
      }
      appendUtf8(out, atStart ? toUpper(cp) : toLower(cp));
      atStart = false;
    }
    return Value::string(std::move(out));
  }
  if (name == "default" || name == "d") {
    auto a = bind(what, args,
                  {{"default_value", Value::string("")},
                   {"boolean", Value::boolean(false)}},
                  0, loc);
    if (input.isUndefined() || (a[1].truthy() && !input.truthy()))
      return a[0];
    return input;
  }
  if (name == "first" || name == "last") {
    bind(what, args, {}, 0, loc);
    std::vector<Value> items = iterate(input, loc);
    if (items.empty())
      return Value::undefined(std::string("No ") + name +
                              " item, sequence was empty.");
    return name == "first" ? items.front() : items.back();
  }
  if (name == "join") {
    auto a =
        bind(what, args,
             {{"d", Value::string("")}, {"attribute", Value::none()}}, 0, loc);
    std::string sep = toString(a[0]);
    std::string out;
    bool first = true;
    for (const Value &item : iterate(input, loc)) {
      if (!first)
        out += sep;
      out += toString(a[1].isNone() ? item : attrLookup(item, a[1], loc));
      checkLength(out.size(), loc);
      first = false;
    }
    return Value::string(std::move(out));
  }
  if (name == "items") {
    bind(what, args, {}, 0, loc);
    if (input.isUndefined())
      return Value::list({});
    if (!input.isDict())
      raise("Can only get item pairs from a mapping.", loc);
    std::vector<Value> out;
    for (const auto &item : input.getItems())
      out.push_back(Value::tuple({item.first, item.second}));
    return Value::list(std::move(out));
  }
  if (name == "replace") {
    auto a = bind(
        what, args,
        {{"old", Value()}, {"new", Value()}, {"count", Value::none()}}, 2, loc);
    int64_t count = a[2].isNone() ? -1 : needInt(a[2], "count", loc);
    return Value::string(
        pyReplace(toString(input), toString(a[0]), toString(a[1]), count, loc));
  }
  if (name == "round") {
    auto a = bind(
        what, args,
        {{"precision", Value::integer(0)}, {"method", Value::string("common")}},
        0, loc);
    return pyRound(input, needInt(a[0], "precision", loc), toString(a[1]), loc);
  }
  if (name == "int") {
    auto a = bind(
        what, args,
        {{"default", Value::integer(0)}, {"base", Value::integer(10)}}, 0, loc);
    int64_t base = needInt(a[1], "base", loc);
    // jinja2's Undefined fails on int() and float().
    if (input.isUndefined())
      raise(input.getHint().empty() ? "undefined value" : input.getHint(), loc);
    if (input.isString()) {
      int64_t v;
      if ((base == 0 || (base >= 2 && base <= 36)) &&
          parsePyInt(input.getString(), base == 0 ? 10 : base, v))
        return Value::integer(v);
      double d;
      if (parsePyFloat(input.getString(), d) && std::isfinite(d) &&
          std::fabs(d) < 9.2e18)
        return Value::integer(static_cast<int64_t>(d));
      return a[0];
    }
    if (input.isInt() || input.isBool())
      return Value::integer(input.getInt());
    if (input.kind() == K::Float) {
      double d = input.getNumber();
      if (!std::isfinite(d) || std::fabs(d) >= 9.2e18)
        raise("cannot convert float to integer", loc);
      return Value::integer(static_cast<int64_t>(d));
    }
    return a[0];
  }
  if (name == "float") {
    auto a = bind(what, args, {{"default", Value::floating(0.0)}}, 0, loc);
    if (input.isUndefined())
      raise(input.getHint().empty() ? "undefined value" : input.getHint(), loc);
    if (input.isNumber())
      return Value::floating(input.getNumber());
    double d;
    if (input.isString() && parsePyFloat(input.getString(), d))
      return Value::floating(d);
    return a[0];
  }
  if (name == "abs") {
    bind(what, args, {}, 0, loc);
    if (input.kind() == K::Float)
      return Value::floating(std::fabs(input.getNumber()));
    if (input.isInt() || input.isBool()) {
      if (input.getInt() == INT64_MIN)
        raise("integer overflow", loc);
      return Value::integer(std::llabs(input.getInt()));
    }
    raise("bad operand type for abs(): '" + input.typeName() + "'", loc);
  }
  if (name == "list") {
    bind(what, args, {}, 0, loc);
    return Value::list(iterate(input, loc));
  }
  if (name == "reverse") {
    bind(what, args, {}, 0, loc);
    if (input.isString()) {
      CodePoints cps = decodeUtf8(input.getString());
      std::reverse(cps.begin(), cps.end());
      return Value::string(encodeUtf8(cps, 0, cps.size()));
    }
    std::vector<Value> items = iterate(input, loc);
    std::reverse(items.begin(), items.end());
    return Value::list(std::move(items));
  }
  if (name == "sort") {
    auto a = bind(what, args,
                  {{"reverse", Value::boolean(false)},
                   {"case_sensitive", Value::boolean(false)},
                   {"attribute", Value::none()}},
                  0, loc);
    return Value::list(sortedValues(iterate(input, loc), a[0].truthy(),
                                    a[1].truthy(), a[2], loc));
  }
  if (name == "dictsort") {
    auto a = bind(what, args,
                  {{"case_sensitive", Value::boolean(false)},
                   {"by", Value::string("key")},
                   {"reverse", Value::boolean(false)}},
                  0, loc);
    if (!input.isDict())
      raise("dictsort: expected a mapping", loc);
    std::string by = toString(a[1]);
    if (by != "key" && by != "value")
      raise("You can only sort by either \"key\" or \"value\"", loc);
    std::vector<Value> pairs;
    for (const auto &item : input.getItems())
      pairs.push_back(Value::tuple({item.first, item.second}));
    return Value::list(sortedValues(std::move(pairs), a[2].truthy(),
                                    a[0].truthy(),
                                    Value::integer(by == "key" ? 0 : 1), loc));
  }
  if (name == "unique") {
    auto a = bind(what, args,
                  {{"case_sensitive", Value::boolean(false)},
                   {"attribute", Value::none()}},
                  0, loc);
    std::vector<Value> seen, out;
    for (const Value &item : iterate(input, loc)) {
      Value key = ignoreCase(a[1].isNone() ? item : attrLookup(item, a[1], loc),
                             a[0].truthy());
      if (std::none_of(seen.begin(), seen.end(),
                       [&](const Value &s) { return equals(s, key); })) {
        seen.push_back(key);
        out.push_back(item);
      }
    }
    return Value::list(std::move(out));
  }
  if (name == "min" || name == "max") {
    auto a = bind(what, args,
                  {{"case_sensitive", Value::boolean(false)},
                   {"attribute", Value::none()}},
                  0, loc);
    std::vector<Value> items = iterate(input, loc);
    if (items.empty())
      return Value::undefined("No aggregated item, sequence was empty.");
    size_t best = 0;
    Value bestKey;
    for (size_t i = 0; i < items.size(); ++i) {
      Value key =
          ignoreCase(a[1].isNone() ? items[i] : attrLookup(items[i], a[1], loc),
                     a[0].truthy());
      if (i == 0 || (name == "min" ? compare(key, bestKey, "lt", loc)
                                   : compare(key, bestKey, "gt", loc))) {
        best = i;
        bestKey = key;
      }
    }
    return items[best];
  }
  if (name == "sum") {
    auto a = bind(what, args,
                  {{"attribute", Value::none()}, {"start", Value::integer(0)}},
                  0, loc);
    Value total = a[1];
    for (const Value &item : iterate(input, loc))
      total = binaryOp("+", total,
                       a[0].isNone() ? item : attrLookup(item, a[0], loc), loc);
    return total;
  }
  if (name == "center") {
    auto a = bind(what, args, {{"width", Value::integer(80)}}, 0, loc);
    std::string text = toString(input);
    int64_t width = needInt(a[0], "width", loc);
    int64_t len = static_cast<int64_t>(utf8Length(text));
    if (width <= len)
      return Value::string(text);
    if (width > static_cast<int64_t>(kMaxStringBytes))
      raise("string too long", loc);
    int64_t margin = width - len;
    int64_t left = margin / 2 + (margin & width & 1);
    return Value::string(std::string(static_cast<size_t>(left), ' ') + text +
                         std::string(static_cast<size_t>(margin - left), ' '));
  }
  if (name == "indent") {
    auto a = bind(what, args,
                  {{"width", Value::integer(4)},
                   {"first", Value::boolean(false)},
                   {"blank", Value::boolean(false)}},
                  0, loc);
    std::string indention =
        a[0].isString()
            ? a[0].getString()
            : std::string(static_cast<size_t>(std::clamp<int64_t>(
                              needInt(a[0], "width", loc), 0, 1024)),
                          ' ');
    // do_indent appends "\n" to its input: only strings work.
    if (input.isUndefined())
      raise(input.getHint().empty() ? "undefined value" : input.getHint(), loc);
    if (!input.isString())
      raise("unsupported operand type(s) for +=: '" + input.typeName() +
                "' and 'str'",
            loc);
    std::vector<std::string> lines =
        pySplitlines(input.getString() + "\n", false);
    std::string out;
    if (a[2].truthy()) {
      for (size_t i = 0; i < lines.size(); ++i)
        out += (i ? "\n" + indention : "") + lines[i];
    } else {
      out = lines.empty() ? "" : lines[0];
      for (size_t i = 1; i < lines.size(); ++i) {
        out += "\n";
        if (!lines[i].empty())
          out += indention;
        out += lines[i];
        checkLength(out.size(), loc);
      }
    }
    if (a[1].truthy())
      out = indention + out;
    checkLength(out.size(), loc);
    return Value::string(std::move(out));
  }
  if (name == "attr") {
    auto a = bind(what, args, {{"name", Value()}}, 1, loc);
    std::string attr = toString(a[0]);
    if (input.isDict()) {
      Value method = boundMethod(input, attr);
      return method.isUndefined()
                 ? Value::undefined("'dict object' has no attribute '" + attr +
                                    "'")
                 : method;
    }
    return getAttr(input, attr, loc);
  }
  if (name == "format") {
    if (!args.keywords.empty())
      raise("format() with keyword arguments is not supported", loc);
    return Value::string(percentFormat(toString(input), args.positional, loc));
  }
  if (name == "map") {
    // do_map and select_or_reject yield nothing for a falsy input.
    std::vector<Value> items;
    if (input.truthy())
      items = iterate(input, loc);
    std::vector<Value> out;
    bool byAttribute = false;
    Value attribute, defaultValue;
    for (const auto &kw : args.keywords) {
      if (kw.first == "attribute") {
        byAttribute = true;
        attribute = kw.second;
      } else if (kw.first == "default") {
        defaultValue = kw.second;
      } else if (args.positional.empty()) {
        raise("map() got an unexpected keyword argument '" + kw.first + "'",
              loc);
      }
    }
    if (byAttribute) {
      if (!args.positional.empty())
        raise("map() attribute lookup takes no positional arguments", loc);
      for (const Value &item : items) {
        Value v = attrLookup(item, attribute, loc);
        out.push_back(
            v.isUndefined() && !defaultValue.isUndefined() ? defaultValue : v);
      }
      return Value::list(std::move(out));
    }
    if (args.positional.empty())
      raise("map requires a filter argument", loc);
    std::string filter = toString(args.positional[0]);
    if (!isKnownFilter(filter))
      raise("No filter named '" + filter + "'.", loc);
    for (const Value &item : items) {
      CallArgs rest;
      rest.positional.assign(args.positional.begin() + 1,
                             args.positional.end());
      rest.keywords = args.keywords;
      out.push_back(applyFilter(ev, filter, item, rest, loc));
    }
    return Value::list(std::move(out));
  }
  if (name == "select" || name == "reject" || name == "selectattr" ||
      name == "rejectattr") {
    bool byAttr = name == "selectattr" || name == "rejectattr";
    bool keepWhen = name == "select" || name == "selectattr";
    size_t next = 0;
    Value attribute;
    if (byAttr) {
      if (args.positional.empty())
        raise(name + " requires an attribute name", loc);
      attribute = args.positional[next++];
    }
    std::string test;
    if (next < args.positional.size())
      test = toString(args.positional[next++]);
    if (!test.empty() && !isKnownTest(test))
      raise("No test named '" + test + "'.", loc);
    std::vector<Value> out;
    std::vector<Value> items;
    if (input.truthy())
      items = iterate(input, loc);
    for (const Value &item : items) {
      Value subject = byAttr ? attrLookup(item, attribute, loc) : item;
      bool result;
      if (test.empty()) {
        result = subject.truthy();
      } else {
        CallArgs rest;
        rest.positional.assign(args.positional.begin() + next,
                               args.positional.end());
        rest.keywords = args.keywords;
        result = applyTest(ev, test, subject, rest, loc);
      }
      if (result == keepWhen)
        out.push_back(item);
    }
    return Value::list(std::move(out));
  }
  raise("No filter named '" + name + "'.", loc);
}

bool seqrt::jinja::applyTest(Evaluator &ev, const std::string &name,
                             const Value &input, CallArgs &args, Loc loc) {
  using K = Value::Kind;
  auto noArgs = [&]() { bind(name, args, {}, 0, loc); };
  auto oneArg = [&]() {
    return bind(name, args, {{"other", Value()}}, 1, loc)[0];
  };
  if (name == "defined") {
    noArgs();
    return !input.isUndefined();
  }
  if (name == "undefined") {
    noArgs();
    return input.isUndefined();
  }
  if (name == "none") {
    noArgs();
    return input.isNone();
  }
  if (name == "boolean" || name == "true" || name == "false") {
    noArgs();
    if (!input.isBool())
      return false;
    return name == "boolean" || input.getBool() == (name == "true");
  }
  if (name == "integer") {
    noArgs();
    return input.isInt();
  }
  if (name == "float") {
    noArgs();
    return input.kind() == K::Float;
  }
  if (name == "number") {
    noArgs();
    return input.isNumber();
  }
  if (name == "string") {
    noArgs();
    return input.isString();
  }
  if (name == "mapping") {
    noArgs();
    return input.isDict();
  }
  if (name == "iterable" || name == "sequence") {
    noArgs();
    return input.isUndefined() || input.isString() || input.isSequence() ||
           input.isDict();
  }
  if (name == "callable") {
    noArgs();
    return input.kind() == K::Function;
  }
  if (name == "escaped") {
    noArgs();
    return false;
  }
  if (name == "sameas")
    return input.sameObject(oneArg());
  if (name == "even" || name == "odd") {
    noArgs();
    Value rem = binaryOp("%", input, Value::integer(2), loc);
    return equals(rem, Value::integer(name == "even" ? 0 : 1));
  }
  if (name == "divisibleby") {
    Value n = oneArg();
    return equals(binaryOp("%", input, n, loc), Value::integer(0));
  }
  if (name == "eq" || name == "equalto" || name == "==")
    return equals(input, oneArg());
  if (name == "ne" || name == "!=")
    return !equals(input, oneArg());
  if (name == "lt" || name == "lessthan" || name == "<")
    return compare(input, oneArg(), "lt", loc);
  if (name == "le" || name == "<=")
    return compare(input, oneArg(), "lteq", loc);
  if (name == "gt" || name == "greaterthan" || name == ">")
    return compare(input, oneArg(), "gt", loc);
  if (name == "ge" || name == ">=")
    return compare(input, oneArg(), "gteq", loc);
  if (name == "in")
    return contains(oneArg(), input, loc);
  if (name == "lower" || name == "upper") {
    noArgs();
    return caseIs(toString(input), name == "lower");
  }
  if (name == "filter" || name == "test") {
    noArgs();
    if (!input.isString())
      return false;
    return name == "filter" ? isKnownFilter(input.getString())
                            : isKnownTest(input.getString());
  }
  (void)ev;
  raise("No test named '" + name + "'.", loc);
}
