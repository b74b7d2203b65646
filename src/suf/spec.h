#pragma once
// Operator specifications of SUF (PROTOCOLS.md §9): a structured univariate function
// F : Z_{2^n} -> Z_{2^n}^{r + p_aux} x {0,1}^l given by
//  - interval starts 0 = a_0 < a_1 < ... < a_{m-1} < 2^n over canonical representatives
//    (a_m = 2^n is implied): interval i is [a_i, a_{i+1});
//  - per interval, r polynomials of degree <= d with coefficients in Z_{2^n} (the arithmetic
//    outputs, evaluated in the ring) and p_aux constants (auxiliary outputs);
//  - l boolean outputs, each a node of a small circuit over the predicates
//    C_beta(x) = 1{x < beta}, D_{gamma,f}(x) = 1{(x mod 2^f) < gamma} and MSB(x), combined with
//    XOR, AND and NOT.
// Effective width w <= n: the intervals and the predicates read the view x mod 2^w (a caller
// whose inputs fit w bits loses nothing and gets w-bit FSS keys), while the polynomials read x
// in Z_{2^n}.
// validate() is the one gate keeper: everything downstream (compiler, gates) may assume a
// validated spec.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/fixed_point.h"

namespace fss::suf {

enum class BoolOp : uint8_t {
  kLess,     // C_beta: 1{x < beta}, beta = constant < 2^n
  kLowLess,  // D_{gamma,f}: 1{(x mod 2^f) < gamma}, f = bits in 1..n, gamma = constant < 2^f
  kMsb,      // MSB_n(x)
  kXor,      // inputs[0] ^ inputs[1]
  kAnd,      // inputs[0] & inputs[1]
  kNot,      // 1 ^ inputs[0]
};
inline constexpr int kBoolOpCount = 6;

// One node of the boolean circuit; inputs name earlier nodes (the circuit is a DAG in
// topological order).
struct BoolNode {
  BoolOp op = BoolOp::kLess;
  uint64_t constant = 0;  // beta (kLess) or gamma (kLowLess)
  int bits = 0;           // f (kLowLess)
  std::vector<int> inputs;
};

// Node constructors; `nodes` grows by one, the new node's index is returned.
int add_less(std::vector<BoolNode>& nodes, uint64_t beta);
int add_low_less(std::vector<BoolNode>& nodes, uint64_t gamma, int f);
int add_msb(std::vector<BoolNode>& nodes);
int add_xor(std::vector<BoolNode>& nodes, int a, int b);
int add_and(std::vector<BoolNode>& nodes, int a, int b);
int add_not(std::vector<BoolNode>& nodes, int a);

struct SufSpec {
  std::string name;              // for messages and cost tables: "relu", "gelu_spline256"
  FixedPoint input{0, 0};        // format of x; every arithmetic output lives in Z_{2^n} too
  int effective_width = 0;       // w; 0 means n
  int output_f = 0;              // fractional bits of the polynomial outputs
  int degree = 0;                // d
  int outputs = 0;               // r: polynomial outputs
  int aux_outputs = 0;           // p_aux: per-interval constants, format {n, 0}
  std::vector<uint64_t> starts;  // a_0 .. a_{m-1}
  // coefficients[i][j][k]: coefficient of x^k of output j on interval i; at most d + 1
  // entries (missing high coefficients are zero).
  std::vector<std::vector<std::vector<uint64_t>>> coefficients;
  std::vector<std::vector<uint64_t>> aux;  // aux[i][q], q < p_aux (empty when p_aux = 0)
  std::vector<BoolNode> bool_nodes;
  std::vector<int> bool_outputs;  // node of each boolean output

  int intervals() const { return static_cast<int>(starts.size()); }
  int n() const { return input.n; }
  int w() const { return effective_width == 0 ? input.n : effective_width; }
  uint64_t view(uint64_t x) const { return w() == 64 ? x : x & ((uint64_t{1} << w()) - 1); }
};

// Largest supported degree: Φ's key grows as d^2.
inline constexpr int kMaxDegree = 8;

// Throws kInvalidArgument, naming the spec and the offending item, unless: the input format is
// valid, 0 <= output_f < n, 0 <= effective_width <= n; 0 <= d <= kMaxDegree; r, p_aux >= 0 with at
// least one output of any kind; starts are non-empty, begin with 0, strictly increase and are <
// 2^w; there is one coefficient table per interval with r polynomials of at most d + 1
// coefficients, each < 2^n; aux has one row of p_aux values < 2^n per interval; every node has a
// known op, the arity of its op (0 for predicates, 2 for XOR/AND, 1 for NOT) and inputs that name
// earlier nodes; predicate constants are in range (C: beta < 2^w; D: f <= w); every boolean output
// names a node.
void validate(const SufSpec& spec);

// Index i of the interval [a_i, a_{i+1}) holding the view of x (x < 2^n).
int interval_of(const SufSpec& spec, uint64_t x);

// The values of every node of the boolean circuit at the view of x (one 0/1 byte per node;
// MSB is bit w - 1).
std::vector<uint8_t> evaluate_bool_nodes(const SufSpec& spec, uint64_t x);

// F(x) in the clear: the r polynomial values then the p_aux constants (ring values), and the
// l output bits. The spec must be valid.
struct SufValue {
  std::vector<uint64_t> arithmetic;
  std::vector<uint8_t> bits;
};
SufValue evaluate(const SufSpec& spec, uint64_t x);

}  // namespace fss::suf
