#pragma once
// Values on the wires between gates. What a wire's tensor holds depends on the engine that
// runs the program (ARCHITECTURE.md §2):
//
//   engine          Masked                      Shared
//   ClearEngine     x                           x
//   DealerEngine    the mask r                  the mask r
//   PartyEngine     x + r (same at P0 and P1)   this party's additive share of x + r
//
// A gate reads Masked inputs and returns Shared outputs; Engine::open turns Shared into Masked
// (one round). Bits are the ring Z_2, so a Shared bit is an XOR share.
#include "core/tensor.h"

namespace fss {

struct Masked {
  Tensor value;
};

struct Shared {
  Tensor value;
};

}  // namespace fss
