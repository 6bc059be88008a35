//===- JinjaEval.cpp - The renderer of the Jinja interpreter --------------===//
//
// This file implements rendering a parsed template: scopes, statements,
// expressions with Python semantics, jinja2's Undefined, attribute and item
// lookup (environment.getattr/getitem), the sandbox's refusal of mutating
// methods, and the globals transformers adds (raise_exception,
// strftime_now). Filters, tests and methods live in JinjaBuiltins.cpp.
//
//===----------------------------------------------------------------------===//

#include "JinjaEval.h"

#include <cmath>
#include <ctime>

using namespace seqrt::jinja;

//===----------------------------------------------------------------------===//
// Python operators
//===----------------------------------------------------------------------===//

namespace {
[[noreturn]] void failUndefined(const Value &value, Loc loc) {
  raise(value.getHint().empty() ? "undefined value" : value.getHint(), loc);
}

void checkOperand(const Value &value, Loc loc) {
  if (value.isUndefined())
    failUndefined(value, loc);
}

int64_t checkedInt(bool overflow, int64_t value, Loc loc) {
  if (overflow)
    raise("integer overflow", loc);
  return value;
}

/// CPython's float_divmod.
void floatDivmod(double vx, double wx, double &floordiv, double &mod) {
  mod = std::fmod(vx, wx);
  double div = (vx - mod) / wx;
  if (mod != 0) {
    if ((wx < 0) != (mod < 0)) {
      mod += wx;
      div -= 1.0;
    }
  } else {
    mod = std::copysign(0.0, wx);
  }
  if (div != 0) {
    floordiv = std::floor(div);
    if (div - floordiv > 0.5)
      floordiv += 1.0;
  } else {
    floordiv = std::copysign(0.0, vx / wx);
  }
}

Value repeat(const Value &seq, int64_t count, Loc loc) {
  if (count <= 0)
    return seq.isString()                     ? Value::string("")
           : seq.kind() == Value::Kind::Tuple ? Value::tuple({})
                                              : Value::list({});
  if (seq.isString()) {
    const std::string &text = seq.getString();
    if (!text.empty() &&
        static_cast<uint64_t>(count) > kMaxStringBytes / text.size())
      raise("string too long", loc);
    std::string out;
    out.reserve(text.size() * static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i)
      out += text;
    return Value::string(std::move(out));
  }
  const auto &elements = seq.getElements();
  if (!elements.empty() &&
      static_cast<uint64_t>(count) > (kMaxStringBytes / 16) / elements.size())
    raise("sequence too long", loc);
  std::vector<Value> out;
  for (int64_t i = 0; i < count; ++i)
    out.insert(out.end(), elements.begin(), elements.end());
  return seq.kind() == Value::Kind::Tuple ? Value::tuple(std::move(out))
                                          : Value::list(std::move(out));
}
} // namespace

