// The model-file container (safetensors layout + format version + CRC32). Layout, checksum rule
// and trust model: docs/model-format.md.
//
// parse() trusts nothing: the order of checks is
//   1. the 8-byte length and the first header byte (is this an mlp file at all? truncated?)
//   2. header bounds: <= kMaxHeaderBytes, <= bytes that follow, a multiple of 8, '{' ... '}' + spaces
//   3. bracket depth <= kMaxJsonDepth and
//   4. JSON syntax and UTF-8, duplicate keys at any level: parse_ordered_json (mlp/core/json.hpp)
//   5. __metadata__, format version, checksum field syntax
//   6. every tensor entry: dtype, shape (checked multiply), data_offsets, contiguity
//   7. data section length (truncated / trailing bytes), then the CRC32 over the whole file
//   8. only then are tensor bytes copied: at most the data section, which is <= the file size.
// load() reads a file in the same stages (first bytes, header, data), never more than the
// checks so far allow.
#include "mlp/io/safetensors.hpp"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <array>
#include <cstdio>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>

#include "safetensors_internal.hpp"
#include "mlp/core/error.hpp"
#include "mlp/core/input_file.hpp"
#include "mlp/core/json.hpp"
#include "mlp/io/atomic_file.hpp"

namespace mlp::io {

using Json = nlohmann::ordered_json;

// ---- framing and checksum ------------------------------------------------------------------
namespace detail {
namespace {

std::string_view as_chars(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::uint64_t load_le64(const std::byte* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | std::to_integer<std::uint64_t>(p[i]);
  return v;
}

std::uint32_t crc_update(std::uint32_t crc, std::span<const std::byte> bytes) {
  return static_cast<std::uint32_t>(
      ::crc32_z(crc, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()));
}

}  // namespace

std::optional<std::size_t> find_checksum_digits(std::span<const std::byte> header) {
  const std::string_view text = as_chars(header);
  const std::size_t first = text.find(kChecksumPrefix);
  if (first == std::string_view::npos) return std::nullopt;
  if (text.find(kChecksumPrefix, first + 1) != std::string_view::npos) return std::nullopt;
  const std::size_t digits = first + kChecksumPrefix.size();
  if (digits + kChecksumPlaceholder.size() >= text.size()) return std::nullopt;
  if (text[digits + kChecksumPlaceholder.size()] != '"') return std::nullopt;
  return digits;
}

std::uint32_t content_crc(std::span<const std::byte> file, std::size_t digits_pos) {
  const auto placeholder = std::as_bytes(
      std::span<const char>(kChecksumPlaceholder.data(), kChecksumPlaceholder.size()));
  std::uint32_t crc = static_cast<std::uint32_t>(::crc32_z(0, nullptr, 0));
  crc = crc_update(crc, file.first(digits_pos));
  crc = crc_update(crc, placeholder);
  crc = crc_update(crc, file.subspan(digits_pos + placeholder.size()));
  return crc;
}

std::vector<std::byte> frame_header(std::string_view header_json, std::size_t data_bytes) {
  const std::size_t padded = (header_json.size() + 7) / 8 * 8;
  std::vector<std::byte> out;
  out.reserve(8 + padded + data_bytes);
  for (int i = 0; i < 8; ++i) {
    out.push_back(static_cast<std::byte>((static_cast<std::uint64_t>(padded) >> (8 * i)) & 0xFF));
  }
  for (const char ch : header_json) out.push_back(static_cast<std::byte>(ch));
  out.resize(8 + padded, std::byte{' '});
  return out;
}

bool seal(std::vector<std::byte>& file) {
  if (file.size() < 8) return false;
  const std::uint64_t n = load_le64(file.data());
  if (n > file.size() - 8) return false;
  const auto digits = find_checksum_digits(std::span<const std::byte>(file).subspan(8, n));
  if (!digits) return false;
  const std::size_t pos = 8 + *digits;
  const std::uint32_t crc = content_crc(file, pos);
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 8; ++i) {
    file[pos + static_cast<std::size_t>(i)] =
        static_cast<std::byte>(kHex[(crc >> (28 - 4 * i)) & 0xF]);
  }
  return true;
}

std::vector<std::byte> assemble(std::string_view header_json, std::span<const std::byte> data) {
  std::vector<std::byte> file = frame_header(header_json, data.size());
  file.insert(file.end(), data.begin(), data.end());
  seal(file);
  return file;
}

}  // namespace detail

// ---- tensors and matrices ------------------------------------------------------------------
namespace {

template <class T>
constexpr std::string_view dtype_of() {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>);
  return std::is_same_v<T, float> ? "F32" : "F64";
}

// Little-endian element storage, whatever the host byte order.
template <class T>
void store_le(T value, std::byte* out) {
  auto raw = std::bit_cast<std::array<std::byte, sizeof(T)>>(value);
  if constexpr (std::endian::native == std::endian::big) std::reverse(raw.begin(), raw.end());
  std::memcpy(out, raw.data(), sizeof(T));
}

template <class T>
T load_le(const std::byte* in) {
  std::array<std::byte, sizeof(T)> raw{};
  std::memcpy(raw.data(), in, sizeof(T));
  if constexpr (std::endian::native == std::endian::big) std::reverse(raw.begin(), raw.end());
  return std::bit_cast<T>(raw);
}

// a * b, or false on uint64 overflow.
bool checked_mul(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
  return !__builtin_mul_overflow(a, b, &out);
}

}  // namespace

