#include "suf/spec.h"

#include <algorithm>

#include "core/error.h"
#include "core/ring.h"

namespace fss::suf {
namespace {

int push(std::vector<BoolNode>& nodes, BoolOp op, uint64_t constant, int bits,
         std::vector<int> inputs) {
  BoolNode node;
  node.op = op;
  node.constant = constant;
  node.bits = bits;
  node.inputs = std::move(inputs);
  nodes.push_back(std::move(node));
  return static_cast<int>(nodes.size()) - 1;
}

int arity(BoolOp op) {
  switch (op) {
    case BoolOp::kLess:
    case BoolOp::kLowLess:
    case BoolOp::kMsb:
      return 0;
    case BoolOp::kNot:
      return 1;
    case BoolOp::kXor:
    case BoolOp::kAnd:
      return 2;
  }
  return -1;
}

const char* op_name(BoolOp op) {
  switch (op) {
    case BoolOp::kLess:
      return "C (less)";
    case BoolOp::kLowLess:
      return "D (low less)";
    case BoolOp::kMsb:
      return "MSB";
    case BoolOp::kXor:
      return "XOR";
    case BoolOp::kAnd:
      return "AND";
    case BoolOp::kNot:
      return "NOT";
  }
  return "unknown";
}

template <typename... Args>
[[noreturn]] void reject(const SufSpec& spec, fmt::format_string<Args...> format, Args&&... args) {
  fail(ErrorKind::kInvalidArgument, "suf spec '{}': {}", spec.name,
       fmt::format(format, std::forward<Args>(args)...));
}

void validate_node(const SufSpec& spec, int index) {
  const BoolNode& node = spec.bool_nodes[index];
  const int op = static_cast<int>(node.op);
  if (op < 0 || op >= kBoolOpCount)
    reject(spec, "bool node {}: unknown predicate or operator {}", index, op);
  const int expected = arity(node.op);
  if (static_cast<int>(node.inputs.size()) != expected)
    reject(spec, "bool node {}: {} takes {} inputs, got {}", index, op_name(node.op), expected,
           node.inputs.size());
  for (int input : node.inputs)
    if (input < 0 || input >= index)
      reject(spec, "bool node {}: input {} is not an earlier node (0..{})", index, input,
             index - 1);
  const Ring view{spec.w()};
  if (node.op == BoolOp::kLess && node.constant > view.mask())
    reject(spec, "bool node {}: C threshold beta = {} is not below 2^{} (w)", index, node.constant,
           spec.w());
  if (node.op == BoolOp::kLowLess) {
    if (node.bits < 1 || node.bits > spec.w())
      reject(spec, "bool node {}: D width f = {} outside 1..w = {}", index, node.bits, spec.w());
    if (node.constant > Ring{node.bits}.mask())
      reject(spec, "bool node {}: D threshold gamma = {} is not below 2^{}", index, node.constant,
             node.bits);
  }
}

}  // namespace

int add_less(std::vector<BoolNode>& nodes, uint64_t beta) {
  return push(nodes, BoolOp::kLess, beta, 0, {});
}
int add_low_less(std::vector<BoolNode>& nodes, uint64_t gamma, int f) {
  return push(nodes, BoolOp::kLowLess, gamma, f, {});
}
int add_msb(std::vector<BoolNode>& nodes) { return push(nodes, BoolOp::kMsb, 0, 0, {}); }
int add_xor(std::vector<BoolNode>& nodes, int a, int b) {
  return push(nodes, BoolOp::kXor, 0, 0, {a, b});
}
int add_and(std::vector<BoolNode>& nodes, int a, int b) {
  return push(nodes, BoolOp::kAnd, 0, 0, {a, b});
}
int add_not(std::vector<BoolNode>& nodes, int a) { return push(nodes, BoolOp::kNot, 0, 0, {a}); }

void validate(const SufSpec& spec) {
  if (spec.input.n < 1 || spec.input.n > 64 || spec.input.f < 0 || spec.input.f >= spec.input.n)
    reject(spec, "input format n = {}, f = {}: needs 1 <= n <= 64 and 0 <= f < n", spec.input.n,
           spec.input.f);
  const int n = spec.n();
  const Ring ring{n};
  if (spec.output_f < 0 || spec.output_f >= n)
    reject(spec, "output fractional bits {} outside 0..{}", spec.output_f, n - 1);
  if (spec.effective_width < 0 || spec.effective_width > n)
    reject(spec, "effective width w = {} outside 0..n = {} (0 means n)", spec.effective_width, n);
  const Ring view{spec.w()};
  if (spec.degree < 0 || spec.degree > kMaxDegree)
    reject(spec, "degree d = {} outside 0..{}", spec.degree, kMaxDegree);
  if (spec.outputs < 0 || spec.aux_outputs < 0)
    reject(spec, "negative output count (r = {}, p_aux = {})", spec.outputs, spec.aux_outputs);
  if (spec.outputs + spec.aux_outputs + spec.bool_outputs.size() == 0)
    reject(spec, "no outputs (r = 0, p_aux = 0 and no boolean outputs)");

  if (spec.starts.empty() || spec.starts[0] != 0)
    reject(spec, "missing boundary a_0 = 0 (the first interval must start at 0)");
  for (size_t i = 1; i < spec.starts.size(); ++i) {
    if (spec.starts[i] <= spec.starts[i - 1])
      reject(spec, "boundaries not strictly increasing: a_{} = {} after a_{} = {}", i,
             spec.starts[i], i - 1, spec.starts[i - 1]);
    if (spec.starts[i] > view.mask())
      reject(spec, "boundary a_{} = {} is not below 2^{} (w)", i, spec.starts[i], spec.w());
  }
  const size_t m = spec.starts.size();
  if (spec.coefficients.size() != m)
    reject(spec, "{} intervals but {} coefficient tables (missing or extra boundaries)", m,
           spec.coefficients.size());
  for (size_t i = 0; i < m; ++i) {
    if (spec.coefficients[i].size() != static_cast<size_t>(spec.outputs))
      reject(spec, "interval {} has {} polynomials, r = {}", i, spec.coefficients[i].size(),
             spec.outputs);
    for (int j = 0; j < spec.outputs; ++j) {
      const std::vector<uint64_t>& poly = spec.coefficients[i][j];
      if (poly.size() > static_cast<size_t>(spec.degree) + 1)
        reject(spec, "interval {} output {}: {} coefficients overflow degree d = {}", i, j,
               poly.size(), spec.degree);
      for (size_t k = 0; k < poly.size(); ++k)
        if (poly[k] > ring.mask())
          reject(spec, "interval {} output {}: coefficient {} = {} is not below 2^{}", i, j, k,
                 poly[k], n);
    }
  }
  if (spec.aux_outputs > 0 && spec.aux.size() != m)
    reject(spec, "{} intervals but {} rows of auxiliary constants", m, spec.aux.size());
  if (spec.aux_outputs == 0 && !spec.aux.empty())
    reject(spec, "auxiliary constants given but p_aux = 0");
  for (size_t i = 0; i < spec.aux.size(); ++i) {
    if (spec.aux[i].size() != static_cast<size_t>(spec.aux_outputs))
      reject(spec, "interval {} has {} auxiliary constants, p_aux = {}", i, spec.aux[i].size(),
             spec.aux_outputs);
    for (uint64_t value : spec.aux[i])
      if (value > ring.mask())
        reject(spec, "interval {}: auxiliary constant {} is not below 2^{}", i, value, n);
  }

  for (size_t node = 0; node < spec.bool_nodes.size(); ++node)
    validate_node(spec, static_cast<int>(node));
  for (size_t k = 0; k < spec.bool_outputs.size(); ++k) {
    const int node = spec.bool_outputs[k];
    if (node < 0 || static_cast<size_t>(node) >= spec.bool_nodes.size())
      reject(spec, "boolean output {} names node {}, the circuit has {} nodes", k, node,
             spec.bool_nodes.size());
  }
}

int interval_of(const SufSpec& spec, uint64_t x) {
  const auto after = std::upper_bound(spec.starts.begin(), spec.starts.end(), spec.view(x));
  return static_cast<int>(after - spec.starts.begin()) - 1;
}

std::vector<uint8_t> evaluate_bool_nodes(const SufSpec& spec, uint64_t full) {
  const Ring ring{spec.w()};
  const uint64_t x = spec.view(full);
  std::vector<uint8_t> value(spec.bool_nodes.size());
  for (size_t i = 0; i < spec.bool_nodes.size(); ++i) {
    const BoolNode& node = spec.bool_nodes[i];
    switch (node.op) {
      case BoolOp::kLess:
        value[i] = x < node.constant;
        break;
      case BoolOp::kLowLess:
        value[i] = Ring{node.bits}.mod(x) < node.constant;
        break;
      case BoolOp::kMsb:
        value[i] = static_cast<uint8_t>(ring.msb(x));
        break;
      case BoolOp::kXor:
        value[i] = value[node.inputs[0]] ^ value[node.inputs[1]];
        break;
      case BoolOp::kAnd:
        value[i] = value[node.inputs[0]] & value[node.inputs[1]];
        break;
      case BoolOp::kNot:
        value[i] = value[node.inputs[0]] ^ 1;
        break;
    }
  }
  return value;
}

SufValue evaluate(const SufSpec& spec, uint64_t x) {
  const Ring ring = spec.input.ring();
  const int i = interval_of(spec, x);
  SufValue out;
  for (int j = 0; j < spec.outputs; ++j) {
    const std::vector<uint64_t>& poly = spec.coefficients[i][j];
    uint64_t y = 0;
    for (size_t k = poly.size(); k-- > 0;) y = ring.add(ring.mul(y, x), poly[k]);
    out.arithmetic.push_back(y);
  }
  for (int q = 0; q < spec.aux_outputs; ++q) out.arithmetic.push_back(spec.aux[i][q]);
  const std::vector<uint8_t> nodes = evaluate_bool_nodes(spec, x);
  for (int node : spec.bool_outputs) out.bits.push_back(nodes[node]);
  return out;
}

}  // namespace fss::suf