Value seqrt::jinja::binaryOp(const std::string &op, const Value &a,
                             const Value &b, Loc loc) {
  using K = Value::Kind;
  if (op == "~") {
    std::string text = toString(a);
    std::string rhs = toString(b);
    if (text.size() + rhs.size() > kMaxStringBytes)
      raise("string too long", loc);
    return Value::string(text + rhs);
  }
  checkOperand(a, loc);
  checkOperand(b, loc);
  bool numbers = a.isNumber() && b.isNumber();
  bool floats = numbers && (a.kind() == K::Float || b.kind() == K::Float);
  auto unsupported = [&]() -> Value {
    raise("unsupported operand type(s) for " + op + ": '" + a.typeName() +
              "' and '" + b.typeName() + "'",
          loc);
  };
  if (op == "+") {
    if (floats)
      return Value::floating(a.getNumber() + b.getNumber());
    if (numbers) {
      int64_t r;
      bool overflow = __builtin_add_overflow(a.getInt(), b.getInt(), &r);
      return Value::integer(checkedInt(overflow, r, loc));
    }
    if (a.isString() && b.isString()) {
      if (a.getString().size() + b.getString().size() > kMaxStringBytes)
        raise("string too long", loc);
      return Value::string(a.getString() + b.getString());
    }
    if (a.isSequence() && a.kind() == b.kind()) {
      std::vector<Value> out = a.getElements();
      out.insert(out.end(), b.getElements().begin(), b.getElements().end());
      return a.kind() == K::Tuple ? Value::tuple(std::move(out))
                                  : Value::list(std::move(out));
    }
    return unsupported();
  }
  if (op == "-") {
    if (floats)
      return Value::floating(a.getNumber() - b.getNumber());
    if (numbers) {
      int64_t r;
      bool overflow = __builtin_sub_overflow(a.getInt(), b.getInt(), &r);
      return Value::integer(checkedInt(overflow, r, loc));
    }
    return unsupported();
  }
  if (op == "*") {
    if (floats)
      return Value::floating(a.getNumber() * b.getNumber());
    if (numbers) {
      int64_t r;
      bool overflow = __builtin_mul_overflow(a.getInt(), b.getInt(), &r);
      return Value::integer(checkedInt(overflow, r, loc));
    }
    if ((a.isString() || a.isSequence()) && (b.isInt() || b.isBool()))
      return repeat(a, b.getInt(), loc);
    if ((b.isString() || b.isSequence()) && (a.isInt() || a.isBool()))
      return repeat(b, a.getInt(), loc);
    return unsupported();
  }
  if (op == "/") {
    if (!numbers)
      return unsupported();
    if (b.getNumber() == 0)
      raise("division by zero", loc);
    return Value::floating(a.getNumber() / b.getNumber());
  }
  if (op == "%" && a.isString())
    return formatPercent(a, b, loc);
  if (op == "//" || op == "%") {
    if (!numbers)
      return unsupported();
    if (floats) {
      if (b.getNumber() == 0)
        raise(op == "%" ? "float modulo" : "float floor division by zero", loc);
      double q, m;
      floatDivmod(a.getNumber(), b.getNumber(), q, m);
      return Value::floating(op == "%" ? m : q);
    }
    int64_t x = a.getInt(), y = b.getInt();
    if (y == 0)
      raise(op == "%" ? "integer modulo by zero"
                      : "integer division or modulo by zero",
            loc);
    if (x == INT64_MIN && y == -1)
      return op == "%" ? Value::integer(0)
                       : (raise("integer overflow", loc), Value());
    int64_t q = x / y, m = x % y;
    if (m != 0 && ((m < 0) != (y < 0))) {
      q -= 1;
      m += y;
    }
    return Value::integer(op == "%" ? m : q);
  }
  if (op == "**") {
    if (!numbers)
      return unsupported();
    if (!floats && b.getInt() >= 0) {
      int64_t base = a.getInt(), exp = b.getInt(), result = 1;
      while (exp > 0) {
        if (exp & 1)
          checkedInt(__builtin_mul_overflow(result, base, &result), 0, loc);
        exp >>= 1;
        if (exp)
          checkedInt(__builtin_mul_overflow(base, base, &base), 0, loc);
      }
      return Value::integer(result);
    }
    double x = a.getNumber(), y = b.getNumber();
    if (x == 0 && y < 0)
      raise("0.0 cannot be raised to a negative power", loc);
    if (x < 0 && y != std::floor(y))
      raise("complex results are not supported", loc);
    return Value::floating(std::pow(x, y));
  }
  return unsupported();
}

bool seqrt::jinja::contains(const Value &container, const Value &item,
                            Loc loc) {
  switch (container.kind()) {
  case Value::Kind::Undefined:
    return false;
  case Value::Kind::String:
    if (!item.isString())
      raise("'in <string>' requires string as left operand, not " +
                item.typeName(),
            loc);
    return container.getString().find(item.getString()) != std::string::npos;
  case Value::Kind::List:
  case Value::Kind::Tuple:
    for (const Value &element : container.getElements())
      if (equals(element, item))
        return true;
    return false;
  case Value::Kind::Dict:
    if (item.kind() == Value::Kind::List || item.isDict())
      raise("unhashable type: '" + item.typeName() + "'", loc);
    return container.findItem(item) != nullptr;
  default:
    raise("argument of type '" + container.typeName() + "' is not iterable",
          loc);
  }
}

std::vector<Value> seqrt::jinja::iterate(const Value &value, Loc loc) {
  switch (value.kind()) {
  case Value::Kind::Undefined:
    return {};
  case Value::Kind::String: {
    std::vector<Value> out;
    for (uint32_t cp : decodeUtf8(value.getString())) {
      std::string ch;
      appendUtf8(ch, cp);
      out.push_back(Value::string(std::move(ch)));
    }
    return out;
  }
  case Value::Kind::List:
  case Value::Kind::Tuple:
    return value.getElements();
  case Value::Kind::Dict: {
    std::vector<Value> out;
    for (const auto &item : value.getItems())
      out.push_back(item.first);
    return out;
  }
  default:
    raise("'" + value.typeName() + "' object is not iterable", loc);
  }
}

namespace {
/// jinja2's object_type_repr for messages.
std::string objectTypeRepr(const Value &value) {
  if (value.isNone())
    return "None";
  return value.typeName() + " object";
}

const char *const kUnsafeListMethods[] = {
    "append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse"};
const char *const kUnsafeDictMethods[] = {"pop", "popitem", "setdefault",
                                          "update", "clear"};

template <size_t N>
bool oneOf(const char *const (&names)[N], std::string_view name) {
  for (const char *n : names)
    if (name == n)
      return true;
  return false;
}
} // namespace

