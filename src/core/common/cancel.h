// Cooperative cancellation. The core never calls CHECK_FOR_INTERRUPTS (it would
// longjmp through C++ frames); long loops call CancelToken::poll() instead, which
// throws pp::Cancelled when the owner's callback says an interrupt is pending.
// The callback must be cheap (it is a flag read in the backend) and must not throw.
#pragma once
#include "core/common/core_only.h"
#include "core/common/errors.h"

namespace pp {

class CancelToken {
 public:
  using Probe = bool (*)();
  CancelToken() = default;
  explicit CancelToken(Probe probe) : probe_(probe) {}

  // Throws pp::Cancelled if an interrupt is pending. Cheap enough to call every
  // few thousand rows; call sites poll so that a cancel is seen within ~100 ms.
  void poll() const {
    if (probe_ != nullptr && probe_()) throw Cancelled();
  }

 private:
  Probe probe_ = nullptr;
};

}  // namespace pp
