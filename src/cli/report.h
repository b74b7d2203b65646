#pragma once
// The per-layer-kind metrics table that `run` and `party` print, and its JSON form
// (docs/metrics.md), so both commands report a party's phases the same way.
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/process_counters.h"
#include "mpc/cost.h"

namespace fss::cli {

// Prints one row per layer kind (time, wait, sent MB, rounds) under a header that ends with
// `whose` ("P0, whole batch"); returns the same numbers as {"<phase>": {"ms", "wait_ms",
// "bytes_sent", "rounds", "key_bytes", "prg_calls"}}.
nlohmann::json print_phase_table(const CostLedger& phase_costs,
                                 const std::map<std::string, double>& phase_seconds,
                                 const std::map<std::string, double>& phase_wait_seconds,
                                 const std::string& whose);

// A party's "online_process" entry: the process's page faults and context switches over its
// online clock, and back (missing keys read as 0, for files written before they existed).
nlohmann::json process_counters_json(const ProcessCounters& counters);
ProcessCounters process_counters_from_json(const nlohmann::json& json);

}  // namespace fss::cli