namespace {
/// The attributes of jinja2's LoopContext (non-recursive loops).
Value loopAttr(const std::vector<Value> &items, int64_t i,
               const std::string &name) {
  int64_t length = static_cast<int64_t>(items.size());
  if (name == "index")
    return Value::integer(i + 1);
  if (name == "index0")
    return Value::integer(i);
  if (name == "revindex")
    return Value::integer(length - i);
  if (name == "revindex0")
    return Value::integer(length - i - 1);
  if (name == "first")
    return Value::boolean(i == 0);
  if (name == "last")
    return Value::boolean(i == length - 1);
  if (name == "length")
    return Value::integer(length);
  if (name == "depth")
    return Value::integer(1);
  if (name == "depth0")
    return Value::integer(0);
  if (name == "previtem")
    return i > 0 ? items[static_cast<size_t>(i - 1)]
                 : Value::undefined("there is no previous item");
  if (name == "nextitem")
    return i + 1 < length ? items[static_cast<size_t>(i + 1)]
                          : Value::undefined("there is no next item");
  if (name == "cycle")
    return Value::function(
        "cycle", [i](Evaluator &, CallArgs &args, Loc loc) -> Value {
          if (args.positional.empty())
            raise("no items for cycling given", loc);
          return args
              .positional[static_cast<size_t>(i) % args.positional.size()];
        });
  return Value::undefined("'LoopContext object' has no attribute '" + name +
                          "'");
}
} // namespace

Value seqrt::jinja::getAttr(const Value &obj, const std::string &name,
                            Loc loc) {
  using K = Value::Kind;
  switch (obj.kind()) {
  case K::Undefined:
    failUndefined(obj, loc);
  case K::Namespace:
  case K::Object: {
    int64_t i;
    if (const std::vector<Value> *items = obj.getLoopItems(i))
      return loopAttr(*items, i, name);
    if (const Value *attr = obj.findAttr(name))
      return *attr;
    break;
  }
  case K::Dict:
  case K::List:
  case K::Tuple: {
    if ((obj.kind() == K::List && oneOf(kUnsafeListMethods, name)) ||
        (obj.kind() == K::Dict && oneOf(kUnsafeDictMethods, name)))
      return Value::undefined("access to attribute '" + name + "' of '" +
                              obj.typeName() + "' object is unsafe.");
    Value method = boundMethod(obj, name);
    if (!method.isUndefined())
      return method;
    if (obj.isDict())
      if (const Value *item = obj.findItem(Value::string(name)))
        return *item;
    break;
  }
  case K::String: {
    Value method = boundMethod(obj, name);
    if (!method.isUndefined())
      return method;
    break;
  }
  default:
    break;
  }
  return Value::undefined("'" + objectTypeRepr(obj) + "' has no attribute '" +
                          name + "'");
}

Value seqrt::jinja::getItem(const Value &obj, const Value &key, Loc loc) {
  using K = Value::Kind;
  if (obj.isUndefined())
    failUndefined(obj, loc);
  switch (obj.kind()) {
  case K::Dict:
    if (key.kind() == K::List || key.kind() == K::Dict)
      raise("unhashable type: '" + key.typeName() + "'", loc);
    if (const Value *item = obj.findItem(key))
      return *item;
    break;
  case K::List:
  case K::Tuple:
  case K::String:
    if (key.isInt() || key.isBool()) {
      int64_t index = key.getInt();
      if (obj.isString()) {
        std::vector<uint32_t> cps = decodeUtf8(obj.getString());
        int64_t n = static_cast<int64_t>(cps.size());
        if (index < 0)
          index += n;
        if (index >= 0 && index < n)
          return Value::string(encodeUtf8(cps, index, index + 1));
      } else {
        const auto &elements = obj.getElements();
        int64_t n = static_cast<int64_t>(elements.size());
        if (index < 0)
          index += n;
        if (index >= 0 && index < n)
          return elements[static_cast<size_t>(index)];
      }
      return Value::undefined(objectTypeRepr(obj) + " has no element " +
                              repr(key));
    }
    break;
  default:
    break;
  }
  if (key.isString())
    return getAttr(obj, key.getString(), loc);
  return Value::undefined(objectTypeRepr(obj) + " has no element " + repr(key));
}

