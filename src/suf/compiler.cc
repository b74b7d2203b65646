#include "suf/compiler.h"

#include <algorithm>

#include "core/error.h"
#include "core/ring.h"

namespace fss::suf {

bool SufPlan::column_is_public(int column) const {
  return std::all_of(payload.begin(), payload.end(), [&](const std::vector<uint64_t>& row) {
    return row[column] == payload[0][column];
  });
}

SufShapes SufPlan::shapes() const {
  return {.T = static_cast<int>(comparison_queries.size() + lookup_queries.size()),
          .M = lookup_mode == LookupMode::kPublic ? 0 : spec.intervals(),
          .p = spec.outputs * (spec.degree + 1) + spec.aux_outputs};
}

SufPlan compile(SufSpec spec, LookupMode mode) {
  if (mode == LookupMode::kPublic)
    fail(ErrorKind::kInvalidArgument,
         "suf compile: the lookup mode must be kDcf or kComparisonBits");
  validate(spec);
  SufPlan plan;
  plan.spec = std::move(spec);
  const SufSpec& s = plan.spec;
  const int w = s.w();
  const int d = s.degree;
  const int p = s.outputs * (d + 1) + s.aux_outputs;

  for (int i = 0; i < s.intervals(); ++i) {
    std::vector<uint64_t> row(p, 0);
    for (int j = 0; j < s.outputs; ++j) {
      const std::vector<uint64_t>& poly = s.coefficients[i][j];
      for (size_t k = 0; k < poly.size(); ++k)
        row[plan.coefficient_index(j, static_cast<int>(k))] = poly[k];
    }
    for (int q = 0; q < s.aux_outputs; ++q) row[s.outputs * (d + 1) + q] = s.aux[i][q];
    plan.payload.push_back(std::move(row));
  }
  for (int column = 0; column < p; ++column)
    if (!plan.column_is_public(column)) plan.lookup_mode = mode;
  for (int j = 0; j < s.outputs; ++j)
    for (int k = 1; k <= d; ++k)
      if (!plan.column_is_public(plan.coefficient_index(j, k))) {
        if (mode == LookupMode::kDcf) plan.opened.emplace_back(j, k);
        plan.boundary_powers = std::max(plan.boundary_powers, k + 1);
      }
  if (plan.lookup_mode == LookupMode::kComparisonBits)
    plan.boundary_powers = std::max(plan.boundary_powers, 1);
  else
    plan.boundary_powers = 0;

  const size_t nodes = s.bool_nodes.size();
  plan.used.assign(nodes, 0);
  for (int node : s.bool_outputs) plan.used[node] = 1;
  for (size_t i = nodes; i-- > 0;)
    if (plan.used[i])
      for (int input : s.bool_nodes[i].inputs) plan.used[input] = 1;

  plan.depth.assign(nodes, 0);
  for (size_t i = 0; i < nodes; ++i) {
    const BoolNode& node = s.bool_nodes[i];
    for (int input : node.inputs) plan.depth[i] = std::max(plan.depth[i], plan.depth[input]);
    if (node.op == BoolOp::kAnd) ++plan.depth[i];
    if (node.op == BoolOp::kAnd && plan.used[i]) {
      if (plan.and_layers.size() < static_cast<size_t>(plan.depth[i]))
        plan.and_layers.resize(plan.depth[i]);
      plan.and_layers[plan.depth[i] - 1].push_back(static_cast<int>(i));
    }
  }

  const auto query = [&](int k, uint64_t offset) -> QueryRef {
    if (k == w && plan.lookup_mode == LookupMode::kDcf) {
      auto& list = plan.lookup_queries;
      const auto found = std::find(list.begin(), list.end(), offset);
      if (found == list.end()) list.push_back(offset);
      return {true, static_cast<int>(std::find(list.begin(), list.end(), offset) - list.begin())};
    }
    auto& list = plan.comparison_queries;
    const Query wanted{k, offset};
    const auto found = std::find(list.begin(), list.end(), wanted);
    if (found == list.end()) list.push_back(wanted);
    return {false, static_cast<int>(std::find(list.begin(), list.end(), wanted) - list.begin())};
  };
  const auto rewrite_of = [&](int k, uint64_t threshold, uint64_t flip) {
    PredicateRewrite rewrite;
    rewrite.k = k;
    rewrite.threshold = threshold;
    rewrite.flip = flip;
    rewrite.shifted = query(k, Ring{k}.neg(threshold));
    rewrite.base = query(k, 0);
    return rewrite;
  };
  if (plan.lookup_mode == LookupMode::kComparisonBits)
    for (int i = 1; i < s.intervals(); ++i)
      plan.boundary_rewrites.push_back(rewrite_of(w, s.starts[i], 0));
  plan.rewrites.resize(nodes);
  for (size_t i = 0; i < nodes; ++i) {
    const BoolNode& node = s.bool_nodes[i];
    if (!plan.used[i] || !node.inputs.empty()) continue;
    switch (node.op) {
      case BoolOp::kLess:
        plan.rewrites[i] = rewrite_of(w, node.constant, 0);
        break;
      case BoolOp::kLowLess:
        plan.rewrites[i] = rewrite_of(node.bits, node.constant, 0);
        break;
      case BoolOp::kMsb:  // MSB_w(x) = 1 ^ 1{x < 2^{w-1}}
        plan.rewrites[i] = rewrite_of(w, uint64_t{1} << (w - 1), 1);
        break;
      default:
        FSS_CHECK(false, "bool node {} has no inputs but is not a predicate", i);
    }
  }
  return plan;
}

}  // namespace fss::suf
