#!/usr/bin/env python3
# Lists the calls in seqc's C++ whose arguments create IR in more than one
# argument (`f(b.add(x, y), b.index(2))`): C++ leaves their order
# unspecified (gcc right to left, clang left to right), so the ops come out
# in a different order from each host compiler (README.md, "Same output
# from every host compiler"). An IR-creating call is a call on an OpBuilder
# (or a class derived from it: LoopBuilder, PatternRewriter), a call that
# takes one as an argument (`X::create(b, ...)`, helpers), or a call of a
# method of a class or lambda that holds one; Builder's type and attribute
# getters are not. Lambdas passed as arguments (body builders) are not
# looked into. Needs clang-query (Debian: clang-tools-22) and the
# compile_commands.json of a configured build; about 20 CPU seconds a file.
#
#   scripts/find-unordered-creates.py [-p build] [files...]  (default: lib/)
import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def query():
    rd = 'cxxRecordDecl(isSameOrDerivedFrom("::mlir::OpBuilder"))'
    # A class that holds a builder, or derives from one that does
    # (MoEKernelOps's helpers live in a subclass of IndexMath, which holds
    # the builder).
    holder = (f'cxxRecordDecl(isSameOrDerivedFrom(cxxRecordDecl(has('
              f'fieldDecl(anyOf(hasType({rd}), hasType(references({rd})), '
              f'hasType(pointsTo({rd}))))))))')
    # A builder, or an object that holds one (`IndexMath &m` as an
    # argument of a helper).
    bexpr = (f'expr(anyOf(hasType({rd}), hasType(pointsTo({rd})), '
             f'hasType({holder}), hasType(pointsTo({holder}))))')
    excluded = (
        'callee(cxxMethodDecl(anyOf(ofClass(cxxRecordDecl(hasName('
        '"::mlir::Builder"))), matchesName("::(get[A-Za-z0-9_]*|'
        'saveInsertionPoint|restoreInsertionPoint|setInsertionPoint[A-Za-z]*|'
        'setListener|clearInsertionPoint|setLoc)$"))))')
    creates = (f'callExpr(unless({excluded}), anyOf(cxxMemberCallExpr(on('
               f'{bexpr})), hasAnyArgument({bexpr}), callee(cxxMethodDecl('
               f'ofClass({holder})))))')
    not_fn = ('unless(hasType(qualType(hasUnqualifiedDesugaredType(recordType('
              'hasDeclaration(cxxRecordDecl(anyOf(isLambda(), hasName('
              '"::llvm::function_ref"), hasName("::std::function")))))))))')
    arg = f'expr({not_fn}, anyOf({creates}, hasDescendant({creates})))'
    pairs = ', '.join(f'allOf(hasArgument({n}, {arg}), hasArgument({m}, {arg}))'
                      for n in range(7) for m in range(n + 1, 8))
    anyp = f'anyOf({pairs})'
    # Braced lists are evaluated in order; so are the operands of the
    # overloaded operators C++17 sequences (=, <<, [], ...).
    root = (f'expr(anyOf(cxxMemberCallExpr({anyp}), callExpr(unless('
            f'cxxMemberCallExpr()), unless(cxxOperatorCallExpr()), {anyp}), '
            f'cxxOperatorCallExpr(hasOverloadedOperatorName("()"), {anyp}), '
            f'cxxConstructExpr(unless(isListInitialization()), {anyp})), '
            'isExpansionInMainFile())')
    return 'set output diag\nmatch ' + root + '\n'


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("-p", default=os.path.join(ROOT, "build"),
                    help="build directory with compile_commands.json")
    ap.add_argument("--clang-query", default="/usr/lib/llvm-22/bin/clang-query")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    files = args.files or sorted(
        glob.glob(os.path.join(ROOT, "lib", "**", "*.cpp"), recursive=True))
    with tempfile.NamedTemporaryFile("w", suffix=".query") as q:
        q.write(query())
        q.flush()
        found = 0
        for f in files:
            out = subprocess.run(
                [args.clang_query, "-p", args.p, "-f", q.name, f],
                capture_output=True, text=True).stdout.splitlines()
            for i, line in enumerate(out):
                m = re.match(r'(.*?):(\d+):\d+: note: "root" binds here', line)
                if m and i + 1 < len(out):
                    found += 1
                    src = re.sub(r"^\s*\d+ \|", "", out[i + 1]).strip()
                    print("%s:%s: %s" % (os.path.relpath(m.group(1), ROOT),
                                         m.group(2), src))
            sys.stdout.flush()
    print("find-unordered-creates: %d calls in %d files" % (found, len(files)))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