namespace {
/// Python slice.indices() for a sequence of `length`.
void sliceIndices(const Value &startV, const Value &stopV, const Value &stepV,
                  int64_t length, int64_t &start, int64_t &stop, int64_t &step,
                  Loc loc) {
  auto asIndex = [&](const Value &v) -> int64_t {
    if (v.isInt() || v.isBool())
      return v.getInt();
    raise("slice indices must be integers or None", loc);
  };
  step = stepV.isNone() || stepV.isUndefined() ? 1 : asIndex(stepV);
  if (step == 0)
    raise("slice step cannot be zero", loc);
  if (step == INT64_MIN)
    step = -INT64_MAX;
  int64_t lower = step < 0 ? -1 : 0;
  int64_t upper = step < 0 ? length - 1 : length;
  auto clamp = [&](const Value &v, int64_t fallback) {
    if (v.isNone() || v.isUndefined())
      return fallback;
    int64_t i = asIndex(v);
    if (i < 0) {
      i = i < -length ? lower : i + length;
      return i < lower ? lower : i;
    }
    return i > upper ? upper : i;
  };
  start = clamp(startV, step < 0 ? upper : lower);
  stop = clamp(stopV, step < 0 ? lower : upper);
}
} // namespace

Value seqrt::jinja::slice(const Value &obj, const Value &start,
                          const Value &stop, const Value &step, Loc loc) {
  if (obj.isUndefined())
    failUndefined(obj, loc);
  if (!obj.isString() && !obj.isSequence())
    raise("'" + obj.typeName() + "' object is not subscriptable", loc);
  std::vector<uint32_t> cps;
  int64_t length;
  if (obj.isString()) {
    cps = decodeUtf8(obj.getString());
    length = static_cast<int64_t>(cps.size());
  } else {
    length = static_cast<int64_t>(obj.getElements().size());
  }
  int64_t begin, end, stride;
  sliceIndices(start, stop, step, length, begin, end, stride, loc);
  std::vector<size_t> picks;
  if (stride > 0)
    for (int64_t i = begin; i < end; i += stride)
      picks.push_back(static_cast<size_t>(i));
  else
    for (int64_t i = begin; i > end; i += stride)
      picks.push_back(static_cast<size_t>(i));
  if (obj.isString()) {
    std::string out;
    for (size_t i : picks)
      appendUtf8(out, cps[i]);
    return Value::string(std::move(out));
  }
  std::vector<Value> out;
  for (size_t i : picks)
    out.push_back(obj.getElements()[i]);
  return obj.kind() == Value::Kind::Tuple ? Value::tuple(std::move(out))
                                          : Value::list(std::move(out));
}

//===----------------------------------------------------------------------===//
// Evaluator
//===----------------------------------------------------------------------===//

Evaluator::Evaluator(std::string &out) : out(&out) {
  frames.emplace_back();
  frames.emplace_back();
}

Value Evaluator::lookup(const std::string &name) const {
  for (auto frame = frames.rbegin(); frame != frames.rend(); ++frame)
    for (auto it = frame->rbegin(); it != frame->rend(); ++it)
      if (it->first == name)
        return it->second;
  return Value::undefined("'" + name + "' is undefined");
}

void Evaluator::assign(const std::string &name, Value value) {
  Frame &frame = frames.back();
  for (auto &entry : frame)
    if (entry.first == name) {
      entry.second = std::move(value);
      return;
    }
  frame.emplace_back(name, std::move(value));
}

void Evaluator::assignTargets(const std::vector<std::string> &targets,
                              const Value &value, Loc loc) {
  if (targets.size() == 1) {
    assign(targets[0], value);
    return;
  }
  std::vector<Value> parts = iterate(value, loc);
  if (parts.size() < targets.size())
    raise("not enough values to unpack (expected " +
              std::to_string(targets.size()) + ", got " +
              std::to_string(parts.size()) + ")",
          loc);
  if (parts.size() > targets.size())
    raise("too many values to unpack (expected " +
              std::to_string(targets.size()) + ")",
          loc);
  for (size_t i = 0; i < targets.size(); ++i)
    assign(targets[i], parts[i]);
}

void Evaluator::declareLocals(const std::vector<std::string> &names) {
  for (const std::string &name : names)
    assign(name, Value::undefined("'" + name + "' is undefined"));
}

void Evaluator::write(std::string_view text, Loc loc) {
  if (out->size() + text.size() > kMaxStringBytes)
    raise("template output exceeds " + std::to_string(kMaxStringBytes >> 20) +
              " MiB",
          loc);
  out->append(text);
}

void Evaluator::countIteration(Loc loc) {
  if (++iterations > kMaxIterations)
    raise("template exceeded " + std::to_string(kMaxIterations) +
              " loop iterations",
          loc);
}

std::string Evaluator::capture(const NodeList &body, Loc loc) {
  std::string buffer;
  std::string *saved = out;
  out = &buffer;
  Flow flow = renderList(body);
  out = saved;
  (void)flow;
  (void)loc;
  return buffer;
}

