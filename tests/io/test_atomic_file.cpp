// Atomic output (RELIABILITY P4, P8) and bounded input (C13-style errors for read_file).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "mlp/core/error.hpp"
#include "mlp/io/atomic_file.hpp"

namespace mlp::io {
namespace {

namespace fs = std::filesystem;
using testing::Fault;
using testing::FileStep;
using testing::ScopedFault;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "mlp-io-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }
  /// Names of the entries in the directory, sorted.
  [[nodiscard]] std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(path_)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  fs::path path_;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const IoError& e) {
    return e.what();
  }
  return "(no IoError thrown)";
}

std::string pattern_text(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += static_cast<char>('a' + (i * 7) % 26);
  return s;
}

TEST(AtomicFile, WritesAndReplacesLeavingNoTemp) {
  TempDir dir;
  const fs::path target = dir.path() / "out.csv";
  write_file_atomic(target, std::string_view("first\n"));
  EXPECT_EQ(slurp(target), "first\n");
  write_file_atomic(target, std::string_view("second, longer\n"));
  EXPECT_EQ(slurp(target), "second, longer\n");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"out.csv"});
}

TEST(AtomicFile, StreamingWriterCommitsManySmallWritesAndLargeOnes) {
  TempDir dir;
  const fs::path target = dir.path() / "metrics.csv";
  std::string expected;
  AtomicWriter w(target);
  EXPECT_EQ(w.temp_path().parent_path(), target.parent_path());
  EXPECT_NE(w.temp_path().filename().string().find("metrics.csv.tmp."), std::string::npos);
  for (int i = 0; i < 20000; ++i) {
    const std::string line = std::to_string(i) + "," + std::to_string(i * i) + "\n";
    w.write(line);
    expected += line;
  }
  const std::string big = pattern_text(200000);
  w.write(big);
  expected += big;
  EXPECT_FALSE(fs::exists(target));  // nothing under the final name before commit()
  EXPECT_EQ(w.size(), expected.size());
  w.commit();
  EXPECT_TRUE(w.committed());
  EXPECT_EQ(slurp(target), expected);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"metrics.csv"});
  EXPECT_THROW(w.write(std::string_view("late")), std::logic_error);
}

TEST(AtomicFile, AbandonedWriterRemovesItsTempAndKeepsTheOldFile) {
  TempDir dir;
  const fs::path target = dir.path() / "model.mlp";
  write_file_atomic(target, std::string_view("old"));
  {
    AtomicWriter w(target);
    w.write(pattern_text(100000));  // past one buffer: bytes reached the temp file
    EXPECT_TRUE(fs::exists(w.temp_path()));
  }
  EXPECT_EQ(slurp(target), "old");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"model.mlp"});
}

TEST(AtomicFile, MovedWriterOwnsTheTemp) {
  TempDir dir;
  const fs::path target = dir.path() / "a.txt";
  AtomicWriter a(target);
  a.write(std::string_view("x"));
  AtomicWriter b(std::move(a));
  b.write(std::string_view("y"));
  AtomicWriter c(dir.path() / "c.txt");
  c = std::move(b);  // c's own temp is removed
  c.commit();
  EXPECT_EQ(slurp(target), "xy");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"a.txt"});
}

// RELIABILITY P4(c): the disk fills up at byte k, for every k of a small file.
TEST(AtomicFile, FaultAtEveryByteKeepsTheOldFileAndRemovesTheTemp) {
  TempDir dir;
  const fs::path target = dir.path() / "model.mlp";
  const std::string old_content = "the previous, complete model\n";
  write_file_atomic(target, old_content);
  const std::string fresh = pattern_text(333);
  const std::string expected_message = target.string() + ": No space left on device";
  for (std::size_t k = 0; k < fresh.size(); ++k) {
    ScopedFault fault(Fault{FileStep::write, k, ENOSPC});
    EXPECT_EQ(message_of([&] { write_file_atomic(target, fresh); }), expected_message) << "k=" << k;
    ASSERT_EQ(slurp(target), old_content) << "k=" << k;
    ASSERT_EQ(dir.entries(), std::vector<std::string>{"model.mlp"}) << "k=" << k;
  }
  // A fault past the end never fires: the write succeeds.
  {
    ScopedFault fault(Fault{FileStep::write, fresh.size(), ENOSPC});
    write_file_atomic(target, fresh);
  }
  EXPECT_EQ(slurp(target), fresh);
}

