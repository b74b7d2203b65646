#pragma once
// SUF gates compiled once per process. A model applies each nonlinearity in every layer with the
// same parameters, and fitting and compiling a stepped spec takes milliseconds (bert-base's
// rsqrt, 2521 steps: 7-9 ms on a 2-core VM of the CI kind), which each party would otherwise pay
// per call inside its online phase.
#include <functional>
#include <string>

#include "suf/suf_gate.h"

namespace fss::suf {

// The gate compile() returns, made on the first call with this `key` and kept until the process
// ends; `key` names the builder and every parameter that shapes its gate. Thread-safe (parties
// run as threads of one process). An exception from compile() propagates and caches nothing.
const SufGate& compiled_once(const std::string& key, const std::function<SufGate()>& compile);

}  // namespace fss::suf