Evaluator::Flow Evaluator::renderList(const NodeList &nodes) {
  for (const NodePtr &node : nodes) {
    Flow flow = renderNode(*node);
    if (flow != Flow::Normal)
      return flow;
  }
  return Flow::Normal;
}

Evaluator::Flow Evaluator::renderNode(const Node &node) {
  switch (node.kind) {
  case NodeKind::Text:
    write(node.text, node.loc);
    return Flow::Normal;
  case NodeKind::Output: {
    Value value = eval(*node.expr);
    write(toString(value), node.loc);
    return Flow::Normal;
  }
  case NodeKind::If:
    for (size_t i = 0; i < node.conds.size(); ++i)
      if (eval(*node.conds[i]).truthy())
        return renderList(node.bodies[i]);
    return renderList(node.orelse);
  case NodeKind::For:
    renderFor(node);
    return Flow::Normal;
  case NodeKind::Set: {
    Value value = eval(*node.expr);
    if (node.attr.empty()) {
      assignTargets(node.targets, value, node.loc);
      return Flow::Normal;
    }
    Value ns = lookup(node.targets[0]);
    if (ns.kind() != Value::Kind::Namespace)
      raise("cannot assign attribute on non-namespace object", node.loc);
    if (!node.attr.empty() && node.attr[0] == '_')
      raise("Chat templates cannot store underscore-prefixed attributes on a "
            "namespace, but got '" +
                node.attr + "'. Please rename the attribute.",
            node.loc);
    ns.setAttr(node.attr, std::move(value));
    return Flow::Normal;
  }
  case NodeKind::SetBlock: {
    frames.emplace_back();
    declareLocals(node.bodyLocals);
    Value value = Value::string(capture(node.body, node.loc));
    frames.pop_back();
    if (node.expr) {
      const Value *saved = filterInput;
      filterInput = &value;
      Value filtered = eval(*node.expr);
      filterInput = saved;
      value = std::move(filtered);
    }
    assign(node.targets[0], std::move(value));
    return Flow::Normal;
  }
  case NodeKind::Macro:
    assign(node.text, makeMacro(node, node.text, node.body));
    return Flow::Normal;
  case NodeKind::CallBlock: {
    const Expr &call = *node.expr;
    Value callee = eval(*call.args[0]);
    CallArgs args = evalArgs(call);
    args.keywords.emplace_back("caller", makeMacro(node, "caller", node.body));
    write(toString(callValue(callee, args, call.loc)), node.loc);
    return Flow::Normal;
  }
  case NodeKind::FilterBlock: {
    frames.emplace_back();
    declareLocals(node.bodyLocals);
    Value value = Value::string(capture(node.body, node.loc));
    frames.pop_back();
    const Value *saved = filterInput;
    filterInput = &value;
    Value filtered = eval(*node.expr);
    filterInput = saved;
    write(toString(filtered), node.loc);
    return Flow::Normal;
  }
  case NodeKind::With: {
    Frame frame;
    for (const auto &param : node.params)
      frame.emplace_back(param.first, eval(*param.second));
    frames.push_back(std::move(frame));
    declareLocals(node.bodyLocals);
    Flow flow = renderList(node.body);
    frames.pop_back();
    return flow;
  }
  case NodeKind::Scope: {
    // transformers renders {% generation %} as a call block: a new scope.
    frames.emplace_back();
    declareLocals(node.bodyLocals);
    Flow flow = renderList(node.body);
    frames.pop_back();
    return flow;
  }
  case NodeKind::Break:
    return Flow::Break;
  case NodeKind::Continue:
    return Flow::Continue;
  }
  return Flow::Normal;
}