// The streaming writer: small writes, several buffer flushes, faults around the flush borders.
TEST(AtomicFile, StreamingWriterFaultsAcrossBufferFlushes) {
  TempDir dir;
  const fs::path target = dir.path() / "preds.csv";
  write_file_atomic(target, std::string_view("old\n"));
  const std::string line = "0.125,0.875,1\n";
  const std::size_t lines = 15000;  // 210000 bytes: about three buffer flushes
  for (const std::uint64_t k : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{65535},
                                std::uint64_t{65536}, std::uint64_t{65537}, std::uint64_t{131072},
                                std::uint64_t{209999}}) {
    ScopedFault fault(Fault{FileStep::write, k, EIO});
    const std::string msg = message_of([&] {
      AtomicWriter w(target);
      for (std::size_t i = 0; i < lines; ++i) w.write(line);
      w.commit();
    });
    EXPECT_EQ(msg, target.string() + ": " + std::strerror(EIO)) << "k=" << k;
    EXPECT_EQ(slurp(target), "old\n");
    EXPECT_EQ(dir.entries(), std::vector<std::string>{"preds.csv"});
  }
}

TEST(AtomicFile, FaultAtFsyncCloseOrRenameKeepsTheOldFile) {
  TempDir dir;
  const fs::path target = dir.path() / "ckpt.mlpck";
  write_file_atomic(target, std::string_view("old"));
  for (const FileStep step : {FileStep::fsync, FileStep::close, FileStep::rename}) {
    ScopedFault fault(Fault{step, 0, step == FileStep::rename ? EXDEV : ENOSPC});
    const std::string msg = message_of([&] { write_file_atomic(target, pattern_text(50)); });
    EXPECT_EQ(msg, target.string() + ": " +
                       std::strerror(step == FileStep::rename ? EXDEV : ENOSPC));
    EXPECT_EQ(slurp(target), "old");
    EXPECT_EQ(dir.entries(), std::vector<std::string>{"ckpt.mlpck"});
  }
}

TEST(AtomicFile, UnwritableDestinationsAreIoErrors) {
  TempDir dir;
  EXPECT_EQ(message_of([&] { write_file_atomic(dir.path() / "missing" / "x.csv", "x"); }),
            (dir.path() / "missing" / "x.csv").string() + ": No such file or directory");
  fs::create_directory(dir.path() / "sub");
  EXPECT_EQ(message_of([&] { write_file_atomic(dir.path() / "sub", "x"); }),
            (dir.path() / "sub").string() + ": Is a directory");
  EXPECT_TRUE(fs::is_directory(dir.path() / "sub"));
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"sub"});
}

