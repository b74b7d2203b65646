#pragma once
// Sizes of a key generation before it runs (docs/deployment.md, "Resource checks"): walks the
// program on the dealer's path with zero masks and no key generation, adding up each gate's
// key_bytes() as keygen would frame it, so keygen can check disk space and memory up front.
#include <cstdint>

#include "mpc/local_run.h"

namespace fss::cli {

struct KeyPlan {
  uint64_t key_file_bytes = 0;  // per party: header, framed records, checksum trailer
  uint64_t records = 0;
  uint64_t largest_record_bytes = 0;  // one gate's keys for one party, held in memory at once
  // The largest segment's stream bytes for one party (Engine::checkpoint splits the program
  // into segments): what a party holds at once with per-layer keys (mpc/local_run.h).
  uint64_t largest_segment_bytes = 0;
  uint64_t mask_bytes = 0;  // the masks of the program's inputs and outputs (client file)
};

KeyPlan plan_keys(const Program& program);

}  // namespace fss::cli
