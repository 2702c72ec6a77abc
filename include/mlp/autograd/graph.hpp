// A computational graph with reverse-mode automatic differentiation, at matrix granularity.
//
// Each node holds a value and a gradient (both [rows x cols]) and, for operations, a forward
// and a backward rule written next to each other. Nodes are appended in creation order, which is
// a topological order (an op's inputs always exist before it), so:
//   - building an expression evaluates it at once (eager), and forward() re-evaluates every op
//     in order after the inputs changed — the same graph is reused step after step without
//     allocating its buffers again as long as the shapes stay the same;
//   - backward(out) walks the nodes from `out` down to 0 (iterative, no recursion), applying
//     each reachable op's backward rule, which ACCUMULATES (+=) into its inputs' gradients.
//
// Gradients of intermediate nodes are zeroed by backward(). Gradients of leaves accumulate
// across backward() calls, as in PyTorch: call zero_grad() for variables, and
// Parameters<T>::zero_grad() for parameter leaves (their gradients live in dtheta).
//
// Example, the seed's f(x,y,z) = (x+y)·z at (−2, 5, −4): f = −12, ∇f = (−4, −4, 3):
//   Graph<double> g;
//   auto x = g.scalar(-2), y = g.scalar(5), z = g.scalar(-4);
//   auto f = g.mul(g.add(x, y), z);
//   g.backward(f);   // g.grad(x)(0,0) == -4
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "mlp/core/parameters.hpp"
#include "mlp/core/tensor.hpp"

namespace mlp {

/// A handle to a node of a Graph.
struct Var {
  std::size_t id = ~std::size_t{0};
};

template <class T>
class Graph {
 public:
  /// Context handed to a custom operation's rules.
  struct OpContext {
    Graph& graph;
    std::size_t self;
    const std::vector<std::size_t>& inputs;
    MatrixMap<T> value() { return graph.value(Var{self}); }
    MatrixMap<T> grad() { return graph.grad(Var{self}); }
    MatrixMap<T> input_value(std::size_t k) { return graph.value(Var{inputs[k]}); }
    MatrixMap<T> input_grad(std::size_t k) { return graph.grad(Var{inputs[k]}); }
    bool input_needs_grad(std::size_t k) const { return graph.needs_grad(Var{inputs[k]}); }
  };
  using Rule = std::function<void(OpContext&)>;

  // ---- leaves ------------------------------------------------------------------------------
  /// A leaf holding `value`; gets a gradient when differentiable (the default).
  Var variable(Matrix<T> value, std::string name = {}, bool differentiable = true);
  /// A 1x1 differentiable leaf.
  Var scalar(T value, std::string name = {});
  /// A leaf for data (inputs X, targets Y): no gradient. Set its value, then forward().
  Var constant(Matrix<T> value, std::string name = {});
  /// A leaf aliasing slot `slot` of `params`: its value is the slice of theta, its gradient
  /// the slice of dtheta. `params` must outlive the graph and not grow after this call.
  Var parameter(Parameters<T>& params, std::size_t slot);

  // ---- operations (value computed at once) -------------------------------------------------
  Var matmul(Var a, Var b);             ///< [n x k]·[k x m] -> [n x m]
  Var add(Var a, Var b);                ///< same shape, or b [n x 1] broadcast over a's columns
  Var sub(Var a, Var b);                ///< same shape
  Var mul(Var a, Var b);                ///< elementwise (Hadamard), same shape
  Var scale(Var a, T s);                ///< s·a
  Var sum(Var a);                       ///< Σ all elements -> [1 x 1]
  Var mean(Var a);                      ///< (1/size) Σ all elements -> [1 x 1]
  Var sum_cols(Var a);                  ///< Σ over columns -> [n x 1]
  Var exp(Var a);
  Var log(Var a);                       ///< natural log; a must be > 0
  Var square(Var a);
  Var abs(Var a);                       ///< d|a| = sign(a) (0 at 0)
  /// A user-defined operation with `rows x cols` output: `forward` fills ctx.value() from the
  /// inputs; `backward` reads ctx.grad() and ACCUMULATES into ctx.input_grad(k) for every k with
  /// ctx.input_needs_grad(k). `has_parameters`: the op owns parameters of its own (a network),
  /// so its backward must run even when no input needs a gradient.
  Var custom(std::vector<Var> inputs, Index rows, Index cols, Rule forward, Rule backward,
             std::string name = {}, bool has_parameters = false);

  // ---- evaluation --------------------------------------------------------------------------
  /// Re-evaluates every operation in creation order (after leaf values changed).
  void forward();
  /// Reverse-mode sweep from `out` (which must be 1x1): d out/d out = 1.
  void backward(Var out);
  /// Zeroes the gradients of the variable leaves (not of parameter leaves: see Parameters).
  void zero_grad();

  MatrixMap<T> value(Var v);
  MatrixMap<T> grad(Var v);
  [[nodiscard]] bool needs_grad(Var v) const { return nodes_.at(v.id).needs_grad; }
  [[nodiscard]] std::size_t size() const { return nodes_.size(); }
  [[nodiscard]] const std::string& name(Var v) const { return nodes_.at(v.id).name; }

 private:
  struct Node {
    Matrix<T> own_value;  // storage unless aliased (parameters)
    Matrix<T> own_grad;
    T* value_ptr = nullptr;  // parameters only: the slice of theta / dtheta
    T* grad_ptr = nullptr;
    Index rows = 0, cols = 0;
    std::vector<std::size_t> inputs;
    Rule forward, backward;  // empty for leaves
    bool needs_grad = false;
    bool is_parameter = false;
    std::string name;
  };

  Var push(Node node);
  Var op(std::vector<Var> inputs, Index rows, Index cols, Rule forward, Rule backward,
         std::string name, bool has_parameters = false);
  /// An op of one input A whose result C is [rows x cols]; `backward(ctx, dA)` runs only when
  /// A needs its gradient and accumulates into dA.
  using UnaryBackward = std::function<void(OpContext&, MatrixMap<T> dA)>;
  Var unary(Var a, Index rows, Index cols, Rule forward, UnaryBackward backward, std::string name);
  void check(Var v) const;

  std::vector<Node> nodes_;
  std::vector<char> reach_;  // scratch for backward
};

extern template class Graph<float>;
extern template class Graph<double>;

}  // namespace mlp
