// Test helpers for hostile inputs: run a reader in a child process whose memory and time are
// capped, so that a regression (reading /dev/zero whole, blocking on a FIFO) fails the test in
// seconds instead of taking the machine down; and a temporary directory.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <filesystem>
#include <functional>
#include <string>
#include <typeinfo>

#include "mlp/core/error.hpp"

// ASan and TSan reserve terabytes of address space up front: no address-space cap under them.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MLP_BOUNDED_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define MLP_BOUNDED_SANITIZED 1
#endif
#endif

namespace mlp::test {

/// How a call run by bounded() ended: "ok", "InputError: <message>", "DataError: <message>",
/// "ShapeError: ...", "Error: ...", "exception: <what>", or "killed by signal N" (SIGALRM: ran
/// out of time; SIGSEGV / SIGABRT: a crash or an allocation past the cap).
inline std::string bounded(const std::function<void()>& f, int seconds = 20,
                           rlim_t max_address_bytes = rlim_t{2} << 30) {
  int fds[2];
  if (::pipe(fds) != 0) return "pipe failed";
  const pid_t pid = ::fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    ::close(fds[0]);
#ifndef MLP_BOUNDED_SANITIZED
    const rlimit cap{max_address_bytes, max_address_bytes};
    ::setrlimit(RLIMIT_AS, &cap);
#else
    static_cast<void>(max_address_bytes);
#endif
    ::alarm(static_cast<unsigned>(seconds));
    std::string outcome = "ok";
    try {
      f();
    } catch (const InputError& e) {
      outcome = std::string("InputError: ") + e.what();
    } catch (const DataError& e) {
      outcome = std::string("DataError: ") + e.what();
    } catch (const ShapeError& e) {
      outcome = std::string("ShapeError: ") + e.what();
    } catch (const Error& e) {
      outcome = std::string("Error: ") + e.what();
    } catch (const std::exception& e) {
      outcome = std::string("exception: ") + typeid(e).name() + ": " + e.what();
    }
    const char* p = outcome.data();
    std::size_t left = outcome.size();
    while (left > 0) {
      const ssize_t n = ::write(fds[1], p, left);
      if (n <= 0) break;
      p += n;
      left -= static_cast<std::size_t>(n);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return out;
}

/// A fresh directory, removed with its contents at the end of the test.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& prefix = "mlp-test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

}  // namespace mlp::test
