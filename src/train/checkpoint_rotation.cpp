#include "mlp/train/checkpoint_rotation.hpp"

#include <fmt/format.h>

#include <system_error>

#include "mlp/core/error.hpp"
#include "mlp/train/checkpoint.hpp"

namespace mlp {

namespace fs = std::filesystem;

std::string checkpoint_file_name(std::uint64_t step) { return fmt::format("ckpt-{:06}.mlpck", step); }

fs::path save_rotating_checkpoint(const fs::path& dir, const Model& model, const TrainerState& state,
                                  const std::vector<std::string>& slice_names, std::int64_t keep) {
  std::error_code ec;
  fs::create_directory(dir, ec);
  if (ec) throw IoError(fmt::format("{}: {}", dir.string(), ec.message()));
  const fs::path path = dir / checkpoint_file_name(state.optimizer.step);
  save_checkpoint(path, model, state, slice_names);
  if (keep > 0) {
    const auto all = list_checkpoints(dir);  // newest first
    for (std::size_t i = static_cast<std::size_t>(keep); i < all.size(); ++i) fs::remove(all[i], ec);
  }
  return path;
}

}  // namespace mlp
