//===- CodeGen.cpp - LLVM IR, objects and shared objects for CPUs ---------===//
//
// This file turns an LLVM-dialect module into optimised machine code: the
// target machine (host or cross), translation and the LLVM optimisation
// pipeline, object emission, and linking with ld.lld into the shared
// object a .seqpkg carries.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/CPU/CPUTarget.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;

void seq::registerCPUTranslations(DialectRegistry &registry) {
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerOpenMPDialectTranslation(registry);
}

/// Registers every LLVM target this LLVM was built with.
static void initializeTargets() {
  llvm::InitializeAllTargetInfos();
  llvm::InitializeAllTargets();
  llvm::InitializeAllTargetMCs();
  llvm::InitializeAllAsmPrinters();
}

std::vector<std::string> seq::availableCPUArchitectures() {
  initializeTargets();
  // The LLVM targets of the architectures seqrt runs artifacts on.
  static constexpr llvm::StringLiteral kSupported[] = {"x86-64", "aarch64"};
  std::vector<std::string> names;
  for (llvm::StringRef name : kSupported)
    if (llvm::any_of(
            llvm::TargetRegistry::targets(),
            [&](const llvm::Target &t) { return t.getName() == name; }))
      names.push_back(name.str());
  return names;
}

FailureOr<std::unique_ptr<llvm::TargetMachine>>
seq::createTargetMachine(const CPUCodeGenOptions &options, std::string &error) {
  initializeTargets();
  bool host = options.triple.empty();
  llvm::Triple triple(host ? llvm::sys::getDefaultTargetTriple()
                           : options.triple);
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return failure();
  std::string cpu = options.cpu;
  std::string features = options.features;
  if (cpu.empty() || cpu == "native") {
    if (!host && cpu == "native") {
      error = "--cpu=native needs the host triple";
      return failure();
    }
    if (host) {
      cpu = llvm::sys::getHostCPUName().str();
      if (features.empty()) {
        llvm::SubtargetFeatures hostFeatures;
        for (const auto &[name, enabled] : llvm::sys::getHostCPUFeatures())
          hostFeatures.AddFeature(name, enabled);
        features = hostFeatures.getString();
      }
    } else {
      cpu = "generic";
    }
  }
  llvm::TargetOptions targetOptions;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features, targetOptions, llvm::Reloc::PIC_, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));
  if (!machine) {
    error = "cannot create a target machine for " + triple.str();
    return failure();
  }
  return machine;
}

int64_t seq::defaultVectorWidth(llvm::TargetMachine &machine) {
  if (!machine.getTargetTriple().isX86())
    return 4;
  // The subtarget knows the features implied by the CPU name as well as
  // the explicit -mattr ones.
  const llvm::MCSubtargetInfo *subtarget = machine.getMCSubtargetInfo();
  if (subtarget->checkFeatures("+avx512f"))
    return 16;
  if (subtarget->checkFeatures("+avx"))
    return 8;
  return 4;
}

bool seq::hasX86Avx2(llvm::TargetMachine &machine) {
  return machine.getTargetTriple().isX86() &&
         machine.getMCSubtargetInfo()->checkFeatures("+avx2");
}

bool seq::hasX86Avx512Bf16(llvm::TargetMachine &machine) {
  return machine.getTargetTriple().isX86() &&
         machine.getMCSubtargetInfo()->checkFeatures("+avx512f,+avx512bf16");
}

std::unique_ptr<llvm::Module>
seq::translateAndOptimize(ModuleOp module, llvm::LLVMContext &context,
                          llvm::TargetMachine &machine, unsigned optLevel) {
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, context, "seqc");
  if (!llvmModule)
    return nullptr;
  llvmModule->setTargetTriple(machine.getTargetTriple());
  llvmModule->setDataLayout(machine.createDataLayout());
  auto optimize =
      makeOptimizingTransformer(optLevel, /*sizeLevel=*/0, &machine);
  if (llvm::Error err = optimize(llvmModule.get())) {
    llvm::consumeError(std::move(err));
    return nullptr;
  }
  return llvmModule;
}

LogicalResult seq::emitObject(llvm::Module &module,
                              llvm::TargetMachine &machine, std::string &object,
                              std::string &error) {
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager passes;
  if (machine.addPassesToEmitFile(passes, os, nullptr,
                                  llvm::CodeGenFileType::ObjectFile)) {
    error = "the target cannot emit object files";
    return failure();
  }
  passes.run(module);
  object.assign(buffer.begin(), buffer.end());
  return success();
}

/// The ld.lld to link with: the option, else the one next to LLVM's tools.
static std::string findLinker(const seq::CPUCodeGenOptions &options) {
  if (!options.linker.empty())
    return options.linker;
  for (StringRef name : {"ld.lld-22", "ld.lld"})
    if (auto path = llvm::sys::findProgramByName(name, {SEQC_LLVM_TOOLS_DIR}))
      return *path;
  return "";
}

LogicalResult seq::linkSharedObject(const std::string &object,
                                    const CPUCodeGenOptions &options,
                                    StringRef triple, std::string &shared,
                                    std::string &error) {
  std::string linker = findLinker(options);
  if (linker.empty()) {
    error = "cannot find ld.lld (install lld-22 or pass --linker)";
    return failure();
  }
  SmallString<128> objectPath, sharedPath;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("seqc", "o", objectPath)) {
    error = "cannot create a temporary file: " + ec.message();
    return failure();
  }
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("seqc", "so", sharedPath)) {
    error = "cannot create a temporary file: " + ec.message();
    return failure();
  }
  auto cleanup = llvm::make_scope_exit([&] {
    llvm::sys::fs::remove(objectPath);
    llvm::sys::fs::remove(sharedPath);
  });
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(objectPath, ec);
    if (ec) {
      error = "cannot write " + objectPath.str().str() + ": " + ec.message();
      return failure();
    }
    os << object;
  }
  bool hostTriple = llvm::Triple(triple).getArch() ==
                    llvm::Triple(llvm::sys::getDefaultTargetTriple()).getArch();
  SmallVector<std::string> args{linker,
                                "-shared",
                                "--as-needed",
                                "-o",
                                sharedPath.str().str(),
                                objectPath.str().str()};
  // libomp and libm of the host; a cross-compiled artifact resolves them
  // when it is loaded on its target.
  if (options.threads && hostTriple) {
    args.push_back("-L" SEQC_LLVM_LIBRARY_DIR);
    args.push_back("-rpath=" SEQC_LLVM_LIBRARY_DIR);
    args.push_back("-lomp");
  }
  SmallVector<StringRef> argRefs(args.begin(), args.end());
  std::string message;
  int status = llvm::sys::ExecuteAndWait(linker, argRefs, std::nullopt, {}, 0,
                                         0, &message);
  if (status != 0) {
    error = "linking with " + linker + " failed" +
            (message.empty() ? "" : ": " + message);
    return failure();
  }
  auto buffer = llvm::MemoryBuffer::getFile(sharedPath, /*IsText=*/false);
  if (!buffer) {
    error = "cannot read the linked shared object";
    return failure();
  }
  shared = (*buffer)->getBuffer().str();
  return success();
}
