#pragma once
// The git revision this binary was built from ("-dirty" with uncommitted changes to tracked
// files, "unknown" outside a checkout), for result files: a binary carried to another machine
// may run in a checkout at another revision.
namespace fss {

const char* build_revision();

}  // namespace fss
