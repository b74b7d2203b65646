#include "cli/report.h"

#include <fmt/format.h>

namespace fss::cli {
namespace {

constexpr const char* kPhases[] = {"matmul",     "truncation", "softmax", "layernorm",
                                   "activation", "residual",   "other"};

double value_or_zero(const std::map<std::string, double>& values, const char* key) {
  const auto found = values.find(key);
  return found == values.end() ? 0 : found->second;
}

}  // namespace

nlohmann::json print_phase_table(const CostLedger& phase_costs,
                                 const std::map<std::string, double>& phase_seconds,
                                 const std::map<std::string, double>& phase_wait_seconds,
                                 const std::string& whose) {
  fmt::print("{:<12} {:>10} {:>10} {:>12} {:>8}   ({})\n", "layer kind", "time ms", "wait ms",
             "sent MB", "rounds", whose);
  nlohmann::json json_phases = nlohmann::json::object();
  for (const char* phase : kPhases) {
    const auto& costs = phase_costs.entries();
    const Cost cost = costs.contains(phase) ? costs.at(phase) : Cost{};
    const double ms = 1e3 * value_or_zero(phase_seconds, phase);
    const double wait = 1e3 * value_or_zero(phase_wait_seconds, phase);
    fmt::print("{:<12} {:>10.1f} {:>10.1f} {:>12.3f} {:>8}\n", phase, ms, wait,
               cost.bytes_sent / 1e6, cost.rounds);
    json_phases[phase] = {{"ms", ms},
                          {"wait_ms", wait},
                          {"bytes_sent", cost.bytes_sent},
                          {"rounds", cost.rounds},
                          {"key_bytes", cost.key_bytes},
                          {"prg_calls", cost.prg_calls}};
  }
  return json_phases;
}

nlohmann::json process_counters_json(const ProcessCounters& counters) {
  return {{"minor_faults", counters.minor_faults},
          {"major_faults", counters.major_faults},
          {"voluntary_switches", counters.voluntary_switches},
          {"involuntary_switches", counters.involuntary_switches}};
}

ProcessCounters process_counters_from_json(const nlohmann::json& json) {
  const auto number = [&](const char* key) { return json.value(key, uint64_t{0}); };
  return {number("minor_faults"), number("major_faults"), number("voluntary_switches"),
          number("involuntary_switches")};
}

}  // namespace fss::cli