// RELIABILITY P4(b): `ulimit -f` makes write() fail with EFBIG once SIGXFSZ is ignored. Run in
// a child process so the limit does not reach the rest of the suite.
TEST(AtomicFile, FileSizeLimitGivesFileTooLarge) {
  TempDir dir;
  const fs::path target = dir.path() / "model.mlp";
  write_file_atomic(target, std::string_view("old"));
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{4096, 4096};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(3);
    const std::string msg = message_of([&] { write_file_atomic(target, pattern_text(100000)); });
    const bool ok = msg == target.string() + ": File too large" && slurp(target) == "old" &&
                    dir.entries() == std::vector<std::string>{"model.mlp"};
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// ---- destinations that are not regular files ------------------------------------------------

TEST(AtomicFile, TemporaryFileTargetNamesTheFinalFile) {
  EXPECT_EQ(temporary_file_target("model.mlp.tmp.123.0"), "model.mlp");
  EXPECT_EQ(temporary_file_target("ckpt-000001.mlpck.tmp.99999.2"), "ckpt-000001.mlpck");
  for (const char* other : {"thesis.tmp.docx", "notes.tmp.txt", "model.mlp.tmp.1", ".tmp.1.2", "x.tmp.1.2a",
                            "x.tmp..2", "x.tmp.1.", "model.mlp", "x.tmp.-1.2"}) {
    EXPECT_EQ(temporary_file_target(other), std::nullopt) << other;
  }
  TempDir dir;
  AtomicWriter w(dir.path() / "out.csv");
  EXPECT_EQ(temporary_file_target(w.temp_path().filename().string()), "out.csv");
}

TEST(AtomicFile, SymlinkStaysALinkAndItsTargetIsReplacedAtomically) {
  TempDir dir;
  const fs::path real = dir.path() / "real.csv";
  write_file_atomic(real, std::string_view("old"));
  fs::create_directory(dir.path() / "links");
  fs::create_symlink("../real.csv", dir.path() / "links" / "out.csv");  // relative to the link's directory
  fs::create_symlink(dir.path() / "links" / "out.csv", dir.path() / "chain.csv");  // a link to a link
  {
    AtomicWriter w(dir.path() / "chain.csv");
    EXPECT_TRUE(fs::equivalent(w.target_path(), real));
    EXPECT_TRUE(fs::equivalent(w.temp_path().parent_path(), dir.path()));  // renamed within its directory
    w.write(std::string_view("new"));
    EXPECT_EQ(slurp(real), "old");
    w.commit();
  }
  EXPECT_TRUE(fs::is_symlink(dir.path() / "chain.csv"));
  EXPECT_TRUE(fs::is_symlink(dir.path() / "links" / "out.csv"));
  EXPECT_EQ(slurp(real), "new");
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"chain.csv", "links", "real.csv"}));

  // A dangling link: the file it names is created, the link stays.
  fs::create_symlink("made.csv", dir.path() / "dangling.csv");
  write_file_atomic(dir.path() / "dangling.csv", std::string_view("made"));
  EXPECT_TRUE(fs::is_symlink(dir.path() / "dangling.csv"));
  EXPECT_EQ(slurp(dir.path() / "made.csv"), "made");

  // A loop and a link to a directory are errors that name the given path.
  fs::create_symlink("loop-b", dir.path() / "loop-a");
  fs::create_symlink("loop-a", dir.path() / "loop-b");
  EXPECT_EQ(message_of([&] { write_file_atomic(dir.path() / "loop-a", "x"); }),
            (dir.path() / "loop-a").string() + ": " + std::strerror(ELOOP));
  fs::create_symlink("links", dir.path() / "to-dir");
  EXPECT_EQ(message_of([&] { write_file_atomic(dir.path() / "to-dir", "x"); }),
            (dir.path() / "to-dir").string() + ": Is a directory");
  EXPECT_TRUE(fs::is_symlink(dir.path() / "to-dir"));
}

TEST(AtomicFile, ReplacingAFileGrantsNoPermissionItDidNotHave) {
  TempDir dir;
  const fs::path p = dir.path() / "private.csv";
  write_file_atomic(p, std::string_view("secret"));
  fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write);
  write_file_atomic(p, std::string_view("still secret"));
  EXPECT_EQ(fs::status(p).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(slurp(p), "still secret");
}

TEST(AtomicFile, FifoIsWrittenInPlaceAndItsReaderGetsEverything) {
  TempDir dir;
  const fs::path fifo = dir.path() / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string content = pattern_text(300000);  // more than a pipe holds: streamed
  std::string received;
  std::thread reader([&] { received = slurp(fifo); });
  {
    AtomicWriter w(fifo);  // opening waits for the reader
    EXPECT_TRUE(w.streaming());
    EXPECT_TRUE(w.temp_path().empty());
    w.write(content);
    w.commit();
  }
  reader.join();
  EXPECT_EQ(received, content);
  EXPECT_TRUE(fs::is_fifo(fifo));
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"pipe"});
}

TEST(AtomicFile, DeviceNodeIsWrittenInPlace) {
  TempDir dir;
  const fs::path node = dir.path() / "null";  // a twin of /dev/null, so the real one is never at risk
  if (::mknod(node.c_str(), S_IFCHR | 0666, ::makedev(1, 3)) != 0) GTEST_SKIP() << "mknod not permitted";
  write_file_atomic(node, pattern_text(100000));
  EXPECT_TRUE(fs::is_character_file(node));
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"null"});
}

TEST(AtomicFile, DescriptorNamesWriteThroughTheOpenDescriptorAtItsPosition) {
  TempDir dir;
  const fs::path p = dir.path() / "log.txt";
  const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "a", 1), 1);
  write_file_atomic("/dev/fd/" + std::to_string(fd), std::string_view("b"));
  write_file_atomic("/proc/self/fd/" + std::to_string(fd), std::string_view("c"));
  ASSERT_EQ(::write(fd, "d", 1), 1);  // the descriptor stays open and usable
  ::close(fd);
  EXPECT_EQ(slurp(p), "abcd");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"log.txt"});

  // A pipe behind /dev/fd/N, with a fault on the way: the error names the path.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const std::string name = "/dev/fd/" + std::to_string(fds[1]);
  {
    ScopedFault fault(Fault{FileStep::write, 10, ENOSPC});
    EXPECT_EQ(message_of([&] { write_file_atomic(name, pattern_text(100)); }), name + ": No space left on device");
  }
  ::close(fds[1]);
  char got[200];
  EXPECT_EQ(::read(fds[0], got, sizeof got), 10);  // what was written before the fault
  ::close(fds[0]);
}