void Evaluator::renderFor(const Node &node) {
  Value iterable = eval(*node.expr);
  std::vector<Value> items = iterate(iterable, node.expr->loc);
  if (node.cond) {
    std::vector<Value> kept;
    for (const Value &item : items) {
      countIteration(node.loc);
      frames.emplace_back();
      assignTargets(node.targets, item, node.loc);
      bool keep = eval(*node.cond).truthy();
      frames.pop_back();
      if (keep)
        kept.push_back(item);
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    frames.emplace_back();
    declareLocals(node.orelseLocals);
    renderList(node.orelse);
    frames.pop_back();
    return;
  }
  auto shared = std::make_shared<const std::vector<Value>>(std::move(items));
  int64_t length = static_cast<int64_t>(shared->size());
  // One frame, cleared for each iteration (keeping its storage): every
  // iteration starts from the enclosing scope, as in jinja2.
  frames.emplace_back();
  for (int64_t i = 0; i < length; ++i) {
    countIteration(node.loc);
    frames.back().clear();
    declareLocals(node.bodyLocals);
    assignTargets(node.targets, (*shared)[static_cast<size_t>(i)], node.loc);
    assign("loop", Value::loop(i, shared));
    Flow flow = renderList(node.body);
    if (flow == Flow::Break)
      break;
  }
  frames.pop_back();
}

Value Evaluator::makeMacro(const Node &node, const std::string &name,
                           const NodeList &body) {
  const Node *def = &node;
  const NodeList *code = &body;
  return Value::function(
      name, [def, code, name](Evaluator &ev, CallArgs &args, Loc loc) {
        return ev.callMacro(*def, name, *code, args, loc);
      });
}

Value Evaluator::callMacro(const Node &def, const std::string &name,
                           const NodeList &body, CallArgs &args, Loc loc) {
  if (callDepth >= kMaxCallDepth)
    raise("macro calls nested deeper than " + std::to_string(kMaxCallDepth),
          loc);
  const auto &params = def.params;
  if (args.positional.size() > params.size())
    raise("macro '" + name + "' takes not more than " +
              std::to_string(params.size()) + " argument(s)",
          loc);
  Frame frame;
  std::vector<bool> given(params.size(), false);
  for (size_t i = 0; i < args.positional.size(); ++i) {
    frame.emplace_back(params[i].first, args.positional[i]);
    given[i] = true;
  }
  Value caller;
  for (auto &kw : args.keywords) {
    size_t i = 0;
    while (i < params.size() && params[i].first != kw.first)
      ++i;
    if (i == params.size()) {
      if (kw.first == "caller") {
        caller = kw.second;
        continue;
      }
      raise("macro '" + name + "' takes no keyword argument '" + kw.first + "'",
            loc);
    }
    if (given[i])
      raise("macro '" + name + "' got multiple values for argument '" +
                kw.first + "'",
            loc);
    frame.emplace_back(params[i].first, kw.second);
    given[i] = true;
  }
  if (!caller.isUndefined())
    frame.emplace_back("caller", caller);
  // The body sees the globals, the template's top-level variables and its
  // arguments (jinja2 resolves the rest at definition time; chat templates
  // define macros at the top level).
  std::vector<Frame> saved(std::make_move_iterator(frames.begin() + 2),
                           std::make_move_iterator(frames.end()));
  frames.resize(2);
  frames.push_back(std::move(frame));
  ++callDepth;
  std::string result;
  struct Restore {
    Evaluator &ev;
    std::vector<Frame> &saved;
    ~Restore() {
      --ev.callDepth;
      ev.frames.resize(2);
      for (Frame &f : saved)
        ev.frames.push_back(std::move(f));
    }
  } restore{*this, saved};
  declareLocals(def.bodyLocals);
  for (size_t i = 0; i < params.size(); ++i)
    if (!given[i])
      assign(params[i].first,
             params[i].second
                 ? eval(*params[i].second)
                 : Value::undefined("parameter '" + params[i].first +
                                    "' was not provided"));
  result = capture(body, loc);
  return Value::string(std::move(result));
}

CallArgs Evaluator::evalArgs(const Expr &e) {
  CallArgs args;
  for (size_t i = 1; i < e.args.size(); ++i)
    args.positional.push_back(eval(*e.args[i]));
  for (const auto &kw : e.keywords)
    args.keywords.emplace_back(kw.first, eval(*kw.second));
  return args;
}

Value Evaluator::callValue(const Value &callee, CallArgs &args, Loc loc) {
  if (callee.isUndefined())
    failUndefined(callee, loc);
  if (callee.kind() != Value::Kind::Function)
    raise("'" + callee.typeName() + "' object is not callable", loc);
  return callee.getFunction().fn(*this, args, loc);
}

Value Evaluator::eval(const Expr &e) {
  switch (e.kind) {
  case ExprKind::Literal:
    return e.value;
  case ExprKind::Name:
    return lookup(e.name);
  case ExprKind::List:
  case ExprKind::Tuple: {
    std::vector<Value> elements;
    for (const ExprPtr &arg : e.args)
      elements.push_back(eval(*arg));
    return e.kind == ExprKind::List ? Value::list(std::move(elements))
                                    : Value::tuple(std::move(elements));
  }
  case ExprKind::Dict: {
    std::vector<std::pair<Value, Value>> items;
    for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
      Value key = eval(*e.args[i]);
      if (key.kind() == Value::Kind::List || key.isDict())
        raise("unhashable type: '" + key.typeName() + "'", e.args[i]->loc);
      items.emplace_back(std::move(key), eval(*e.args[i + 1]));
    }
    return Value::dict(std::move(items));
  }
  case ExprKind::GetAttr:
    return getAttr(eval(*e.args[0]), e.name, e.loc);
  case ExprKind::GetItem: {
    Value obj = eval(*e.args[0]);
    return getItem(obj, eval(*e.args[1]), e.loc);
  }
  case ExprKind::Slice: {
    Value obj = eval(*e.args[0]);
    auto part = [&](size_t i) {
      return e.args[i] ? eval(*e.args[i]) : Value::none();
    };
    Value start = part(1), stop = part(2), step = part(3);
    return slice(obj, start, stop, step, e.loc);
  }
  case ExprKind::Call: {
    Value callee = eval(*e.args[0]);
    CallArgs args = evalArgs(e);
    return callValue(callee, args, e.loc);
  }
  case ExprKind::Filter: {
    Value input;
    if (e.args[0])
      input = eval(*e.args[0]);
    else if (filterInput)
      input = *filterInput;
    CallArgs args = evalArgs(e);
    return applyFilter(*this, e.name, input, args, e.loc);
  }
  case ExprKind::Test: {
    Value input = eval(*e.args[0]);
    CallArgs args = evalArgs(e);
    return Value::boolean(applyTest(*this, e.name, input, args, e.loc));
  }
  case ExprKind::Neg:
  case ExprKind::Pos: {
    Value v = eval(*e.args[0]);
    checkOperand(v, e.loc);
    if (v.kind() == Value::Kind::Float)
      return Value::floating(e.kind == ExprKind::Neg ? -v.getNumber()
                                                     : v.getNumber());
    if (v.isInt() || v.isBool()) {
      if (e.kind == ExprKind::Pos)
        return Value::integer(v.getInt());
      if (v.getInt() == INT64_MIN)
        raise("integer overflow", e.loc);
      return Value::integer(-v.getInt());
    }
    raise(std::string("bad operand type for unary ") +
              (e.kind == ExprKind::Neg ? "-" : "+") + ": '" + v.typeName() +
              "'",
          e.loc);
  }
  case ExprKind::Not:
    return Value::boolean(!eval(*e.args[0]).truthy());
  case ExprKind::Binary: {
    Value a = eval(*e.args[0]);
    Value b = eval(*e.args[1]);
    return binaryOp(e.name, a, b, e.loc);
  }
  case ExprKind::And: {
    Value a = eval(*e.args[0]);
    return a.truthy() ? eval(*e.args[1]) : a;
  }
  case ExprKind::Or: {
    Value a = eval(*e.args[0]);
    return a.truthy() ? a : eval(*e.args[1]);
  }
  case ExprKind::Compare: {
    Value left = eval(*e.args[0]);
    for (size_t i = 0; i < e.ops.size(); ++i) {
      Value right = eval(*e.args[i + 1]);
      const std::string &op = e.ops[i];
      bool result;
      if (op == "eq")
        result = equals(left, right);
      else if (op == "ne")
        result = !equals(left, right);
      else if (op == "in")
        result = contains(right, left, e.loc);
      else if (op == "notin")
        result = !contains(right, left, e.loc);
      else
        result = compare(left, right, op, e.loc);
      if (!result)
        return Value::boolean(false);
      left = std::move(right);
    }
    return Value::boolean(true);
  }
  case ExprKind::CondExpr:
    if (eval(*e.args[1]).truthy())
      return eval(*e.args[0]);
    if (e.args[2])
      return eval(*e.args[2]);
    return Value::undefined("the inline if-expression on line " +
                            std::to_string(e.loc.line) +
                            " evaluated to false and no else section was "
                            "defined.");
  }
  return Value();
}

