//===- CodeLibrary.cpp - Loading artifact code ----------------------------===//
//
// This file implements loading an in-memory shared object: memfd_create +
// dlopen("/proc/self/fd/N"), falling back to an unlinked temporary file.
//
//===----------------------------------------------------------------------===//

#include "CodeLibrary.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <link.h>
#include <sys/mman.h>
#include <unistd.h>

using namespace seqrt;

namespace {
bool writeAll(int fd, std::string_view bytes, std::string &error) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      error = std::string("cannot write artifact code: ") + strerror(errno);
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string dlerrorString() {
  const char *message = dlerror();
  return message ? message : "unknown dlopen error";
}

/// dlopen()s `path` unless an object of that name is already loaded (a
/// stale one that dlclose could not unload), which would be returned
/// instead of the new code.
void *openFresh(const std::string &path, std::string &error) {
  if (void *stale = dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD)) {
    dlclose(stale);
    error = "an object named '" + path + "' is already loaded";
    return nullptr;
  }
  void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    // "/proc/self/fd/3: undefined symbol: x" names no file the user knows.
    std::string message = dlerrorString();
    if (message.rfind(path + ": ", 0) == 0)
      message.erase(0, path.size() + 2);
    error = "cannot load artifact code: " + message;
  }
  return handle;
}

/// Loads through an anonymous memory file; on success `fd` stays open.
void *openThroughMemfd(std::string_view code, int &fd, std::string &error) {
  fd = memfd_create("seqpkg-code", MFD_CLOEXEC);
  if (fd < 0) {
    error = std::string("memfd_create failed: ") + strerror(errno);
    return nullptr;
  }
  void *handle = nullptr;
  if (writeAll(fd, code, error))
    handle = openFresh("/proc/self/fd/" + std::to_string(fd), error);
  if (!handle) {
    ::close(fd);
    fd = -1;
  }
  return handle;
}

/// Loads through a temporary file, unlinked as soon as it is loaded.
void *openThroughTempFile(std::string_view code, std::string &error) {
  const char *dir = std::getenv("TMPDIR");
  std::string path =
      std::string(dir && *dir ? dir : "/tmp") + "/seqpkg-code-XXXXXX.so";
  int fd = mkstemps(path.data(), 3);
  if (fd < 0) {
    error = "cannot create a temporary file in '" +
            path.substr(0, path.rfind('/')) + "': " + strerror(errno);
    return nullptr;
  }
  void *handle = nullptr;
  if (writeAll(fd, code, error))
    handle = openFresh(path, error);
  ::close(fd);
  ::unlink(path.c_str());
  return handle;
}
} // namespace

std::shared_ptr<CodeLibrary> CodeLibrary::load(std::string_view code,
                                               std::string &error) {
  std::shared_ptr<CodeLibrary> library(new CodeLibrary());
  std::string memfdError;
  library->handle = openThroughMemfd(code, library->fd, memfdError);
  if (!library->handle) {
    // memfd may be missing, or not executable (vm.memfd_noexec).
    std::string tempError;
    library->handle = openThroughTempFile(code, tempError);
    if (!library->handle) {
      // Where both got as far as dlopen, the memfd message is the one
      // that describes the code.
      bool memfdWorked = memfdError.rfind("memfd_create", 0) != 0;
      error = memfdWorked ? memfdError : tempError;
      return nullptr;
    }
  }
  return library;
}

CodeLibrary::~CodeLibrary() {
  if (handle)
    dlclose(handle);
  if (fd >= 0)
    ::close(fd);
}

void *CodeLibrary::resolve(const char *name, bool &definedHere) const {
  dlerror();
  void *address = dlsym(handle, name);
  if (!address)
    return nullptr;
  struct link_map *ours = nullptr;
  struct link_map *owner = nullptr;
  Dl_info info;
  if (dlinfo(handle, RTLD_DI_LINKMAP, &ours) != 0 ||
      !dladdr1(address, &info, reinterpret_cast<void **>(&owner),
               RTLD_DL_LINKMAP) ||
      !owner)
    return nullptr;
  definedHere = owner == ours;
  return address;
}

void *CodeLibrary::lookup(const char *name) const {
  bool definedHere = false;
  void *address = resolve(name, definedHere);
  return address && definedHere ? address : nullptr;
}

void *CodeLibrary::lookupInDependencies(const char *name) const {
  bool definedHere = true;
  void *address = resolve(name, definedHere);
  return address && !definedHere ? address : nullptr;
}

uintptr_t CodeLibrary::base() const {
  struct link_map *map = nullptr;
  if (dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0 || !map)
    return 0;
  return static_cast<uintptr_t>(map->l_addr);
}
