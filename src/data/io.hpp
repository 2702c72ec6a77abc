// Internal helpers of the data loaders: reading files with clear errors, quoting bytes for
// messages, validating UTF-8.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mlp::data::detail {

/// The name a path is shown with in messages ("<stdin>" for "-").
std::string display_name(const std::filesystem::path& path);

/// Reads `path` ("-" = standard input, FIFOs and devices as streams) in chunks of up to
/// `chunk_bytes`, calling `sink` on each. Throws InputError `path: No such file or directory`
/// (Is a directory, Permission denied, ...) when it cannot be opened or read.
void read_chunks(const std::filesystem::path& path, std::size_t chunk_bytes,
                 const std::function<void(std::string_view)>& sink);

/// `text` quoted for an error message: at most `max_bytes` bytes, control and non-ASCII bytes
/// as \xNN, with "..." when cut.
std::string quote_bytes(std::string_view text, std::size_t max_bytes = 40);

/// True if `text` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool valid_utf8(std::string_view text);

/// "a, b, c" (the first `max_items`, then ", ... (N in all)").
std::string join_names(const std::vector<std::string>& names, std::size_t max_items = 20);

}  // namespace mlp::data::detail
