#include "mlp/core/parameters.hpp"

#include <fmt/format.h>

#include "mlp/core/error.hpp"

namespace mlp {

template <class T>
std::size_t Parameters<T>::add(std::string name, Index rows, Index cols, bool penalized) {
  if (rows <= 0 || cols <= 0) {
    throw ShapeError(fmt::format("parameter {}: shape {}x{} must be positive", name, rows, cols));
  }
  if (find(name)) throw ConfigError(fmt::format("parameter {} is defined twice", name));
  const std::size_t offset = size();
  slices_.push_back(ParamSlice{std::move(name), offset, rows, cols, penalized});
  const Index total = static_cast<Index>(offset) + rows * cols;
  theta_.conservativeResize(total);
  dtheta_.conservativeResize(total);
  theta_.tail(rows * cols).setZero();
  dtheta_.tail(rows * cols).setZero();
  return slices_.size() - 1;
}

template <class T>
std::optional<std::size_t> Parameters<T>::find(std::string_view name) const {
  for (std::size_t i = 0; i < slices_.size(); ++i) {
    if (slices_[i].name == name) return i;
  }
  return std::nullopt;
}

template class Parameters<float>;
template class Parameters<double>;

}  // namespace mlp
