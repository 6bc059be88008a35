//===- JinjaEval.h - The renderer of the Jinja interpreter ------*- C++ -*-===//
//
// This file declares the evaluator that renders a parsed template, the
// Python operations it is built from, and the builtin filters, tests and
// methods (JinjaBuiltins.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_LIB_JINJAEVAL_H
#define SEQRT_LIB_JINJAEVAL_H

#include "Jinja.h"

namespace seqrt::jinja {

/// Renders nodes into a string. Frame 0 holds the globals, frame 1 the
/// template's top-level variables; a `for` iteration, `with`, a macro call
/// and block captures push frames of their own.
class Evaluator {
public:
  enum class Flow { Normal, Break, Continue };
  using Frame = std::vector<std::pair<std::string, Value>>;

  explicit Evaluator(std::string &out);

  void assignGlobal(const std::string &name, Value value) {
    frames[0].emplace_back(name, std::move(value));
  }
  Flow renderList(const NodeList &nodes);
  /// Starts `names` undefined in the innermost frame (see
  /// Node::bodyLocals).
  void declareLocals(const std::vector<std::string> &names);
  Value eval(const Expr &e);
  Value callValue(const Value &callee, CallArgs &args, Loc loc);
  Value callMacro(const Node &def, const std::string &name,
                  const NodeList &body, CallArgs &args, Loc loc);
  void countIteration(Loc loc);

private:
  std::string *out;
  std::vector<Frame> frames;
  const Value *filterInput = nullptr;
  uint64_t iterations = 0;
  unsigned callDepth = 0;

  Value lookup(const std::string &name) const;
  void assign(const std::string &name, Value value);
  void assignTargets(const std::vector<std::string> &targets,
                     const Value &value, Loc loc);
  void write(std::string_view text, Loc loc);
  std::string capture(const NodeList &body, Loc loc);
  Flow renderNode(const Node &node);
  void renderFor(const Node &node);
  Value makeMacro(const Node &node, const std::string &name,
                  const NodeList &body);
  CallArgs evalArgs(const Expr &e);
};

/// Python binary operators (+ - * / // % **) and jinja2's `~`.
Value binaryOp(const std::string &op, const Value &a, const Value &b, Loc loc);
/// Python `item in container` (false for Undefined).
bool contains(const Value &container, const Value &item, Loc loc);
/// The items a `for` loop visits: elements, dict keys, characters.
std::vector<Value> iterate(const Value &value, Loc loc);
/// jinja2's environment.getattr / getitem (sandboxed).
Value getAttr(const Value &obj, const std::string &name, Loc loc);
Value getItem(const Value &obj, const Value &key, Loc loc);
Value slice(const Value &obj, const Value &start, const Value &stop,
            const Value &step, Loc loc);

/// Python `fmt % args` for a str `fmt` (%s %r %d %i %f %%).
Value formatPercent(const Value &fmt, const Value &args, Loc loc);
/// A str, list or dict method bound to `obj`, or Undefined if there is none.
Value boundMethod(const Value &obj, const std::string &name);
Value applyFilter(Evaluator &ev, const std::string &name, const Value &input,
                  CallArgs &args, Loc loc);
bool applyTest(Evaluator &ev, const std::string &name, const Value &input,
               CallArgs &args, Loc loc);

} // namespace seqrt::jinja

#endif // SEQRT_LIB_JINJAEVAL_H
