// All learned parameters of a model in one ordered collection.
//
// theta (values) and dtheta (gradients) are each ONE contiguous vector; every tensor of the
// model is a named slice of it ("layers.0.W", "layers.0.b"), viewed as a column-major matrix.
// Optimizers, gradient clipping, gradient checking, L1/L2 penalties (weights only: slices with
// penalized == false, the biases, are exempt), checkpoints and reports are loops over the slices
// or over the flat vectors.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/core/tensor.hpp"

namespace mlp {

struct ParamSlice {
  std::string name;      ///< e.g. "layers.0.W"
  std::size_t offset;    ///< first element in theta / dtheta
  Index rows;
  Index cols;
  bool penalized;        ///< true for weights (L1/L2 apply), false for biases
  [[nodiscard]] std::size_t size() const { return static_cast<std::size_t>(rows * cols); }
};

template <class T>
class Parameters {
 public:
  /// Adds a slice of rows x cols zeros; returns its slot. Views taken before an add() are
  /// invalidated (the storage grows), so layers keep slots, not views.
  std::size_t add(std::string name, Index rows, Index cols, bool penalized);

  [[nodiscard]] std::size_t slot_count() const { return slices_.size(); }
  [[nodiscard]] const std::vector<ParamSlice>& slices() const { return slices_; }
  [[nodiscard]] const ParamSlice& slice(std::size_t slot) const { return slices_.at(slot); }
  [[nodiscard]] std::optional<std::size_t> find(std::string_view name) const;
  /// Total number of scalars (the length of theta).
  [[nodiscard]] std::size_t size() const { return static_cast<std::size_t>(theta_.size()); }

  Vector<T>& theta() { return theta_; }
  const Vector<T>& theta() const { return theta_; }
  Vector<T>& dtheta() { return dtheta_; }
  const Vector<T>& dtheta() const { return dtheta_; }

  MatrixMap<T> value(std::size_t slot) { return view(theta_, slot); }
  ConstMatrixMap<T> value(std::size_t slot) const { return cview(theta_, slot); }
  MatrixMap<T> grad(std::size_t slot) { return view(dtheta_, slot); }
  ConstMatrixMap<T> grad(std::size_t slot) const { return cview(dtheta_, slot); }

  void zero_grad() { dtheta_.setZero(); }

  /// The same collection in another scalar type (values converted, gradients zero).
  template <class U>
  [[nodiscard]] Parameters<U> cast() const {
    Parameters<U> out;
    for (const auto& s : slices_) out.add(s.name, s.rows, s.cols, s.penalized);
    out.theta() = theta_.template cast<U>();
    return out;
  }

 private:
  MatrixMap<T> view(Vector<T>& v, std::size_t slot) {
    const auto& s = slices_.at(slot);
    return MatrixMap<T>(v.data() + s.offset, s.rows, s.cols);
  }
  ConstMatrixMap<T> cview(const Vector<T>& v, std::size_t slot) const {
    const auto& s = slices_.at(slot);
    return ConstMatrixMap<T>(v.data() + s.offset, s.rows, s.cols);
  }

  std::vector<ParamSlice> slices_;
  Vector<T> theta_;
  Vector<T> dtheta_;
};

extern template class Parameters<float>;
extern template class Parameters<double>;

}  // namespace mlp
