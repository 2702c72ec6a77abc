// IDX reader (MNIST / Fashion-MNIST), raw or gzip. All sizes are checked against the bytes
// actually present before anything of that size is allocated.
#include "mlp/data/idx.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <climits>
#include <optional>
#include <system_error>

#include "io.hpp"
#include "mlp/core/error.hpp"
#include "mlp/core/input_file.hpp"

namespace mlp::data {
namespace {

// deflate cannot expand data by more than ~1032:1, so a gzip stream of n bytes never
// decompresses to more than about 1032 n bytes (plus a little for tiny streams).
constexpr std::uint64_t kMaxDeflateRatio = 1032;
constexpr std::uint64_t kSlack = 1024;

[[noreturn]] void fail(std::string_view name, const std::string& what) {
  throw DataError(fmt::format("{}: error: {}", name, what));
}

bool is_gzip(std::span<const std::uint8_t> b) {
  return b.size() >= 2 && b[0] == 0x1f && b[1] == 0x8b;
}

/// The compressed bytes an Inflater reads: a buffer in memory, or a regular file read chunk by
/// chunk (so a .gz file is never held in memory whole, and a corrupt one is refused at its
/// first bad chunk).
class Compressed {
 public:
  explicit Compressed(std::span<const std::uint8_t> bytes) : size_(bytes.size()), pending_(bytes) {}
  /// `file` after its first bytes `first` were read.
  Compressed(InputFile& file, std::span<const std::uint8_t> first)
      : size_(file.size()), pending_(first), file_(&file) {}

  /// The compressed size (of a file: when it was opened).
  [[nodiscard]] std::uint64_t size() const { return size_; }
  /// The next bytes; empty at the end.
  std::span<const std::uint8_t> next() {
    std::span<const std::uint8_t> out = pending_;
    pending_ = {};
    if (out.empty() && file_ != nullptr) {
      buffer_.resize(kChunkBytes);
      out = std::span<const std::uint8_t>(buffer_.data(), file_->read_some(buffer_.data(), buffer_.size()));
    }
    handed_out_ += out.size();
    return out;
  }
  /// Bytes of size() that next() has not returned yet.
  [[nodiscard]] std::uint64_t unread() const { return handed_out_ < size_ ? size_ - handed_out_ : 0; }

