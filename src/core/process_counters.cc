#include "core/process_counters.h"

#include <sys/resource.h>

namespace fss {

ProcessCounters& ProcessCounters::operator+=(const ProcessCounters& other) {
  minor_faults += other.minor_faults;
  major_faults += other.major_faults;
  voluntary_switches += other.voluntary_switches;
  involuntary_switches += other.involuntary_switches;
  return *this;
}

ProcessCounters ProcessCounters::operator-(const ProcessCounters& earlier) const {
  return {minor_faults - earlier.minor_faults, major_faults - earlier.major_faults,
          voluntary_switches - earlier.voluntary_switches,
          involuntary_switches - earlier.involuntary_switches};
}

ProcessCounters process_counters() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return {};
  return {static_cast<uint64_t>(usage.ru_minflt), static_cast<uint64_t>(usage.ru_majflt),
          static_cast<uint64_t>(usage.ru_nvcsw), static_cast<uint64_t>(usage.ru_nivcsw)};
}

}  // namespace fss