TEST(AtomicFile, WhatCannotBeWrittenIsAnIoErrorAndStaysAsItWas) {
  TempDir dir;
  int closed = 1000;
  while (::fcntl(closed, F_GETFD) != -1) ++closed;
  const std::string closed_name = "/dev/fd/" + std::to_string(closed);
  EXPECT_EQ(message_of([&] { write_file_atomic(closed_name, "x"); }),
            closed_name + ": Bad file descriptor — descriptor " + std::to_string(closed) + " is not open for writing");

  const fs::path p = dir.path() / "read-only.txt";
  write_file_atomic(p, std::string_view("keep"));
  const int ro = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(ro, 0);
  const std::string ro_name = "/dev/fd/" + std::to_string(ro);
  EXPECT_NE(message_of([&] { write_file_atomic(ro_name, "x"); }).find(ro_name + ": Bad file descriptor"),
            std::string::npos);
  ::close(ro);
  EXPECT_EQ(slurp(p), "keep");

  const fs::path sock = dir.path() / "sock";
  const int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(s, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(sock.string().size(), sizeof addr.sun_path);
  std::strcpy(addr.sun_path, sock.c_str());
  ASSERT_EQ(::bind(s, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_NE(message_of([&] { write_file_atomic(sock, "x"); }).find(sock.string() + ": is a socket"), std::string::npos);
  EXPECT_TRUE(fs::is_socket(sock));
  ::close(s);
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"read-only.txt", "sock"}));
}

// ---- read_file -------------------------------------------------------------------------

template <class E>
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "(expected error not thrown)";
}

TEST(ReadFile, ReadsWholeFilesUpToTheLimit) {
  TempDir dir;
  const fs::path p = dir.path() / "data.bin";
  const std::string content = pattern_text(100000);
  write_file_atomic(p, content);
  const auto bytes = read_file(p, content.size());
  ASSERT_EQ(bytes.size(), content.size());
  EXPECT_EQ(std::memcmp(bytes.data(), content.data(), content.size()), 0);
  EXPECT_EQ(error_of<DataError>([&] { (void)read_file(p, content.size() - 1); }),
            p.string() + ": file is 100000 bytes, larger than the limit of 99999 bytes for this "
                         "kind of file");
  write_file_atomic(p, std::string_view(""));
  EXPECT_TRUE(read_file(p, 0).empty());
}

TEST(ReadFile, MissingFileAndDirectoryAreInputErrors) {
  TempDir dir;
  EXPECT_EQ(error_of<InputError>([&] { (void)read_file(dir.path() / "nope.mlp", 10); }),
            (dir.path() / "nope.mlp").string() + ": No such file or directory");
  EXPECT_EQ(error_of<InputError>([&] { (void)read_file(dir.path(), 10); }),
            dir.path().string() + ": Is a directory");
}

TEST(ReadFile, UnreadableFileIsAnInputError) {
  TempDir dir;
  const fs::path locked = dir.path() / "locked.mlp";
  write_file_atomic(locked, std::string_view("secret"));
  fs::permissions(locked, fs::perms::none);
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores permission bits";
  EXPECT_EQ(error_of<InputError>([&] { (void)read_file(locked, 10); }),
            locked.string() + ": Permission denied");
}

TEST(ReadFile, PipesAreReadAndTheLimitHoldsWhileReading) {
  TempDir dir;
  const fs::path fifo = dir.path() / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string content = pattern_text(300000);
  std::thread writer([&] {
    std::ofstream out(fifo, std::ios::binary);
    out << content;
  });
  const auto bytes = read_file(fifo, content.size());
  writer.join();
  EXPECT_EQ(bytes.size(), content.size());

  ::signal(SIGPIPE, SIG_IGN);  // the reader gives up early: the writer gets EPIPE, not a signal
  std::thread writer2([&] {
    std::ofstream out(fifo, std::ios::binary);
    out << content;
  });
  EXPECT_THROW((void)read_file(fifo, 1000), DataError);
  writer2.join();
}

}  // namespace
}  // namespace mlp::io
