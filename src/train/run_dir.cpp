#include "mlp/train/run_dir.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "mlp/core/error.hpp"

namespace mlp {

namespace fs = std::filesystem;

RunLock::RunLock(const fs::path& dir) {
  const fs::path lock = dir / ".lock";
  fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw IoError(fmt::format("{}: {}", lock.string(), std::strerror(errno)));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd_);
    fd_ = -1;
    throw ConfigError(fmt::format("{}: another `mlp train` is using this run directory (lock {}) — "
                                  "wait for it or choose another --out", dir.string(), lock.string()));
  }
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

void prepare_writable_dir(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    throw IoError(fmt::format("{}: exists and is not a directory", dir.string()));
  }
  fs::create_directories(dir, ec);
  if (ec) throw IoError(fmt::format("{}: {}", dir.string(), ec.message()));
  const fs::path probe = dir / fmt::format(".write-test.{}", ::getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw IoError(fmt::format("{}: {} — the run directory must be writable", dir.string(), std::strerror(errno)));
  }
  const bool ok = ::write(fd, "x", 1) == 1;
  const int err = errno;
  ::close(fd);
  ::unlink(probe.c_str());
  if (!ok) throw IoError(fmt::format("{}: {}", dir.string(), std::strerror(err)));
}

bool holds_run(const fs::path& dir) {
  std::error_code ec;
  for (const char* f : {"config.toml", "model.mlp", "metrics.jsonl", "checkpoints"}) {
    if (fs::exists(dir / f, ec)) return true;
  }
  return false;
}

void clear_run(const fs::path& dir) {
  std::error_code ec;
  for (const char* f : {"config.toml", "model.mlp", "metrics.jsonl", "metrics.csv", "report.html", "summary.json"}) {
    fs::remove(dir / f, ec);
  }
  fs::remove_all(dir / "checkpoints", ec);
}

void remove_stale_temporaries(const fs::path& dir) {
  std::error_code ec;
  std::vector<fs::path> stale;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().filename().string().find(".tmp.") != std::string::npos) stale.push_back(e.path());
  }
  for (const auto& p : stale) fs::remove(p, ec);
}

}  // namespace mlp
