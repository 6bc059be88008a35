//===- Jinja.h - A Jinja2 subset interpreter for chat templates -*- C++ -*-===//
//
// This file declares the template syntax tree, the parser and the renderer
// of the chat-template interpreter. It follows jinja2 3.x as transformers
// configures it for chat templates (ImmutableSandboxedEnvironment with
// trim_blocks, lstrip_blocks, keep_trailing_newline=False and the
// loopcontrols extension): the same lexing and whitespace control, operator
// precedence, scoping (a `for` body is a new scope each iteration, `if` is
// not), Undefined behaviour and builtin filters, tests and globals.
//
// Limits guard against hostile templates: nesting depth, macro recursion,
// range() size (jinja2's sandbox limit, 100000), total loop iterations and
// the size of any string built.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_LIB_JINJA_H
#define SEQRT_LIB_JINJA_H

#include "JinjaValue.h"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace seqrt::jinja {

/// Limits of one parse or render.
constexpr unsigned kMaxNesting = 200;         ///< blocks + expression depth
constexpr unsigned kMaxCallDepth = 100;       ///< nested macro calls
constexpr int64_t kMaxRange = 100000;         ///< jinja2 sandbox MAX_RANGE
constexpr uint64_t kMaxIterations = 1000000;  ///< loop iterations per render
constexpr size_t kMaxStringBytes = 64u << 20; ///< any string or the output

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

enum class ExprKind {
  Literal,  ///< value
  Name,     ///< name
  List,     ///< args: elements
  Tuple,    ///< args: elements
  Dict,     ///< args: key0, value0, key1, value1, ...
  GetAttr,  ///< args[0].name
  GetItem,  ///< args[0][args[1]]
  Slice,    ///< args[0][args[1]:args[2]:args[3]] (each may be null)
  Call,     ///< args[0](args[1..], keywords)
  Filter,   ///< args[0] | name(args[1..], keywords); args[0] null in blocks
  Test,     ///< args[0] is name(args[1..], keywords)
  Neg,      ///< -args[0]
  Pos,      ///< +args[0]
  Not,      ///< not args[0]
  Binary,   ///< args[0] name args[1]: + - * / // % ** ~
  And,      ///< args[0] and args[1]
  Or,       ///< args[0] or args[1]
  Compare,  ///< args[0] ops[0] args[1] ops[1] args[2] ...
  CondExpr, ///< args[0] if args[1] else args[2] (args[2] may be null)
};

struct Expr {
  ExprKind kind;
  Loc loc;
  std::string name;
  Value value;
  std::vector<ExprPtr> args;
  std::vector<std::pair<std::string, ExprPtr>> keywords;
  std::vector<std::string> ops;
  unsigned depth = 1; ///< height of this subtree (bounded by kMaxNesting)
};

struct Node;
using NodePtr = std::unique_ptr<Node>;
using NodeList = std::vector<NodePtr>;

enum class NodeKind {
  Text,        ///< text
  Output,      ///< {{ expr }}
  If,          ///< if conds[0]: bodies[0] elif conds[1]: ... else orelse
  For,         ///< for targets in expr [if cond]: body else orelse
  Set,         ///< set targets = expr, or set targets[0].attr = expr
  SetBlock,    ///< set targets[0] [| expr] %}body{% endset
  Macro,       ///< macro text(params): body
  CallBlock,   ///< call(params) expr: body (the body is `caller`)
  FilterBlock, ///< filter expr: body (expr is a Filter chain on null)
  With,        ///< with params: body
  Scope,       ///< generation: body (rendered as is)
  Break,
  Continue,
};

struct Node {
  NodeKind kind;
  Loc loc;
  std::string text;
  ExprPtr expr;
  ExprPtr cond;
  std::vector<std::string> targets;
  std::string attr;
  /// Macro and call-block parameters (default may be null); with targets.
  std::vector<std::pair<std::string, ExprPtr>> params;
  std::vector<ExprPtr> conds;
  std::vector<NodeList> bodies;
  NodeList body;
  NodeList orelse;
  /// Names the scope of `body` (`orelse` for a for-else) assigns before
  /// any read at its level: jinja2 starts them undefined there, hiding
  /// outer values from nested scopes until the assignment runs.
  std::vector<std::string> bodyLocals;
  std::vector<std::string> orelseLocals;
};

/// A parsed template.
struct Template {
  std::string source; ///< with newlines normalized
  NodeList body;
  std::vector<std::string> bodyLocals; ///< as Node::bodyLocals
};

/// Parses `source`. Returns false and sets `error` ("line L, column C:
/// message") on a syntax error, an unknown tag, filter or test.
bool parseTemplate(std::string_view source, Template &out, std::string &error);

/// Renders `tmpl` with the global variables `globals` (besides jinja2's
/// builtin globals). Returns false and sets `error` on a render error
/// (raise_exception, an undefined value used, a type error, a limit).
bool renderTemplate(const Template &tmpl,
                    const std::vector<std::pair<std::string, Value>> &globals,
                    std::string &out, std::string &error);

/// True if `name` is a filter or test the renderer implements.
bool isKnownFilter(std::string_view name);
bool isKnownTest(std::string_view name);
/// True for jinja2 builtin filters this renderer does not implement.
bool isUnsupportedFilter(std::string_view name);

/// "line L, column C: message" (or just message without a location).
std::string formatError(const Error &error);

} // namespace seqrt::jinja

#endif // SEQRT_LIB_JINJA_H
