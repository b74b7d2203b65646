#include "cli/key_plan.h"

#include <algorithm>

namespace fss::cli {
namespace {

// Key stream framing (mpc/key_stream.h): 64-byte header, 32-byte record headers, payloads
// padded to 16 bytes, 32-byte trailer on files.
constexpr uint64_t kStreamHeaderBytes = 64;
constexpr uint64_t kRecordHeaderBytes = 32;
constexpr uint64_t kTrailerBytes = 32;

uint64_t padded(uint64_t payload_bytes) { return (payload_bytes + 15) / 16 * 16; }

// Takes the dealer's path through the program (kind kDealer: wires carry masks, public
// offsets leave them alone) but with all-zero masks and no keys: only sizes are counted.
class KeyPlanEngine final : public Engine {
 public:
  KeyPlanEngine() {
    set_checkpoint([this] { end_segment(); });
  }
  Kind kind() const override { return Kind::kDealer; }
  Masked input(const Shape& shape, FixedPoint format) override {
    plan_.mask_bytes += shape.size() * sizeof(uint64_t);
    return {Tensor(shape, format)};
  }
  Masked open(const Shared& value, const std::string&) override { return {value.value}; }
  Shared share_of(const Masked& value) const override { return {value.value}; }
  void add_public(Shared&, const Tensor&) const override {}

  KeyPlan finish(const std::vector<Masked>& outputs) {
    end_segment();
    for (const Masked& output : outputs) plan_.mask_bytes += output.value.size() * sizeof(uint64_t);
    plan_.key_file_bytes += kStreamHeaderBytes + kTrailerBytes;
    return plan_;
  }

 protected:
  void run_gate(const Gate& gate, InColumns, OutColumns out) override {
    // Outputs come uninitialised (Engine::apply); the walk's later steps read them.
    for (const std::span<uint64_t>& column : out) std::fill(column.begin(), column.end(), 0);
    const uint64_t payload = gate.key_bytes(out[0].size());
    plan_.key_file_bytes += kRecordHeaderBytes + padded(payload);
    segment_bytes_ += kRecordHeaderBytes + padded(payload);
    plan_.largest_record_bytes = std::max(plan_.largest_record_bytes, payload);
    ++plan_.records;
  }

 private:
  void end_segment() {
    plan_.largest_segment_bytes = std::max(plan_.largest_segment_bytes, segment_bytes_);
    segment_bytes_ = 0;
  }

  KeyPlan plan_;
  uint64_t segment_bytes_ = kStreamHeaderBytes;  // the first segment's chunk starts with it
};

}  // namespace

KeyPlan plan_keys(const Program& program) {
  KeyPlanEngine engine;
  const std::vector<Masked> outputs = program(engine);
  return engine.finish(outputs);
}

}  // namespace fss::cli
