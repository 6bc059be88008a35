//===- Passes.td - CPU target passes -----------------------*- tablegen -*-===//
//
// Passes that shape the LLVM-dialect module into a CPU artifact's ABI.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TARGET_CPU_PASSES_TD
#define SEQC_TARGET_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def SeqMarkEntryPoints : Pass<"seq-mark-entry-points", "::mlir::ModuleOp"> {
  let summary = "Requests C interfaces for public functions";
  let description = [{
    Renames every defined `func.func` `f` to `__seq_fn_f` (its calls
    follow), so that no function of the module collides with one the
    lowering declares (an entry named `malloc` or `free`); the entry keeps
    its name in the ABI (`__seq_packed_f`). Adds `llvm.emit_c_interface` to
    every public `func.func`, so that `convert-func-to-llvm` emits
    `_mlir_ciface___seq_fn_<name>` wrappers taking
    memref descriptors by pointer, and marks its tensor arguments
    `bufferization.writable = false`: an entry point never writes its
    caller's buffers, except those of arguments marked `seq.inplace`
    (see seq-inplace-results), which are writable.
  }];
}

def SeqConstantGlobals : Pass<"seq-constant-globals", "::mlir::ModuleOp"> {
  let summary = "Creates the globals of tensor constants in program order";
  let description = [{
    Runs just before `one-shot-bufferize`. For every ranked-tensor
    `arith.constant`, in the order of a walk of the module, creates (or
    finds) the `memref.global` that bufferization would create for it,
    with upstream's own helper (`bufferization::getGlobalFor`) and the
    default alignment and memory space of the bufferization options, so
    bufferization finds them and creates none. Upstream bufferizes the
    functions of a module in an order taken from a `DenseMap` keyed by
    `func.func` pointers (`getFuncOpsOrderedByCalls`,
    OneShotModuleBufferize.cpp, MLIR 22), and creates each function's
    globals as it bufferizes it: the order of the globals, and the `_N`
    suffixes of same-shaped constants, changed from run to run. With this
    pass the compiler's output depends only on its input.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def SeqInPlaceResults : Pass<"seq-inplace-results", "::mlir::ModuleOp"> {
  let summary = "Drops the in-place state results of entry points";
  let description = [{
    Runs on bufferized IR. An entry argument marked `seq.inplace = k` is
    state the caller lends (a KV cache): its buffer is writable, and result
    `k` is its new value. That result is removed from the function: the
    code leaves the new state in the argument's buffer (copying it there if
    bufferization could not update it in place) and the runtime returns the
    argument's buffer as output `k` (docs/design/Artifact.md). Returning the
    argument instead would make the ownership-based deallocation clone it
    on every call.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def SeqLowerMemRefCopies : Pass<"seq-lower-memref-copies", "::mlir::ModuleOp"> {
  let summary = "Turns memref.copy into loops (via linalg.copy)";
  let description = [{
    Non-contiguous `memref.copy` ops would otherwise lower to calls of
    `memrefCopy` from MLIR's C runner library; rewriting them to
    `linalg.copy` lets `convert-linalg-to-loops` emit plain loops, so an
    artifact depends on nothing but libc, libm and libomp. LLVM turns
    contiguous copy loops back into `memcpy`.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def SeqCheckAllocSizes : Pass<"seq-check-alloc-sizes", "::mlir::ModuleOp"> {
  let summary = "Checks the byte count of every dynamically sized memref.alloc";
  let description = [{
    Before each `memref.alloc` with dynamic extents, computes the extents'
    product times the element size with overflow checks
    (`arith.mului_extended`). A negative extent or a byte count of 2^63 or
    more (which the allocation's lowering would wrap into a small `malloc`
    that the code then writes past) reports SEQRT_CODE_OUT_OF_MEMORY (5)
    with a message naming the op, its location and the extents, and
    leaves the failing code as a failed check does (a `cf.assert` marked
    `seq.check_leave`, which `seq-lower-checks` lowers without a message
    of its own). Static extents whose byte count overflows are a compile
    error. A few integer operations per allocation; allocations are
    outside the tile loops.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::cf::ControlFlowDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::scf::SCFDialect"];
}

def SeqApproximateMath : Pass<"seq-approximate-math", "::mlir::ModuleOp"> {
  let summary = "Expands f32 math.exp into an inline polynomial";
  let description = [{
    Rewrites every f32 `math.exp` (scalar or vector) with MLIR's polynomial
    approximation (Cody-Waite range reduction, degree-5 polynomial, exact
    at -inf, 0 and +inf; relative error a few ulp) instead of a call to
    libm's `expf`. The call is opaque to LLVM's loop vectoriser, so every
    softmax, sigmoid and decay loop around it ran scalar; inline, those
    loops vectorise. Other math functions keep their libm calls.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
}

def SeqScopeTileAllocas
    : Pass<"seq-scope-tile-allocas", "::mlir::ModuleOp"> {
  let summary = "Releases a tile's stack scratch at the end of each tile";
  let description = [{
    Tile scratch (attention's running max/sum/accumulator/scores, the
    normalised rows of a fused RMSNorm projection, ...) is `memref.alloca`
    in the body of an `scf.forall`. The canonicalizer folds the
    `memref.alloca_scope` the lowering puts around it (the loop is itself an
    automatic allocation scope), but once the loop becomes serial loops
    (`-parallel=false`, or a single-threaded lowering) nothing releases the
    allocations per iteration and the stack grows with the tile count. This
    pass brackets every such body with `llvm.intr.stacksave` /
    `llvm.intr.stackrestore`, as `convert-scf-to-openmp` does for OpenMP
    regions.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def SeqSerializeSmallForalls
    : Pass<"seq-serialize-small-foralls", "::mlir::ModuleOp"> {
  let summary = "Runs scf.forall loops with little work as serial loops";
  let description = [{
    Every `scf.forall` becomes an OpenMP parallel region, whose fork and
    join cost microseconds on an idle machine and up to a scheduler time
    slice when the other threads are descheduled. A decode step is
    hundreds of small loops (a projection of one token row, attention
    over one query), which OpenMP made several times slower than serial
    code. This pass estimates each loop's work as its trip count times a
    static count of the operations of one iteration (nested loops with
    constant bounds multiplied out, other nested loops counted once) and
    runs loops under `min-work` serially: statically when the trip count
    is constant, otherwise behind an `scf.if` on the runtime estimate,
    with the serial copy as `scf.for` loops (which the compiler optimises
    better than the outlined OpenMP body). Loops with results are left
    alone.
  }];
  let options = [
    Option<"minWork", "min-work", "int64_t", /*default=*/"1 << 22",
           "Estimated operations below which a loop runs serially">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect"];
}

def SeqOutlineParallelLoops
    : Pass<"seq-outline-parallel-loops", "::mlir::ModuleOp"> {
  let summary = "Outlines parallel loops into bodies seqrt's pool runs";
  let description = [{
    The `seqrt` parallel runtime (`seqc --parallel-runtime=seqrt`, the
    default; `omp` runs `convert-scf-to-openmp` instead). Every outermost
    `scf.parallel` without results becomes a call of a new private function
    `__seq_parallel_body_<n>(captured..., lbs..., steps..., counts...,
    grain, lo, hi)` that runs iterations [lo, hi) of the loop linearised
    (row-major over its dimensions; one dimension runs as an `scf.for` over
    `lb + lo * step` to `lb + hi * step`). The call passes lo = 0 and hi =
    the product of the trip counts; constants the body uses are cloned into
    it instead of captured. Nested `scf.parallel` loops go along inside the
    body and later run serially (`convert-scf-to-cf`); loops with results
    are left to run serially too. `seq-lower-parallel-calls` turns each call
    into a call of the thread pool.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::scf::SCFDialect"];
}

def SeqLowerParallelCalls
    : Pass<"seq-lower-parallel-calls", "::mlir::ModuleOp"> {
  let summary = "Calls seqrt's thread pool for every outlined parallel loop";
  let description = [{
    Runs after `seq-cpu-entry-points`, on the LLVM dialect. Every call of a
    `__seq_parallel_body_<n>` (seq-outline-parallel-loops; its operands:
    the captured values, the grain, lo, hi and the status slot) becomes:
    the captured values and grain stored in a context struct on the
    caller's stack, and an indirect call through the pointer global
    `__seq_parallel_for` (set by the loader, seqrt/Abi.h) of
    `(__seq_parallel_body_<n>_run, context, lo, hi, grain, slot)`, where
    the new `_run` function loads the struct and calls the body. The pool
    runs the chunks on its threads and returns when all have run; a check
    that fails in a body stores its status in the caller's slot and ends
    that chunk (seq-lower-checks), since no pool thread can jump to the
    caller's wrapper.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def SeqLowerChecks : Pass<"seq-lower-checks", "::mlir::ModuleOp"> {
  let summary = "Reports failed compiled-in checks through the call's status";
  let description = [{
    Runs right after `convert-scf-to-cf`, before the OpenMP, func and cf
    conversions to LLVM (each of which would turn a `cf.assert` into `puts`
    and `abort`, ending the process). Two kinds
    of checks become reports in the call's status slot and its message
    (docs/design/Artifact.md):

    * every `cf.assert` (what `generate-runtime-verification` inserts under
      `seqc --bounds-checks`: an access outside its buffer, a view outside
      its source) stores SEQRT_CODE_CHECK_FAILED (6) and a message naming
      the reason, the op and its location, then leaves the failing code:
      outside OpenMP regions it `longjmp`s back to the packed wrapper, as a
      failed allocation does; in the body of an OpenMP loop it skips the
      rest of that iteration (restoring the tile's stack), and in a
      `__seq_parallel_body_<n>` (seq-outline-parallel-loops) it returns,
      ending that chunk, so no thread touches memory out of bounds and the
      call returns with the error;
      elsewhere in a parallel region it prints the message and aborts;
    * every call of a declaration carrying `seq.check_message` and
      `seq.check_code` (what `seq-check-numerics` emits when a result holds
      a NaN or Inf) stores that code, unless the call already failed, and
      formats the message with the call's operands (`snprintf`); the call
      then goes on.

    The first failure of a call writes the message. The module is marked
    `seq.status_messages`, so its ABI record gets the `m` item and its
    packed wrappers copy the message to the caller.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect",
                           "::mlir::omp::OpenMPDialect"];
}

def SeqCPUEntryPoints : Pass<"seq-cpu-entry-points", "::mlir::ModuleOp"> {
  let summary = "Builds the artifact ABI on an LLVM-dialect module";
  let description = [{
    Runs after lowering to the LLVM dialect and establishes the ABI that
    docs/design/Artifact.md specifies:

    * `void __seq_packed_<f>(void **args, int32_t *status)` for every
      `_mlir_ciface___seq_fn_<f>`: loads each argument from the array
      (pointers as they are, scalars through their pointer) and calls the C
      interface;
    * the status is per call: every defined function gets a trailing
      pointer parameter, the caller's status slot, passed on by every call,
      and the stores of the lowerings to `__seq_status` go through it (the
      global is removed);
    * every `__seq_param_<name>` global (the storage of a `seq.parameter`)
      becomes a pointer-sized global the runtime sets to the weights, and
      each use loads that pointer;
    * `void __seq_free(void *)` releases result buffers with the allocator
      the code used.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // SEQC_TARGET_CPU_PASSES_TD