//===----------------------------------------------------------------------===//
// Globals and the entry point
//===----------------------------------------------------------------------===//

namespace {
Value rangeFunction(Evaluator &, CallArgs &args, Loc loc) {
  if (!args.keywords.empty())
    raise("range() takes no keyword arguments", loc);
  std::vector<int64_t> n;
  for (const Value &v : args.positional) {
    if (!v.isInt() && !v.isBool())
      raise("'" + v.typeName() +
                "' object cannot be interpreted as an "
                "integer",
            loc);
    n.push_back(v.getInt());
  }
  if (n.empty() || n.size() > 3)
    raise("range expected 1 to 3 arguments, got " + std::to_string(n.size()),
          loc);
  int64_t start = n.size() == 1 ? 0 : n[0];
  int64_t stop = n.size() == 1 ? n[0] : n[1];
  int64_t step = n.size() == 3 ? n[2] : 1;
  if (step == 0)
    raise("range() arg 3 must not be zero", loc);
  // The element count, in wide arithmetic (jinja2's sandbox refuses more
  // than MAX_RANGE elements).
  __int128 count = 0;
  if (step > 0 && start < stop)
    count = ((__int128)stop - start + step - 1) / step;
  else if (step < 0 && start > stop)
    count = ((__int128)start - stop - step - 1) / -(__int128)step;
  if (count > kMaxRange)
    raise("Range too big. The sandbox blocks ranges larger than MAX_RANGE "
          "(" +
              std::to_string(kMaxRange) + ").",
          loc);
  std::vector<Value> out;
  for (int64_t i = 0; i < static_cast<int64_t>(count); ++i)
    out.push_back(Value::integer(start + i * step));
  return Value::list(std::move(out));
}

void checkNamespaceName(const std::string &name, Loc loc) {
  if (!name.empty() && name[0] == '_')
    raise("Chat templates cannot store underscore-prefixed attributes on a "
          "namespace, but got '" +
              name + "'. Please rename the attribute.",
          loc);
}

Value namespaceFunction(Evaluator &, CallArgs &args, Loc loc) {
  std::vector<std::pair<std::string, Value>> attrs;
  auto put = [&](const std::string &name, const Value &value) {
    checkNamespaceName(name, loc);
    for (auto &attr : attrs)
      if (attr.first == name) {
        attr.second = value;
        return;
      }
    attrs.emplace_back(name, value);
  };
  if (args.positional.size() > 1)
    raise("namespace expected at most 1 positional argument", loc);
  if (!args.positional.empty()) {
    const Value &init = args.positional[0];
    if (!init.isDict())
      raise("namespace() argument must be a mapping", loc);
    for (const auto &item : init.getItems()) {
      if (!item.first.isString())
        raise("namespace() keywords must be strings", loc);
      put(item.first.getString(), item.second);
    }
  }
  for (const auto &kw : args.keywords)
    put(kw.first, kw.second);
  return Value::nameSpace(std::move(attrs));
}

Value dictFunction(Evaluator &, CallArgs &args, Loc loc) {
  std::vector<std::pair<Value, Value>> items;
  if (args.positional.size() > 1)
    raise("dict expected at most 1 argument", loc);
  if (!args.positional.empty()) {
    const Value &init = args.positional[0];
    if (init.isDict()) {
      items = init.getItems();
    } else {
      for (const Value &pair : iterate(init, loc)) {
        std::vector<Value> kv = iterate(pair, loc);
        if (kv.size() != 2)
          raise("dictionary update sequence element has length " +
                    std::to_string(kv.size()) + "; 2 is required",
                loc);
        items.emplace_back(kv[0], kv[1]);
      }
    }
  }
  for (const auto &kw : args.keywords)
    items.emplace_back(Value::string(kw.first), kw.second);
  return Value::dict(std::move(items));
}

Value raiseExceptionFunction(Evaluator &, CallArgs &args, Loc loc) {
  std::string message =
      args.positional.empty() ? "" : toString(args.positional[0]);
  raise(message, loc);
}

Value strftimeNowFunction(Evaluator &, CallArgs &args, Loc loc) {
  if (args.positional.size() != 1 || !args.positional[0].isString())
    raise("strftime_now() takes one format string", loc);
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char buf[512];
  size_t n = std::strftime(buf, sizeof buf,
                           args.positional[0].getString().c_str(), &local);
  return Value::string(std::string(buf, n));
}

Value joinerFunction(Evaluator &, CallArgs &args, Loc loc) {
  std::string sep =
      args.positional.empty() ? ", " : toString(args.positional[0]);
  auto used = std::make_shared<bool>(false);
  return Value::function("joiner",
                         [sep, used](Evaluator &, CallArgs &, Loc) -> Value {
                           if (!*used) {
                             *used = true;
                             return Value::string("");
                           }
                           return Value::string(sep);
                         });
}
} // namespace

bool seqrt::jinja::renderTemplate(
    const Template &tmpl,
    const std::vector<std::pair<std::string, Value>> &globals, std::string &out,
    std::string &error) {
  out.clear();
  try {
    Evaluator ev(out);
    ev.assignGlobal("range", Value::function("range", rangeFunction));
    ev.assignGlobal("namespace",
                    Value::function("namespace", namespaceFunction));
    ev.assignGlobal("dict", Value::function("dict", dictFunction));
    ev.assignGlobal("joiner", Value::function("joiner", joinerFunction));
    ev.assignGlobal("raise_exception",
                    Value::function("raise_exception", raiseExceptionFunction));
    ev.assignGlobal("strftime_now",
                    Value::function("strftime_now", strftimeNowFunction));
    for (const auto &global : globals)
      ev.assignGlobal(global.first, global.second);
    ev.declareLocals(tmpl.bodyLocals);
    ev.renderList(tmpl.body);
    return true;
  } catch (const Error &e) {
    error = formatError(e);
  } catch (const std::bad_alloc &) {
    error = "out of memory while rendering the template";
  }
  out.clear();
  return false;
}