 private:
  static constexpr std::size_t kChunkBytes = std::size_t{1} << 16;
  std::uint64_t size_;
  std::span<const std::uint8_t> pending_;
  InputFile* file_ = nullptr;
  std::vector<std::uint8_t> buffer_;
  std::uint64_t handed_out_ = 0;
};

/// Incremental gzip decompression.
class Inflater {
 public:
  Inflater(Compressed& in, std::string_view name) : in_(in), name_(name) {
    if (inflateInit2(&zs_, 16 + MAX_WBITS) != Z_OK) fail(name_, "cannot initialise zlib");
    refill();
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  ~Inflater() { inflateEnd(&zs_); }

  /// Decompresses up to n bytes into out; returns how many were produced (fewer only at the
  /// end of the stream). Throws DataError on corrupt or truncated data.
  std::size_t read(std::uint8_t* out, std::size_t n) {
    std::size_t produced = 0;
    while (produced < n && !ended_) {
      const auto want = static_cast<uInt>(std::min<std::size_t>(n - produced, UINT_MAX));
      zs_.next_out = out + produced;
      zs_.avail_out = want;
      const int ret = inflate(&zs_, Z_NO_FLUSH);
      produced += want - zs_.avail_out;
      if (ret == Z_STREAM_END) {
        ended_ = true;
        const std::uint64_t rest = zs_.avail_in + (chunk_.size() - offset_) + in_.unread();
        if (rest > 0) {
          fail(name_, fmt::format("{} bytes of trailing data after the end of the gzip stream",
                                  rest));
        }
      } else if (ret == Z_BUF_ERROR || (ret == Z_OK && zs_.avail_in == 0)) {
        if (zs_.avail_in == 0 && !refill() && zs_.avail_out > 0) {
          fail(name_, "truncated gzip stream (unexpected end of file)");
        }
      } else if (ret != Z_OK) {
        fail(name_, fmt::format("corrupt gzip data (zlib: {})",
                                zs_.msg != nullptr ? zs_.msg : zError(ret)));
      }
    }
    return produced;
  }

 private:
  bool refill() {
    if (offset_ >= chunk_.size()) {
      chunk_ = in_.next();
      offset_ = 0;
      if (chunk_.empty()) return false;
    }
    const std::size_t n = std::min<std::size_t>(chunk_.size() - offset_, UINT_MAX);
    zs_.next_in = const_cast<Bytef*>(chunk_.data() + offset_);  // zlib's API is not const
    zs_.avail_in = static_cast<uInt>(n);
    offset_ += n;
    return true;
  }

  Compressed& in_;
  std::string_view name_;
  std::span<const std::uint8_t> chunk_;  ///< the bytes of in_ being decompressed
  std::size_t offset_ = 0;               ///< of chunk_, handed to zlib so far
  z_stream zs_{};
  bool ended_ = false;
};

struct Header {
  std::vector<std::uint64_t> dims;
  std::uint64_t header_bytes = 0;
  std::uint64_t payload_bytes = 0;  ///< prod(dims), overflow-checked
};

std::string_view kind_name(int ndim) { return ndim == 3 ? "images" : "labels"; }

/// Checks the 4-byte magic; `b` has at least 4 bytes.
void check_magic(std::span<const std::uint8_t> b, std::string_view name, int expected_ndim) {
  const std::uint32_t found = (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) |
                              (std::uint32_t{b[2]} << 8) | std::uint32_t{b[3]};
  const std::uint32_t expected = 0x0800u | static_cast<std::uint32_t>(expected_ndim);
  if (found == expected) return;
  std::string why;
  if (b[0] != 0 || b[1] != 0) {
    why = "not an IDX file (the first two bytes must be zero)";
  } else if (b[2] != 0x08) {
    why = fmt::format("data type 0x{:02x} is not supported (only 0x08, unsigned bytes)", b[2]);
  } else {
    why = fmt::format("{} dimensions, an IDX {} file has {}", b[3], kind_name(expected_ndim),
                      expected_ndim);
  }
  fail(name, fmt::format("bad magic number 0x{:08x}, expected 0x{:08x}: {}", found, expected,
                         why));
}

/// Reads the header from the first bytes of the (decompressed) file; `available` is how many
/// bytes are there; throws if fewer than the header needs.
std::size_t header_size(int ndim) { return 4 + 4 * static_cast<std::size_t>(ndim); }

Header parse_header(std::span<const std::uint8_t> b, std::string_view name, int expected_ndim) {
  const std::size_t need = header_size(expected_ndim);
  if (b.size() < 4) {
    fail(name, fmt::format("truncated header ({} bytes, need {})", b.size(), need));
  }
  check_magic(b, name, expected_ndim);
  if (b.size() < need) {
    fail(name, fmt::format("truncated header ({} bytes, need {})", b.size(), need));
  }
  Header h;
  h.header_bytes = need;
  std::uint64_t prod = 1;
  for (int d = 0; d < expected_ndim; ++d) {
    const std::size_t o = 4 + 4 * static_cast<std::size_t>(d);
    const std::uint64_t v = (std::uint64_t{b[o]} << 24) | (std::uint64_t{b[o + 1]} << 16) |
                            (std::uint64_t{b[o + 2]} << 8) | std::uint64_t{b[o + 3]};
    h.dims.push_back(v);
    if (__builtin_mul_overflow(prod, v, &prod)) {
      fail(name, "dimensions overflow a 64-bit size");
    }
  }
  // Index (signed) must hold every product we form later.
  if (prod > static_cast<std::uint64_t>(PTRDIFF_MAX) / 4) {
    fail(name, fmt::format("declared size {} bytes is too large", prod));
  }
  h.payload_bytes = prod;
  return h;
}

std::string dims_text(const Header& h) {
  std::string s;
  for (std::size_t i = 0; i < h.dims.size(); ++i) s += (i ? " x " : "") + std::to_string(h.dims[i]);
  return s;
}

/// `have` payload bytes (after the header) checked against the size the header declares.
void check_payload_size(std::uint64_t have, const Header& h, std::string_view name) {
  if (have < h.payload_bytes) {
    fail(name, fmt::format("truncated data: the header declares {} = {} bytes, the file holds {}",
                           dims_text(h), h.payload_bytes, have));
  }
  if (have > h.payload_bytes) {
    fail(name, fmt::format("{} bytes of trailing data after the {} bytes the header declares "
                           "({})",
                           have - h.payload_bytes, h.payload_bytes, dims_text(h)));
  }
}

/// The whole (decompressed) file checked against its header: returns the payload.
std::span<const std::uint8_t> checked_payload(std::span<const std::uint8_t> b,
                                              std::string_view name, int expected_ndim,
                                              Header& h) {
  h = parse_header(b, name, expected_ndim);
  check_payload_size(b.size() - h.header_bytes, h, name);
  return b.subspan(h.header_bytes);
}

/// For a gzip file: decompresses exactly the header plus the declared payload, never more.
std::vector<std::uint8_t> inflate_idx(Compressed& gz, std::string_view name, int expected_ndim) {
  Inflater inf(gz, name);
  std::vector<std::uint8_t> out(header_size(expected_ndim));
  std::size_t got = inf.read(out.data(), 4);
  if (got == 4) {
    check_magic(out, name, expected_ndim);
    got += inf.read(out.data() + 4, out.size() - 4);
  }
  out.resize(got);
  const Header h = parse_header(out, name, expected_ndim);  // throws if short
  const std::uint64_t bound = kMaxDeflateRatio * gz.size() + kSlack;
  if (h.payload_bytes > bound) {
    fail(name, fmt::format("the header declares {} = {} bytes, more than a gzip stream of {} "
                           "bytes can hold (corrupt header or gzip bomb)",
                           dims_text(h), h.payload_bytes, gz.size()));
  }
  out.resize(h.header_bytes + h.payload_bytes);
  got = inf.read(out.data() + h.header_bytes, h.payload_bytes);
  out.resize(h.header_bytes + got);
  if (got == h.payload_bytes) {
    std::uint8_t extra = 0;
    if (inf.read(&extra, 1) > 0) {
      fail(name, fmt::format("trailing data: the decompressed file is longer than the {} bytes "
                             "its header declares ({})",
                             h.header_bytes + h.payload_bytes, dims_text(h)));
    }
  }
  return out;  // a short payload is reported by checked_payload
}

template <class F>
auto with_payload(std::span<const std::uint8_t> bytes, std::string_view name, int ndim, F&& f) {
  Header h;
  if (is_gzip(bytes)) {
    Compressed gz(bytes);
    const auto raw = inflate_idx(gz, name, ndim);
    return f(checked_payload(raw, name, ndim, h), h);
  }
  return f(checked_payload(bytes, name, ndim, h), h);
}

}  // namespace

std::vector<std::uint8_t> gunzip(std::span<const std::uint8_t> bytes, std::size_t max_output,
                                 std::string_view source_name) {
  Compressed gz(bytes);
  Inflater inf(gz, source_name);
  std::vector<std::uint8_t> out;
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  for (;;) {
    const std::size_t room = max_output - out.size();
    const std::size_t n = std::min(kChunk, room);
    const std::size_t old = out.size();
    out.resize(old + n);
    const std::size_t got = inf.read(out.data() + old, n);
    out.resize(old + got);
    if (got < n) return out;
    if (out.size() == max_output) {
      std::uint8_t extra = 0;
      if (inf.read(&extra, 1) > 0) {
        fail(source_name, fmt::format("decompressed data exceeds the limit of {} bytes",
                                      max_output));
      }
      return out;
    }
  }
}

IdxImages parse_idx_images(std::span<const std::uint8_t> bytes, std::string_view source_name) {
  return with_payload(bytes, source_name, 3, [&](std::span<const std::uint8_t> p, const Header& h) {
    IdxImages img;
    img.count = static_cast<Index>(h.dims[0]);
    img.rows = static_cast<Index>(h.dims[1]);
    img.cols = static_cast<Index>(h.dims[2]);
    if (img.count == 0) fail(source_name, "the file holds no images");
    if (img.rows == 0 || img.cols == 0) {
      fail(source_name, fmt::format("image size {} x {} is empty", img.rows, img.cols));
    }
    // X (rows*cols x count): column j is image j, pixels in row-major order, scaled to [0, 1].
    using ByteMatrix = Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic>;
    const Eigen::Map<const ByteMatrix> pixels(p.data(), img.rows * img.cols, img.count);
    img.X = pixels.cast<float>() / 255.0f;
    return img;
  });
}

IdxLabels parse_idx_labels(std::span<const std::uint8_t> bytes, std::string_view source_name) {
  return with_payload(bytes, source_name, 1, [&](std::span<const std::uint8_t> p, const Header&) {
    if (p.empty()) fail(source_name, "the file holds no labels");
    IdxLabels out;
    out.labels.assign(p.begin(), p.end());
    return out;
  });
}

std::vector<std::string> fashion_mnist_class_names() {
  return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
          "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
}

namespace {

/// The bytes of an IDX file on disk (decompressed when it is gzip): the header and exactly the
/// payload it declares. A raw file's declared size is checked against the file's size before
/// the payload is allocated; a gzip file is inflated as it is read, its declared size checked
/// against what its compressed size can hold.
std::vector<std::uint8_t> read_idx_file(const std::filesystem::path& path, std::string_view name,
                                        int ndim) {
  InputFile file(path, InputFile::Kind::regular,
                 "IDX data must be a regular file, whose size is checked against the sizes its "
                 "header declares before anything is read");
  std::vector<std::uint8_t> bytes(std::min<std::uint64_t>(file.size(), header_size(ndim)));
  bytes.resize(file.read_full(bytes.data(), bytes.size()));
  if (is_gzip(bytes)) {
    Compressed gz(file, bytes);
    return inflate_idx(gz, name, ndim);
  }
  const Header h = parse_header(bytes, name, ndim);
  check_payload_size(file.size() - h.header_bytes, h, name);
  bytes.resize(h.header_bytes + h.payload_bytes);
  const std::size_t got = file.read_full(bytes.data() + h.header_bytes, h.payload_bytes);
  check_payload_size(got, h, name);  // the file shrank while it was read
  return bytes;
}

}  // namespace

IdxImages load_idx_images(const std::filesystem::path& images_path) {
  const std::string name = detail::display_name(images_path);
  return parse_idx_images(read_idx_file(images_path, name, 3), name);
}

std::filesystem::path idx_labels_beside(const std::filesystem::path& images_path) {
  std::string file = images_path.filename().string();
  const auto at = file.find("images-idx3");
  if (at == std::string::npos) return {};
  file.replace(at, std::string_view("images-idx3").size(), "labels-idx1");
  std::filesystem::path labels = images_path;
  labels.replace_filename(file);
  std::error_code ec;
  return std::filesystem::is_regular_file(labels, ec) ? labels : std::filesystem::path();
}

Dataset load_idx(const std::filesystem::path& images_path,
                 const std::filesystem::path& labels_path, const IdxOptions& options) {
  const std::string image_name = detail::display_name(images_path);
  const std::string label_name = detail::display_name(labels_path);
  IdxLabels lab = parse_idx_labels(read_idx_file(labels_path, label_name, 1), label_name);
  IdxImages img = parse_idx_images(read_idx_file(images_path, image_name, 3), image_name);
  if (static_cast<std::size_t>(img.count) != lab.labels.size()) {
    throw DataError(fmt::format("{}: error: {} images, but {} has {} labels; the two files must "
                                "describe the same examples",
                                image_name, img.count, label_name, lab.labels.size()));
  }
  Dataset ds;
  ds.task = Task::classification;
  ds.source = image_name;
  ds.target_names = {"label"};
  if (!options.class_names.empty()) {
    const auto n = static_cast<std::int32_t>(options.class_names.size());
    for (std::size_t i = 0; i < lab.labels.size(); ++i) {
      if (lab.labels[i] >= n) {
        throw DataError(fmt::format("{}: error: label {} of example {} (byte offset {}) is "
                                    "outside the {} classes",
                                    label_name, lab.labels[i], i, 8 + i, n));
      }
    }
    ds.class_names = options.class_names;
  } else {
    const std::int32_t top = *std::max_element(lab.labels.begin(), lab.labels.end());
    for (std::int32_t k = 0; k <= top; ++k) ds.class_names.push_back(std::to_string(k));
  }
  ds.feature_names.reserve(static_cast<std::size_t>(img.rows * img.cols));
  for (Index k = 0; k < img.rows * img.cols; ++k) ds.feature_names.push_back(fmt::format("pixel{}", k));
  ds.X = std::move(img.X);
  ds.labels = std::move(lab.labels);
  return ds;
}

}  // namespace mlp::data
