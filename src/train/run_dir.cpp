#include "mlp/train/run_dir.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/core/error.hpp"
#include "mlp/io/atomic_file.hpp"
#include "mlp/train/checkpoint.hpp"

namespace mlp {

namespace fs = std::filesystem;

namespace {

/// The files a run writes into its directory (checkpoints/ apart): what --force removes.
constexpr std::array<std::string_view, 6> kRunFiles = {"config.toml", "model.mlp",   "metrics.jsonl",
                                                       "metrics.csv", "report.html", "summary.json"};
/// The first line of the marker: what makes `.mlp-run` mlp's.
constexpr std::string_view kMarkerSignature = "mlp run directory";
constexpr std::string_view kMarkerText =
    "mlp run directory\n"
    "This directory holds a run of `mlp train` (docs/cli.md). Because of this file, mlp may delete\n"
    "its own files here, and only those: config.toml, model.mlp, metrics.jsonl, metrics.csv,\n"
    "report.html, summary.json, checkpoints/ckpt-<step>.mlpck and their temporary files\n"
    "(NAME.tmp.<pid>.<n>), when a new run replaces this one (--force) or a killed run left them.\n"
    "Any other file here or in checkpoints/ is left alone.\n";

bool is_run_file(std::string_view name) {
  return std::find(kRunFiles.begin(), kRunFiles.end(), name) != kRunFiles.end();
}

bool is_regular_entry(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(fs::symlink_status(p, ec));
}

/// Removes `p` when it exists; IoError when it exists and cannot be removed.
void remove_file(const fs::path& p) {
  std::error_code ec;
  fs::remove(p, ec);
  if (ec) throw IoError(fmt::format("{}: {}", p.string(), ec.message()));
}

/// mlp's temporary files in `dir` whose final name `is_own` accepts.
template <class Pred>
std::size_t remove_temporaries_in(const fs::path& dir, Pred is_own) {
  std::error_code ec;
  std::vector<fs::path> stale;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    const auto target = io::temporary_file_target(name);
    if (target && is_own(*target) && is_regular_entry(e.path())) stale.push_back(e.path());
  }
  std::size_t removed = 0;
  for (const auto& p : stale) removed += fs::remove(p, ec) ? 1 : 0;
  return removed;
}

}  // namespace

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
  // A probe file of a fresh name (O_EXCL: an existing file of that name is never opened,
  // truncated or unlinked).
  fs::path probe;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    probe = dir / fmt::format(".write-test.{}.{}", ::getpid(), attempt);
    fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    throw IoError(fmt::format("{}: {} — the run directory must be writable", dir.string(), std::strerror(errno)));
  }
  const bool ok = ::write(fd, "x", 1) == 1;
  const int err = errno;
  ::close(fd);
  ::unlink(probe.c_str());
  if (!ok) throw IoError(fmt::format("{}: {}", dir.string(), std::strerror(err)));
}

bool is_marked_run(const fs::path& dir) {
  const fs::path marker = dir / kRunMarkerName;
  std::error_code ec;
  const auto st = fs::symlink_status(marker, ec);
  if (!fs::exists(st)) return false;
  const auto not_ours = [&] {
    return ConfigError(fmt::format("{}: exists but is not the marker mlp writes into a run directory — "
                                   "mlp will not use {} as a run directory; choose another --out",
                                   marker.string(), dir.string()));
  };
  if (!fs::is_regular_file(st)) throw not_ours();
  std::vector<std::byte> bytes;
  try {
    bytes = io::read_file(marker, 4096);
  } catch (const Error&) {
    throw not_ours();
  }
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (!text.starts_with(kMarkerSignature) ||
      (text.size() > kMarkerSignature.size() && text[kMarkerSignature.size()] != '\n')) {
    throw not_ours();
  }
  return true;
}

void mark_run(const fs::path& dir) {
  if (is_marked_run(dir)) return;
  io::write_file_atomic(dir / kRunMarkerName, kMarkerText);
}

std::vector<std::string> run_files_present(const fs::path& dir) {
  std::vector<std::string> present;
  std::error_code ec;
  for (const char* f : {"config.toml", "model.mlp", "metrics.jsonl", "checkpoints"}) {
    if (fs::exists(fs::symlink_status(dir / f, ec))) present.emplace_back(f);
  }
  return present;
}

bool holds_run(const fs::path& dir) { return !run_files_present(dir).empty(); }

bool holds_untrained_start(const fs::path& dir) {
  if (!is_marked_run(dir)) return false;
  std::error_code ec;
  if (fs::exists(fs::symlink_status(dir / "model.mlp", ec))) return false;
  const fs::path checkpoints = dir / "checkpoints";
  const auto ck = fs::symlink_status(checkpoints, ec);
  if (fs::exists(ck) && (!fs::is_directory(ck) || !list_checkpoints(checkpoints).empty())) return false;
  const fs::path metrics = dir / "metrics.jsonl";
  const auto st = fs::symlink_status(metrics, ec);
  if (!fs::exists(st)) return true;
  if (!fs::is_regular_file(st)) return false;
  std::vector<std::byte> bytes;
  try {
    bytes = io::read_file(metrics, 1 << 20);
  } catch (const Error&) {
    return false;  // unreadable or large: treat it as a run
  }
  return std::all_of(bytes.begin(), bytes.end(), [](std::byte b) {
    const auto c = static_cast<unsigned char>(b);
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
  });
}

void clear_run(const fs::path& dir) {
  if (!is_marked_run(dir)) {
    throw ConfigError(fmt::format("{}: no {} marker — mlp removes files only in a run directory it "
                                  "created; nothing was removed", dir.string(), kRunMarkerName));
  }
  remove_stale_temporaries(dir);
  for (const auto name : kRunFiles) remove_file(dir / name);
  const fs::path checkpoints = dir / "checkpoints";
  std::error_code ec;
  if (!fs::is_directory(checkpoints, ec)) return;  // absent (or not a directory: not mlp's)
  for (const auto& p : list_checkpoints(checkpoints)) remove_file(p);
  // The directory itself only when mlp's files were all it held (and it is no symbolic link).
  if (fs::is_directory(fs::symlink_status(checkpoints, ec)) && fs::is_empty(checkpoints, ec) && !ec) {
    fs::remove(checkpoints, ec);
  }
}

std::size_t remove_stale_temporaries(const fs::path& dir) {
  if (!is_marked_run(dir)) return 0;
  std::size_t removed = remove_temporaries_in(
      dir, [](std::string_view name) { return is_run_file(name) || name == kRunMarkerName; });
  std::error_code ec;
  if (fs::is_directory(dir / "checkpoints", ec)) {
    removed += remove_temporaries_in(dir / "checkpoints", [](std::string_view name) { return is_checkpoint_file_name(name); });
  }
  return removed;
}

}  // namespace mlp