std::size_t dtype_size(std::string_view dtype) {
  if (dtype == "F32") return 4;
  if (dtype == "F64") return 8;
  return 0;
}

const TensorData* Container::find(std::string_view name) const {
  for (const auto& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

template <class T>
TensorData tensor_from_matrix(std::string name, const MatrixCRef<T>& m) {
  TensorData t;
  t.name = std::move(name);
  t.dtype = std::string(dtype_of<T>());
  t.shape = {static_cast<std::int64_t>(m.rows()), static_cast<std::int64_t>(m.cols())};
  t.bytes.resize(static_cast<std::size_t>(m.size()) * sizeof(T));
  // Row-major file order: element (r, c) at flat index r * cols + c.
  std::size_t k = 0;
  for (Index r = 0; r < m.rows(); ++r) {
    for (Index c = 0; c < m.cols(); ++c, ++k) store_le<T>(m(r, c), t.bytes.data() + k * sizeof(T));
  }
  return t;
}

template <class T>
Matrix<T> matrix_from_tensor(const TensorData& t, std::string_view source) {
  const std::string where = (source.empty() ? std::string() : std::string(source) + ": ") + "tensor '" + t.name + "'";
  if (t.dtype != dtype_of<T>()) {
    throw DataError(where + ": dtype " + t.dtype + ", expected " + std::string(dtype_of<T>()));
  }
  if (t.shape.size() > 2) {
    throw DataError(where + ": rank " + std::to_string(t.shape.size()) +
                    ", expected a matrix (rank 0, 1 or 2)");
  }
  std::int64_t rows = 1;
  std::int64_t cols = 1;
  if (!t.shape.empty()) rows = t.shape[0];
  if (t.shape.size() == 2) cols = t.shape[1];
  std::uint64_t count = 0;
  if (rows < 0 || cols < 0 ||
      !checked_mul(static_cast<std::uint64_t>(rows), static_cast<std::uint64_t>(cols), count) ||
      count > t.bytes.size() / sizeof(T) || count * sizeof(T) != t.bytes.size()) {
    throw DataError(where + ": " + std::to_string(t.bytes.size()) +
                    " bytes do not hold a " + std::to_string(rows) + " x " + std::to_string(cols) +
                    " " + t.dtype + " matrix");
  }
  Matrix<T> m(static_cast<Index>(rows), static_cast<Index>(cols));
  std::size_t k = 0;
  for (Index r = 0; r < m.rows(); ++r) {
    for (Index c = 0; c < m.cols(); ++c, ++k) m(r, c) = load_le<T>(t.bytes.data() + k * sizeof(T));
  }
  return m;
}

template TensorData tensor_from_matrix<float>(std::string, const MatrixCRef<float>&);
template TensorData tensor_from_matrix<double>(std::string, const MatrixCRef<double>&);
template Matrix<float> matrix_from_tensor<float>(const TensorData&, std::string_view);
template Matrix<double> matrix_from_tensor<double>(const TensorData&, std::string_view);

// ---- serialize -----------------------------------------------------------------------------

std::vector<std::byte> serialize(const Container& c) {
  Json header = Json::object();
  Json meta = Json::object();
  meta[std::string(kVersionKey)] = std::to_string(kFormatVersion);
  meta[std::string(kChecksumKey)] = std::string(detail::kChecksumPlaceholder);
  for (const auto& [key, value] : c.metadata) {
    if (key == kVersionKey || key == kChecksumKey) {
      throw ConfigError("model metadata key '" + key + "' is reserved for the file format");
    }
    meta[key] = value;
  }
  header["__metadata__"] = std::move(meta);

  std::set<std::string_view> names;
  std::uint64_t offset = 0;
  for (const auto& t : c.tensors) {
    if (t.name.empty() || t.name == "__metadata__") {
      throw ConfigError("model tensor name '" + t.name + "' is not allowed");
    }
    if (!names.insert(t.name).second) {
      throw ConfigError("model tensor name '" + t.name + "' is used twice");
    }
    const std::size_t elem = dtype_size(t.dtype);
    if (elem == 0) {
      throw ConfigError("tensor '" + t.name + "': dtype '" + t.dtype + "', expected F32 or F64");
    }
    std::uint64_t count = 1;
    for (const std::int64_t d : t.shape) {
      if (d < 0 || !checked_mul(count, static_cast<std::uint64_t>(d), count)) {
        throw ConfigError("tensor '" + t.name + "': invalid dimension " + std::to_string(d));
      }
    }
    std::uint64_t nbytes = 0;
    if (!checked_mul(count, elem, nbytes) || nbytes != t.bytes.size()) {
      throw ConfigError("tensor '" + t.name + "': " + std::to_string(t.bytes.size()) +
                        " bytes, but dtype and shape need " + std::to_string(count) + " x " +
                        std::to_string(elem));
    }
    Json info = Json::object();
    info["dtype"] = t.dtype;
    info["shape"] = t.shape;
    info["data_offsets"] = {offset, offset + nbytes};
    header[t.name] = std::move(info);
    offset += nbytes;
  }

  std::string text;
  try {
    text = header.dump();
  } catch (const Json::type_error& e) {
    throw ConfigError(std::string("model metadata or tensor name is not valid UTF-8: ") + e.what());
  }
  std::vector<std::byte> file = detail::frame_header(text, static_cast<std::size_t>(offset));
  for (const auto& t : c.tensors) file.insert(file.end(), t.bytes.begin(), t.bytes.end());
  detail::seal(file);
  return file;
}

// ---- parse ---------------------------------------------------------------------------------
namespace {

// The checks run in three stages, so that load() can read a file in the same order: frame()
// needs the first bytes and the file size, header() the first 8 + N bytes, finish() all of
// them. Each stage allocates only what the previous ones have checked.
class Parser {
 public:
  Parser(std::string_view source, std::uint64_t file_size) : source_(source), size_(file_size) {}
  /// How many first bytes frame() looks at (fewer when the file is shorter).
  static constexpr std::size_t kFrameBytes = 12;
  /// Step 1 and the bounds of step 2 on the first min(size, kFrameBytes) bytes: returns the
  /// header length N, which is <= kMaxHeaderBytes and <= size - 8.
  std::uint64_t frame(std::span<const std::byte> first);
  /// Steps 2-7 on the first 8 + N bytes: afterwards the file size is known to be exactly what
  /// the header declares.
  void header(std::span<const std::byte> prefix);
  /// Step 7's checksum over the whole file, then step 8.
  Container finish(std::span<const std::byte> file);

 private:
  struct Entry {
    std::string name;
    std::string dtype;
    std::vector<std::int64_t> shape;
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
  };

  [[noreturn]] void fail(const std::string& what) const {
    throw DataError(std::string(source_) + ": " + what);
  }
  [[noreturn]] void not_mlp(const std::string& found) const {
    fail("not an mlp model file: " + found +
         "; an mlp model file starts with an 8-byte little-endian header length followed by a "
         "JSON header '{\"__metadata__\": {\"mlp.format_version\": ...}, ...}'");
  }
  std::string start_of_file(std::span<const std::byte> first) const;
  Json parse_json() const;
  void read_metadata(const Json& root);
  Entry read_entry(const std::string& name, const Json& info) const;
  std::uint64_t read_uint(const std::string& where, const Json& v) const;

  std::string_view source_;
  std::uint64_t size_;                 // the file size
  std::uint64_t header_length_ = 0;    // N
  std::span<const std::byte> header_;  // the N header bytes (with padding)
  Container out_;                      // metadata and version, filled by header()
  std::vector<Entry> entries_;         // in data order, tiling the data section
  std::size_t checksum_pos_ = 0;       // offset in the file of the 8 checksum digits
  std::uint32_t stored_crc_ = 0;
};

std::string Parser::start_of_file(std::span<const std::byte> first) const {
  std::string shown;
  for (std::size_t i = 0; i < std::min<std::size_t>(first.size(), kFrameBytes); ++i) {
    const auto ch = std::to_integer<unsigned char>(first[i]);
    if (ch >= 0x20 && ch < 0x7F && ch != '\\' && ch != '\'') {
      shown += static_cast<char>(ch);
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      shown += "\\x";
      shown += kHex[ch >> 4];
      shown += kHex[ch & 0xF];
    }
  }
  return "it starts with '" + shown + (size_ > kFrameBytes ? "...'" : "'");
}

std::uint64_t Parser::frame(std::span<const std::byte> first) {
  const std::uint64_t size = size_;
  if (size == 0) fail("truncated: the file is empty (0 bytes)");
  const auto byte_at = [&](std::size_t i) { return std::to_integer<unsigned char>(first[i]); };
  // The header length is a multiple of 8, so the first byte of a model file is too; the first
  // header byte is '{'. Text (CSV, JSON) and IDX files fail one of these two tests.
  if (byte_at(0) % 8 != 0) not_mlp(start_of_file(first));
  if (size > 8 && byte_at(8) != '{') not_mlp(start_of_file(first));
  if (size < 8) {
    fail("truncated: " + std::to_string(size) +
         " bytes, but the file must start with an 8-byte header length");
  }
  const std::uint64_t n = detail::load_le64(first.data());
  if (n > kMaxHeaderBytes) {
    fail("header length " + std::to_string(n) + " bytes is larger than the limit of " +
         std::to_string(kMaxHeaderBytes) + " bytes");
  }
  if (n > size - 8) {
    fail("truncated: the header length says " + std::to_string(n) + " header bytes, but only " +
         std::to_string(size - 8) + " bytes follow the length field");
  }
  if (n == 0 || n % 8 != 0) {
    fail("header length " + std::to_string(n) + " is not a positive multiple of 8");
  }
  header_length_ = n;
  return n;
}

Json Parser::parse_json() const {
  const std::string_view text = detail::as_chars(header_);
  try {
    return parse_ordered_json(text, source_);
  } catch (const JsonError& e) {
    // Positions as file bytes: the header starts at byte 8.
    const std::string at = e.offset() ? " at byte " + std::to_string(8 + *e.offset()) : "";
    switch (e.kind()) {
      case JsonError::Kind::too_deep:
        fail("JSON header nests deeper than " + std::to_string(kMaxJsonDepth) + " levels" + at +
             " (the format needs 3)");
      case JsonError::Kind::duplicate_key:
        if (e.level() == 1) fail("duplicate tensor name '" + e.key() + "' in the header");
        fail("duplicate key '" + e.key() + "' in the header");
      case JsonError::Kind::syntax:
        break;
    }
    fail("the header is not valid JSON" + at + ": " + e.detail());
  }
}

void Parser::read_metadata(const Json& root) {
  Container& out = out_;
  const auto meta = root.find("__metadata__");
  if (meta == root.end()) not_mlp("the header has no \"__metadata__\" (a plain safetensors file?)");
  if (!meta->is_object()) fail("\"__metadata__\" must be an object of strings");
  for (const auto& [key, value] : meta->items()) {
    if (!value.is_string()) {
      fail("metadata \"" + key + "\" is a " + value.type_name() +
           "; safetensors metadata values must be strings");
    }
  }
  const auto version = meta->find(std::string(kVersionKey));
  if (version == meta->end()) {
    not_mlp("the header has no \"mlp.format_version\" in \"__metadata__\" (a plain safetensors "
            "file?)");
  }
  const auto& v = version->get_ref<const std::string&>();
  const bool digits = !v.empty() && v.size() <= 9 && v.front() != '0' &&
                      std::all_of(v.begin(), v.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
  if (!digits) fail("\"mlp.format_version\" is \"" + v + "\", expected a positive integer");
  const int number = std::stoi(v);
  if (number > kFormatVersion) {
    fail("format v" + v + " not supported (max v" + std::to_string(kFormatVersion) +
         "); a newer mlp wrote this file");
  }
  out.format_version = number;

  const auto crc = meta->find(std::string(kChecksumKey));
  if (crc == meta->end()) fail("the header has no \"mlp.crc32\" checksum in \"__metadata__\"");
  const auto& c = crc->get_ref<const std::string&>();
  const bool hex = c.size() == 8 && std::all_of(c.begin(), c.end(), [](char ch) {
                     return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
                   });
  if (!hex) fail("\"mlp.crc32\" is \"" + c + "\", expected 8 lowercase hex digits");
  const auto digits_pos = detail::find_checksum_digits(header_);
  if (!digits_pos) {
    fail("the checksum must appear exactly once, written as \"mlp.crc32\":\"xxxxxxxx\"");
  }
  checksum_pos_ = 8 + *digits_pos;
  stored_crc_ = static_cast<std::uint32_t>(std::stoul(c, nullptr, 16));

  for (const auto& [key, value] : meta->items()) {
    if (key != kVersionKey && key != kChecksumKey) {
      out.metadata.emplace(key, value.get<std::string>());
    }
  }
}

std::uint64_t Parser::read_uint(const std::string& where, const Json& v) const {
  if (v.is_number_unsigned()) {
    const auto x = v.get<std::uint64_t>();
    if (x <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return x;
  }
  const std::string found = v.is_number_integer() ? "negative " + v.dump()
                            : v.is_number()       ? "non-integer or out-of-range " + v.dump()
                                                  : std::string("a ") + v.type_name();
  fail(where + " is " + found + ", expected an integer in 0..2^63-1");
}

Parser::Entry Parser::read_entry(const std::string& name, const Json& info) const {
  const std::string where = "tensor '" + name + "'";
  if (name.empty()) fail("a tensor has an empty name");
  if (!info.is_object()) fail(where + " is a " + info.type_name() + ", expected an object");
  for (const auto& [key, value] : info.items()) {
    if (key != "dtype" && key != "shape" && key != "data_offsets") {
      fail(where + " has unknown field \"" + key + "\" (expected dtype, shape, data_offsets)");
    }
  }
  Entry e;
  e.name = name;
  const auto dtype = info.find("dtype");
  const auto shape = info.find("shape");
  const auto offsets = info.find("data_offsets");
  if (dtype == info.end() || shape == info.end() || offsets == info.end()) {
    fail(where + " needs dtype, shape and data_offsets");
  }
  if (!dtype->is_string() || dtype_size(dtype->get_ref<const std::string&>()) == 0) {
    fail(where + " has dtype " + dtype->dump() + ", expected \"F32\" or \"F64\"");
  }
  e.dtype = dtype->get<std::string>();
  if (!shape->is_array()) fail(where + " shape is a " + shape->type_name() + ", expected an array");
  std::uint64_t count = 1;
  for (const auto& d : *shape) {
    const std::uint64_t dim = read_uint(where + " dimension", d);
    if (!checked_mul(count, dim, count)) {
      fail(where + " shape " + shape->dump() + " has more elements than 2^64");
    }
    e.shape.push_back(static_cast<std::int64_t>(dim));
  }
  if (!offsets->is_array() || offsets->size() != 2) {
    fail(where + " data_offsets is " + offsets->dump() + ", expected [begin, end]");
  }
  e.begin = read_uint(where + " data_offsets begin", (*offsets)[0]);
  e.end = read_uint(where + " data_offsets end", (*offsets)[1]);
  if (e.end < e.begin) {
    fail(where + " data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
         "] end before begin");
  }
  std::uint64_t nbytes = 0;
  const bool fits = checked_mul(count, dtype_size(e.dtype), nbytes);
  if (!fits || nbytes != e.end - e.begin) {
    fail(where + " holds " + std::to_string(e.end - e.begin) + " bytes, but dtype " + e.dtype +
         " and shape " + shape->dump() + " need " +
         (fits ? std::to_string(nbytes) : std::string("more than 2^64")));
  }
  return e;
}

void Parser::header(std::span<const std::byte> prefix) {
  header_ = prefix.subspan(8, static_cast<std::size_t>(header_length_));
  const std::string_view text = detail::as_chars(header_);
  const std::size_t last = text.find_last_not_of(' ');
  if (text.front() != '{' || last == std::string_view::npos || text[last] != '}') {
    fail("the JSON header (bytes 8.." + std::to_string(8 + header_length_) +
         ") must be one object '{...}' padded with spaces");
  }
  const Json root = parse_json();
  read_metadata(root);

  for (const auto& [name, info] : root.items()) {
    if (name != "__metadata__") entries_.push_back(read_entry(name, info));
  }
  // Tensors are contiguous and in order from offset 0: no gaps, no overlaps, no trailing bytes.
  std::stable_sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::uint64_t expected = 0;
  for (const auto& e : entries_) {
    if (e.begin != expected) {
      fail("tensor '" + e.name + "' data_offsets begin at " + std::to_string(e.begin) +
           ", expected " + std::to_string(expected) +
           (e.begin > expected ? " (a gap between tensors)" : " (overlaps the previous tensor)"));
    }
    expected = e.end;
  }
  const std::uint64_t data_bytes = size_ - 8 - header_length_;
  if (expected > data_bytes) {
    fail("truncated: the tensors need " + std::to_string(expected) +
         " data bytes after the header, but only " + std::to_string(data_bytes) +
         " are present");
  }
  if (expected < data_bytes) {
    fail(std::to_string(data_bytes - expected) + " unexpected bytes after the last tensor (" +
         std::to_string(expected) + " data bytes expected)");
  }
}

Container Parser::finish(std::span<const std::byte> file) {
  const std::uint32_t actual = detail::content_crc(file, checksum_pos_);
  if (actual != stored_crc_) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "checksum mismatch: the header says crc32 %08x, the content gives %08x",
                  static_cast<unsigned>(stored_crc_), static_cast<unsigned>(actual));
    fail(std::string(buf) + "; the file is corrupt (damaged on disk or in transfer, or edited)");
  }
  const auto data = file.subspan(8 + static_cast<std::size_t>(header_length_));
  Container out = std::move(out_);
  out.tensors.reserve(entries_.size());
  for (auto& e : entries_) {
    TensorData t;
    t.name = std::move(e.name);
    t.dtype = std::move(e.dtype);
    t.shape = std::move(e.shape);
    const auto bytes = data.subspan(static_cast<std::size_t>(e.begin),
                                    static_cast<std::size_t>(e.end - e.begin));
    t.bytes.assign(bytes.begin(), bytes.end());
    out.tensors.push_back(std::move(t));
  }
  return out;
}

}  // namespace

Container parse(std::span<const std::byte> file, std::string_view source_name) {
  Parser parser(source_name, file.size());
  const std::uint64_t n = parser.frame(file.first(std::min(file.size(), Parser::kFrameBytes)));
  parser.header(file.first(8 + static_cast<std::size_t>(n)));
  return parser.finish(file);
}

void save(const std::filesystem::path& path, const Container& c) {
  write_file_atomic(path, serialize(c));
}

Container load(const std::filesystem::path& path) {
  // The file is read in the parser's stages: its first bytes, then the header, then the data
  // that the header declares and the file size was found to hold, so that nothing is read or
  // allocated beyond what has been checked (a huge sparse file, or one whose header lies,
  // costs a few bytes of reading).
  InputFile in(path, InputFile::Kind::regular,
               "a model file must be a regular file, whose size is checked against its header "
               "before it is read");
  const std::string source = path.string();
  const std::uint64_t size = in.size();
  if (size > kMaxModelFileBytes) {
    throw DataError(source + ": file is " + std::to_string(size) +
                    " bytes, larger than the limit of " + std::to_string(kMaxModelFileBytes) +
                    " bytes for a model file");
  }
  Parser parser(source, size);
  std::vector<std::byte> file;
  const auto read_to = [&](std::size_t end) {
    const std::size_t start = file.size();
    file.resize(end);
    const std::size_t got = in.read_full(file.data() + start, end - start);
    if (start + got < end) {
      throw DataError(source + ": truncated while reading: " + std::to_string(start + got) +
                      " bytes, but the file had " + std::to_string(size) +
                      " bytes when it was opened (is it being written?)");
    }
  };
  read_to(static_cast<std::size_t>(std::min<std::uint64_t>(size, Parser::kFrameBytes)));
  const std::uint64_t n = parser.frame(file);
  read_to(8 + static_cast<std::size_t>(n));
  parser.header(file);
  read_to(static_cast<std::size_t>(size));
  return parser.finish(file);
}

}  // namespace mlp::io
