#pragma once
// The kernel's counters for this whole process (getrusage): page faults and context switches.
// A run reports their change over its online phase, where both parties' threads run at once:
// many minor faults there mean buffers taken fresh from the kernel, and many involuntary
// switches more runnable threads than cores.
#include <cstdint>

namespace fss {

struct ProcessCounters {
  uint64_t minor_faults = 0;
  uint64_t major_faults = 0;
  uint64_t voluntary_switches = 0;    // waits: I/O, locks, sleeping threads
  uint64_t involuntary_switches = 0;  // preemptions

  ProcessCounters& operator+=(const ProcessCounters& other);
  ProcessCounters operator-(const ProcessCounters& earlier) const;
};

// The counters now (all zero where getrusage fails).
ProcessCounters process_counters();

}  // namespace fss
