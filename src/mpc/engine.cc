#include "mpc/engine.h"

#include "core/error.h"
#include "mpc/gate_keys.h"

namespace fss {
namespace {

void check_same_layout(const Tensor& a, const Tensor& b, const char* op) {
  if (a.shape() != b.shape() || a.fixed_point() != b.fixed_point())
    fail(ErrorKind::kInvalidArgument, "{}: operands {} ({}) and {} ({}) differ", op,
         a.shape().to_string(), a.fixed_point().to_string(), b.shape().to_string(),
         b.fixed_point().to_string());
}

template <typename Op>
Tensor combine(const Tensor& a, const Tensor& b, const char* name, Op op) {
  check_same_layout(a, b, name);
  Tensor out = Tensor::for_overwrite(a.shape(), a.fixed_point());
  const Ring ring = a.ring();
  for_each_index(out.size(), [&](size_t i) { out[i] = op(ring, a[i], b[i]); });
  return out;
}

}  // namespace

std::vector<Shared> Engine::apply(const Gate& gate, std::span<const Masked* const> inputs) {
  const std::vector<FixedPoint> in_formats = gate.input_formats();
  const std::vector<FixedPoint> out_formats = gate.output_formats();
  if (inputs.size() != in_formats.size())
    fail(ErrorKind::kInvalidArgument, "{}: takes {} inputs, got {}", gate.describe(),
         in_formats.size(), inputs.size());
  FSS_CHECK(!inputs.empty(), "{} has no inputs", gate.describe());
  std::vector<std::span<const uint64_t>> in;
  std::vector<Shape> shapes;
  for (size_t k = 0; k < inputs.size(); ++k) {
    const Tensor& t = inputs[k]->value;
    if (t.fixed_point() != in_formats[k])
      fail(ErrorKind::kInvalidArgument, "{}: input {} has format {}, expected {}", gate.describe(),
           k, t.fixed_point().to_string(), in_formats[k].to_string());
    in.push_back(t.data());
    shapes.push_back(t.shape());
  }
  const std::vector<Shape> out_shapes = gate.output_shapes(shapes);
  FSS_CHECK(out_shapes.size() == out_formats.size(), "{}", gate.describe());
  std::vector<Shared> outputs;
  std::vector<std::span<uint64_t>> out;
  outputs.reserve(out_formats.size());
  // run_gate writes every output element (gates' eval, gen's masks, clear), so no zero fill.
  for (size_t k = 0; k < out_formats.size(); ++k)
    outputs.push_back({Tensor::for_overwrite(out_shapes[k], out_formats[k])});
  for (Shared& o : outputs) out.push_back(o.value.data());
  run_gate(gate, in, out);
  return outputs;
}

Shared Engine::apply(const Gate& gate, const Masked& input) {
  const Masked* inputs[] = {&input};
  return std::move(apply(gate, inputs).at(0));
}

Shared Engine::apply(const Gate& gate, const Masked& first, const Masked& second) {
  const Masked* inputs[] = {&first, &second};
  return std::move(apply(gate, inputs).at(0));
}

std::vector<Shape> Gate::output_shapes(std::span<const Shape> inputs) const {
  for (size_t k = 1; k < inputs.size(); ++k)
    if (inputs[k] != inputs[0])
      fail(ErrorKind::kInvalidArgument, "{}: input {} has shape {}, input 0 has {}", describe(), k,
           inputs[k].to_string(), inputs[0].to_string());
  return std::vector<Shape>(output_formats().size(), inputs.empty() ? Shape{} : inputs[0]);
}

void Engine::set_phase(const std::string& phase) {
  const auto now = std::chrono::steady_clock::now();
  phase_seconds_[phase_] += std::chrono::duration<double>(now - phase_start_).count();
  phase_start_ = now;
  phase_ = phase;
}

void Engine::checkpoint() {
  if (!checkpoint_) return;
  close_phase();
  checkpoint_();
  start_phase_clock();
}

void Engine::book(const std::string& label, const Cost& cost) {
  costs_.add(label, cost);
  phase_costs_.add(phase_, cost);
}

PhaseScope::PhaseScope(Engine& engine, const std::string& phase)
    : engine_(engine), previous_(engine.phase()) {
  engine_.set_phase(phase);
}

PhaseScope::~PhaseScope() { engine_.set_phase(previous_); }

Tensor InputQueue::pop(const Shape& shape, FixedPoint format, const char* engine) {
  if (pending_.empty())
    fail(ErrorKind::kMismatch, "{}: the program asks for an input {} ({}) but none was provided",
         engine, shape.to_string(), format.to_string());
  Tensor next = std::move(pending_.front());
  pending_.pop_front();
  if (next.shape() != shape || next.fixed_point() != format)
    fail(ErrorKind::kMismatch, "{}: the program asks for an input {} ({}) but got {} ({})", engine,
         shape.to_string(), format.to_string(), next.shape().to_string(),
         next.fixed_point().to_string());
  return next;
}

Shared add(const Shared& a, const Shared& b) {
  return {
      combine(a.value, b.value, "add", [](Ring r, uint64_t x, uint64_t y) { return r.add(x, y); })};
}
Shared sub(const Shared& a, const Shared& b) {
  return {
      combine(a.value, b.value, "sub", [](Ring r, uint64_t x, uint64_t y) { return r.sub(x, y); })};
}
Masked add(const Masked& a, const Masked& b) {
  return {
      combine(a.value, b.value, "add", [](Ring r, uint64_t x, uint64_t y) { return r.add(x, y); })};
}
Masked sub(const Masked& a, const Masked& b) {
  return {
      combine(a.value, b.value, "sub", [](Ring r, uint64_t x, uint64_t y) { return r.sub(x, y); })};
}

Shared scale(const Shared& value, uint64_t c) {
  Tensor out = Tensor::for_overwrite(value.value.shape(), value.value.fixed_point());
  const Ring ring = out.ring();
  for_each_index(out.size(), [&](size_t i) { out[i] = ring.mul(value.value[i], c); });
  return {std::move(out)};
}

}  // namespace fss
