// Framing and checksum helpers of the model container, shared by the implementation, the unit
// tests (which build hostile files that still carry a valid checksum) and the fuzz target.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace mlp::io::detail {

/// The exact bytes that introduce the checksum digits in a header: "mlp.crc32":" (no spaces).
inline constexpr std::string_view kChecksumPrefix = "\"mlp.crc32\":\"";
/// The checksum digits as they are read while computing the checksum.
inline constexpr std::string_view kChecksumPlaceholder = "00000000";

/// Offset within `header` of the 8 checksum digits when kChecksumPrefix occurs exactly once and
/// is followed by 8 bytes and a closing quote; nullopt otherwise.
std::optional<std::size_t> find_checksum_digits(std::span<const std::byte> header);

/// CRC32 of `file` with the 8 bytes at `digits_pos` read as kChecksumPlaceholder.
std::uint32_t content_crc(std::span<const std::byte> file, std::size_t digits_pos);

/// The 8-byte length and the header padded with spaces to a multiple of 8 bytes, with capacity
/// for `data_bytes` more bytes.
std::vector<std::byte> frame_header(std::string_view header_json, std::size_t data_bytes);

/// Writes the checksum of `file` into its checksum digits. Returns false (and changes nothing)
/// when the file has no readable header length or no single checksum field in its header.
bool seal(std::vector<std::byte>& file);

/// frame_header + data + seal: a complete file around any header text (for tests).
std::vector<std::byte> assemble(std::string_view header_json, std::span<const std::byte> data);

}  // namespace mlp::io::detail
